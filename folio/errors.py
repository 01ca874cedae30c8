"""Errors and diagnostics: what every stage reports to the author.

In: problems found by any stage (a path relative to the book, a line, a message).
Out: `Diagnostic` values, collected by a `Reporter`; `FolioError` carries the
errors of a failed stage and formats itself as ``path:line: message`` lines.

Expected failures (bad input) are `FolioError`; the CLI prints them without a
traceback. Any other exception is a bug in folio and shows one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

# Codes of the errors an author meets most; every other error has the code "error".
ERROR_CODES: dict[str, str] = {
    "chapter-empty": "a chapter file that is empty, or has no title",
    "id-reserved": "an id in folio's own namespace (front, notes, folio-..., page-N): the parts, the notes and the page markers",
    "note-undefined": "a footnote called but never defined",
    "image-missing": "an image that is missing, outside the book, remote, damaged or unsafe",
    "link-broken": "a link to an id that is nowhere in the book (or in the chapter file it names)",
    "citation-unknown": "a citation key that is in no bibliography",
    "xref-unknown": "a cross-reference (@fig:, @tbl:, @eq:, @sec:, @ch:, @page:) to nothing, or to an unnumbered figure or table",
}

# Every warning code folio emits, with what it means. Authors silence codes per
# book with `lint: {ignore: [code, ...]}` in book.yaml; docs/diagnostics.md lists them.
WARNING_CODES: dict[str, str] = {
    "note-unused": "a footnote definition that no note call uses (its text is not printed)",
    "figure-placement": "a figure's placement= is none of here, top, bottom, page (it floats as figures do)",
    "figure-no-alt": "a figure without an alt= text (screen readers get only the caption)",
    "raw-html-removed": "raw HTML that folio removed (scripts, event handlers, forms, unknown tags)",
    "raw-format-dropped": "a raw block or inline for another format (LaTeX, ...) that HTML outputs cannot show",
    "heading-level-skipped": "a heading that skips a level (## followed by ####)",
    "citation-unused": "a bibliography entry no citation uses (add it to nocite: to list it anyway)",
    "pandoc-warning": "a warning from pandoc's Markdown reader",
    "image-no-alt": "an image (not a figure) with no alt text",
    "typography-straight-quote": "a straight quote left in the text where a typographic one is expected",
    "typography-double-space": "two or more spaces between words",
    "paragraph-long": "a paragraph of more than 400 words",
    "note-long": "a note of more than 350 words, too long for an e-reader's popup",
    "font-missing-glyph": "a character that no font of the theme can draw",
    "pdf-layout": "a problem WeasyPrint reported while laying out the PDF",
    "link-empty": "a link without a target ([text]()): it is kept as its text",
    "link-not-in-book": "a link to a file that is not one of the book's chapters: it is kept as its text",
    "chapter-untitled": "a chapter file without a level-1 heading: it is titled after its file name",
    "series-title": "the same level-1 heading begins several chapter files: it is taken for a series title and left out",
    "id-duplicate": "an id written twice in the book: links go to the first, the later one is renamed (id-2)",
    "chapter-metadata": "a chapter's metadata (YAML block or % title block) that is not used: book.yaml says otherwise, the value is "
                        "wrong, or folio has no such setting",
    "table-too-wide": "a table laid out wider than the text block: it runs off the page in the PDF",
    "image-low-resolution": "an image whose asked width prints it under 150 ppi (kept, or shrunk with image-resolution: shrink)",
    "running-head-long": "a chapter's running head too long for one line: shortened at a word (give it a short-title)",
}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding: where it is, what it is, and how bad."""

    path: str
    line: int | None
    message: str
    severity: str = "error"  # "error" | "warning"
    code: str = "error"
    column: int | None = None

    def format(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.severity == "warning":
            return f"{where}: warning: {self.message} [{self.code}]"
        return f"{where}: {self.message}"


class FolioError(Exception):
    """A user error: bad input the author can fix. Holds one or more diagnostics."""

    def __init__(self, diagnostics: Diagnostic | Iterable[Diagnostic]):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


@dataclass
class Reporter:
    """Collects diagnostics from every stage so the author sees them all at once."""

    ignore: frozenset[str] = frozenset()
    items: list[Diagnostic] = field(default_factory=list)

    def error(self, path: str, line: int | None, message: str, column: int | None = None, code: str = "error") -> None:
        diag = Diagnostic(path, line, message, column=column, code=code)
        if diag not in self.items:
            self.items.append(diag)

    def warn(self, code: str, path: str, line: int | None, message: str, column: int | None = None) -> None:
        if code not in WARNING_CODES:
            raise KeyError(f"unregistered warning code {code!r}")
        if code in self.ignore:
            return
        diag = Diagnostic(path, line, message, severity="warning", code=code, column=column)
        if diag not in self.items:
            self.items.append(diag)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        for diag in diagnostics:
            if diag.severity == "warning" and diag.code in self.ignore:
                continue
            if diag not in self.items:
                self.items.append(diag)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def raise_if_errors(self) -> None:
        """End the stage with every error found so far."""
        if self.errors:
            raise FolioError(self.errors)
