"""catalogue.yaml -> `Catalogue`: the books of a catalogue and what they share.

In: the path of a catalogue.yaml. Out: a `Catalogue` (its books, each with its folder, the
name of its folder in the output root, its house theme and profiles; the formats, output
root, validation and timeout), or a `FolioError` listing every problem at its file, line
and column. Read as book.yaml is (config/yamlnodes.py): plain YAML, no anchors or tags.

    title: Example Press, spring list      # shown in the report
    house: house/                          # a house theme folder: styles/, templates/
    profiles: [print, kdp]                 # the PDF profiles (default: print)
    formats: [pdf, epub]                   # default: pdf, epub
    validate: true                         # EPUBCheck and Ace on every EPUB (default: false)
    output: dist/                          # the output root (default: catalogue-dist/)
    timeout: 900                           # seconds a book may take (default: 1800)
    books:                                 # folders with a book.yaml, or globs of them
      - books/*
      - path: ../backlist/old-title
        house: false                       # this one keeps its own look
        profiles: [print]
        validate: false                    # and is not validated

Paths are relative to the catalogue file. A glob takes the folders that hold a book.yaml.
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from folio.config.yamlnodes import Problems, keyed, line_of, safe_mapping, scalar, suggest
from folio.errors import Diagnostic, FolioError
from folio.pipeline import house_folder

PROFILES = ("print", "proof", "kdp", "ingram", "screen")
FORMATS = ("pdf", "epub")
KEYS = ("title", "house", "profiles", "formats", "validate", "output", "timeout", "books")
BOOK_KEYS = ("path", "house", "profiles", "validate")
DEFAULT_TIMEOUT = 1800


@dataclass(frozen=True)
class CatalogueBook:
    folder: Path  # the book folder (resolved)
    name: str  # its folder in the output root (unique in the catalogue)
    house: Path | None  # the house theme it is built with
    profiles: tuple[str, ...]
    validate: bool | None = None  # its own `validate:`, else the catalogue's


@dataclass(frozen=True)
class Catalogue:
    path: Path
    title: str
    books: tuple[CatalogueBook, ...]
    formats: tuple[str, ...] = FORMATS
    output: Path = Path("catalogue-dist")
    validate: bool = False
    timeout: int = DEFAULT_TIMEOUT
    houses: tuple[Path, ...] = field(default=())  # every house theme some book uses


def _column(node: yaml.Node) -> int:
    return node.start_mark.column + 1


class _Reader:
    """Values of catalogue.yaml's nodes, each problem added at its line and column."""

    def __init__(self, base: Path, problems: Problems):
        self.base, self.problems = base, problems

    def add(self, node: yaml.Node, message: str) -> None:
        self.problems.add(line_of(node), message, _column(node))

    def text(self, node: yaml.Node, what: str) -> str | None:
        value = scalar(node, self.problems) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not value.strip():
            self.add(node, f"{what}: a text is needed")
            return None
        return value.strip()

    def house(self, node: yaml.Node) -> Path | None | bool:
        """A house theme folder (as `folio build --house` takes it), or False (`house: false`)."""
        if isinstance(node, yaml.ScalarNode) and scalar(node, self.problems) is False:
            return False
        text = self.text(node, "house")
        if text is None:
            return None
        try:
            return house_folder(self.base / text)
        except FolioError as exc:
            self.add(node, f"house: {text}: {exc.diagnostics[0].message}")
            return None

    def flag(self, node: yaml.Node, what: str) -> bool:
        value = scalar(node, self.problems)
        if not isinstance(value, bool):
            self.add(node, f"{what}: true or false")
        return value is True

    def choices(self, node: yaml.Node, what: str, allowed: tuple[str, ...]) -> tuple[str, ...] | None:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        if not items:
            self.add(node, f"{what}: name at least one of {', '.join(allowed)}")
            return None
        chosen: list[str] = []
        for item in items:
            value = self.text(item, what)
            if value is not None and value not in allowed:
                self.add(item, f"{what}: unknown '{value}'{suggest(value, list(allowed))} (choose from {', '.join(allowed)})")
            elif value is not None and value not in chosen:
                chosen.append(value)
        return tuple(chosen) or None

    def books(self, node: yaml.Node) -> list[tuple[Path, yaml.Node, dict[str, yaml.Node]]]:
        """(book folder, its node, its own keys) of every entry of `books:`, globs expanded."""
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.add(node, "books: a list of book folders (paths or globs) is needed")
            return []
        found = []
        for item in node.value:
            own: dict[str, yaml.Node] = {}
            where = item
            if isinstance(item, yaml.MappingNode):
                for key, key_node, value_node in keyed(item, self.problems):
                    if key not in BOOK_KEYS:
                        self.add(key_node, f"unknown key '{key}' of a book{suggest(key, list(BOOK_KEYS))}")
                    else:
                        own[key] = value_node
                if "path" not in own:
                    self.add(item, "a book entry needs its path")
                    continue
                where = own["path"]
            text = self.text(where, "books")
            if text is None:
                continue
            if glob.has_magic(text):
                matches = sorted(Path(p) for p in glob.glob(str(self.base / text)) if (Path(p) / "book.yaml").is_file())
                if not matches:
                    self.add(where, f"books: '{text}' names no folder with a book.yaml")
                found += [(path.resolve(), where, own) for path in matches]
                continue
            path = (self.base / text).resolve()
            if not (path / "book.yaml").is_file():
                self.add(where, f"books: '{text}' is not a book folder (it has no book.yaml)")
                continue
            found.append((path, where, own))
        return found


