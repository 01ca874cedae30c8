"""Preflight: read a built PDF back and check it against a print service's rules.

In: the PDF's path, the book's `Config` (trim, notes placement) and a profile
name (kdp or ingram; proof, print and screen get the general checks). Out: a
list of `Check`s, each passed, warned or failed with the pages (printed folios)
concerned. Nothing here trusts the build: sizes, margins, fonts, images and
text are all read from the file (pypdf for the objects, pypdfium2 for where text
and images sit).

The limits come from the services' published file rules (docs/profiles.md):
KDP's page-count table for the gutter, 0.25 in outside margins, 24 to 828 pages;
IngramSpark's 0.5 in margins and an even page count ending on a blank page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from folio.config import Config
from folio.pdf.profiles import (
    INGRAM_MARGIN,
    INGRAM_PAGES,
    KDP_OUTSIDE,
    KDP_PAGES,
    PROFILES,
    kdp_gutter,
    page_geometry,
)

PT = 72.0
TOLERANCE = 1.5  # points: rounding in the PDF, antialiasing of glyph boxes
FAIL_PPI, WARN_PPI = 150, 300
MAX_END_BLANKS = 10
FOOTNOTE_MARKER = re.compile(r"(?:^|\n)\s*(\d{1,3})\.\u2002")


@dataclass
class Check:
    name: str
    status: str  # pass | warn | fail
    detail: str
    pages: list[str] = field(default_factory=list)

    def line(self) -> str:
        shown = ", ".join(self.pages[:12]) + (f" and {len(self.pages) - 12} more" if len(self.pages) > 12 else "")
        return f"{self.status.upper():<5} {self.name:<16} {self.detail}" + (f" (pages {shown})" if shown else "")


def _pages_text(pages: list[str]) -> list[str]:
    return list(dict.fromkeys(pages))


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".tif", ".tiff")


def _named_images(root: Path, low: list[tuple[int, int, int, float, float]], labels: list[str]) -> str:
    """Each low-resolution picture as an author can find it: the book's image file of its pixel
    size (PIL reads only the headers), its pixels, its printed width and its resolution."""
    from PIL import Image

    files: dict[tuple[int, int], str] = {}
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in IMAGE_SUFFIXES and ".folio-cache" not in path.parts and path.is_file():
            try:
                with Image.open(path) as image:
                    files.setdefault(image.size, path.relative_to(root).as_posix())
            except (OSError, ValueError, Image.DecompressionBombError):
                continue
    described = [f"{files.get((w, h), 'an image')} ({w} × {h} px) printed {inches:.2f} in wide at {ppi:.0f} ppi "
                 f"(page {labels[page]})" for page, w, h, inches, ppi in low]
    return "; ".join(dict.fromkeys(described))


def _resolution_check(root: Path, images: list[list[tuple[float, float, float, float, float]]],
                      pictures: list[tuple[int, int, int, float, float]], labels: list[str]) -> Check:
    """Images under FAIL_PPI fail, under WARN_PPI warn; each named with its file, pixels,
    printed width and resolution."""
    count = len(images)
    low_fail = [labels[i] for i in range(count) for *_, ppi in images[i] if ppi < FAIL_PPI - 1]  # 1 ppi: rounding in the PDF
    low_warn = [labels[i] for i in range(count) for *_, ppi in images[i] if FAIL_PPI - 1 <= ppi < WARN_PPI - 1]
    all_ppi = [ppi for page in images for *_, ppi in page]
    if low_fail:
        named = _named_images(root, [p for p in pictures if p[4] < FAIL_PPI - 1], labels)
        return Check("image resolution", "fail", f"images below {FAIL_PPI} ppi as printed (lowest {min(all_ppi):.0f} ppi): {named}",
                     _pages_text(low_fail))
    if low_warn:
        named = _named_images(root, [p for p in pictures if p[4] < WARN_PPI - 1], labels)
        return Check("image resolution", "warn", f"images below {WARN_PPI} ppi as printed (lowest {min(all_ppi):.0f} ppi): {named}",
                     _pages_text(low_warn))
    return Check("image resolution", "pass", f"{len(all_ppi)} images, lowest {min(all_ppi):.0f} ppi" if all_ppi else "no images")


# long: one pass over the pages, then the service's checks in its own order, each a few lines
def preflight(pdf_path: Path, config: Config, profile_name: str) -> list[Check]:
    """Every check of `profile_name` on the PDF at `pdf_path`."""
    import pypdf
    import pypdfium2 as pdfium

    profile = PROFILES[profile_name]
    reader = pypdf.PdfReader(str(pdf_path))
    document = pdfium.PdfDocument(str(pdf_path))
    count = len(reader.pages)
    labels = list(reader.page_labels) if reader.page_labels else [str(i + 1) for i in range(count)]
    checks: list[Check] = []
    width, height = config.trim

    # Page size and bleed
    wrong_size, bleed_pages = [], []
    for index, page in enumerate(reader.pages):
        trim = page.trimbox
        media = page.mediabox
        if abs(float(trim.width) - width * PT) > TOLERANCE or abs(float(trim.height) - height * PT) > TOLERANCE:
            wrong_size.append(labels[index])
        if abs(float(media.width) - float(trim.width)) > TOLERANCE or abs(float(media.height) - float(trim.height)) > TOLERANCE:
            bleed_pages.append(labels[index])
    checks.append(Check("page size", "fail" if wrong_size else "pass",
                        f"trim is not {width:g} x {height:g} in" if wrong_size else f"{width:g} x {height:g} in on every page", wrong_size))
    if profile_name in ("kdp", "ingram"):
        checks.append(Check("bleed and marks", "fail" if bleed_pages else "pass",
                            "the media box is larger than the trim (bleed or printer's marks): this service wants the exact trim"
                            if bleed_pages else "none: the exact trim", bleed_pages[:1] if bleed_pages else []))

    # Page count and parity
    if profile_name == "kdp":
        low, high = KDP_PAGES
        ok = low <= count <= high
        checks.append(Check("page count", "pass" if ok else "fail",
                            f"{count} pages" + ("" if ok else f": KDP prints {low} to {high} pages; choose a larger trim or split the book")))
    elif profile_name == "ingram":
        low, high = INGRAM_PAGES
        problems = []
        if not low <= count <= high:
            problems.append(f"IngramSpark prints {low} to {high} pages")
        if count % 2:
            problems.append("the count is odd")
        checks.append(Check("page count", "fail" if problems else "pass", f"{count} pages" + (": " + "; ".join(problems) if problems else ", even")))

    # What is on each page: text runs and images, in points from the trim's top-left corner
    texts: list[str] = []
    runs: list[list[tuple[float, float, float, float]]] = []
    images: list[list[tuple[float, float, float, float, float]]] = []  # x0, top, x1, bottom, ppi
    pictures: list[tuple[int, int, int, float, float]] = []  # page index, pixels wide and high, inches wide, ppi
    for index in range(count):
        page = document[index]
        left, bottom, _right, top = page.get_trimbox()
        textpage = page.get_textpage()
        texts.append(textpage.get_text_range())
        page_runs = []
        for i in range(textpage.count_rects()):
            x0, y0, x1, y1 = textpage.get_rect(i)
            page_runs.append((x0 - left, top - y1, x1 - left, top - y0))
        runs.append(page_runs)
        page_images = []
        for obj in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE], max_depth=3):
            x0, y0, x1, y1 = obj.get_bounds()
            px_w, px_h = obj.get_px_size()
            shown_in = max((x1 - x0) / PT, 1e-6)
            page_images.append((x0 - left, top - y1, x1 - left, top - y0, px_w / shown_in))
            pictures.append((index, px_w, px_h, shown_in, px_w / shown_in))
        images.append(page_images)
        textpage.close()
        page.close()
    document.close()

    # Safe margins and gutter
    geometry = page_geometry(config.trim, profile, count)
    if profile_name == "kdp":
        outside = top_min = bottom_min = KDP_OUTSIDE
        gutter = kdp_gutter(count)
    elif profile_name == "ingram":
        outside = top_min = bottom_min = gutter = INGRAM_MARGIN
    else:
        outside = top_min = bottom_min = 0.25
        gutter = 0.25
    outside_pages, gutter_pages = [], []
    for index in range(count):
        recto = index % 2 == 0
        for x0, y0, x1, y1, *_ in [*runs[index], *images[index]]:
            inner = x0 if recto else width * PT - x1
            outer = width * PT - x1 if recto else x0
            if inner < gutter * PT - TOLERANCE:
                gutter_pages.append(labels[index])
            if outer < outside * PT - TOLERANCE or y0 < top_min * PT - TOLERANCE or y1 > (height - bottom_min) * PT + TOLERANCE:
                outside_pages.append(labels[index])
    checks.append(Check("safe margins", "fail" if outside_pages else "pass",
                        f"text or images closer than {outside:g} in to the trim" if outside_pages else f"everything at least {outside:g} in inside the trim",
                        _pages_text(outside_pages)))
    checks.append(Check("gutter", "fail" if gutter_pages else "pass",
                        (f"text closer than {gutter:g} in to the spine" + (f" (KDP's minimum for {count} pages)" if profile_name == "kdp" else ""))
                        if gutter_pages else f"at least {gutter:g} in on the spine side" + (f" (KDP's minimum for {count} pages)" if profile_name == "kdp" else ""),
                        _pages_text(gutter_pages)))

    # Overfull lines: text beyond the text block's sides
    margins = geometry["margins"]
    overfull = []
    for index in range(count):
        recto = index % 2 == 0
        left_margin = margins["inner"] if recto or not profile.mirrored else margins["outer"]
        right_edge = (width - (margins["outer"] if recto or not profile.mirrored else margins["inner"])) * PT
        for x0, y0, x1, y1 in runs[index]:
            if x1 > right_edge + TOLERANCE * 2 or x0 < left_margin * PT - TOLERANCE * 2:
                overfull.append(labels[index])
                break
    checks.append(Check("overfull lines", "fail" if overfull else "pass",
                        "lines run past the text block into the margin" if overfull else "every line inside the text block", overfull))

    # Fonts
    checks.append(_fonts_check(reader, full=profile.full_fonts))
    checks.append(_notdef_check(reader, labels))

    checks.append(_resolution_check(config.root, images, pictures, labels))

    # Blank pages: at most two in a row within the book; the blank pages that end it (KDP's
    # padding to 24 pages, IngramSpark's closing verso) may number up to ten, as KDP allows.
    blank = [not texts[i].strip() and not images[i] for i in range(count)]
    trailing = next((i for i in range(count) if all(blank[i:])), count)
    runs_of_blanks = []
    streak = 0
    for index, empty in enumerate(blank[:trailing]):
        streak = streak + 1 if empty else 0
        if streak == 3:
            runs_of_blanks.append(labels[index - 2])
    if count - trailing > MAX_END_BLANKS:
        runs_of_blanks.append(labels[trailing])
    checks.append(Check("blank pages", "fail" if runs_of_blanks else "pass",
                        f"more than two blank pages in a row (or more than {MAX_END_BLANKS} at the end)" if runs_of_blanks
                        else "never more than two in a row", runs_of_blanks))
    if profile_name == "ingram":
        checks.append(Check("last page", "pass" if blank[-1] else "fail", "blank" if blank[-1] else "the last page must be blank",
                            [] if blank[-1] else [labels[-1]]))

    # Footnotes: every note's call on the note's page. A call is the note's number set
    # smaller than the text it stands in (a superior figure); a note starts "12." and an en space.
    if config.notes == "footnotes":
        orphans = []
        document = pdfium.PdfDocument(str(pdf_path))
        for index, text in enumerate(texts):
            markers = list(FOOTNOTE_MARKER.finditer(text))
            if not markers:
                continue
            calls = _superior_figures(document[index], markers[0].start())
            orphans += [f"{labels[index]} (note {m.group(1)})" for m in markers if m.group(1) not in calls]
        document.close()
        checks.append(Check("footnotes", "fail" if orphans else "pass",
                            "notes on a page without their call" if orphans else "every note on the page of its call", orphans))
    return checks


def _superior_figures(page: object, end: int) -> set[str]:
    """The numbers set small (below 80 % of the page's usual size) in the page's text before `end`."""
    import statistics

    import pypdfium2 as pdfium

    textpage = page.get_textpage()  # type: ignore[attr-defined]
    text = textpage.get_text_range(0, end)
    sizes = [pdfium.raw.FPDFText_GetFontSize(textpage.raw, i) for i in range(len(text))]
    letters = [size for size, char in zip(sizes, text) if char.isalpha()]
    usual = statistics.median(letters) if letters else 0
    found, run = set(), ""
    for char, size in zip(text + " ", sizes + [usual]):
        if char.isdigit() and size < usual * 0.8:
            run += char
        elif run:
            found.add(run)
            run = ""
    textpage.close()
    return found


def _fonts_check(reader: object, full: bool) -> Check:
    """Every font embedded; with `full` (KDP) every glyph of each font there, not a subset."""
    missing, subset = set(), set()
    seen: set[int] = set()
    for page in reader.pages:  # type: ignore[attr-defined]
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources else None
        if not fonts:
            continue
        for ref in fonts.get_object().values():
            if ref.idnum in seen:
                continue
            seen.add(ref.idnum)
            font = ref.get_object()
            name = re.sub(r"^[A-Z]{6}\+", "", str(font.get("/BaseFont", "?")).lstrip("/"))
            for described in [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]:
                descriptor = described.get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor else {}
                files = [descriptor[k].get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor]
                if not files:
                    missing.add(name)
                elif full and "/FontFile2" in descriptor and _glyphs_kept(files[0].get_data()) < 0.9:
                    subset.add(name)
    if missing:
        return Check("fonts", "fail", f"not embedded: {', '.join(sorted(missing))}")
    if subset:
        return Check("fonts", "fail", f"embedded as subsets, the service wants whole fonts: {', '.join(sorted(subset))}")
    return Check("fonts", "pass", f"{len(seen)} fonts, all embedded" + (" whole" if full else ""))


def _glyphs_kept(data: bytes) -> float:
    """The share of an embedded TrueType font's glyphs that still have their outlines."""
    import io

    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), lazy=True)
    if "glyf" not in font:
        return 1.0
    glyf = font["glyf"]
    order = font.getGlyphOrder()
    drawn = sum(1 for name in order if glyf[name].numberOfContours != 0)
    return drawn / max(1, len(order) - 1)


