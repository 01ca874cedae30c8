"""One part of the book laid out by WeasyPrint, in a worker process.

In: a `PartJob`: the HTML of one part (the front matter, a chapter, the notes, ...),
the style sheets as text, the folders WeasyPrint may read, and whether the part
draws its own running heads and folios. Out: a `PartResult`: the part's PDF bytes,
its page count, where each id, bookmark and page's text starts (by page of the
part), the fixes the layout needed and WeasyPrint's warnings. Everything in and
out is plain data, so parts lay out in parallel processes and results are cached.

A part with `furniture=False` is laid out with its margin boxes hidden: its page
numbers are not known yet (they depend on every earlier part's length). Its
running heads and folios come from a furniture document (`furniture_html`), laid
out once the start page is known and overlaid on its pages (writers/pdf.py).

A part with `flow=True` (the notes) is laid out by flow.py, which draws it in chunks
and can resume from its last layout. `PartCache` keeps parts on disk for the build
process and for a worker resuming a flow.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .hyphens import install as install_hyphen_limit
from .paths import atomic_write
from .speedups import install as install_speedups

# Margin boxes with no content are not made at all (hidden ones would still be laid out)
HIDE_MARGIN_BOXES = "@page { " + " ".join(
    f"@{box} {{ content: none !important; }}" for box in (
        "top-left-corner", "top-left", "top-center", "top-right", "top-right-corner", "left-top", "left-middle",
        "left-bottom", "right-top", "right-middle", "right-bottom", "bottom-left-corner", "bottom-left",
        "bottom-center", "bottom-right", "bottom-right-corner")) + " }"


@dataclass
class PartJob:
    key: str  # the cache key: a hash of everything below
    html: str
    css: list[str]  # style sheets as text, in cascade order
    base_url: str
    roots: list[str]  # folders WeasyPrint may read
    furniture: bool = True  # draw running heads and folios
    fix_footnotes: bool = False
    identifier: bytes = b""
    full_fonts: bool = False
    pdf_variant: str | None = None
    css_bases: list[str] = field(default_factory=list)  # the base URL of each style sheet (its folder)
    flow: bool = False  # one flow drawn in chunks, resumed after a small edit (flow.py): the notes
    previous: str | None = None  # flow: the cache key of the part's last layout, to resume from
    cache_folder: str | None = None  # flow: where that layout is (the part cache)


@dataclass
class PartResult:
    key: str
    pdf: bytes
    pages: int
    anchors: dict[str, tuple[int, float, float]] = field(default_factory=dict)  # id -> (page, x pt, y pt from the bottom)
    bookmarks: list[tuple[int, str, int, float]] = field(default_factory=list)  # (level, label, page, y pt)
    starts: list[tuple[str | None, int]] = field(default_factory=list)  # per page: (part, letters before)
    page_height: float = 0.0  # points
    orphans: list[tuple[str, int]] = field(default_factory=list)  # footnotes away from their call
    warnings: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)  # flow: the PDF in chunks of pages, in order (pdf is empty)
    flow: dict[str, Any] = field(default_factory=dict)  # flow: the state a later layout resumes from (flow.py)


class PartCache:
    """Laid-out parts on disk: KEY.pdf (or KEY-N.pdf, one per chunk) and KEY.json, written
    atomically. Used by the build process, and by a worker resuming a flow."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    def has(self, key: str) -> bool:
        """Whether the cache has an entry for `key` (`get` may still find it unreadable)."""
        return self.folder is not None and (self.folder / f"{key}.json").is_file()

    def get(self, key: str | None) -> PartResult | None:
        if self.folder is None or key is None:
            return None
        meta = self.folder / f"{key}.json"
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            data["anchors"] = {k: tuple(v) for k, v in data["anchors"].items()}
            data["bookmarks"] = [tuple(b) for b in data["bookmarks"]]
            data["starts"] = [tuple(s) for s in data["starts"]]
            data["orphans"] = [tuple(o) for o in data["orphans"]]
            count = data.pop("chunk_count")
            pdf = b"" if count else (self.folder / f"{key}.pdf").read_bytes()
            chunks = [(self.folder / f"{key}-{n}.pdf").read_bytes() for n in range(count)]
            return PartResult(**{**data, "pdf": pdf, "chunks": chunks})
        except (ValueError, TypeError, KeyError, OSError):
            return None

    def put(self, result: PartResult) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for name, data in [(f"{result.key}-{n}.pdf", chunk) for n, chunk in enumerate(result.chunks)] or [(f"{result.key}.pdf", result.pdf)]:
            with atomic_write(self.folder / name) as tmp:
                tmp.write_bytes(data)
        data = asdict(result)
        del data["pdf"], data["chunks"]
        data["chunk_count"] = len(result.chunks)
        with atomic_write(self.folder / f"{result.key}.json") as tmp:  # last: the entry exists once it is whole
            tmp.write_text(json.dumps(data), encoding="utf-8")


