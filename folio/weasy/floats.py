"""Figures placed as a book designer places them: a figure that does not fit floats, the text fills its page.

In: a part's HTML (or a whole book's) and a function that lays HTML out into a WeasyPrint
document. Out (`place_figures`): the HTML with its figures moved where they belong in the
flow, and the document laid out from it.

WeasyPrint has no page floats: a figure (kept whole, with its caption) that does not fit
at the foot of a page goes to the next one and leaves a hole behind it. So, as LaTeX and
InDesign place floats, after a layout shows where the pages break:

1. a figure that opens a page after a hole on the page before (`Hole`) is taken out of
   the flow, and its chapter laid out again: the text after it fills the hole, and the
   page after starts at some point of that text (`_point`);
2. the figure is put back at that point, splitting the paragraph there when the page
   broke inside one (the first half's last line justified as it was, a hyphen kept
   where the word broke, the second half not indented): the figure opens the page it
   opened before, the page before it is full, its order among figures is kept (the
   figures between it and that point move with it), and it is never further from
   its place in the source than the page after;
3. the book is laid out again and each move checked: a move that did not do what it
   was for is undone. A figure that only figures follow in its chapter (no text can fill
   the page before) goes to the top of the page it stood on instead.

One hole per chapter is settled per round, the chapters' holes together, until none is
left or the rounds run out. `placement=` on a figure asks otherwise: `here` (never
moved), `top` (the top of the page where it stands), `page` (a page of its own after
the page where it stands) or `bottom` (the foot of the page where it stands, else of the next).

Elements are found again across layouts by a `data-k` number stamped on every start tag
of the body (`stamp`); the HTML is edited as text, at those tags, so what is not moved
is left exactly as the renderer wrote it. The boxes read here are WeasyPrint's private
ones (the probe `boxes` checks them; without it no figure is moved).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator

from folio.weasy import patches
from folio.weasy.boxes import page_box
from folio.weasy.markup import (
    body_children,
    counted,
    counted_text,
    cut,
    element_span,
    end_of,
    figures_in,
    split_paragraph,
    stamp,
    start_of,
    with_attribute,
)

ROUNDS = 4  # rounds of step 1-3; each settles the first hole of every chapter
HOLE = 0.06  # a hole worth filling: this share of the text block (about three lines) or more

_PSEUDO = ("::before", "::after", "::marker", "::footnote-call", "::footnote-marker")



# -- the pages, read from WeasyPrint's boxes ------------------------------------------------------

@dataclass
class _Leaf:
    """The first piece of content met in the flow: text, an image or a figure, and its ancestors."""

    box: Any
    chain: list[Any]  # the boxes of elements around it, outermost first
    line: Any  # the line box it is on (None: a block-level image or a figure)


def _leaves(box: Any, chain: list[Any], line: Any = None) -> Iterator[_Leaf]:
    from weasyprint.formatting_structure.boxes import LineBox, ReplacedBox, TextBox

    element = getattr(box, "element", None)
    tag = getattr(box, "element_tag", "") or ""
    if tag.endswith(_PSEUDO) or box.style["position"] in ("absolute", "fixed"):
        return
    if element is not None and tag == "figure":
        yield _Leaf(box, chain, line)
        return
    if isinstance(box, TextBox):
        if any(counted(c) for c in box.text):
            yield _Leaf(box, chain, line)
        return
    if isinstance(box, ReplacedBox):
        yield _Leaf(box, chain, line)
        return
    fresh = element is not None and element.get("data-k") and not (chain and chain[-1].element is element)
    inner = chain + [box] if fresh else chain  # (an anonymous box has its parent's element: counted once)
    for child in getattr(box, "children", ()):
        yield from _leaves(child, inner, box if isinstance(box, LineBox) else line)


def _flow(page: Any) -> Iterator[_Leaf]:
    """The content of a page's text block in order (not its margin boxes or footnotes)."""
    root = page_box(page)
    if root.children:
        yield from _leaves(root.children[0], [])


def _keys(leaf: _Leaf) -> list[str]:
    return [b.element.get("data-k") for b in leaf.chain]


def _section(leaf: _Leaf) -> str | None:
    return next((b.element.get("data-k") for b in reversed(leaf.chain) if b.element_tag == "section"), None)


