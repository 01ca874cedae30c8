"""book.yaml -> Config: the typed, validated settings of one book.

In: the book folder. Out: a `Config`, or a `FolioError` listing every problem
of book.yaml at once, each with its line (unknown keys with a suggestion, wrong
types, missing required keys, chapter files that are missing or leave the book).

YAML is read with the safe loader; anchors, aliases and tags that would build
Python objects are refused. `KEYS` is the schema: one entry per key with its
kind and the sentence docs/book-yaml.md shows for it.
"""

from __future__ import annotations

import datetime
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from folio.errors import WARNING_CODES, Diagnostic, FolioError
from folio.paths import ContainmentError, contained

ROLES = ("frontmatter", "bodymatter", "backmatter")

# Trim sizes in inches (width, height) by name.
TRIMS: dict[str, tuple[float, float]] = {
    "5x8": (5.0, 8.0),
    "5.25x8": (5.25, 8.0),
    "5.5x8.5": (5.5, 8.5),
    "6x9": (6.0, 9.0),
    "6.14x9.21": (6.14, 9.21),
    "7x10": (7.0, 10.0),
    "8.5x11": (8.5, 11.0),
    "a5": (148 / 25.4, 210 / 25.4),
    "a4": (210 / 25.4, 297 / 25.4),
    "b5": (176 / 25.4, 250 / 25.4),
    "royal": (156 / 25.4, 234 / 25.4),
}
_UNITS = {"in": 1.0, "mm": 1 / 25.4, "cm": 1 / 2.54, "pt": 1 / 72}

# key -> (kind, description). Kinds: str, strlist, bool, date, path, pathlist, chapters, trim, lint,
# choice:a|b|c (one of the listed words).
KEYS: dict[str, tuple[str, str]] = {
    "title": ("str", "The book's title (required)."),
    "subtitle": ("str", "A subtitle, shown on the title page."),
    "author": ("strlist", "Author or authors: a string or a list."),
    "translator": ("strlist", "Translators, credited on the title page and in the EPUB metadata."),
    "editor": ("strlist", "Editors."),
    "illustrator": ("strlist", "Illustrators."),
    "lang": ("str", "BCP 47 language tag (en-US, fr, de-CH); drives hyphenation and quotes. Default en."),
    "identifier": ("str", "urn:uuid:..., isbn:978... or a URL; required for EPUB."),
    "publisher": ("str", "The publisher, on the title and copyright pages."),
    "date": ("date", "Publication date: YYYY, YYYY-MM or YYYY-MM-DD."),
    "rights": ("str", "The copyright or licence statement for the copyright page."),
    "description": ("str", "A blurb: EPUB description and PDF subject."),
    "subject": ("strlist", "Subjects (EPUB dc:subject, PDF keywords)."),
    "keywords": ("strlist", "Further PDF keywords."),
    "cover-image": ("path", "The cover picture, inside the book folder (JPEG or PNG)."),
    "bibliography": ("pathlist", "Bibliography file or files (.bib, .json, .yaml)."),
    "csl": ("str", "Citation style: a bundled style name (chicago-notes-bibliography, the default; apa; modern-language-association; ...) or a .csl file inside the book."),
    "nocite": ("strlist", "Bibliography entries to list although not cited: keys, or '*' for all."),
    "citations-per-chapter": ("bool", "true: every chapter starts again with full first citations (Chicago's advice for books). Default false."),
    "bibliography-title": ("str", "The heading of the bibliography (default: Bibliography for note styles, References otherwise)."),
    "chapters": ("chapters", "Reading order: file paths, or {file, role} with role frontmatter|bodymatter|backmatter."),
    "trim": ("trim", "Print trim size: 5x8, 5.5x8.5, 6x9 (default), 7x10, a5, ..., or '150mm x 220mm'."),
    "lint": ("lint", "Diagnostics settings: {ignore: [warning-code, ...]}."),
    "profile": ("choice:print|proof|kdp|ingram|screen", "PDF output profile (docs/profiles.md): print (the default), proof, kdp, ingram or screen; --profile overrides it."),
    "notes": ("choice:endnotes|chapter|footnotes", "Where the PDF sets notes: endnotes (end of the book, the default), chapter (end of each chapter) or footnotes (foot of the page)."),
    "numbering": ("choice:none|chapter|book", "Figure and table numbers: none (the default), chapter (Figure 2.3) or book (Figure 7). Cross-references to figures and tables need numbers."),
    "lists": ("strlist", "Lists to print after the contents: figures, tables, or both."),
    "theme": ("choice:default|classic", "The look: default, or classic (small-caps openers, drop caps, ornamented scene breaks)."),
    "drop-caps": ("bool", "true: chapter openers start with a drop cap (default: the theme's choice)."),
    "small-caps-openers": ("bool", "true: the first line of a chapter is set in small capitals (default: the theme's choice)."),
    "draft": ("bool", "true: the proof profile prints a DRAFT mark on every page. Default false."),
}
LISTS = ("figures", "tables")
REQUIRED = ("title", "chapters")