class LogCollector(logging.Handler):
    """WeasyPrint's warnings, kept to be reported with the build's diagnostics."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def watch_build(pid: int, language: str | None = None) -> None:
    """A worker's initializer: end the worker when the build process `pid` is gone, and load
    the hyphenation patterns of `language` (0.15 s for English, which the worker's first
    part would otherwise pay; the workers start while the book is read).

    A build killed outright (SIGKILL, SIGTERM, a CI timeout) never tells its workers to
    stop, and a worker waits for its next part forever, keeping the forkserver alive with
    it: three processes and their memory left behind by every killed build."""
    import os
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:  # the pid was taken by another user's process: ours is gone
                os._exit(0)

    threading.Thread(target=watch, name="folio-watch-build", daemon=True).start()
    if language:
        import pyphen

        found = pyphen.language_fallback(language)  # as WeasyPrint looks the patterns up
        if found:
            pyphen.Pyphen(lang=found)  # kept by pyphen for the process


_FONTS: dict[str, Any] = {}


def _font_config() -> Any:
    """The worker's one FontConfiguration: fonts load once, for every part it lays out."""
    if "config" not in _FONTS:
        from weasyprint.text.fonts import FontConfiguration

        _FONTS["config"] = FontConfiguration()
    return _FONTS["config"]


def lay_out(job: PartJob) -> PartResult:
    """Lay out one part; fix footnotes pushed away from their call and stacked hyphens, then write it."""
    try:
        if job.flow:
            from .flow import PageCounters, lay_out_flow

            try:
                return lay_out_flow(job)
            except PageCounters:  # laid out and drawn whole instead
                pass
        return _lay_out(job)
    finally:
        release_memory()


@dataclass
class Setting:
    """What laying out a part needs, made once per part by `setting`."""

    font_config: Any
    fetcher: Any
    sheets: list[Any]  # the job's style sheets, margin boxes hidden for a part without furniture
    refused: list[str]  # URLs the fetcher refused
    collector: LogCollector

    def warnings(self) -> list[str]:
        return [m[:300] for m in self.collector.messages if "does not fetch" not in m]


@contextmanager
def setting(job: PartJob) -> Iterator[Setting]:
    """The hyphen limit installed, the worker's fonts, a fetcher that reads only the job's
    folders, the parsed style sheets, and WeasyPrint's warnings collected meanwhile."""
    from .writers.pdf import _fetcher_class

    install_hyphen_limit()
    install_speedups()
    font_config = _font_config()
    refused: list[str] = []
    fetcher = _fetcher_class()([Path(r) for r in job.roots], refused)
    collector = LogCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        sheets = _sheets(job, fetcher, font_config)
        if not job.furniture:
            sheets.append(_sheet(HIDE_MARGIN_BOXES, job.base_url, fetcher, font_config))
        yield Setting(font_config, fetcher, sheets, refused, collector)
    finally:
        logger.removeHandler(collector)


def _lay_out(job: PartJob) -> PartResult:
    import weasyprint

    from .pagemap import page_starts

    with setting(job) as given:
        fixes: list[str] = []
        for _attempt in range(8):
            extra = [weasyprint.CSS(string="\n".join(fixes), font_config=given.font_config)] if fixes else []
            document = weasyprint.HTML(string=job.html, base_url=job.base_url, url_fetcher=given.fetcher).render(
                stylesheets=given.sheets + extra, font_config=given.font_config)
            orphans, wanted = layout_fixes(document, fixes, job.fix_footnotes)
            if not wanted:
                break
            fixes += wanted
        result = PartResult(job.key, b"", len(document.pages), refused=given.refused)
        result.page_height = document.pages[0].height * 0.75 if document.pages else 0.0
        add_anchors_and_bookmarks(result, document)
        result.starts = [(s.part, s.offset) for s in page_starts(document, [""] * len(document.pages))]
        result.orphans = orphans
        result.pdf = document.write_pdf(dpi=300, jpeg_quality=90, pdf_identifier=job.identifier or None,
                                        full_fonts=job.full_fonts, pdf_variant=job.pdf_variant)
    result.warnings = given.warnings()
    return result


