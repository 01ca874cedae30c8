"""Pages of one depth: every page whose text goes on overleaf ends on the same baseline.

In: a laid-out WeasyPrint document, in a layout worker, before it is drawn. Out: the same
document, changed in place: on each page whose text goes on overleaf (same section, no
forced break) and whose last line stops a little above or below the baseline a page of
plain text ends on, the space between its blocks (around headings, quotations, lists,
figures, scene breaks; never between the lines of a paragraph, nor under a chapter's
title, so openers stay alike) is stretched or shrunk in proportion so that its last line
sits on that baseline; the page's ids, links and bookmarks are gathered again. This is
vertical justification, as LaTeX's `\\flushbottom` and InDesign set a two-sided book, so
that facing pages end on one line. A page with a footnote area ends its text against the
area instead (the notes end on the foot already). A page that would need more than
STRETCH (or SHRINK) of its spaces, such as one of plain text a line short, is left as it is;
for such a page, `short_pages` names a paragraph on it that, set a little looser, takes the
missing line (the layout workers add that rule and lay the part out again: setting.py).

The boxes are WeasyPrint's, not its public API: the probe `page-depth` (patches.py) checks
what this reads and moves; when it fails, pages end where WeasyPrint set them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from folio.weasy import patches
from folio.weasy.boxes import page_box

STRETCH = 1.0  # a space between blocks may grow by up to this share of itself
SHRINK = 0.5  # or lose up to this share
LEEWAY = 0.3  # points: a page this close to its baseline is left as it is
FORCED = {"page", "left", "right", "recto", "verso"}
ATOMIC = {"figure", "table", "pre", "img", "svg", "math"}  # laid out as one: no space inside them moves


@dataclass
class _Page:
    """What one page's depth depends on, read from its boxes."""

    first: Any  # the first block of text or image on it: (element, section)
    last: Any  # and the last
    opening: list[Any]  # the boxes from the page's root down to its first block
    elements: set[int]  # the ids of the elements with a box on it
    blocks: list[Any]  # its blocks of text or images, in order


def even_pages(document: Any, last_goes_on: bool = False) -> int:
    """Justify the depth of `document`'s pages (see the module's docstring); the number changed.
    `last_goes_on`: the document's last page is followed by more of its section, without a
    forced break (a part of a flow laid out again up to the old pages, flow.py)."""
    if not patches.available("page-depth") or not document.pages:
        return 0
    pages = [_read(page_box(page)) for page in document.pages]
    changed = 0
    for index in _going_on(pages) + ([len(pages) - 1] if last_goes_on and pages[-1].last is not None else []):
        page = document.pages[index]
        line = _body_line(page_box(page))
        if line and _justify(page_box(page), _end(pages[index].blocks[-1], line), line):
            page.__init__(page_box(page))  # its ids, links and bookmarks where they are now
            changed += 1
    return changed


def short_pages(document: Any) -> list[tuple[str, float]]:
    """For each page of plain text a line short whose text goes on overleaf (a widow or orphan
    rule took the line, or a heading went overleaf with its first lines): (data-p, share) of a
    paragraph with a line on it that, set looser by that share of setting.LOOSER, takes one
    line more (its last line is nearly full, or it is long): the page then ends where it ended
    (or a line or two later in the same paragraph), and the pages after it do not change."""
    if not patches.available("page-depth") or len(document.pages) < 2:
        return []
    pages = [_read(page_box(page)) for page in document.pages]
    whole = _paragraphs(pages)
    found = []
    for index in _going_on(pages):
        root = page_box(document.pages[index])
        line = _body_line(root)
        if not line:
            continue
        need = _target(root, line)[0] - _end(pages[index].blocks[-1], line)
        if abs(need - line.height) > 0.5 or sum(_gaps(root.children[0])) * STRETCH >= need:
            continue  # not a line short, or its spaces take it up
        shares = [(whole[id(box.element)], box.element.get("data-p")) for box in pages[index].blocks
                  if id(getattr(box, "element", None)) in whole]
        best = min(shares, default=None)
        if best is not None and best[0] <= MOST:
            found.append((best[1], best[0]))
    return found


LOOSER_GAIN = 0.035  # what setting.LOOSER adds to a line of text, as a share of its width (measured: 0.03 to 0.05)
MOST = 1.5  # the most of setting.LOOSER a paragraph is set with (a space 0.075 em wider: a third of a space)


def _paragraphs(pages: list[_Page]) -> dict[int, float]:
    """id of each numbered paragraph of two lines or more -> the share of setting.LOOSER that
    lengthens its text by the rest of its last line and half a line more (the middle of the
    reach that gives it exactly one line more, which a rate of gain off by two fifths still
    gives when the last line is at least a quarter full), or by half as much again as the rest
    of its last line when that is less (a short paragraph with a nearly full last line). One
    that takes no line more changes nothing; one that takes two is left out
    (relayout.Unsettled)."""
    from weasyprint.formatting_structure.boxes import LineBox

    lines: dict[int, int] = {}
    fill: dict[int, float] = {}
    for page in pages:
        for box in page.blocks:
            element = getattr(box, "element", None)
            if element is None or element.tag != "p" or not element.get("data-p") or box.width <= 0:
                continue
            found = [c for c in box.children if isinstance(c, LineBox)]
            if found:
                lines[id(element)] = lines.get(id(element), 0) + len(found)
                fill[id(element)] = found[-1].width / box.width
    return {key: min(1.5 - fill[key], 1.5 * (1 - fill[key]) + 0.05) / ((count - 1) * LOOSER_GAIN)
            for key, count in lines.items() if count > 1}


