"""pandoc's example lists across the book: `(@)` items numbered on from chapter to chapter.

In: every chapter's Markdown text (before reading), then each chapter's AST (after). Out:
the text pandoc reads, with example labels taken off their items (`(@good)` -> `(@)`), and
the ASTs with example lists numbered through the book and every `@good` reference replaced
by its number, as pandoc does when it is given all the files at once.

folio reads each chapter with its own pandoc, which would start every chapter's examples
at (1) and could not see a label defined in another chapter. So the labels are counted
here, in a cheap pass over the texts (outside fenced code): each chapter's offset is the
number of example items before it, and each label's number is its place among them. With
its label taken off, an item still counts in pandoc's list, and a reference to it is read
as a citation `@good`, which `resolve` turns into the number before citations are
processed. Only the line of a labelled item changes (its columns), never a line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from folio.source.booklinks import FENCE_RE
from folio.source.pandoc_ast import iter_inlines

_ITEM_RE = re.compile(r"^([ \t]*)\(@([A-Za-z0-9_-]*)\)(?=[ \t]|$)", re.M)


@dataclass
class Examples:
    """Where each chapter's examples start in the book's count, and each label's number."""

    offsets: list[int] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)


def _items(text: str) -> list[re.Match[str]]:
    if "(@" not in text:
        return []
    prose = FENCE_RE.sub(lambda m: "\n" * m[0].count("\n"), text) if "```" in text or "~~~" in text else text
    return list(_ITEM_RE.finditer(prose))


def count(texts: list[str]) -> Examples:
    """The book's example items, counted in reading order."""
    found = Examples()
    total = 0
    for text in texts:
        found.offsets.append(total)
        for item in _items(text):
            total += 1
            if item[2]:
                found.numbers.setdefault(item[2], total)  # pandoc keeps the first item of a label
    return found


def unlabelled(text: str) -> str:
    """The text with each example item's label taken off, for pandoc to read."""
    items = [m for m in _items(text) if m[2]]
    for item in reversed(items):
        text = text[:item.start(2)] + text[item.end(2):]
    return text


def resolve(asts: list[dict[str, Any]], texts: list[str]) -> None:
    """Number example lists through the book and replace references by their numbers, in place."""
    examples = count(texts)
    if not examples.numbers and not any(examples.offsets):
        return
    for ast, text, offset in zip(asts, texts, examples.offsets):
        if "@" not in text:
            continue
        if offset and "(@" in text:
            stack: list[Any] = [ast["blocks"]]
            while stack:
                item = stack.pop()
                if isinstance(item, list):
                    stack.extend(item)
                elif isinstance(item, dict):
                    if item.get("t") == "OrderedList" and item["c"][0][1]["t"] == "Example":
                        item["c"][0][0] += offset
                    if item.get("t") not in ("Str", "Code", "CodeBlock", "RawBlock", "RawInline", "Math") and "c" in item:
                        stack.append(item["c"])
        if examples.numbers:
            for node in iter_inlines(ast["blocks"]):
                if node["t"] == "Cite" and len(node["c"][0]) == 1:
                    citation = node["c"][0][0]
                    if citation["citationMode"]["t"] == "AuthorInText" and citation["citationId"] in examples.numbers:
                        node["t"], node["c"] = "Str", str(examples.numbers[citation["citationId"]])
