"""Reading a built PDF back: pages, labels, printed folios, links, outline, fonts, text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pypdfium2

_FOLIO = re.compile(r"^(?:[ivxlcdm]+|\d+)$")


@dataclass
class Link:
    page: int
    dest: str


class PdfProbe:
    def __init__(self, path: Path):
        self.path = path
        self.reader = pypdf.PdfReader(str(path))
        self.pdfium = pypdfium2.PdfDocument(str(path))
        self.pages = len(self.reader.pages)
        self.dests = {name: self.reader.get_destination_page_number(dest) for name, dest in self.reader.named_destinations.items()}

    def text(self, index: int) -> str:
        page = self.pdfium[index]
        return page.get_textpage().get_text_range()

    def band_words(self, index: int, top: bool, height_pt: float = 54) -> list[str]:
        """Words in the top or bottom band of a page (where running heads and folios are)."""
        page = self.pdfium[index]
        width, height = page.get_size()
        textpage = page.get_textpage()
        if top:
            text = textpage.get_text_bounded(0, height - height_pt, width, height)
        else:
            text = textpage.get_text_bounded(0, 0, width, height_pt)
        return text.split()

    def printed_folio(self, index: int) -> str | None:
        for top in (True, False):
            for word in self.band_words(index, top):
                if _FOLIO.match(word):
                    return word
        return None

    def links(self) -> list[Link]:
        found = []
        for index, page in enumerate(self.reader.pages):
            for annot in page.get("/Annots", []) or []:
                annot = annot.get_object()
                if annot.get("/Subtype") == "/Link" and "/Dest" in annot:
                    found.append(Link(index, str(annot["/Dest"])))
        return found

    def outline_titles(self) -> list[str]:
        return [item.title for item in self.reader.outline if not isinstance(item, list)]

    def fonts(self) -> dict[str, bool]:
        """Font base name -> embedded."""
        fonts: dict[str, bool] = {}
        for page in self.reader.pages:
            resources = page.get("/Resources") or {}
            for font in (resources.get("/Font") or {}).values():
                font = font.get_object()
                descendants = font.get("/DescendantFonts")
                target = descendants[0].get_object() if descendants else font
                descriptor = target.get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor else {}
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts[str(font.get("/BaseFont"))] = embedded
        return fonts

    def is_empty(self, index: int) -> bool:
        page = self.reader.pages[index]
        has_images = bool(((page.get("/Resources") or {}).get("/XObject") or {}))
        return not self.text(index).strip() and not has_images



@dataclass
class Shape:
    """What a page's text block holds, read back: where its text and images stop (the share of
    the block left empty below them; None: nothing in it), its lines of text, its images."""

    empty: float | None
    lines: int
    images: int


def page_shapes(path: Path, margins: dict[str, float]) -> list[Shape]:
    """Each page's `Shape` in the text block: the trim box less the book's `margins` (inches),
    read with pdfium (text runs and image objects; a line is a run of text boxes on one baseline,
    a note call's raised number with it)."""
    import pypdfium2.raw as pdfium_c

    shapes = []
    pdf = pypdfium2.PdfDocument(str(path))
    for page in pdf:
        left, bottom, right, top = page.get_trimbox()
        block_top, block_foot = top - margins["top"] * 72, bottom + margins["bottom"] * 72
        text = page.get_textpage()
        runs = [text.get_rect(i) for i in range(text.count_rects())]
        runs = [r for r in runs if r[3] < block_top + 2 and r[1] > block_foot - 2 and r[2] > r[0]]
        images = [obj.get_bounds() for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=5)]
        images = [r for r in images if r[3] < block_top + 2 and r[1] > block_foot - 2]
        bottoms = sorted(r[1] for r in runs)
        lines = sum(1 for i, b in enumerate(bottoms) if i == 0 or b - bottoms[i - 1] > 6)
        lowest = min([r[1] for r in runs] + [r[1] for r in images], default=None)
        shapes.append(Shape(None if lowest is None else (lowest - block_foot) / (block_top - block_foot), lines, len(images)))
    pdf.close()
    return shapes


def _starts(path: Path) -> set[int]:
    reader = pypdf.PdfReader(str(path))
    return {reader.get_destination_page_number(entry) for entry in reader.outline if not isinstance(entry, list)}


def starts_by_title(path: Path, titles: list[str]) -> set[int]:
    """The pages whose text opens with one of `titles` (after a label such as "Chapter 2"): where
    the book's parts start in a PDF without an outline (KDP's)."""
    wanted = [squashed for squashed in ("".join(c for c in t if c.isalnum()) for t in titles) if squashed]
    found = set()
    pdf = pypdfium2.PdfDocument(str(path))
    for index, page in enumerate(pdf):
        text = page.get_textpage().get_text_range()
        opening = "".join(c for c in text[:400] if c.isalnum())[:200]
        if any(title in opening[:len(title) + 12] for title in wanted):
            found.add(index)
    pdf.close()
    return found