def _room(page: Any) -> tuple[float, float]:
    """The height left empty at the foot of a page's text block, and the block's height."""
    from weasyprint.formatting_structure.boxes import FootnoteAreaBox, LineBox, ReplacedBox

    root = page_box(page)
    foot = root.content_box_y() + root.height
    area = next((b for b in root.children if isinstance(b, FootnoteAreaBox)), None)
    if area is not None and area.children:
        foot = area.position_y
    bottom = root.content_box_y()
    stack = list(root.children[:1])
    while stack:
        box = stack.pop()
        if box.style["position"] in ("absolute", "fixed"):
            continue  # out of the flow: a proof's slug line, a book's own page decoration
        if isinstance(box, (LineBox, ReplacedBox)):
            bottom = max(bottom, box.position_y + box.margin_height())
        else:
            stack.extend(getattr(box, "children", ()))
    return foot - bottom, root.height


def _hole_share(page: Any) -> float:
    """The room at a page's foot as a share of its text block (one walk of its boxes)."""
    room, height = _room(page)
    return room / height if height else 0.0


@dataclass
class Hole:
    """A figure to move, on the page `page` of its chapter (`section`): where it should go there."""

    figure: str  # data-k
    parent: str  # data-k of its parent element
    section: str
    page: int  # the page (of its chapter, from 0) whose text should come before the figure
    where: str  # "top": the figure opens page+1; "start": it opens `page`; "bottom": it ends `page`
    alone: bool = False  # a page of its own (placement=page)
    height: float = 0.0  # the figure's height, with its margins (for "bottom")


def _chapter_pages(document: Any) -> dict[str, int]:
    """data-k of each section -> the index of the first page it is on."""
    first: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        root = page_box(page)
        if not root.children:
            continue
        for box in root.children[0].descendants():
            element = getattr(box, "element", None)
            if getattr(box, "element_tag", None) == "section" and element is not None and element.get("data-k"):
                first.setdefault(element.get("data-k"), index)
    return first


def find_holes(document: Any, done: set[str]) -> list[Hole]:
    """The first figure to move in each chapter: one that opens a page after a hole, or that asks
    for a placement it does not have; not those in `done` or placed `here`."""
    pages = document.pages
    starts = _chapter_pages(document)
    firsts = [next(_flow(page), None) for page in pages]
    holes: dict[str, Hole] = {}
    for index, page in enumerate(pages):
        for leaf in _flow(page):
            if leaf.box.element_tag != "figure" or leaf.line is not None:
                continue
            k, section = leaf.box.element.get("data-k"), _section(leaf)
            placement = leaf.box.element.get("data-placement", "")
            if k in done or placement == "here" or section is None or section in holes or len(leaf.chain) < 1:
                continue
            opens = firsts[index] is not None and firsts[index].box is leaf.box
            relative = index - starts.get(section, index)
            hole = Hole(k, leaf.chain[-1].element.get("data-k"), section, relative - 1 if opens else relative, "top",
                        height=leaf.box.margin_height())
            if placement == "page":
                hole.alone = True
            elif placement == "top":
                if opens:
                    continue
                hole.where, hole.page = "start", relative
            elif placement == "bottom":
                hole.where = "bottom"
            elif not opens or index == 0 or _hole_share(pages[index - 1]) < HOLE:
                continue
            if hole.page >= 0:
                holes[section] = hole
    return list(holes.values())


@dataclass
class _Point:
    """Where a figure goes: before the element `before`, inside the paragraph `split`, or at the
    end of its parent (`end`: the text after it ends the chapter on the page before)."""

    end: bool = False
    before: str | None = None
    split: str | None = None
    chars: int = 0
    hyphen: str = ""
    justified: bool = False
    room: float = 0.0  # the room the text leaves at the foot of the page before, without the figure


def _counted_text(leaf: _Leaf) -> str:
    return "".join(c for c in getattr(leaf.box, "text", "") if counted(c))


def _point(html: str, document: Any, hole: Hole, starts: dict[str, int]) -> _Point | None:
    """Where, in a layout of the chapter without the figure, the figure should go."""
    index = starts.get(hole.section, -1) + hole.page + (1 if hole.where == "top" else 0)
    if index < 0 or index > len(document.pages) or index == len(document.pages) and hole.where != "top":
        return None
    below = None
    if hole.where == "bottom":
        root = page_box(document.pages[index])
        below = root.content_box_y() + root.height - hole.height
    target = next((leaf for leaf in _flow(document.pages[index]) if below is None or (
        leaf.line is not None and leaf.line.position_y + leaf.line.height > below)), None) if index < len(document.pages) else None
    if (target is None or _section(target) != hole.section) and hole.where == "top":
        return _Point(end=True, room=_room(document.pages[index - 1])[0])
    if target is None or _section(target) != hole.section:
        return None
    keys = _keys(target)
    if hole.parent not in keys or keys[-1] == hole.parent:
        return None
    child = target.chain[keys.index(hole.parent) + 1]
    before = _chars_before(document, index, child.element.get("data-k"), target, counted_text(html, child.element.get("data-k")))
    if before is None:
        return None
    chars, hyphen = before
    room = _room(document.pages[index - 1])[0] if index > 0 else 0.0
    if chars == 0:
        return _Point(before=child.element.get("data-k"), room=room)
    from weasyprint.formatting_structure.boxes import InlineBox

    inline = target.chain[target.chain.index(child) + 1:]
    if child.element_tag != "p" or not all(isinstance(b, InlineBox) for b in inline):
        return None  # inside a list, a quotation, a table: not split
    return _Point(split=child.element.get("data-k"), chars=chars, hyphen=hyphen,
                  justified=child.style["text_align_all"] == "justify", room=room)