_HEX_STRING = re.compile(rb"<([0-9A-Fa-f\s]+)>")


def _notdef_check(reader: object, labels: list[str]) -> Check:
    """Glyph 0 (.notdef, drawn as an empty box): a character no font could draw.

    Read back two ways: glyph 0 among the widths of a subset font (a subset lists only
    the glyphs drawn), and glyph 0000 in a page's text. A whole embedded font (KDP) lists
    every glyph, so there the build's own pdf-layout warning is the reliable sign."""
    pages = []
    fonts_with_notdef = set()
    seen: set[int] = set()
    for index, page in enumerate(reader.pages):  # type: ignore[attr-defined]
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources else None
        for key, ref in (fonts.get_object().items() if fonts else []):
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", []):
                widths = descendant.get_object().get("/W", [])
                if len(widths) >= 2 and int(widths[0]) == 0 and ref.idnum not in seen:
                    descriptor = descendant.get_object().get("/FontDescriptor")
                    data = descriptor.get_object().get("/FontFile2") if descriptor else None
                    if data is not None and _glyphs_kept(data.get_object().get_data()) < 0.9:
                        fonts_with_notdef.add(str(key))
            seen.add(ref.idnum)
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
        drawn = any(f"{name} ".encode() in data for name in fonts_with_notdef)
        for match in _HEX_STRING.finditer(data):
            digits = re.sub(rb"\s", b"", match.group(1))
            if len(digits) % 4 == 0 and any(digits[i:i + 4] == b"0000" for i in range(0, len(digits), 4)):
                drawn = True
                break
        if drawn:
            pages.append(labels[index])
    if not pages:
        return Check("missing glyphs", "pass", "no .notdef glyph drawn")
    return Check("missing glyphs", "fail", ".notdef drawn: a character that no font has (see folio check's font-missing-glyph)", pages)


def failed(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.status == "fail"]