def add_anchors_and_bookmarks(result: PartResult, document: Any, first: int = 0) -> None:
    """The ids and bookmarks of WeasyPrint's pages, whose first is page `first` of the part,
    in points from the page's bottom left (as PDF places them); an id keeps its first place."""
    for index, page in enumerate(document.pages):
        height = page.height * 0.75
        for anchor, (x, y, *_rest) in page.anchors.items():
            result.anchors.setdefault(anchor, (first + index, x * 0.75, height - y * 0.75))
    for level, label, (page, _x, y), _state in _flatten(document.make_bookmark_tree()):
        result.bookmarks.append((level, label, first + page, result.page_height - y * 0.75))


def layout_fixes(document: Any, fixes: list[str], footnotes: bool) -> tuple[list[tuple[str, int]], list[str]]:
    """What is wrong with a layout and the CSS rules, not yet in `fixes`, that mend it.

    Returns the footnotes set away from their call (when `footnotes`) and new rules: for
    each such note `_footnote_fix`, and `hyphens: manual` for a paragraph with more than
    two hyphenated line ends in a row. No new rules: the layout is final."""
    from .proof import stacked_hyphens
    from .writers.pdf import orphan_footnotes

    orphans = orphan_footnotes(document) if footnotes else []
    wanted = [_footnote_fix(note, fixes) for note, _ in orphans]
    wanted += [f'p[data-p="{n}"] {{ hyphens: manual; }}' for n in stacked_hyphens(document)]
    return orphans, [rule for rule in dict.fromkeys(wanted) if rule not in fixes]


def _footnote_fix(note: str, fixes: list[str]) -> str:
    """How to keep a note with its call, stronger each time the note is still away from it:
    let the call's line move alone (widows and orphans of 1), then start its paragraph on a new page."""
    gentle = f'p[data-notes~="{note}"] {{ widows: 1; orphans: 1; }}'
    return gentle if gentle not in fixes else f'p[data-notes~="{note}"] {{ break-before: page; }}'


_SHEETS: dict[tuple[str, str], Any] = {}  # parsed style sheets, kept by a worker for its next parts


def _sheet(text: str, base: str, fetcher: Any, font_config: Any) -> Any:
    """A style sheet, parsed once per worker (every part uses the same ones)."""
    import weasyprint

    if (text, base) not in _SHEETS:
        if len(_SHEETS) > 64:  # a long-lived process (folio serve) whose styles keep changing
            _SHEETS.clear()
        _SHEETS[text, base] = weasyprint.CSS(string=text, base_url=base, font_config=font_config, url_fetcher=fetcher)
    return _SHEETS[text, base]


def _sheets(job: PartJob, fetcher: Any, font_config: Any) -> list[Any]:
    """The job's style sheets, in cascade order."""
    bases = job.css_bases or [job.base_url] * len(job.css)
    return [_sheet(text, base, fetcher, font_config) for text, base in zip(job.css, bases)]


def release_memory() -> None:
    """Give the memory a finished part used back to the system: a worker's next part may be
    small, and the build's peak is the sum over every process. (A full gc.collect() here as
    well cost 0.9 s of CPU per build of the large book and was not needed: PSS 533 MB without.)"""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _flatten(tree: list[Any], level: int = 1) -> list[tuple[int, str, Any, Any]]:
    out = []
    for label, target, children, state in tree:
        out.append((level, label, target, state))
        out += _flatten(children, level + 1)
    return out


def furniture_html(section_open: str, header: str, pages: int) -> str:
    """A part's running heads and folios on `pages` empty pages: its section and title, then empty sheets."""
    sheets = '<div class="folio-sheet"></div>\n' * (pages - 1)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"/></head><body>\n{section_open}\n'
            f'<div class="folio-furniture-head">{header}</div>\n{sheets}</section>\n</body></html>')


FURNITURE_CSS = """
.folio-sheet { break-before: page; height: 1px; }
.folio-furniture-head { visibility: hidden; height: 0; overflow: hidden; margin: 0; padding: 0; }
.folio-furniture-head * { margin: 0; padding: 0; }
"""


def lay_out_furniture(job: PartJob, start: int) -> bytes:
    """The furniture of one part, its first page numbered `start` (the part's sheet count is in its HTML)."""
    try:
        return _lay_out_furniture(job, start)
    finally:
        release_memory()


def _lay_out_furniture(job: PartJob, start: int) -> bytes:
    import weasyprint

    from .writers.pdf import _fetcher_class

    install_speedups()
    font_config = _font_config()
    fetcher = _fetcher_class()([Path(r) for r in job.roots], [])
    sheets = _sheets(job, fetcher, font_config)
    sheets.append(weasyprint.CSS(string=FURNITURE_CSS + f"@page :first {{ counter-set: page {start}; }}", font_config=font_config))
    document = weasyprint.HTML(string=job.html, base_url=job.base_url, url_fetcher=fetcher).render(stylesheets=sheets, font_config=font_config)
    return document.write_pdf(pdf_identifier=job.identifier or None)
