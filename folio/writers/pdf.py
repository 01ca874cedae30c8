"""Book -> print-ready PDF with WeasyPrint.

In: the `Book` (read only), the theme environment and an output path.
Out: the PDF written atomically, and a `PdfResult` holding the page map (on
which page, by index and printed folio, every id starts), which the EPUB writer
can use for its page-list.

WeasyPrint may open only regular files inside the book and theme folders and
`data:` URLs (`ContainedFetcher`); no network, no other file, no attachments.
It writes no /PageLabels, so the finisher adds them (roman front matter,
arabic body from 1), matching the printed folios.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from .. import __version__
from ..context import chapter_entry, illustration_lists, labels, metadata, note_entries, note_group_title
from ..errors import Reporter
from ..model import Book
from ..pagemap import PageStart, page_starts
from ..layout import LogCollector, layout_fixes
from ..paths import MAX_FILE_BYTES, atomic_write, is_inside
from ..profiles import KDP_PAGES, PROFILES, Profile, kdp_gutter, page_geometry
from ..render import render_template, DEFAULT_STYLES, Links, Renderer, theme_environment, theme_styles

# The note's number opens its first paragraph, hangs in the margin and links back to the call.
NOTE_NUMBER = '<a id="{id}" class="note-number" href="{href}">{number}</a>'


@dataclass
class PdfResult:
    path: Path
    pages: int
    labels: list[str]  # the printed folio of every page ("" for none printed)
    id_pages: dict[str, int] = field(default_factory=dict)  # id -> page index (0-based)
    body_start: int = 0
    starts: list[PageStart] = field(default_factory=list)  # where each page's text begins (pagemap.py)
    geometry: dict[str, Any] = field(default_factory=dict)  # trim, margins, bleed (profiles.page_geometry)
    profile: str = "print"


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ContainedFetcher(URLFetcher):
        """Serves only files inside the allowed folders, and data: URLs."""

        def __init__(self, roots: list[Path], refused: list[str]):
            super().__init__(allowed_protocols={"file", "data"})
            self.roots = roots
            self.refused = refused

        def fetch(self, url: str, headers: Any = None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path))
                if is_inside(path, self.roots) and path.stat().st_size <= MAX_FILE_BYTES:
                    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})
            self.refused.append(url)
            raise ValueError(f"folio does not fetch {url[:100]}")

    return ContainedFetcher


# The opening paragraph's first letter (with a quotation mark before it), when the body starts with a paragraph
_DROP_CAP = re.compile(r'\A(<p[^>]*>)([\u2018\u201c"\']?\w)')


def print_context(book: Book, src: Callable[[str], str] | None = None, notes: str | None = None,
                  profile: Profile | None = None) -> dict[str, Any]:
    """Everything print/book.html needs, rendered once (chapter bodies, notes, lists).

    `notes` (default: book.yaml's) places the notes: endnotes after the last chapter,
    chapter at the end of each chapter, footnotes at the foot of the page."""
    notes = notes or book.config.notes
    src = src or (lambda key: book.assets[key].path.as_uri())
    # the narrowest text block the profile can have (KDP's widest gutter) bounds the images
    narrowest = page_geometry(book.config.trim, profile or PROFILES[book.config.profile], 10_000)
    text_width = narrowest["trim"]["width"] - narrowest["margins"]["inner"] - narrowest["margins"]["outer"]
    renderer = Renderer(book, Links(href=lambda ident: f"#{ident}", src=src, sized=False, print_pages=True,
                                    footnotes=notes == "footnotes", print_box=(text_width, narrowest["text_height"] * 0.78)))
    words = labels(book.config.lang)
    chapters = [chapter_entry(c, renderer) for c in book.text_chapters]
    after_notes = [chapter_entry(c, renderer) for c in book.after_notes]
    if "drop-caps" in body_classes(book).split():
        for entry in chapters:
            if entry["role"] == "bodymatter":
                entry["body"] = _DROP_CAP.sub(r'\1<span class="drop-cap">\2</span>', entry["body"], count=1)
    groups = [] if notes == "footnotes" else [
        {"chapter_id": c.id, "title": note_group_title(c, words), "notes": note_entries(c, renderer, lead=NOTE_NUMBER)}
        for c in book.chapters
        if c.notes
    ]
    first_body = next((c.id for c in book.chapters if c.role == "bodymatter"), "")
    lists = illustration_lists(book, lambda ident: f"#{ident}", words)
    return dict(
        meta=metadata(book), words=words, chapters=chapters, after_notes=after_notes,
        note_groups=groups if notes == "endnotes" else [], chapter_notes={g["chapter_id"]: g for g in groups} if notes == "chapter" else {},
        figures=lists["figures"] if "figures" in book.config.lists else [],
        tables=lists["tables"] if "tables" in book.config.lists else [],
        first_body_id=first_body, folio_version=__version__, body_classes=body_classes(book),
        proof=_proof_slug(book, profile) if profile and profile.slug else None, end_blank=bool(profile and profile.end_blank_even),
        part=None, page_numbers={}, front_ids=[], pad_pages=0,
    )


def print_html(book: Book, src: Callable[[str], str] | None = None, env: Any = None, notes: str | None = None,
               profile: Profile | None = None, pad_pages: int = 0, context: dict[str, Any] | None = None, **part: Any) -> str:
    """The HTML WeasyPrint lays out: the whole book (images by file URL unless `src` says
    otherwise), or with part=, front_ids= and page_numbers= one part of it (parts.py)."""
    context = context or print_context(book, src, notes, profile)
    env = env or theme_environment(book.root)
    return render_template(env, "print/book.html", book.root, **{**context, "pad_pages": pad_pages, **part})


def body_classes(book: Book) -> str:
    """Classes on <body> that switch theme features: the theme, drop caps, small-caps openers."""
    classic = book.config.theme == "classic"
    drop = book.config.drop_caps if book.config.drop_caps is not None else classic
    small = book.config.small_caps_openers if book.config.small_caps_openers is not None else classic
    return " ".join(c for c, on in ((f"theme-{book.config.theme}", True), ("drop-caps", drop), ("small-caps-openers", small), (f"notes-{book.config.notes}", True)) if on)


def _proof_slug(book: Book, profile: Profile) -> dict[str, Any]:
    """The proof's slug line: title, profile and when the sources were last changed (SOURCE_DATE_EPOCH wins)."""
    import datetime
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        stamp = int(epoch)
    else:
        files = [book.root / "book.yaml", *(book.root / c.source for c in book.text_chapters), *book.config.bibliography,
                 *(style.path for style in book.styles), *(a.path for a in book.assets.values())]
        stamp = int(max(f.stat().st_mtime for f in files if f.is_file()))
    when = datetime.datetime.fromtimestamp(stamp, tz=datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return {"text": f"{book.config.title} \u00b7 {profile.name} \u00b7 sources of {when} \u00b7 folio {__version__}", "draft": book.config.draft}


def _finisher(body_start: int, profile: Profile):
    """Add /PageLabels (lower roman from the first page, arabic 1 from the body); drop the
    outline and link annotations where the profile wants none (KDP)."""
    import pydyf

    def finisher(_document: Any, pdf: Any) -> None:
        nums = pydyf.Array([0, pydyf.Dictionary({"S": "/r"})])
        if body_start > 0:
            nums.extend([body_start, pydyf.Dictionary({"S": "/D", "St": 1})])
        elif body_start == 0:
            nums = pydyf.Array([0, pydyf.Dictionary({"S": "/D", "St": 1})])
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": nums})
        if not profile.outline and "Outlines" in pdf.catalog:
            del pdf.catalog["Outlines"]
        if not profile.links:
            for obj in pdf.objects:
                if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page" and "Annots" in obj:
                    del obj["Annots"]

    return finisher


def _roman(number: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                           (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while number >= value:
            out += letters
            number -= value
    return out


class _PageProgress(logging.Handler):
    """Turns WeasyPrint's 'Creating layout - Page N' messages into progress calls."""

    def __init__(self, on_page: Callable[[int], None]):
        super().__init__(logging.INFO)
        self.on_page = on_page

    def emit(self, record: logging.LogRecord) -> None:
        if "Creating layout - Page" in str(record.msg) and record.args:
            self.on_page(int(record.args[0]))


def write_pdf(book: Book, target: Path, report: Reporter, on_page: Callable[[int], None] | None = None,
              profile: Profile | None = None, inspect: Callable[[Book, Any, list[str]], None] | None = None,
              cache: Path | None = None, meanwhile: Callable[[], None] | None = None) -> PdfResult:
    """Lay the book out for `profile` (default: book.yaml's) and write the PDF atomically.

    `inspect(book, document, folios)` sees the final layout (folio proof's report). The
    print profile is laid out in parts, in parallel and cached in `cache` (pdfparts.py);
    the other profiles, and books that set running heads of their own, as one document.
    `meanwhile()` runs in this process while the parts are laid out (the EPUB's documents),
    or first when the book is laid out here as one document."""
    profile = profile or PROFILES[book.config.profile]
    from .pdfparts import can_lay_out_in_parts, write_parts

    if inspect is None and can_lay_out_in_parts(book, profile):
        return write_parts(book, target, report, profile, cache, on_page, meanwhile)  # WeasyPrint runs in the workers
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from ..lint import WORDS_PER_PAGE
    if meanwhile is not None:
        meanwhile()
    from ..hyphens import install as install_hyphen_limit
    from ..speedups import install as install_speedups

    install_hyphen_limit()
    install_speedups()
    refused: list[str] = []
    roots = [book.root, DEFAULT_STYLES.parent]
    fetcher = _fetcher_class()(roots, refused)
    font_config = FontConfiguration()
    env = theme_environment(book.root)
    theme_css = [weasyprint.CSS(filename=str(css), font_config=font_config, url_fetcher=fetcher)
                 for css in [*theme_styles("print", book.config.theme), *(style.path for style in book.styles)]]
    html_text = print_html(book, env=env, profile=profile)

    collector = LogCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    progress_logger = logging.getLogger("weasyprint.progress")
    page_progress = _PageProgress(on_page) if on_page else None
    if page_progress:
        progress_logger.addHandler(page_progress)
        progress_logger.setLevel(logging.INFO)
    try:
        # Lay out until nothing changes: KDP's gutter depends on the page count (lay out, count,
        # set the gutter, again); KDP wants 24 pages at least (blank pages make up the difference);
        # when WeasyPrint pushed a footnote to a page without its call, the paragraph holding the
        # call starts a page; a paragraph with more than two hyphenated line ends in a row is set
        # without hyphenation; and the book is laid out again.
        pages_guess = max(1, sum(len(c.text.split()) for c in book.chapters) // WORDS_PER_PAGE)
        pad = 0
        fixes: list[str] = []
        orphans: list[tuple[str, int]] = []
        for _attempt in range(10):
            geometry = page_geometry(book.config.trim, profile, pages_guess)
            geometry_css = render_template(env, "print/page.css", book.root, profile=profile, title=book.config.title, **geometry)
            stylesheets = [weasyprint.CSS(string=geometry_css, font_config=font_config, url_fetcher=fetcher), *theme_css,
                           *([weasyprint.CSS(string="\n".join(fixes), font_config=font_config)] if fixes else [])]
            html = weasyprint.HTML(string=html_text, base_url=book.root.as_uri() + "/", url_fetcher=fetcher)
            document = html.render(stylesheets=stylesheets, font_config=font_config)
            count = len(document.pages)
            if profile.name == "kdp" and count < KDP_PAGES[0] and not pad:
                pad = KDP_PAGES[0] - count
                html_text = print_html(book, env=env, profile=profile, pad_pages=pad)
                continue
            if profile.kdp_gutter and kdp_gutter(count) != kdp_gutter(pages_guess):
                pages_guess = count
                continue
            orphans, wanted = layout_fixes(document, fixes, book.config.notes == "footnotes")
            if not wanted:
                break
            fixes += wanted
        id_pages: dict[str, int] = {}
        for index, page in enumerate(document.pages):
            for anchor in page.anchors:
                id_pages.setdefault(anchor, index)
        first_body = next((c.id for c in book.chapters if c.role == "bodymatter"), None)
        body_start = id_pages.get(first_body, 0) if first_body else -1
        with atomic_write(target) as tmp:
            document.write_pdf(
                str(tmp),
                finisher=_finisher(body_start, profile),
                dpi=300,
                jpeg_quality=90,
                pdf_identifier=_identifier(book),
                full_fonts=profile.full_fonts,
                pdf_variant="pdf/ua-1" if profile.tagged else None,
            )
    finally:
        logger.removeHandler(collector)
        if page_progress:
            progress_logger.removeHandler(page_progress)
    for url in refused:
        report.warn("pdf-layout", "book.yaml", None, f"refused to fetch {url[:100]}")
    for message in collector.messages:
        if "does not fetch" not in message:
            report.warn("pdf-layout", "book.yaml", None, message[:300])
    pages = len(document.pages)
    folios = [_roman(i + 1) if body_start < 0 or i < body_start else str(i - body_start + 1) for i in range(pages)]
    if inspect:
        inspect(book, document, folios)
    for note_id, page in orphans:
        chapter = book.chapters[book.id_chapter[note_id]] if note_id in book.id_chapter else None
        report.warn("pdf-layout", chapter.source if chapter else "book.yaml", None,
                    f"note '{note_id}' is on page {folios[page]}, not on the page of its call")
    return PdfResult(target, pages, folios, id_pages, max(body_start, 0), page_starts(document, folios), geometry, profile.name)


def orphan_footnotes(document: Any) -> list[tuple[str, int]]:
    """(note id, page index) of every footnote set on a page that does not hold its call."""
    from weasyprint.formatting_structure.boxes import FootnoteAreaBox

    orphans = []
    for index, page in enumerate(document.pages):
        children = page._page_box.children
        area = next((box for box in children if isinstance(box, FootnoteAreaBox)), None)
        if area is None or not children:
            continue
        root = children[0]
        notes = [box.element.get("id") for box in area.children if getattr(box, "element", None) is not None]
        if not notes:
            continue
        calls = {box.footnote.element.get("id") for box in root.descendants() if getattr(box, "footnote", None) is not None}
        orphans += [(note, index) for note in notes if note and note not in calls]
    return orphans


def _identifier(book: Book) -> bytes:
    import hashlib

    seed = f"{book.config.identifier}|{book.config.title}".encode("utf-8")
    return hashlib.md5(seed).hexdigest().encode("ascii")