@dataclass(frozen=True)
class ChapterEntry:
    file: str  # as written, relative to the book
    path: Path  # resolved, inside the book
    role: str
    line: int  # line in book.yaml


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
    identifier: str = ""
    publisher: str = ""
    date: str = ""
    rights: str = ""
    description: str = ""
    subject: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    cover_image: Path | None = None
    bibliography: tuple[Path, ...] = ()
    csl: str = ""
    nocite: tuple[str, ...] = ()
    citations_per_chapter: bool = False
    bibliography_title: str = ""
    trim: tuple[float, float] = TRIMS["6x9"]
    lint_ignore: frozenset[str] = frozenset()
    profile: str = "print"
    notes: str = "endnotes"
    numbering: str = "none"
    lists: tuple[str, ...] = ()
    theme: str = "default"
    drop_caps: bool | None = None
    small_caps_openers: bool | None = None
    draft: bool = False
    lines: dict[str, int] = field(default_factory=dict, compare=False)

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key)


class _Problems:
    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, line: int | None, message: str) -> None:
        self.items.append(Diagnostic("book.yaml", line, message))


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _refuse_anchors(text: str, problems: _Problems) -> bool:
    """YAML anchors and aliases are refused: they enable billion-laughs expansion."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                problems.add(event.start_mark.line + 1, "YAML anchors and aliases (&name, *name) are not allowed")
                return False
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        problems.add(mark.line + 1 if mark else None, f"invalid YAML: {problem}")
        return False
    return True


SAFE_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")}


def _refuse_tags(node: yaml.Node | None, problems: _Problems) -> bool:
    """Only YAML's core types: a tag such as !!python/object is refused wherever it stands."""
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if current.tag not in SAFE_TAGS:
            shown = current.tag.replace("tag:yaml.org,2002:", "!!")
            problems.add(_line(current), f"the YAML tag '{shown}' is not allowed")
            return False
        if isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            stack.extend(v for pair in current.value for v in pair)
    return True


def _scalar(node: yaml.Node, problems: _Problems) -> Any:
    """Build a plain value from a node with the safe constructor (no Python tags)."""
    if isinstance(node, yaml.ScalarNode) and node.tag.startswith("tag:yaml.org,2002:python"):
        problems.add(_line(node), f"the YAML tag {node.tag.split(':')[-1]!r} is not allowed")
        return None
    constructor = yaml.constructor.SafeConstructor()
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        problems.add(_line(node), f"invalid value: {exc.problem}")
        return None


