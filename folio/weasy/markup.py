"""A book's HTML edited as text, at tags stamped with numbers: what figure placement changes in it.

In: the HTML of a part, a chapter or a whole book, as the renderer wrote it. Out: the same
text with every start tag of its body numbered `data-k="N"` (`stamp`), and edits at those
numbers: an element's span, cut out or put elsewhere, an attribute added to a start tag, a
paragraph split in two after a number of its characters (`split_paragraph`), the body's
elements one at a time (`alone`) and back (`with_elements`). Everything not edited is left
byte for byte as it was: the HTML is never parsed and written out again.

A character is counted (`counted`) as the pages count it: no white space, no soft hyphen
or joiner; a paragraph's footnotes (set in it, drawn at the page's foot) are not counted.
"""

from __future__ import annotations

import html as htmllib
import itertools
import re
from collections.abc import Iterator

_START = re.compile(r"<([a-zA-Z][\w:-]*)(?=[\s/>])")
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)[^>]*?(/?)>|[^<]+")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_IGNORED = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|\w+);|.", re.S)

def counted(char: str) -> bool:
    """Whether a character is counted to find the same place in the source and on the page."""
    return not char.isspace() and char not in _IGNORED


def stamp(html: str) -> str:
    """Every start tag of the body numbered `data-k="N"`, in document order."""
    body = html.find("<body")
    if body < 0:
        return html
    numbers = itertools.count()
    return html[:body] + _START.sub(lambda m: f'{m[0]} data-k="{next(numbers)}"', html[body:])


def start_of(html: str, k: str) -> int:
    at = html.find(f' data-k="{k}"')
    return html.rfind("<", 0, at) if at >= 0 else -1


def end_of(html: str, start: int) -> int:
    """The index after the element whose start tag is at `start` (same-named elements nest)."""
    name = _START.match(html, start)[1]  # type: ignore[index]
    opening = html.index(">", start)
    if html[opening - 1] == "/" or name.lower() in _VOID:
        return opening + 1
    depth = 0
    for match in re.compile(rf"<(/?){re.escape(name)}(?=[\s/>])[^>]*?(/?)>", re.I).finditer(html, start):
        if match[2]:
            continue
        depth += -1 if match[1] else 1
        if depth == 0:
            return match.end()
    return len(html)


def element_span(html: str, k: str) -> tuple[int, int]:
    start = start_of(html, k)
    return start, end_of(html, start)


def cut(html: str, spans: list[tuple[int, int]]) -> str:
    """`html` without the given (start, end) spans."""
    out, at = [], 0
    for start, end in sorted(spans):
        out.append(html[at:start])
        at = end
    return "".join(out) + html[at:]


def with_attribute(tag: str, name: str, value: str) -> str:
    """A start tag with `value` added to its attribute `name` (class: a word; style: a declaration)."""
    found = re.search(rf'\s{name}="([^"]*)"', tag)
    joiner = " " if name == "class" else "; "
    if found:
        merged = f"{found[1]}{joiner}{value}" if found[1].strip() else value
        return tag[:found.start(1)] + htmllib.escape(merged, quote=True) + tag[found.end(1):]
    closing = tag.rfind("/>") if tag.endswith("/>") else len(tag) - 1
    return f'{tag[:closing]} {name}="{htmllib.escape(value, quote=True)}"{tag[closing:]}'


def _units(inner: str) -> Iterator[tuple[int, str, list[str]]]:
    """Each counted character of a paragraph's inner HTML (the text of footnotes set in it
    skipped, as they are not in its lines): where it stands, the character, the start tags open there."""
    stack: list[tuple[str, str, bool]] = []  # (name, start tag, skipped: a footnote)
    for token in _TAG.finditer(inner):
        if token[0].startswith("<"):
            closing, name, self_closing = token[1], token[2].lower(), token[3]
            if closing:
                while stack and stack.pop()[0] != name:
                    pass
            elif not self_closing and name not in _VOID:
                skipped = (stack and stack[-1][2]) or bool(re.search(r'\sclass="[^"]*\bfootnote\b', token[0]))
                stack.append((name, token[0], bool(skipped)))
            continue
        if stack and stack[-1][2]:
            continue
        for unit in _ENTITY.finditer(token[0]):
            char = htmllib.unescape(unit[0])
            if counted(char):
                yield token.start() + unit.start(), char, [tag for _, tag, _ in stack]


