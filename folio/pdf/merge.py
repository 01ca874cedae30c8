"""Laid-out parts -> one PDF: pages in order, furniture overlaid, links, outline, labels.

In: the `Book`, the front matter's `PartResult`, and for every body part its result, the
PDF of its running heads and folios, and its first page. Out: the merged PDF, written
atomically by pikepdf (qpdf), with blank versos where a part ends on a recto, every link
to another part turned into a named destination, the outline, /PageLabels and the
metadata; and its `PdfResult`.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from folio.errors import Reporter
from folio.model import Book, Chapter, PageStart, PdfResult
from folio.paths import atomic_write
from folio.pdf.document import roman
from folio.weasy.jobs import PartResult


def _overlay(page: Any, furniture: Any, index: int) -> None:
    """Draw a furniture page over a page, under a fixed name (pikepdf's add_overlay picks random
    names, which would make every build's PDF differ)."""
    import pikepdf

    form = furniture.as_form_xobject()
    name = pikepdf.Name(f"/FolioFurniture{index}")
    page.add_resource(form, pikepdf.Name.XObject, name=name)
    placement = page.calc_form_xobject_placement(form, name, pikepdf.Rectangle(page.trimbox))
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"Q\n" + placement, prepend=False)
    # (no coalescing: the page keeps its compressed stream, with two small ones around it)


_NOTDEF = re.compile(r'\.notdef glyph rendered for Unicode string unsupported by fonts: "(.*)" \(U\+([0-9A-F]+)\)', re.DOTALL)


def report_layout_messages(messages: list[str], report: Reporter) -> None:
    """WeasyPrint's warnings as pdf-layout warnings; its one-per-character messages about
    characters no font has become a single font-missing-glyph warning (folio check has named
    the scripts, chapters and lines before the layout: this catches what only the layout
    draws, such as the theme's own words)."""
    missing: list[str] = []
    for message in messages:
        found = _NOTDEF.match(message)
        if found:
            missing.append(f"{found[1]} (U+{found[2]})")
        else:
            report.warn("pdf-layout", "book.yaml", None, message)
    if missing:
        shown = list(dict.fromkeys(missing))
        report.warn("font-missing-glyph", "book.yaml", None, f"{len(missing)} characters printed as empty boxes, no font has them: "
                    f"{', '.join(shown[:12])}{' ...' if len(shown) > 12 else ''}")


def _table_line(chapter: Chapter, words: str) -> int | None:
    """The source line of a table whose first cells' texts are `words` (tab-separated): the
    first line that has them in order (a pipe or grid table's first row), else where the
    longest of them stands."""
    cells = words.split("\t")
    for number, line in enumerate(chapter.text.splitlines(), 1):
        position = 0
        for cell in cells:
            position = line.find(cell, position)
            if position < 0:
                break
            position += len(cell)
        else:
            return number
    return chapter.line_of(max(cells, key=len), None)


def report_wide_tables(book: Book, wide: list, labels: list[str], report: Reporter) -> None:
    """A warning for each table laid out wider than the text block, at its chapter's line."""
    for part, page, words, over in wide:
        ident = part.split(":", 1)[1] if part else ""
        chapter = book.chapters[book.id_chapter[ident]] if ident in book.id_chapter else None
        report.warn("table-too-wide", chapter.source if chapter else "book.yaml", _table_line(chapter, words) if chapter and words else None,
                    f"a table on page {labels[page] if page < len(labels) else page + 1} is {over:.0f} pt wider than the text "
                    "block and runs off the page: give it fewer or narrower columns, or set it smaller in the book's style sheet")


