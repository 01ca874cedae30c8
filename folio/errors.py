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

# Every warning code folio emits, with what it means. Authors silence codes per
# book with `lint: {ignore: [code, ...]}` in book.yaml; docs/diagnostics.md lists them.
WARNING_CODES: dict[str, str] = {
    "note-unused": "a footnote definition that no note call uses (its text is not printed)",
    "figure-no-alt": "a figure without an alt= text (screen readers get only the caption)",
    "raw-html-removed": "raw HTML that folio removed (scripts, event handlers, forms, unknown tags)",
    "raw-format-dropped": "a raw block or inline for another format (LaTeX, ...) that HTML outputs cannot show",
    "heading-level-skipped": "a heading that skips a level (## followed by ####)",
    "citation-unused": "a bibliography entry no citation uses (add it to nocite: to list it anyway)",
    "pandoc-warning": "a warning from pandoc's Markdown reader",
    "font-missing-glyph": "a character that no font of the theme can draw",
    "pdf-layout": "a problem WeasyPrint reported while laying out the PDF",
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


def error(path: str, line: int | None, message: str, column: int | None = None) -> FolioError:
    """Shorthand for a FolioError with one diagnostic."""
    return FolioError(Diagnostic(path, line, message, column=column))


@dataclass
class Reporter:
    """Collects diagnostics from every stage so the author sees them all at once."""

    ignore: frozenset[str] = frozenset()
    items: list[Diagnostic] = field(default_factory=list)

    def error(self, path: str, line: int | None, message: str, column: int | None = None) -> None:
        diag = Diagnostic(path, line, message, column=column)
        if diag not in self.items:
            self.items.append(diag)

    def warn(self, code: str, path: str, line: int | None, message: str) -> None:
        if code not in WARNING_CODES:
            raise KeyError(f"unregistered warning code {code!r}")
        if code in self.ignore:
            return
        diag = Diagnostic(path, line, message, severity="warning", code=code)
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
