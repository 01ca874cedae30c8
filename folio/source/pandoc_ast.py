"""Small helpers over pandoc's JSON AST: plain text, walking, identifiers.

In: pandoc AST nodes (dicts with "t" and "c"). Out: strings and iterators;
nothing here changes a node.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterator

Node = dict[str, Any]


def stringify(nodes: list[Node] | Node) -> str:
    """The plain text of inlines or blocks, notes left out (as pandoc does)."""
    out: list[str] = []
    _stringify(nodes, out)
    return "".join(out)


def _stringify(nodes: Any, out: list[str]) -> None:
    if isinstance(nodes, list):
        for node in nodes:
            _stringify(node, out)
        return
    if not isinstance(nodes, dict):
        return
    kind = nodes.get("t")
    content = nodes.get("c")
    if kind == "Str":
        out.append(content)
    elif kind in ("Space", "SoftBreak", "LineBreak"):
        out.append(" ")
    elif kind in ("Code", "Math"):
        out.append(content[1])
    elif kind in ("Note", "NoteRef", "RawInline"):
        return
    elif kind == "Quoted":
        mark = "\u201c" if content[0]["t"] == "DoubleQuote" else "\u2018"
        close = "\u201d" if content[0]["t"] == "DoubleQuote" else "\u2019"
        out.append(mark)
        _stringify(content[1], out)
        out.append(close)
    elif kind in ("Link", "Image", "Span", "Cite"):
        _stringify(content[1] if kind != "Cite" else content[1], out)
    elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
        _stringify(content, out)
    elif kind in ("Para", "Plain"):
        _stringify(content, out)
        out.append(" ")
    elif kind == "Header":
        _stringify(content[2], out)
        out.append(" ")
    elif kind == "LineBlock":
        for line in content:
            _stringify(line, out)
            out.append(" ")
    elif kind in ("BlockQuote", "Div"):
        _stringify(content if kind == "BlockQuote" else content[1], out)
    elif kind in ("BulletList",):
        for item in content:
            _stringify(item, out)
    elif kind == "OrderedList":
        for item in content[1]:
            _stringify(item, out)


def pandoc_identifier(text: str) -> str:
    """Pandoc's auto_identifiers algorithm, so links authors wrote for pandoc work."""
    text = unicodedata.normalize("NFC", text).lower()
    kept = "".join(ch for ch in text if ch.isalnum() or ch in "_-. \n\t")
    kept = re.sub(r"\s+", "-", kept.strip())
    match = re.search(r"[^\W\d_]", kept)
    kept = kept[match.start():] if match else ""
    return kept or "section"


def iter_inlines(blocks: list[Node]) -> Iterator[Node]:
    """Every inline node below `blocks`, depth first, notes included."""
    stack: list[Any] = [blocks]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict) and "t" in item:
            yield item
            content = item.get("c")
            if isinstance(content, (list, dict)):
                stack.append(content)


def attr_of(node: Node) -> list[Any] | None:
    """The [id, classes, keyvals] attribute of a node that has one."""
    kind = node.get("t")
    content = node.get("c")
    if kind in ("Header",):
        return content[1]
    if kind in ("Div", "Span", "Code", "CodeBlock", "Link", "Image", "Figure", "Table"):
        return content[0]
    return None


SPACE: Node = {"t": "Space"}
SOFT_BREAK: Node = {"t": "SoftBreak"}


def first_word(node: Any) -> str:
    """The first Str under a node, found without recursion (the node may be deep)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if item.__class__ is dict:
            if item.get("t") == "Str":
                return item["c"]
            stack.append(item.get("c"))
        elif item.__class__ is list:
            stack.extend(reversed(item))
    return ""


MAX_NESTING = 80  # boxes inside boxes: WeasyPrint's layout recurses about five calls per box
# what an element adds to the nesting: its boxes in HTML (a list is <ol><li>, a table <table><tbody><tr><td>)
NESTING_WEIGHT = {"BulletList": 2, "OrderedList": 2, "DefinitionList": 2, "Table": 4}


class TooDeep(ValueError):
    """Elements nested more than MAX_NESTING deep; `node` is the first one too deep."""

    def __init__(self, node: Node | None):
        super().__init__(f"block quotes, lists or other elements are nested more than {MAX_NESTING} levels deep "
                         "here (a list counts two, a table four): folio cannot lay this out")
        self.node = node


def share_spaces(blocks: list[Any]) -> None:
    """Put one shared node in the place of every Space and SoftBreak (in place), and
    raise `TooDeep` where elements nest more than MAX_NESTING deep (block quotes in
    block quotes, lists in lists, emphasis in emphasis): every later walk, and the
    layout, may then recurse.

    They are a third of a book's nodes and carry nothing: a 1M-word book holds about
    a million, 200 MB of identical dictionaries. Nothing changes these nodes."""
    def walk(items: list[Any], depth: int) -> None:
        for index, item in enumerate(items):
            if item.__class__ is dict:
                kind = item.get("t")
                if kind == "Str":
                    continue
                if kind == "Space":
                    items[index] = SPACE
                elif kind == "SoftBreak":
                    items[index] = SOFT_BREAK
                else:
                    content = item.get("c")
                    if content.__class__ is list:
                        deeper = depth + NESTING_WEIGHT.get(kind, 1)
                        if deeper > MAX_NESTING:
                            raise TooDeep(item)
                        walk(content, deeper)
            elif item.__class__ is list:
                walk(item, depth)

    walk(blocks, 0)