def merge(book: Book, target: Path, report: Reporter, front: PartResult,
           body: list[tuple[str, PartResult, bytes, int]], on_page: Callable[[int], None] | None) -> PdfResult:
    import pikepdf

    out = pikepdf.Pdf.new()
    opened: list[pikepdf.Pdf] = []  # sources stay open until the merged file is saved

    def open_pdf(data: bytes) -> pikepdf.Pdf:
        opened.append(pikepdf.open(io.BytesIO(data)))
        return opened[-1]

    anchors: dict[str, tuple[int, float, float]] = {}
    bookmarks: list[tuple[int, str, int, float]] = []
    folios: list[str] = []
    starts: list[PageStart] = []

    def add(result: PartResult, overlay: pikepdf.Pdf | None, labels: list[str]) -> pikepdf.Pdf:
        """The part's pages (from its PDF, or its chunks in order) with their furniture; its first source."""
        offset = len(out.pages)
        sources = [open_pdf(data) for data in result.chunks or [result.pdf]]
        index = 0
        for source in sources:
            if overlay is not None:  # all overlays first: the pages share one resource dictionary, copied on append
                for page in source.pages:
                    _overlay(page, overlay.pages[index], index)
                    index += 1
            with warnings.catch_warnings():  # named destinations and links are rebuilt below
                warnings.filterwarnings("ignore", message="Copying pages from another Pdf")
                out.pages.extend(source.pages)
        for ident, (page, x, y) in result.anchors.items():
            anchors.setdefault(ident, (offset + page, x, y))
        bookmarks.extend((level, label, offset + page, y) for level, label, page, y in result.bookmarks)
        folios.extend(labels)
        starts.extend(PageStart(label, part, count) for label, (part, count) in zip(labels, result.starts))
        report_layout_messages(result.warnings, report)
        report_wide_tables(book, result.wide, labels, report)
        for url in result.refused:
            report.warn("pdf-layout", "book.yaml", None, f"refused to fetch {url[:100]}")
        for note, page in result.orphans:
            chapter = book.chapters[book.id_chapter[note]] if note in book.id_chapter else None
            report.warn("pdf-layout", chapter.source if chapter else "book.yaml", None,
                        f"note '{note}' is on page {labels[page]}, not on the page of its call")
        return sources[0]

    def blank(label: str) -> None:
        first = out.pages[0]
        out.add_blank_page(page_size=(float(first.mediabox[2]), float(first.mediabox[3])))
        folios.append(label)
        starts.append(PageStart(label, None))

    front_pdf = add(front, None, [roman(i + 1) for i in range(front.pages)])
    if front.pages % 2:
        blank(roman(front.pages + 1))
    body_start = len(out.pages)
    for position, (_name, result, furniture, start) in enumerate(body):
        add(result, open_pdf(furniture), [str(start + i) for i in range(result.pages)])
        if result.pages % 2 and position + 1 < len(body):
            blank(str(start + result.pages))
    if on_page:
        on_page(len(out.pages))

    _link(out, anchors, bookmarks, body_start)
    for key, value in front_pdf.docinfo.items():
        out.docinfo[key] = value
    # Saved to memory, then written: qpdf writing a file on a full disk throws from C++ through
    # pikepdf's file object and aborts the whole process (seen with pikepdf 10.18, tests/test_faults.py).
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    with atomic_write(target) as tmp:
        tmp.write_bytes(buffer.getbuffer())
    for source in opened:
        source.close()
    id_pages = {ident: page for ident, (page, _x, _y) in anchors.items()}
    return PdfResult(target, len(out.pages), folios, id_pages, body_start, starts, {}, "print")


def _link(out: Any, anchors: dict[str, tuple[int, float, float]], bookmarks: list[tuple[int, str, int, float]],
          body_start: int) -> None:
    """The merged file's links to other parts as named destinations, every id a destination,
    the outline of the chapters and the /PageLabels (roman, then arabic from the body)."""
    import pikepdf

    for page in out.pages:  # links to other parts go to the named destinations written below
        for annot in page.get("/Annots", []):
            action = annot.get("/A")
            if action is not None and action.get("/S") == "/URI" and str(action.get("/URI", "")).startswith("folio-ref:"):
                ident = unquote(str(action.URI)[len("folio-ref:"):])
                if ident in anchors:  # as WeasyPrint writes an internal link
                    annot.Dest = pikepdf.String(ident)
                    del annot["/A"]
    destinations = pikepdf.NameTree.new(out)  # every id, as WeasyPrint names them: book.pdf#chapter-3 works
    for ident in sorted(anchors):
        index, x, y = anchors[ident]
        destinations[ident] = pikepdf.Array([out.pages[index].obj, pikepdf.Name.XYZ, x, y, 0])
    out.Root.Names = pikepdf.Dictionary(Dests=destinations.obj)
    with out.open_outline() as outline:
        for level, label, index, y in bookmarks:
            if level == 1:
                outline.root.append(pikepdf.OutlineItem(label, index, "XYZ", top=y))
    nums = [0, pikepdf.Dictionary(S=pikepdf.Name.r), body_start, pikepdf.Dictionary(S=pikepdf.Name.D, St=1)]
    out.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(nums))
