"""One class per kind of book.yaml value: its type, default, documentation and validation.

In: a key's YAML node and the book folder. Out: the value the `Config` holds, or None
after adding each problem, at its line, to `Problems` (so every problem of book.yaml is
reported at once). MkDocs' `config_options` is the model: the schema (schema.py) is a
list of these objects, and docs/book-yaml.md is generated from it (`python -m folio.config`).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from folio.config.yamlnodes import (
    Problems,
    keyed,
    line_of,
    plain_key,
    scalar,
    suggest,
    text_problem,
)
from folio.errors import WARNING_CODES
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


@dataclass(frozen=True)
class ChapterEntry:
    file: str  # as written, relative to the book
    path: Path  # resolved, inside the book
    role: str
    line: int  # line in book.yaml


@dataclass
class Context:
    root: Path
    problems: Problems


class Option:
    """A key of book.yaml. `parse` turns its node into the value or None (problems added)."""

    kind = "value"

    def __init__(self, key: str, doc: str, default: Any = None, required: bool = False, field: str | None = None):
        self.key, self.doc, self.default, self.required = key, doc, default, required
        self.field = field or key.replace("-", "_")

    def parse(self, node: yaml.Node, ctx: Context) -> Any:
        raise NotImplementedError


class Text(Option):
    kind = "text"

    def __init__(self, key: str, doc: str, default: str = "", pattern: str | None = None, shape: str = "",
                 nonempty: bool = False, **kwargs: Any):
        super().__init__(key, doc, default, **kwargs)
        self.pattern, self.shape, self.nonempty = pattern, shape, nonempty

    def parse(self, node: yaml.Node, ctx: Context) -> str | None:
        value = as_text(node, self.key, ctx.problems)
        if value is None:
            return None
        if self.pattern and not re.fullmatch(self.pattern, value):
            ctx.problems.add(line_of(node), f"{self.key} '{value}' is not {self.shape}")
            return None
        if self.nonempty and not value.strip():
            ctx.problems.add(line_of(node), f"{self.key} is empty")
            return None
        return value


class Texts(Option):
    kind = "text or list of texts"

    def __init__(self, key: str, doc: str, choices: tuple[str, ...] = (), strip: str = "", **kwargs: Any):
        super().__init__(key, doc, (), **kwargs)
        self.choices, self.strip = choices, strip

    def parse(self, node: yaml.Node, ctx: Context) -> tuple[str, ...] | None:
        if isinstance(node, yaml.SequenceNode):
            items = [as_text(item, self.key, ctx.problems) for item in node.value]
            if any(i is None for i in items):
                return None
            values = tuple(i for i in items if i)
        else:
            value = as_text(node, self.key, ctx.problems)
            values = (value,) if value else ()
        for name in values:
            if self.choices and name not in self.choices:
                ctx.problems.add(line_of(node), f"unknown {self.key.rstrip('s')} '{name}': use {', '.join(self.choices)}"
                                 f"{suggest(name, list(self.choices))}")
        return tuple(v.lstrip(self.strip) for v in values) if self.strip else values


class Flag(Option):
    kind = "true or false"

    def parse(self, node: yaml.Node, ctx: Context) -> bool | None:
        value = scalar(node, ctx.problems)
        if not isinstance(value, bool):
            ctx.problems.add(line_of(node), f"'{self.key}' must be true or false")
            return None
        return value


class Choice(Option):
    def __init__(self, key: str, doc: str, choices: tuple[str, ...], **kwargs: Any):
        super().__init__(key, doc, choices[0], **kwargs)
        self.choices = choices
        self.kind = "one of " + ", ".join(choices)

    def parse(self, node: yaml.Node, ctx: Context) -> str | None:
        value = as_text(node, self.key, ctx.problems)
        if value is not None and value not in self.choices:
            ctx.problems.add(line_of(node), f"unknown {self.key} '{value}': use {', '.join(self.choices)}{suggest(value, list(self.choices))}")
            return None
        return value


class Date(Option):
    kind = "date"

    def parse(self, node: yaml.Node, ctx: Context) -> str | None:
        known = len(ctx.problems.items)
        value = scalar(node, ctx.problems) if isinstance(node, yaml.ScalarNode) else None
        if len(ctx.problems.items) > known:  # already said (a day that does not exist)
            return None
        if isinstance(value, datetime.date):
            return value.isoformat()[:10]
        text = str(value) if value is not None else ""
        if re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?", text):
            return text
        ctx.problems.add(line_of(node), f"date '{text}' must be YYYY, YYYY-MM or YYYY-MM-DD")
        return None


class File(Option):
    kind = "path in the book"

    def parse(self, node: yaml.Node, ctx: Context) -> Path | None:
        text = as_text(node, self.key, ctx.problems)
        if text is None:
            return None
        try:
            return contained(ctx.root, text)
        except ContainmentError as exc:
            ctx.problems.add(line_of(node), f"{self.key}: {exc}")
            return None


class Files(File):
    kind = "path or list of paths in the book"

    def __init__(self, key: str, doc: str, **kwargs: Any):
        super().__init__(key, doc, (), **kwargs)

    def parse(self, node: yaml.Node, ctx: Context) -> tuple[Path, ...]:  # type: ignore[override]
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        paths = [File.parse(self, n, ctx) for n in nodes]
        return tuple(p for p in paths if p is not None)


class Trim(Option):
    kind = "trim size"

    def parse(self, node: yaml.Node, ctx: Context) -> tuple[float, float] | None:
        text = as_text(node, "trim", ctx.problems)
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
            ctx.problems.add(line_of(node), f"trim '{text}' is outside 2 x 2 in to 20 x 30 in")
            return None
        ctx.problems.add(line_of(node), f"unknown trim '{text}': use one of {', '.join(TRIMS)} or a size like '150mm x 220mm'")
        return None


class Chapters(Option):
    kind = "list of chapters"

    def parse(self, node: yaml.Node, ctx: Context) -> tuple[ChapterEntry, ...] | None:
        problems = ctx.problems
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            problems.add(line_of(node), "'chapters' must be a list of chapter files")
            return None
        entries: list[ChapterEntry] = []
        seen: dict[Path, int] = {}
        for item in node.value:
            found = self._entry(item, problems)
            if found is None:
                continue
            file_node, role = found
            text = as_text(file_node, "chapters", problems)
            if text is None:
                continue
            try:
                path = contained(ctx.root, text)
            except ContainmentError as exc:
                problems.add(line_of(file_node), f"chapter {exc}")
                continue
            if path in seen:
                problems.add(line_of(file_node), f"chapter '{text}' is listed twice (first at line {seen[path]})")
                continue
            seen[path] = line_of(file_node)
            entries.append(ChapterEntry(text, path, role, line_of(file_node)))
        return tuple(entries)

    @staticmethod
    def _entry(item: yaml.Node, problems: Problems) -> tuple[yaml.Node, str] | None:
        """The file's node and the role of one entry: a path, or {file, role}."""
        if not isinstance(item, yaml.MappingNode):
            return item, "bodymatter"
        role, file_node = "bodymatter", None
        for key, key_node, value_node in keyed(item, problems, "chapter key"):
            if key == "file":
                file_node = value_node
            elif key == "role":
                role = as_text(value_node, "role", problems) or role
                if role not in ROLES:
                    problems.add(line_of(value_node), f"unknown chapter role '{role}': use {', '.join(ROLES)}")
            else:
                problems.add(line_of(key_node), f"unknown chapter key '{key}'{suggest(key, ['file', 'role'])}")
        if file_node is None:
            problems.add(line_of(item), "chapter entry without 'file'")
            return None
        return file_node, role


