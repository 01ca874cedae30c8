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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from .. import __version__
from ..context import chapter_entry, labels, metadata, note_entries, note_group_title
from ..errors import Reporter
from ..model import Book
from ..pagemap import PageStart, page_starts
from ..paths import MAX_FILE_BYTES, atomic_write, is_inside
from ..render import render_template, DEFAULT_STYLES, Links, Renderer, theme_environment, theme_styles

# Margins in inches for a 6 x 9 in page, scaled with the trim's width.
BASE_MARGINS = {"top": 0.75, "bottom": 0.8, "inner": 0.85, "outer": 0.6}


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


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def page_geometry(book: Book) -> dict[str, Any]:
    width, height = book.config.trim
    scale = max(0.8, min(1.3, width / 6.0))
    margins = {k: round(v * scale, 3) for k, v in BASE_MARGINS.items()}
    return {
        "trim": {"width": width, "height": height},
        "margins": margins,
        "text_height": round(height - margins["top"] - margins["bottom"], 3),
    }


def print_html(book: Book, src: Callable[[str], str] | None = None, env: Any = None) -> str:
    """The one HTML document WeasyPrint lays out (images by file URL unless `src` says otherwise)."""
    src = src or (lambda key: book.assets[key].path.as_uri())
    renderer = Renderer(book, Links(href=lambda ident: f"#{ident}", src=src, sized=False))
    words = labels(book.config.lang)
    chapters = [chapter_entry(c, renderer) for c in book.text_chapters]
    after_notes = [chapter_entry(c, renderer) for c in book.after_notes]
    groups = [
        {"chapter_id": c.id, "title": note_group_title(c, words), "notes": note_entries(c, renderer, lead=NOTE_NUMBER)}
        for c in book.chapters
        if c.notes
    ]
    first_body = next((c.id for c in book.chapters if c.role == "bodymatter"), "")
    env = env or theme_environment(book.root)
    return render_template(
        env, "print/book.html", book.root, meta=metadata(book), words=words, chapters=chapters, after_notes=after_notes, note_groups=groups,
        first_body_id=first_body, folio_version=__version__,
    )


def _page_labels_finisher(body_start: int):
    """Add /PageLabels: lower roman from the first page, arabic 1 from the body."""
    import pydyf

    def finisher(_document: Any, pdf: Any) -> None:
        nums = pydyf.Array([0, pydyf.Dictionary({"S": "/r"})])
        if body_start > 0:
            nums.extend([body_start, pydyf.Dictionary({"S": "/D", "St": 1})])
        elif body_start == 0:
            nums = pydyf.Array([0, pydyf.Dictionary({"S": "/D", "St": 1})])
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": nums})

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


def write_pdf(book: Book, target: Path, report: Reporter, on_page: Callable[[int], None] | None = None) -> PdfResult:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    refused: list[str] = []
    roots = [book.root, DEFAULT_STYLES.parent]
    fetcher = _fetcher_class()(roots, refused)
    font_config = FontConfiguration()
    env = theme_environment(book.root)
    geometry_css = render_template(env, "print/page.css", book.root, **page_geometry(book))
    stylesheets = [weasyprint.CSS(string=geometry_css, font_config=font_config, url_fetcher=fetcher)]
    for css in [*theme_styles("print"), *(style.path for style in book.styles)]:
        stylesheets.append(weasyprint.CSS(filename=str(css), font_config=font_config, url_fetcher=fetcher))

    collector = _LogCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    progress_logger = logging.getLogger("weasyprint.progress")
    page_progress = _PageProgress(on_page) if on_page else None
    if page_progress:
        progress_logger.addHandler(page_progress)
        progress_logger.setLevel(logging.INFO)
    try:
        html = weasyprint.HTML(string=print_html(book, env=env), base_url=book.root.as_uri() + "/", url_fetcher=fetcher)
        document = html.render(stylesheets=stylesheets, font_config=font_config)
        id_pages: dict[str, int] = {}
        for index, page in enumerate(document.pages):
            for anchor in page.anchors:
                id_pages.setdefault(anchor, index)
        first_body = next((c.id for c in book.chapters if c.role == "bodymatter"), None)
        body_start = id_pages.get(first_body, 0) if first_body else -1
        with atomic_write(target) as tmp:
            document.write_pdf(
                str(tmp),
                finisher=_page_labels_finisher(body_start),
                dpi=300,
                jpeg_quality=90,
                pdf_identifier=_identifier(book),
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
    return PdfResult(target, pages, folios, id_pages, max(body_start, 0), page_starts(document, folios))


def _identifier(book: Book) -> bytes:
    import hashlib

    seed = f"{book.config.identifier}|{book.config.title}".encode("utf-8")
    return hashlib.md5(seed).hexdigest().encode("ascii")