def _inner(html: str, k: str) -> tuple[int, int, int, int]:
    """The element stamped `k`: its start, the end of its start tag, the start of its end tag, its end."""
    start, end = element_span(html, k)
    return start, html.index(">", start) + 1, html.rindex("</", start, end), end


def counted_text(html: str, k: str) -> str:
    """The counted characters of the paragraph stamped `k`, as its lines show them."""
    _start, open_end, close_start, _end = _inner(html, k)
    return "".join(char for _at, char, _tags in _units(html[open_end:close_start]))


def split_paragraph(html: str, k: str, chars: int, hyphen: str, justified: bool) -> tuple[str, int]:
    """The paragraph stamped `k` split after its first `chars` counted characters into a first
    half that ends as its page's last line did (`hyphen` written at its end: the hyphen the layout
    added where it broke a word) and a second half that goes on unindented; returns the HTML and
    where between the halves a figure goes."""
    start, open_end, close_start, end = _inner(html, k)
    head, inner = html[start:open_end], html[open_end:close_start]
    at, open_tags = next(((at, tags) for n, (at, _char, tags) in enumerate(_units(inner)) if n == chars), (len(inner), []))
    closers = "".join(f"</{_START.match(tag)[1]}>" for tag in reversed(open_tags))  # type: ignore[index]
    reopened = "".join(re.sub(r'\s(?:id|data-k)="[^"]*"', "", tag) for tag in open_tags)
    first_head = with_attribute(head, "style", "text-align-last: justify") if justified else head
    mark = f'<span class="folio-hyphen" aria-hidden="true">{htmllib.escape(hyphen)}</span>' if hyphen else ""
    second_head = with_attribute(re.sub(r'\s(?:id|data-k|data-p)="[^"]*"', "", head), "class", "folio-continued")
    second_head = with_attribute(second_head, "data-k", f"{k}.1")  # (found again by a later round)
    second_head = with_attribute(second_head, "style", "text-indent: 0; margin-top: 0")
    first = f"{first_head}{inner[:at].rstrip()}{mark}{closers}</p>\n"
    second = f"{second_head}{reopened}{inner[at:].lstrip()}</p>"
    return html[:start] + first + second + html[end:], start + len(first)


def figures_in(html: str, parent: str) -> list[tuple[int, int]]:
    """The (start, end) of each figure directly in the element `parent`."""
    start, end = element_span(html, parent)
    found, at = [], html.index(">", start) + 1
    while True:
        match = re.compile(r"<figure(?=[\s>])").search(html, at, end)
        if match is None:
            return found
        figure_end = end_of(html, match.start())
        found.append((match.start(), figure_end))
        at = figure_end


def body_children(html: str) -> list[tuple[int, int]]:
    """The (start, end) of each element directly in the body."""
    match = re.search(r"<body\b[^>]*>", html)
    if match is None:
        return []
    found, at = [], match.end()
    while True:
        child = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][\w:-]*)", re.S).search(html, at)
        if child is None or child[1] or not child[2]:
            if child is not None and not child[1] and not child[2]:
                at = child.end()
                continue
            return found
        end = end_of(html, child.start())
        found.append((child.start(), end))
        at = end


def alone(html: str) -> dict[str, str]:
    """For each element of the body that has an id and holds a figure (a chapter, in a book laid
    out whole), the HTML with that element alone in its body: its figures can be placed apart
    from the rest of the book (in parallel), as they are in the parts."""
    children = body_children(html)
    found = {}
    for start, end in children:
        ident = re.match(r'<[^>]*?\sid="([^"]+)"', html[start:end])
        if ident is not None and "<figure" in html[start:end]:
            found[ident[1]] = cut(html, [(s, e) for s, e in children if s != start])
    return found


def placed_element(html: str, ident: str) -> str:
    """The element with the id `ident` from HTML placed by `place_figures` (its data-k stamps taken out)."""
    for start, end in body_children(html):
        if re.match(rf'<[^>]*?\sid="{re.escape(ident)}"', html[start:end]):
            return re.sub(r'\sdata-k="[\d.]+"', "", html[start:end])
    return ""


def with_elements(html: str, elements: dict[str, str]) -> str:
    """`html` with each element of its body whose id is a key of `elements` replaced by its value."""
    for start, end in reversed(body_children(html)):
        ident = re.match(r'<[^>]*?\sid="([^"]+)"', html[start:end])
        if ident is not None and elements.get(ident[1]):
            html = html[:start] + elements[ident[1]] + html[end:]
    return html
