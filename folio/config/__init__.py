"""book.yaml -> Config: the typed, validated settings of one book.

In: the book folder. Out: a `Config`, or a `FolioError` listing every problem of
book.yaml at once, each with its line (unknown keys with a suggestion, wrong types,
missing required keys, chapter files that are missing or leave the book).

YAML is read with the safe loader; anchors, aliases and tags that would build Python
objects are refused (yamlnodes.py). `SCHEMA` is one option object per key, with its
kind, default, documentation and validation (options.py); docs/book-yaml.md is
generated from it by `python -m folio.config` and a test checks it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from folio.config.options import (
    ROLES,
    TRIMS,
    ChapterEntry,
    Chapters,
    Choice,
    Context,
    Date,
    File,
    Files,
    Flag,
    Labels,
    Lint,
    Option,
    Text,
    Texts,
    Trim,
)
from folio.config.yamlnodes import (
    Problems,
    keyed,
    line_of,
    safe_mapping,
    suggest,
)
from folio.errors import Diagnostic, FolioError
from folio.language.scripts import direction
from folio.language.words import LABELS, labels

__all__ = ["ROLES", "SCHEMA", "TRIMS", "ChapterEntry", "Config", "load_config", "markdown"]

SCHEMA: tuple[Option, ...] = (
    Text("title", "The book's title (required).", required=True, nonempty=True),
    Text("subtitle", "A subtitle, shown on the title page."),
    Texts("author", "Author or authors: a string or a list."),
    Texts("translator", "Translators, credited on the title page and in the EPUB metadata."),
    Texts("editor", "Editors."),
    Texts("illustrator", "Illustrators."),
    Text("lang", "BCP 47 language tag (en-US, fr, de-CH); drives hyphenation and quotes. Default en.", default="en",
         pattern=r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", shape="a BCP 47 tag like en-US"),
    Texts("fonts", "Fonts to set the book in, before the theme's: installed families (as fc-list names them) or font files "
          "inside the book (.ttf, .otf); each script the book uses that they do not draw gets a Noto family (docs/languages.md)."),
    Choice("dir", "Text direction: auto (the default: right to left for ar, he, fa, ur and the other languages written so), "
           "ltr or rtl.", ("auto", "ltr", "rtl")),
    Text("identifier", "urn:uuid:..., isbn:978... or a URL; required for EPUB."),
    Text("publisher", "The publisher, on the title and copyright pages."),
    Date("date", "Publication date: YYYY, YYYY-MM or YYYY-MM-DD.", default=""),
    Text("rights", "The copyright or licence statement for the copyright page."),
    Text("edition", "The edition statement for the copyright page (First edition; Second edition, revised)."),
    Text("description", "A blurb: EPUB description and PDF subject."),
    Texts("subject", "Subjects (EPUB dc:subject, PDF keywords)."),
    Texts("keywords", "Further PDF keywords."),
    File("cover-image", "The cover picture, inside the book folder (JPEG or PNG)."),
    Files("bibliography", "Bibliography file or files (.bib, .json, .yaml)."),
    Text("csl", "Citation style: a bundled style name (chicago-notes-bibliography, the default; apa; "
         "modern-language-association; ...) or a .csl file inside the book."),
    Texts("nocite", "Bibliography entries to list although not cited: keys, or '*' for all.", strip="@"),
    Flag("citations-per-chapter", "true: every chapter starts again with full first citations (Chicago's advice for books). Default false.",
         default=False),
    Text("base-url", "The book's web site (https://...): links relative to a site (/docs/setup, page.html) that are not "
         "chapter files are resolved against it and become full links. Without it they are kept as text, with a warning.",
         pattern=r"https?://[^\s/]+(/\S*)?", shape="a web address starting with https:// or http://"),
    Text("bibliography-title", "The heading of the bibliography (default: Bibliography for note styles, References otherwise)."),
    Chapters("chapters", "Reading order: file paths, or {file, role} with role frontmatter|bodymatter|backmatter.", required=True),
    Trim("trim", "Print trim size: 5x8, 5.5x8.5, 6x9 (default), 7x10, a5, ..., or '150mm x 220mm'.", default=TRIMS["6x9"]),
    Labels("labels", "The words folio writes itself (contents, notes, chapter, figure, table, bibliography, index, ...), over those "
           "of the book's language: {contents: Table of Contents, chapter: Part}. A word with {} takes the number inside "
           "(chapter: \"第{}章\").", tuple(LABELS["en"])),
    Lint("lint", "Diagnostics settings: {ignore: [warning-code, ...]}."),
    Choice("profile", "PDF output profile (docs/profiles.md): print (the default), proof, kdp, ingram or screen; --profile overrides it.",
           ("print", "proof", "kdp", "ingram", "screen")),
    Choice("notes", "Where the PDF sets notes: endnotes (end of the book, the default), chapter (end of each chapter) or footnotes "
           "(foot of the page).", ("endnotes", "chapter", "footnotes")),
    Choice("numbering", "Figure and table numbers: none (the default), chapter (Figure 2.3) or book (Figure 7). Cross-references to "
           "figures and tables need numbers.", ("none", "chapter", "book")),
    Texts("lists", "Lists to print after the contents: figures, tables, or both.", choices=("figures", "tables")),
    Choice("theme", "The look: default, or classic (small-caps openers, drop caps, ornamented scene breaks).", ("default", "classic")),
    Choice("image-resolution", "An image whose asked width (width=100%) prints it under 150 pixels an inch: keep (the default: "
           "the asked width, with a warning; preflight fails it) or shrink (printed at 150 ppi, smaller, with a warning).",
           ("keep", "shrink")),
    Flag("drop-caps", "true: chapter openers start with a drop cap (default: the theme's choice)."),
    Flag("small-caps-openers", "true: the first line of a chapter is set in small capitals (default: the theme's choice)."),
    Flag("draft", "true: the proof profile prints a DRAFT mark on every page. Default false.", default=False),
    Flag("hyphenate-capitalized", "true: words that begin with a capital (names, and a sentence's first word) are hyphenated like "
         "others. Default false, as the Chicago Manual of Style asks.", default=False),
    Texts("hyphenation", "Words the print edition breaks only as written here: Lindbergh (never), man-u-script (only at "
          "those hyphens)."),
)
OPTIONS = {option.key: option for option in SCHEMA}


@dataclass(frozen=True)
class Config:
    root: Path
    title: str
    chapters: tuple[ChapterEntry, ...]
    subtitle: str = ""
    author: tuple[str, ...] = ()
    translator: tuple[str, ...] = ()
    editor: tuple[str, ...] = ()
    illustrator: tuple[str, ...] = ()
    lang: str = "en"
    dir: str = "auto"
    fonts: tuple[str, ...] = ()
    identifier: str = ""
    publisher: str = ""
    date: str = ""
    rights: str = ""
    edition: str = ""
    description: str = ""
    subject: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    cover_image: Path | None = None
    bibliography: tuple[Path, ...] = ()
    csl: str = ""
    nocite: tuple[str, ...] = ()
    citations_per_chapter: bool = False
    bibliography_title: str = ""
    base_url: str = ""
    trim: tuple[float, float] = TRIMS["6x9"]
    labels: dict[str, str] = field(default_factory=dict)
    lint_ignore: frozenset[str] = frozenset()
    profile: str = "print"
    notes: str = "endnotes"
    numbering: str = "none"
    lists: tuple[str, ...] = ()
    theme: str = "default"
    image_resolution: str = "keep"
    drop_caps: bool | None = None
    small_caps_openers: bool | None = None
    draft: bool = False
    hyphenate_capitalized: bool = False
    hyphenation: tuple[str, ...] = ()
    lines: dict[str, int] = field(default_factory=dict, compare=False)
    # not book.yaml's: a publisher's house theme (`folio build --house`, a catalogue's `house:`), a
    # folder of styles/ and templates/ set under the book's own and over folio's theme
    house: Path | None = None

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key)

    @property
    def direction(self) -> str:
        """"rtl" or "ltr": from `dir`, else from the language (language/scripts.py)."""
        return direction(self.lang, self.dir)

    @property
    def words(self) -> dict[str, str]:
        """The words folio writes itself, in the book's language, with `labels:` over them."""
        return labels(self.lang, self.labels)