def _chars_before(document: Any, index: int, k: str, target: _Leaf, source: str) -> tuple[int, str] | None:
    """How many of the counted characters of the paragraph `k` (`source`, as the HTML has them)
    its lines show before `target` (on page `index`), and the hyphen the layout added at the end
    of the line before it, if it added one; None when the lines do not show the source's text.

    The lines are matched to the source character by character: a hyphen at a line's end that
    the source does not have there was added by hyphenation (WeasyPrint writes it into the text,
    or shows a soft hyphen of the text as its style's hyphenate-character)."""
    leaves: list[_Leaf] = []
    for page_index in range(index, -1, -1):
        found = []
        for leaf in _flow(document.pages[page_index]):
            if leaf.box is target.box:
                break
            if k in _keys(leaf):
                found.append(leaf)
        if not found and page_index < index:
            break
        leaves[:0] = found
    at, added = 0, ""
    for leaf in leaves:
        text = getattr(leaf.box, "text", "").rstrip()
        for place, char in enumerate(text):
            if not counted(char):
                continue
            if at < len(source) and source[at] == char:
                at, added = at + 1, ""
            elif char in "-\u2010" and place == len(text) - 1:
                added = char  # written at a line's end by the layout
            else:
                return None
        if text.endswith("\u00ad"):
            added = leaf.box.style["hyphenate_character"] or "\u2010"
    return at, added


# -- the rounds -------------------------------------------------------------------------------------

def _move(html: str, hole: Hole, point: _Point) -> str | None:
    """The HTML with the figure (and the figures between it and `point`) moved to `point`."""
    if start_of(html, hole.figure) < 0:
        return None
    if point.split is not None:
        html, at = split_paragraph(html, point.split, point.chars, point.hyphen, point.justified)
    elif point.end:
        parent_start, parent_end = element_span(html, hole.parent)
        at = html.rindex("</", parent_start, parent_end)
    else:
        at = start_of(html, point.before or "")
    figure_start = start_of(html, hole.figure)
    if at < 0 or at < figure_start and hole.where != "start":
        return None
    lo, hi = sorted((figure_start, at))
    moving = [(s, e) for s, e in figures_in(html, hole.parent) if lo <= s < hi] if hole.where != "start" else [
        element_span(html, hole.figure)]
    blocks = "".join(_placed(html[s:e], hole) for s, e in moving)
    head, tail = (html[:at], html[at:])
    return cut(head, moving) + blocks + "\n" + tail if at > figure_start else head + blocks + "\n" + cut(tail, [
        (s - at, e - at) for s, e in moving])


def _placed(figure: str, hole: Hole) -> str:
    if not hole.alone:
        return figure
    tag_end = figure.index(">") + 1
    return with_attribute(figure[:tag_end], "style", "break-before: page; break-after: page") + figure[tag_end:]


def _without_figures(html: str, holes: list[Hole]) -> str:
    """The HTML without each hole's figure and the figures after it in its chapter."""
    spans = []
    for hole in holes:
        figure_start = start_of(html, hole.figure)
        section_start, section_end = element_span(html, hole.section)
        for match in re.compile(r"<figure(?=[\s>])").finditer(html, figure_start, section_end):
            spans.append((match.start(), end_of(html, match.start())))
        del section_start
    return cut(html, sorted(set(spans)))