class Lint(Option):
    kind = "mapping"

    def __init__(self, key: str, doc: str, **kwargs: Any):
        super().__init__(key, doc, frozenset(), field="lint_ignore", **kwargs)

    def parse(self, node: yaml.Node, ctx: Context) -> frozenset[str] | None:
        if not isinstance(node, yaml.MappingNode):
            ctx.problems.add(line_of(node), "'lint' must be a mapping like {ignore: [note-unused]}")
            return None
        codes: set[str] = set()
        for key_node, value_node in node.value:
            if plain_key(key_node, ctx.problems) is None:
                continue
            if key_node.value != "ignore":
                ctx.problems.add(line_of(key_node), f"unknown lint key '{key_node.value}'{suggest(key_node.value, ['ignore'])}")
                continue
            for code in Texts("lint.ignore", "").parse(value_node, ctx) or ():
                if code not in WARNING_CODES:
                    ctx.problems.add(line_of(value_node), f"unknown warning code '{code}'{suggest(code, list(WARNING_CODES))}")
                codes.add(code)
        return frozenset(codes)


class Labels(Option):
    """The words folio writes itself, per key ({contents: Table, chapter: Part}), over its own."""

    kind = "mapping of texts"

    def __init__(self, key: str, doc: str, keys: tuple[str, ...], **kwargs: Any):
        super().__init__(key, doc, {}, **kwargs)
        self.keys = keys

    def parse(self, node: yaml.Node, ctx: Context) -> dict[str, str] | None:
        if not isinstance(node, yaml.MappingNode):
            ctx.problems.add(line_of(node), "'labels' must be a mapping like {contents: Table of Contents}")
            return None
        words: dict[str, str] = {}
        for key_node, value_node in node.value:
            name = plain_key(key_node, ctx.problems)
            if name is None:
                continue
            if name not in self.keys:
                ctx.problems.add(line_of(key_node), f"unknown label '{name}'{suggest(name, list(self.keys))}")
                continue
            value = as_text(value_node, f"labels.{name}", ctx.problems)
            if value is not None:
                words[name] = value
        return words


def as_text(node: yaml.Node, key: str, problems: Problems) -> str | None:
    """A scalar as text (numbers and dates written as they are); None after a problem."""
    if not isinstance(node, yaml.ScalarNode):
        problems.add(line_of(node), f"'{key}' must be a text, not a {'list' if isinstance(node, yaml.SequenceNode) else 'mapping'}")
        return None
    value = scalar(node, problems)
    if value is None:
        return ""
    if isinstance(value, (datetime.date, int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        problems.add(line_of(node), f"'{key}' must be a text")
        return None
    problem = text_problem(value)
    if problem:
        problems.add(line_of(node), f"'{key}': {problem}")
        return None
    return value