def pages_stopping_short(path: Path, margins: dict[str, float], first: int, limit: float = 0.2,
                         starts: set[int] | None = None) -> list[tuple[int, float]]:
    """(page index, share of the text block left empty at its foot) of each page from `first` on
    whose text and images stop more than `limit` of the text block above its foot while its part
    of the book goes on: the next page is neither empty nor the start of a part (an outline
    entry's page, or one of `starts`)."""
    shapes, starts = page_shapes(path, margins), _starts(path) if starts is None else starts
    return [(index, round(shapes[index].empty, 2)) for index in range(first, len(shapes) - 1)
            if shapes[index].empty is not None and shapes[index].empty > limit
            and shapes[index + 1].empty is not None and index + 1 not in starts]


def short_chapter_ends(path: Path, margins: dict[str, float], first: int, least: int = 4) -> list[tuple[int, int]]:
    """(page index, lines) of each page from `first` on that ends a part of the book (the next
    page is empty or starts an outline entry) after a page of it, with fewer than `least` lines
    of text and no image in its text block."""
    shapes, starts = page_shapes(path, margins), _starts(path)
    found = []
    for index in range(first + 1, len(shapes)):
        shape = shapes[index]
        ends = index + 1 == len(shapes) or index + 1 in starts or shapes[index + 1].empty is None
        if ends and index not in starts and shapes[index - 1].lines and not shape.images and 0 < shape.lines < least:
            found.append((index, shape.lines))
    return found


def rules_through_text(path: Path) -> list[tuple[int, str]]:
    """(page index, the text it crosses) of each drawn rule (a path wider than 30 pt: its top
    edge, where a border-top is drawn) that runs through a run of text on its page."""
    import pypdfium2.raw as pdfium_c

    found = []
    pdf = pypdfium2.PdfDocument(str(path))
    for index, page in enumerate(pdf):
        paths = [obj.get_bounds() for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=5)]
        paths = [p for p in paths if p[2] - p[0] > 30]
        if not paths:
            continue
        text = page.get_textpage()
        runs = [text.get_rect(i) for i in range(text.count_rects())]
        for left, _bottom, right, top in paths:
            y = top - 0.2
            crossed = [r for r in runs if r[1] < y - 0.3 < y + 0.3 < r[3] and r[0] < right and r[2] > left]
            found += [(index, text.get_text_bounded(*r)) for r in crossed]
    pdf.close()
    return found


def _last_baselines(path: Path, margins: dict[str, float]) -> list[tuple[float | None, bool]]:
    """Each page's lowest text baseline in its text block (None: no text), and whether an image
    is on it or its text stops a fifth of the block or more above the foot."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    found = []
    x, y = ctypes.c_double(), ctypes.c_double()
    pdf = pypdfium2.PdfDocument(str(path))
    for page in pdf:
        _left, bottom, _right, top = page.get_trimbox()
        block_top, block_foot = top - margins["top"] * 72, bottom + margins["bottom"] * 72
        text = page.get_textpage()
        lowest = None
        for index in range(text.count_chars() - 1, -1, -1):  # from the end: the last lines come last
            pdfium_c.FPDFText_GetCharOrigin(text.raw, index, x, y)
            if not block_foot - 2 < y.value < block_top:
                continue  # (a folio, a running head)
            if lowest is not None and y.value > lowest + 40:
                break  # well above the lowest line found: the page's text is read from the top down
            if lowest is None or y.value < lowest:
                lowest = y.value
        images = [obj.get_bounds()[1] for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=5)]
        empty = None if lowest is None else (lowest - block_foot) / (block_top - block_foot)
        found.append((lowest, any(block_foot - 2 < b < block_top for b in images) or (empty or 0) > 0.2))
    pdf.close()
    return found


def uneven_spreads(path: Path, margins: dict[str, float], first: int) -> list[tuple[int, float]]:
    """(verso index, points apart) of each spread of text from page `first` on (no image on
    either page) whose two pages both go on overleaf (the page after each is neither empty nor
    the start of an outline entry) with last baselines more than half a point apart (white
    space, a fifth of the text block or more, is not an uneven spread: `pages_stopping_short`)."""
    ends, starts = _last_baselines(path, margins), _starts(path)

    def goes_on(index: int) -> bool:
        return index + 1 < len(ends) and ends[index + 1][0] is not None and index + 1 not in starts

    found = []
    for verso in range(first + (1 - first % 2), len(ends) - 1, 2):  # (index 0 is a recto)
        recto = verso + 1
        pair = (ends[verso], ends[recto])
        if all(goes_on(i) for i in (verso, recto)) and all(e[0] is not None and not e[1] for e in pair):
            apart = abs(pair[0][0] - pair[1][0])
            if apart > 0.5:
                found.append((verso, round(apart, 1)))
    return found


def recto_page_turn_hyphens(path: Path, margins: dict[str, float], first: int) -> list[int]:
    """Indexes of the rectos (odd pages: index 0 is page 1) from page `first` on whose text block
    ends with a word hyphenated at a line's end while the text goes on overleaf."""
    pdf = pypdfium2.PdfDocument(str(path))
    starts = _starts(path)
    found = []
    for index in range(first + first % 2, len(pdf) - 1, 2):
        page = pdf[index]
        _left, bottom, right, top = page.get_trimbox()
        text = page.get_textpage().get_text_bounded(0, bottom + margins["bottom"] * 72 - 2, right, top - margins["top"] * 72)
        lines = [line.rstrip() for line in text.splitlines() if line.strip()]
        if lines and re.search(r"\w[-\u2010\u00ad]$", lines[-1]) and index + 1 not in starts:
            found.append(index)
    pdf.close()
    return found