def load_config(root: Path) -> Config:
    """Read and validate `root/book.yaml`; raise FolioError with every problem."""
    root = root.resolve()
    problems = Problems()
    config_path = root / "book.yaml"
    if not root.is_dir():
        raise FolioError(Diagnostic(str(root), None, "no such book folder"))
    if not config_path.is_file():
        raise FolioError(Diagnostic(str(root), None, "not a book folder: book.yaml is missing"))
    document = safe_mapping(config_path.read_bytes(), problems, "title:, chapters:")

    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key, key_node, value_node in keyed(document, problems):
        lines[key] = line_of(key_node)
        option = OPTIONS.get(key)
        if option is None:
            problems.add(line_of(key_node), f"unknown key '{key}'{suggest(key, list(OPTIONS))}")
            continue
        value = option.parse(value_node, Context(root, problems))
        if value is not None:
            values[option.field] = value
    for option in SCHEMA:
        if option.required and option.key not in lines:
            problems.add(1, f"required key '{option.key}' is missing")
    if problems.items:
        raise FolioError(problems.items)
    return Config(root=root, lines=lines, **values)


def markdown() -> str:
    """docs/book-yaml.md, from the schema."""
    rows = "\n".join(f"| `{o.key}` | {o.kind} | {o.doc.replace('|', '&#124;')} |" for o in SCHEMA)
    return f"""# book.yaml

Every key folio reads. An unknown key is an error naming its line (with a suggestion
for a misspelling); all problems are reported together. Values are plain YAML: anchors,
aliases and tags are refused.

This page is generated from the schema in `folio/config/__init__.py`
(`python -m folio.config > docs/book-yaml.md`); a test checks it is up to date.

| key | kind | value |
|---|---|---|
{rows}

Chapter entries are a path (a body chapter) or a mapping with `file` and `role`
(`frontmatter`, `bodymatter`, `backmatter`). Every path must stay inside the book folder.
"""