def _going_on(pages: list[_Page]) -> list[int]:
    """The pages whose text goes on overleaf: the next page's first block is in the same
    section and was not pushed to it by a forced break."""
    return [index for index, (here, after) in enumerate(zip(pages, pages[1:]))
            if here.last is not None and after.first is not None and here.last[1] is after.first[1]
            and not _forced(after, here)]


def _forced(page: _Page, before: _Page) -> bool:
    """The page's first block, or a block it begins, starts with a forced page break (a block
    begun on the page before was broken there by the layout, not asked to)."""
    return any(box.style["break_before"] in FORCED and id(getattr(box, "element", None)) not in before.elements
               for box in page.opening)


@dataclass(frozen=True)
class _Line:
    """A line of body text: its height and its baseline's distance from its top."""

    height: float
    baseline: float


def _body_line(page: Any) -> _Line | None:
    """The line of body text on a page: the most common among its paragraphs' lines (of the
    page alone, so that a page is set as it is whatever pages are laid out with it)."""
    from weasyprint.formatting_structure.boxes import LineBox

    lines: Counter[tuple[float, float]] = Counter()
    for box in page.descendants():
        if getattr(box, "element_tag", None) == "p" and box.children and isinstance(box.children[0], LineBox):
            lines.update((round(line.height, 2), round(line.baseline, 2)) for line in box.children)
    return _Line(*lines.most_common(1)[0][0]) if lines else None


def _flow(box: Any) -> list[Any]:
    """A container's block-level children in normal flow, or [] for a box laid out as one."""
    from weasyprint.formatting_structure.boxes import BlockContainerBox, BlockLevelBox, LineBox

    if not isinstance(box, BlockContainerBox) or getattr(box, "element_tag", None) in ATOMIC:
        return []
    if any(isinstance(c, LineBox) for c in box.children):
        return []
    return [c for c in box.children if isinstance(c, BlockLevelBox) and c.is_in_normal_flow()]


def _read(page: Any) -> _Page:
    """A page's first and last block (with the outermost section each is in), where its text
    ends, the boxes down to its first block and the elements on it."""
    found: list[tuple[Any, Any, Any]] = []  # (box, element, section)
    opening: list[Any] = []
    elements: set[int] = set()

    def walk(box: Any, section: Any, path: list[Any]) -> None:
        element = getattr(box, "element", None)
        elements.add(id(element))
        if section is None and getattr(box, "element_tag", None) == "section":
            section = element
        children = _flow(box)
        if not children:
            if box.height or box.children:
                if not found:
                    opening.extend(path + [box])
                found.append((box, element, section))
            return
        for child in children:
            walk(child, section, path + [box])

    if page.children:
        walk(page.children[0], None, [])
    if not found:
        return _Page(None, None, [], elements, [])
    first, last = found[0], found[-1]
    return _Page((first[1], first[2]), (last[1], last[2]), opening, elements, [f[0] for f in found])


def _end(box: Any, line: _Line) -> float:
    """Where a block's last baseline is (its last line's: a line with a raised note call is
    taller than the others, its baseline where theirs is); for a block of no lines, where a
    body line's baseline is when that line's foot is the block's."""
    from weasyprint.formatting_structure.boxes import LineBox

    lines = [c for c in box.children if isinstance(c, LineBox)] if hasattr(box, "children") else []
    if lines:
        return lines[-1].position_y + lines[-1].baseline
    return box.border_box_y() + box.border_height() - (line.height - line.baseline)


def _target(page: Any, line: _Line) -> tuple[float, bool]:
    """Where the page's last baseline should be, and whether its spaces may shrink to get
    there: the last baseline of the grid of body lines from the text block's top, or that of a
    line whose foot touches the footnote area."""
    from weasyprint.formatting_structure.boxes import FootnoteAreaBox

    area = next((c for c in page.children if isinstance(c, FootnoteAreaBox) and c.children), None)
    if area is not None:
        return area.position_y - (line.height - line.baseline), False
    return page.content_box_y() + (int(page.height / line.height + 0.01) - 1) * line.height + line.baseline, True


def _gaps(box: Any) -> list[float]:
    """The spaces between the blocks a container holds, at every depth, that may stretch."""
    children = _flow(box)
    out: list[float] = []
    for index, child in enumerate(children):
        out += _gaps(child)
        if index + 1 < len(children) and not _fixed(child):
            out.append(max(0.0, _space(child, children[index + 1])))
    return out


def _fixed(box: Any) -> bool:
    """The space after this block keeps its size: a chapter's title block (openers stay alike)."""
    element = getattr(box, "element", None)
    return element is not None and "chapter-head" in (element.get("class") or "").split()


def _space(above: Any, below: Any) -> float:
    return below.border_box_y() - (above.border_box_y() + above.border_height())


def _justify(page: Any, end: float, line: _Line) -> bool:
    """Move the page's blocks so that its last baseline (now at `end`) is on its target;
    False when it may not."""
    target, may_shrink = _target(page, line)
    need = target - end
    if abs(need) <= LEEWAY or need < 0 and not may_shrink:
        return False
    spaces = sum(_gaps(page.children[0]))
    if not spaces or need > spaces * STRETCH or -need > spaces * SHRINK:
        return False
    _spread(page.children[0], need / spaces)
    return True


def _spread(box: Any, share: float) -> float:
    """Grow every space between `box`'s blocks by `share` of itself (shrink, when negative),
    moving the blocks after it; what the box grew by."""
    children = _flow(box)
    spaces = [_space(a, b) for a, b in zip(children, children[1:])]
    added = 0.0
    for index, child in enumerate(children):
        if added:
            child.translate(dy=added)
        added += _spread(child, share)
        if index < len(spaces) and not _fixed(child):
            added += max(0.0, spaces[index]) * share
    if added:
        box.height += added
    return added
