"""book.yaml as YAML nodes: read safely, with each value's line.

In: book.yaml's text. Out: its composed node tree (anchors, aliases and tags that would
build Python objects refused, each at its line), plain values built from nodes with the
safe constructor, and `Problems`, the list every option adds its diagnostics to.
"""

from __future__ import annotations

import difflib
from typing import Any, Iterator

import yaml

from folio.errors import Diagnostic, FolioError

MAX_DEPTH = 20  # book.yaml needs three levels; thousands would exhaust Python's stack


class Problems:
    def __init__(self, file: str = "book.yaml") -> None:
        self.items: list[Diagnostic] = []
        self.file = file

    def add(self, line: int | None, message: str, column: int | None = None) -> None:
        self.items.append(Diagnostic(self.file, line, message, column=column))


def line_of(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def refuse_anchors(text: str, problems: Problems) -> bool:
    """YAML anchors and aliases are refused (they enable billion-laughs expansion), and so is nesting
    deeper than MAX_DEPTH."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                problems.add(event.start_mark.line + 1, "YAML anchors and aliases (&name, *name) are not allowed")
                return False
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:  # the composer and the constructor recurse once per level
                    problems.add(event.start_mark.line + 1, f"lists and mappings nested more than {MAX_DEPTH} deep")
                    return False
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        problems.add(mark.line + 1 if mark else None, f"invalid YAML: {problem}")
        return False
    return True


def safe_mapping(raw: bytes, problems: Problems, keys: str, column: int | None = None) -> yaml.MappingNode:
    """The YAML document of `raw` as a mapping node, read safely (valid UTF-8, no anchors or
    aliases, no tags); else a FolioError at the first problem. `keys` names a few of its keys."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FolioError(Diagnostic(problems.file, raw[: exc.start].count(b"\n") + 1, "invalid UTF-8")) from None
    if not refuse_anchors(text, problems):
        raise FolioError(problems.items)
    document = yaml.compose(text, Loader=yaml.SafeLoader)
    if not refuse_tags(document, problems):
        raise FolioError(problems.items)
    if not isinstance(document, yaml.MappingNode):
        raise FolioError(Diagnostic(problems.file, 1, f"{problems.file} must be a mapping of keys ({keys}, ...)", column=column))
    return document


SAFE_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")}


def refuse_tags(node: yaml.Node | None, problems: Problems) -> bool:
    """Only YAML's core types: a tag such as !!python/object is refused wherever it stands."""
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if current.tag not in SAFE_TAGS:
            shown = current.tag.replace("tag:yaml.org,2002:", "!!")
            problems.add(line_of(current), f"the YAML tag '{shown}' is not allowed")
            return False
        if isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            stack.extend(v for pair in current.value for v in pair)
    return True


def scalar(node: yaml.Node, problems: Problems) -> Any:
    """Build a plain value from a node with the safe constructor (no Python tags)."""
    if isinstance(node, yaml.ScalarNode) and node.tag.startswith("tag:yaml.org,2002:python"):
        problems.add(line_of(node), f"the YAML tag {node.tag.split(':')[-1]!r} is not allowed")
        return None
    constructor = yaml.constructor.SafeConstructor()
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        problems.add(line_of(node), f"invalid value: {exc.problem}")
    except (ValueError, OverflowError, TypeError) as exc:  # a date like 2024-02-30, a key that is a list
        problems.add(line_of(node), f"invalid value '{str(node.value)[:40]}': {exc}")
    return None


def keyed(mapping: yaml.MappingNode, problems: Problems, what: str = "key") -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """(key, key node, value node) of a mapping, each key once: a key that is not a plain word,
    or that appears again, is a problem at its line and left out."""
    lines: dict[str, int] = {}
    for key_node, value_node in mapping.value:
        key = plain_key(key_node, problems)
        if key is None:
            continue
        if key in lines:
            problems.add(line_of(key_node), f"{what} '{key}' appears twice (first at line {lines[key]})")
            continue
        lines[key] = line_of(key_node)
        yield key, key_node, value_node


def plain_key(node: yaml.Node, problems: Problems) -> str | None:
    """A mapping key as a word; a list or mapping used as a key (`? [a, b]`) is a problem."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    problems.add(line_of(node), "a key must be a plain word, not a list or a mapping")
    return None


_CONTROL = {c for c in range(32) if chr(c) not in "\t\n\r"} | {0x7F}


def text_problem(value: str) -> str | None:
    """Why a text cannot go into a book (XML, PDF metadata): control characters, lone surrogates."""
    for char in value:
        code = ord(char)
        if code in _CONTROL:
            return f"the control character U+{code:04X} is not allowed"
        if 0xD800 <= code <= 0xDFFF:
            return f"the lone surrogate U+{code:04X} is not a character"
    return None


def suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