def _as_str(node: yaml.Node, key: str, problems: _Problems) -> str | None:
    if not isinstance(node, yaml.ScalarNode):
        problems.add(_line(node), f"'{key}' must be a text, not a {'list' if isinstance(node, yaml.SequenceNode) else 'mapping'}")
        return None
    value = _scalar(node, problems)
    if value is None:
        return ""
    if isinstance(value, (datetime.date, int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        problems.add(_line(node), f"'{key}' must be a text")
        return None
    return value


def _as_strlist(node: yaml.Node, key: str, problems: _Problems) -> tuple[str, ...] | None:
    if isinstance(node, yaml.SequenceNode):
        items = [_as_str(item, key, problems) for item in node.value]
        if any(i is None for i in items):
            return None
        return tuple(i for i in items if i)
    value = _as_str(node, key, problems)
    return (value,) if value else ()


def _parse_trim(node: yaml.Node, problems: _Problems) -> tuple[float, float] | None:
    text = _as_str(node, "trim", problems)
    if text is None:
        return None
    name = text.strip().lower().replace(" ", "").removesuffix("in")
    if name in TRIMS:
        return TRIMS[name]
    match = re.fullmatch(r"\s*([\d.]+)\s*(in|mm|cm|pt)?\s*[x×]\s*([\d.]+)\s*(in|mm|cm|pt)\s*", text.lower())
    if match:
        unit_w = match[2] or match[4]
        try:
            width = float(match[1]) * _UNITS[unit_w]
            height = float(match[3]) * _UNITS[match[4]]
        except ValueError:
            width = height = 0.0
        if 2.0 <= width <= 20.0 and 2.0 <= height <= 30.0:
            return (round(width, 4), round(height, 4))
        problems.add(_line(node), f"trim '{text}' is outside 2 x 2 in to 20 x 30 in")
        return None
    problems.add(_line(node), f"unknown trim '{text}': use one of {', '.join(TRIMS)} or a size like '150mm x 220mm'")
    return None


def _parse_date(node: yaml.Node, problems: _Problems) -> str | None:
    value = _scalar(node, problems) if isinstance(node, yaml.ScalarNode) else None
    if isinstance(value, datetime.date):
        return value.isoformat()[:10]
    text = str(value) if value is not None else ""
    if re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?", text):
        return text
    problems.add(_line(node), f"date '{text}' must be YYYY, YYYY-MM or YYYY-MM-DD")
    return None


def _parse_path(node: yaml.Node, key: str, root: Path, problems: _Problems) -> Path | None:
    text = _as_str(node, key, problems)
    if text is None:
        return None
    try:
        return contained(root, text)
    except ContainmentError as exc:
        problems.add(_line(node), f"{key}: {exc}")
        return None


def _parse_chapters(node: yaml.Node, root: Path, problems: _Problems) -> tuple[ChapterEntry, ...] | None:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        problems.add(_line(node), "'chapters' must be a list of chapter files")
        return None
    entries: list[ChapterEntry] = []
    seen: dict[Path, int] = {}
    for item in node.value:
        role = "bodymatter"
        file_node = item
        if isinstance(item, yaml.MappingNode):
            file_node = None
            for key_node, value_node in item.value:
                key = key_node.value
                if key == "file":
                    file_node = value_node
                elif key == "role":
                    role = _as_str(value_node, "role", problems) or role
                    if role not in ROLES:
                        problems.add(_line(value_node), f"unknown chapter role '{role}': use {', '.join(ROLES)}")
                else:
                    hint = _suggest(key, ["file", "role"])
                    problems.add(_line(key_node), f"unknown chapter key '{key}'{hint}")
            if file_node is None:
                problems.add(_line(item), "chapter entry without 'file'")
                continue
        text = _as_str(file_node, "chapters", problems)
        if text is None:
            continue
        try:
            path = contained(root, text)
        except ContainmentError as exc:
            problems.add(_line(file_node), f"chapter {exc}")
            continue
        if path in seen:
            problems.add(_line(file_node), f"chapter '{text}' is listed twice (first at line {seen[path]})")
            continue
        seen[path] = _line(file_node)
        entries.append(ChapterEntry(text, path, role, _line(file_node)))
    return tuple(entries)


def _parse_lint(node: yaml.Node, problems: _Problems) -> frozenset[str] | None:
    if not isinstance(node, yaml.MappingNode):
        problems.add(_line(node), "'lint' must be a mapping like {ignore: [note-unused]}")
        return None
    codes: set[str] = set()
    for key_node, value_node in node.value:
        if key_node.value != "ignore":
            problems.add(_line(key_node), f"unknown lint key '{key_node.value}'{_suggest(key_node.value, ['ignore'])}")
            continue
        for code in _as_strlist(value_node, "lint.ignore", problems) or ():
            if code not in WARNING_CODES:
                problems.add(_line(value_node), f"unknown warning code '{code}'{_suggest(code, list(WARNING_CODES))}")
            codes.add(code)
    return frozenset(codes)


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def load_config(root: Path) -> Config:
    """Read and validate `root/book.yaml`; raise FolioError with every problem."""
    root = root.resolve()
    problems = _Problems()
    config_path = root / "book.yaml"
    if not root.is_dir():
        raise FolioError(Diagnostic(str(root), None, "no such book folder"))
    if not config_path.is_file():
        raise FolioError(Diagnostic(str(root), None, "not a book folder: book.yaml is missing"))
    raw = config_path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FolioError(Diagnostic("book.yaml", line, "invalid UTF-8")) from None
    if not _refuse_anchors(text, problems):
        raise FolioError(problems.items)
    document = yaml.compose(text, Loader=yaml.SafeLoader)
    if not _refuse_tags(document, problems):
        raise FolioError(problems.items)
    if not isinstance(document, yaml.MappingNode):
        raise FolioError(Diagnostic("book.yaml", 1, "book.yaml must be a mapping of keys (title:, chapters:, ...)"))

    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in document.value:
        key = key_node.value
        if key in lines:
            problems.add(_line(key_node), f"key '{key}' appears twice (first at line {lines[key]})")
            continue
        lines[key] = _line(key_node)
        if key not in KEYS:
            problems.add(_line(key_node), f"unknown key '{key}'{_suggest(key, list(KEYS))}")
            continue
        kind = KEYS[key][0]
        if kind == "str":
            value = _as_str(value_node, key, problems)
        elif kind == "strlist":
            value = _as_strlist(value_node, key, problems)
        elif kind == "date":
            value = _parse_date(value_node, problems)
        elif kind == "path":
            value = _parse_path(value_node, key, root, problems)
        elif kind == "pathlist":
            nodes = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            paths = [_parse_path(n, key, root, problems) for n in nodes]
            value = tuple(p for p in paths if p is not None)
        elif kind == "chapters":
            value = _parse_chapters(value_node, root, problems)
        elif kind == "bool":
            value = _scalar(value_node, problems)
            if not isinstance(value, bool):
                problems.add(_line(value_node), f"'{key}' must be true or false")
                value = None
        elif kind.startswith("choice:"):
            value = _as_str(value_node, key, problems)
            choices = kind.removeprefix("choice:").split("|")
            if value is not None and value not in choices:
                problems.add(_line(value_node), f"unknown {key} '{value}': use {', '.join(choices)}{_suggest(value, choices)}")
                value = None
        elif kind == "trim":
            value = _parse_trim(value_node, problems)
        else:
            value = _parse_lint(value_node, problems)
        if value is not None:
            values[key.replace("-", "_")] = value
    if "nocite" in values:
        values["nocite"] = tuple(k.lstrip("@") for k in values["nocite"])
    for key in REQUIRED:
        if key not in lines:
            problems.add(1, f"required key '{key}' is missing")
    if "lang" in values and not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", values["lang"]):
        problems.add(lines["lang"], f"lang '{values['lang']}' is not a BCP 47 tag like en-US")
    for name in values.get("lists", ()):
        if name not in LISTS:
            problems.add(lines["lists"], f"unknown list '{name}': use {', '.join(LISTS)}{_suggest(name, list(LISTS))}")
    if "title" in values and not values["title"].strip():
        problems.add(lines["title"], "title is empty")
    if problems.items:
        raise FolioError(problems.items)
    if "lint" in values:
        values["lint_ignore"] = values.pop("lint")
    return Config(root=root, lines=lines, **values)