def _settled(document: Any, hole: Hole, point: _Point) -> bool:
    """Whether the moved figure stands where the hole asked for it (after a page as full as the
    text could make it without the figure)."""
    starts = _chapter_pages(document)
    for index, page in enumerate(document.pages):
        leaves = list(_flow(page))
        where = next((i for i, leaf in enumerate(leaves) if leaf.line is None and leaf.box.element_tag == "figure"
                      and leaf.box.element.get("data-k") == hole.figure), None)
        if where is None:
            continue
        relative = index - starts.get(hole.section, index)
        if hole.where == "top":
            if hole.alone or relative > hole.page:  # it opens the next page, after a page as full as can be
                return where == 0 and relative == hole.page + 1 and (
                    index == 0 or _room(document.pages[index - 1])[0] <= point.room + 1.0)
            return relative == hole.page  # it fits on the page now
        if hole.where == "start":
            return where == 0 and relative == hole.page
        return relative == hole.page and where == len(leaves) - 1
    return False


def _only(html: str, holes: list[Hole]) -> str:
    """The HTML without the body's elements that hold none of the holes' figures: the chapters
    laid out again in a round (each starts on a page of its own, as it does in the parts)."""
    figures = [start_of(html, hole.figure) for hole in holes]
    return cut(html, [(s, e) for s, e in body_children(html) if not any(s <= f < e for f in figures)])


def _splice(html: str, edited: str) -> str:
    """`html` with each of its body's elements that `edited` holds (by data-k) replaced by its edited version."""
    for start, end in body_children(edited):
        k = re.search(r'\sdata-k="([^"]+)"', edited[start:edited.index(">", start)])
        if k is not None:
            old_start, old_end = element_span(html, k[1])
            html = html[:old_start] + edited[start:end] + html[old_end:]
    return html


def _ends(html: str, hole: Hole) -> bool:
    """Whether only figures follow the hole's figure in its parent."""
    end = end_of(html, start_of(html, hole.figure))
    parent_end = element_span(html, hole.parent)[1]
    rest = cut(html[:parent_end], [(s, e) for s, e in figures_in(html, hole.parent) if s >= end])[end:]
    return re.fullmatch(r"\s*</[^>]+>\s*", rest) is not None


def _round(html: str, document: Any, holes: list[Hole], render: Callable[[str], Any]) -> tuple[str, Any] | None:
    """One round: the holes' figures moved (step 1-3 of the module's docstring) in `html`, which
    `document` is the layout of; the HTML and its layout, or None when no move did what it was for."""
    without = render(_without_figures(html, [h for h in holes if h.where != "start"]))
    starts, starts_without = _chapter_pages(document), _chapter_pages(without)
    moved, tried = html, []
    for hole in holes:
        point = _point(html, document, hole, starts) if hole.where == "start" else _point(html, without, hole, starts_without)
        if point is not None and point.end and _ends(moved, hole):
            # nothing but figures after it: no text can fill the page before, so it goes to that page's top
            hole = replace(hole, where="start")
            point = _point(html, document, hole, starts)
        changed = _move(moved, hole, point) if point is not None else None
        if changed is None and hole.where == "bottom":  # no room at this page's foot: the next page's
            hole = replace(hole, page=hole.page + 1)
            point = _point(html, without, hole, starts_without)
            changed = _move(moved, hole, point) if point is not None else None
        if changed is not None and point is not None:
            moved, tried = changed, [*tried, (hole, point)]
    if not tried:
        return None
    candidate = render(moved)
    kept = [(hole, point) for hole, point in tried if _settled(candidate, hole, point)]
    if not kept:
        return None
    if len(kept) < len(tried):  # laid out again with the moves that worked only
        moved = html
        for hole, point in kept:
            moved = _move(moved, hole, point) or moved
        candidate = render(moved)
    return moved, candidate


def place_figures(html: str, render: Callable[[str], Any]) -> tuple[str, Any]:
    """Lay `html` out with its figures placed (the module's steps); the HTML and its layout.

    Rounds lay out only the chapters with a figure to move (`_only`); a book laid out whole is
    laid out whole once more at the end, with the chapters as the rounds left them."""
    if "<figure" not in html or not patches.available("boxes"):
        return html, render(html)
    given, html = html, stamp(html)
    document = render(html)
    done: set[str] = set()
    holes = find_holes(document, done)
    current = True  # `document` is the layout of the whole `html`
    part, part_document = html, document
    for _round_number in range(ROUNDS):
        if not holes:
            break
        done.update(hole.figure for hole in holes)
        smaller = _only(part, holes)
        if smaller != part:
            part, part_document = smaller, render(smaller)
        result = _round(part, part_document, holes, render)
        if result is None:
            holes = []
            break
        part, part_document = result
        html, current = _splice(html, part), False
        holes = find_holes(part_document, done)
    if current:
        return given, document  # nothing moved: the HTML as it came
    if body_children(part) == body_children(html) and part == html:
        return html, part_document
    return html, render(html)