def _names(folders: list[Path]) -> list[str]:
    """Each book's folder in the output root: its own folder's name, made unique by its parent's."""
    def safe(text: str, empty: str) -> str:
        return re.sub(r"[^\w.-]+", "-", text).strip("-.") or empty

    plain = [safe(folder.name, "book") for folder in folders]
    names = [name if plain.count(name) == 1 else f"{safe(folder.parent.name, 'books')}-{name}" for name, folder in zip(plain, folders)]
    for index, name in enumerate(names):  # still the same: number them
        if names.count(name) > 1:
            names[index] = f"{name}-{names[:index].count(name) + 1}"
    return names


def load_catalogue(path: Path | str) -> Catalogue:  # long: one key after the other, every problem collected
    """Read and check a catalogue.yaml; a FolioError lists every problem."""
    path = Path(path).resolve()
    shown = path.name
    if not path.is_file():
        raise FolioError(Diagnostic(str(path), None, "no such catalogue file"))
    problems = Problems(shown)
    document = safe_mapping(path.read_bytes(), problems, "books:, house:, profiles:", column=1)
    reader = _Reader(path.parent, problems)
    nodes: dict[str, yaml.Node] = {}
    for key, key_node, value_node in keyed(document, problems):
        if key not in KEYS:
            reader.add(key_node, f"unknown key '{key}'{suggest(key, list(KEYS))}")
        else:
            nodes[key] = value_node
    if "books" not in nodes:
        problems.add(1, "required key 'books' is missing", 1)
    values: dict[str, Any] = {}
    if "title" in nodes:
        values["title"] = reader.text(nodes["title"], "title") or ""
    house = reader.house(nodes["house"]) if "house" in nodes else None
    profiles = reader.choices(nodes["profiles"], "profiles", PROFILES) if "profiles" in nodes else ("print",)
    if "formats" in nodes:
        values["formats"] = reader.choices(nodes["formats"], "formats", FORMATS) or FORMATS
    if "validate" in nodes:
        values["validate"] = reader.flag(nodes["validate"], "validate")
    if "timeout" in nodes:
        seconds = scalar(nodes["timeout"], problems)
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 1:
            reader.add(nodes["timeout"], "timeout: a whole number of seconds, 1 or more")
        else:
            values["timeout"] = seconds
    output = reader.text(nodes["output"], "output") if "output" in nodes else "catalogue-dist"
    books = []
    entries = reader.books(nodes["books"]) if "books" in nodes else []
    seen: dict[Path, yaml.Node] = {}
    for folder, node, own in entries:
        if folder in seen:
            reader.add(node, f"books: {folder.name} is listed twice (first at line {line_of(seen[folder])})")
            continue
        seen[folder] = node
        own_house = reader.house(own["house"]) if "house" in own else house
        own_profiles = reader.choices(own["profiles"], "profiles", PROFILES) if "profiles" in own else profiles
        own_validate = reader.flag(own["validate"], "validate") if "validate" in own else None
        books.append((folder, own_house or None, own_profiles or ("print",), own_validate))
    if problems.items:
        raise FolioError(sorted(problems.items, key=lambda d: (d.line or 0, d.column or 0)))
    names = _names([entry[0] for entry in books])
    chosen = tuple(CatalogueBook(*entry[:1], name, *entry[1:]) for entry, name in zip(books, names))
    houses = tuple(sorted({b.house for b in chosen if b.house is not None}))
    return Catalogue(path, values.pop("title", "") or path.parent.name, chosen, output=(path.parent / (output or "catalogue-dist")).resolve(),
                     houses=houses, **values)
