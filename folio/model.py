"""The intermediate representation: one `Book`, complete before anything is written.

In: filled by `read` (chapter ASTs) and `transform` (ids, notes, figures, links,
assets). Out: read by `render` and the writers, which never change it.

Chapter bodies stay as pandoc JSON AST blocks (plain lists and dicts), with two
folio-specific inline nodes the transform puts in: ``{"t": "NoteRef", "c": n}``
for a note call and images whose target is an `Asset` key.

The page map of a PDF build (`PdfResult`, its `PageStart`s) is here too: the PDF
writer makes it and the EPUB writer reads it, so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from folio.config import Config
from folio.language.fonts import FontPlan

Block = dict[str, Any]
Inline = dict[str, Any]


@dataclass
class Note:
    """A footnote or endnote; numbers restart in each chapter."""

    number: int
    id: str  # the note's id
    ref_id: str  # the id of its call in the text
    blocks: list[Block]


@dataclass
class Heading:
    level: int
    id: str
    text: str  # plain text, for the outline and nav
    inlines: list[Inline]


@dataclass
class Figure:
    id: str
    asset: str  # Asset key
    caption: list[Inline]
    alt: str
    credit: str
    number: int  # in reading order across the book
    label: str = ""  # "2.3" or "7" when book.yaml numbering is on (xref.number)
    short_caption: str = ""  # short-caption= : its entry in the list of illustrations
    placement: str = ""  # placement= : where print sets it (PLACEMENTS; "": floats when it does not fit)


PLACEMENTS = ("here", "top", "bottom", "page")  # placement= of a figure (weasy/floats.py places it)


@dataclass
class TableInfo:
    """A table with a caption: listed, numbered and cross-referenced like a figure."""

    id: str
    caption: list[Inline]
    text: str
    node: Block = field(repr=False)
    label: str = ""


EQUATION_CLASS = "folio-equation"


@dataclass
class NumberedEquation:
    """Display math with an id ($$...$$ {#eq:id}): numbered, and referenced as @eq:id."""

    id: str
    node: Inline = field(repr=False)  # the Span of class folio-equation around the Math; its data-number is the label
    label: str = ""


@dataclass
class Asset:
    """A file the outputs embed: an image from the book folder."""

    key: str  # the name in the outputs, e.g. images/plane.jpg
    path: Path  # resolved, inside the book
    media_type: str
    width: int = 0
    height: int = 0


@dataclass
class BookStyle:
    path: Path
    shown: str  # relative to the book
    text: str  # as written (print: WeasyPrint resolves its URLs against the file)
    epub_text: str  # URLs rewritten relative to css/book.css in the EPUB
    resources: list[Asset] = field(default_factory=list)


_STRAIGHT = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "--", "\u2014": "---",
                           "\u2026": "..."})  # pandoc's smart punctuation, as the author typed it


@dataclass
class Chapter:
    index: int  # position in reading order, from 0
    role: str  # frontmatter | bodymatter | backmatter
    source: str  # path relative to the book, as in book.yaml
    text: str  # the Markdown source, for locating diagnostics
    chars: frozenset[str] = frozenset()  # the characters of `text` (read.py, while pandoc reads): which fonts the book needs
    id: str = ""
    title: list[Inline] = field(default_factory=list)
    title_text: str = ""
    classes: list[str] = field(default_factory=list)
    subtitle: str = ""
    byline: str = ""
    short_title: str = ""  # short-title (chapter metadata, or the heading's attribute): contents and running heads
    number: int | None = None  # body chapters that are not .unnumbered
    blocks: list[Block] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    asked_widths: list[tuple[str, str, int | None]] = field(default_factory=list)  # images given a width=: (asset, width, line)
    tables: list[TableInfo] = field(default_factory=list)
    equations: list[NumberedEquation] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    slug: str = ""  # file stem for per-chapter outputs (EPUB)
    has_raw_html: bool = False  # raw HTML: the rendered markup is re-parsed and repaired
    generated: bool = False  # made by folio (the bibliography): placed after the notes

    def line_of(self, needle: str, default: int | None = 1, nth: int = 1) -> int | None:
        """The source line of the `nth` occurrence of `needle` (or of its last, when fewer):
        where a diagnostic points. Text folio made may have curly quotes and dashes where
        the source has straight ones: those are looked for as typed too."""
        lines = self.lines_of(needle, nth)
        return lines[-1] if lines else default

    def lines_of(self, needle: str, most: int = 1000) -> list[int]:
        """The source lines of the first `most` occurrences of `needle`, in order."""
        for candidate in dict.fromkeys((needle, needle.translate(_STRAIGHT))):
            found: list[int] = []
            position, line, counted = self.text.find(candidate) if candidate else -1, 1, 0
            while position >= 0 and len(found) < most:
                line += self.text.count("\n", counted, position)
                counted = position
                found.append(line)
                position = self.text.find(candidate, position + 1)
            if found:
                return found
        return []


@dataclass
class Equation:
    """A TeX expression typeset (source/equations.py): MathML for the EPUB, an SVG for print,
    whose size and depth below the baseline are in em of the text around it."""

    mathml: str
    svg: str
    width: float
    height: float
    depth: float


@dataclass
class Book:
    config: Config
    chapters: list[Chapter]
    assets: dict[str, Asset] = field(default_factory=dict)
    cover: Asset | None = None
    id_chapter: dict[str, int] = field(default_factory=dict)  # every id -> chapter index
    styles: list[BookStyle] = field(default_factory=list)  # the book's styles/*.css, checked
    equations: dict[tuple[str, str], Equation] = field(default_factory=dict)  # (InlineMath|DisplayMath, TeX) -> typeset
    fonts: FontPlan | None = None  # the print edition's fonts for the scripts the book uses (language/fonts.py)

    @property
    def root(self) -> Path:
        return self.config.root

    @property
    def figures(self) -> list[Figure]:
        return [f for c in self.chapters for f in c.figures]

    @property
    def note_count(self) -> int:
        return sum(len(c.notes) for c in self.chapters)

    @property
    def text_chapters(self) -> list[Chapter]:
        """The author's chapters, in reading order (before the notes)."""
        return [c for c in self.chapters if not c.generated]

    @property
    def after_notes(self) -> list[Chapter]:
        """Sections folio generates that follow the notes (the bibliography)."""
        return [c for c in self.chapters if c.generated]


@dataclass(frozen=True)
class PageStart:
    label: str  # the printed folio: "iv", "12"
    part: str | None  # "chapter:ID", "notes:ID", or None (no counted text starts here)
    offset: int = 0  # letters and digits of the part before the page's first line


@dataclass
class PdfResult:
    path: Path
    pages: int
    labels: list[str]  # the printed folio of every page ("" for none printed)
    id_pages: dict[str, int] = field(default_factory=dict)  # id -> page index (0-based)
    body_start: int = 0
    starts: list[PageStart] = field(default_factory=list)  # where each page's text begins (render/pagemarks.py)
    geometry: dict[str, Any] = field(default_factory=dict)  # trim, margins, bleed (profiles.page_geometry)
    profile: str = "print"
