"""WeasyPrint's laid-out pages -> plain facts about them.

In: a laid-out `weasyprint.Document` (in a layout worker). Out: plain data that crosses
process boundaries and is cached: where each page's counted text starts (`page_starts`,
for the EPUB's page-list), the footnotes set away from their call (`orphan_footnotes`),
the paragraphs with stacked hyphens (`stacked_hyphens`) or with a word hyphenated across a
recto's page turn (`recto_hyphens`), the chapters' short last pages (`short_chapter_ends`).
(The proof report's layout facts are read in facts.py.)

Everything here reads `page._page_box` and the box classes of
`weasyprint.formatting_structure.boxes`, which are not WeasyPrint's public API; the
probe `boxes` in folio/weasy/patches.py checks they are there before a build relies on
them. (depth.py, which moves blocks on a page, and relayout.py, which resumes a layout from
a page, use more of them, each behind a probe of its own.)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable

from folio.model import PageStart
from folio.render.pagemarks import alnum_count
from folio.weasy import patches
from folio.weasy.hyphens import HYPHEN_ENDS


def page_box(page: Any) -> Any:
    """The root box of a laid-out page (WeasyPrint keeps it private)."""
    return page._page_box


def page_starts(document: Any, labels: list[str], counts: dict[str, int] | None = None,
                before_page: Callable[[int], Any] | None = None, wide: list[tuple[str | None, int, str, float]] | None = None,
                ) -> list[PageStart]:
    """Walk WeasyPrint's pages in order and note where each one's counted text begins.

    `counts` (letters counted so far per part) starts the count where an earlier layout
    left it and holds the running count after the last page; `before_page(index)` is
    called as each page's walk begins (flow.py notes the counts at chunk boundaries).
    `wide`, when given, gets (part, page index, first words, points too wide) for each table
    that runs past the page's text block (a table cannot break its columns as a word can)."""
    counts = {} if counts is None else counts
    if not patches.available("boxes"):
        return [PageStart(label, None) for label in labels]
    from weasyprint.formatting_structure.boxes import MarginBox, TextBox

    starts: list[PageStart] = []
    for index, page in enumerate(document.pages):
        if before_page is not None:
            before_page(index)
        first: list[tuple[str, int]] = []
        root = page_box(page)
        right = root.content_box_x() + root.width + 1.0  # a point of rounding
        seen: set[int] = set()

        def walk(box: Any, part: str | None, counting: bool) -> None:
            if isinstance(box, MarginBox):
                return
            element = getattr(box, "element", None)
            if element is not None and getattr(box, "element_tag", None):
                classes = (element.get("class") or "").split()
                if element.tag == "section" and "chapter" in classes and element.get("id"):
                    part, counting = f"chapter:{element.get('id')}", True
                    if part not in counts:  # the chapter begins on this page, even when only its heading is here
                        counts[part] = 0
                        if not first:
                            first.append((part, 0))
                elif element.tag == "section" and "endnotes" in classes:
                    part, counting = None, False
                elif element.tag == "ol" and "notes" in classes and element.get("data-chapter"):
                    part, counting = f"notes:{element.get('data-chapter')}", True
                elif (element.tag == "header" and "chapter-head" in classes or "note-number" in classes
                      or "footnote" in classes or "note-group-title" in classes or element.tag == "figure"):
                    counting = False  # (a figure: floats move it, so its caption is not counted: render/pagemarks.py)
                if element.tag == "table" and wide is not None and id(element) not in seen:
                    seen.add(id(element))
                    over = box.border_box_x() + box.border_width() - right
                    if over > 0:
                        cells = [t.strip()[:60] for t in itertools.islice((t for t in element.itertext() if t.strip()), 4)]
                        wide.append((part, index, "\t".join(cells), round(over, 1)))  # its first cells' text
            if isinstance(box, TextBox):
                if counting and part:
                    found = alnum_count(box.text)
                    if found and not first:
                        first.append((part, counts.get(part, 0)))
                    counts[part] = counts.get(part, 0) + found
                return
            for child in getattr(box, "children", ()):
                walk(child, part, counting)

        walk(root, None, False)
        starts.append(PageStart(labels[index], *first[0]) if first else PageStart(labels[index], None))
    return starts


def orphan_footnotes(document: Any) -> list[tuple[str, int]]:
    """(note id, page index) of every footnote set on a page that does not hold its call."""
    if not patches.available("boxes"):
        return []
    from weasyprint.formatting_structure.boxes import FootnoteAreaBox

    orphans = []
    for index, page in enumerate(document.pages):
        children = page_box(page).children
        area = next((box for box in children if isinstance(box, FootnoteAreaBox)), None)
        if area is None or not children:
            continue
        root = children[0]
        notes = [box.element.get("id") for box in area.children if getattr(box, "element", None) is not None]
        if not notes:
            continue
        calls = {box.footnote.element.get("id") for box in root.descendants() if getattr(box, "footnote", None) is not None}
        orphans += [(note, index) for note in notes if note and note not in calls]
    return orphans


def stacked_hyphens(document: Any, limit: int = 2) -> list[str]:
    """data-p numbers of the paragraphs with more than `limit` hyphenated line ends in a row."""
    if not patches.available("boxes"):
        return []
    from weasyprint.formatting_structure.boxes import (
        FootnoteAreaBox,
        LineBox,
        MarginBox,
    )

    found: list[str] = []

    def walk(box: Any) -> None:
        if isinstance(box, (MarginBox, FootnoteAreaBox)):
            return
        children = getattr(box, "children", ())
        if children and isinstance(children[0], LineBox):
            element = getattr(box, "element", None)
            number = element.get("data-p") if element is not None else None
            streak = 0
            for line in children:
                text = "".join(t.text for t in texts(line)).rstrip()
                streak = streak + 1 if text.endswith(HYPHEN_ENDS) else 0
                if streak > limit and number:
                    found.append(number)
                    break
            return
        for child in children:
            walk(child)

    for page in document.pages:
        walk(page_box(page))
    return found


def recto_hyphens(document: Any) -> list[str]:
    """data-p numbers of the paragraphs that go on from a recto (the document's first page is
    one) overleaf with a word hyphenated across the page turn."""
    if not patches.available("boxes"):
        return []
    from weasyprint.formatting_structure.boxes import FootnoteAreaBox, LineBox, MarginBox

    def last_paragraph(page: Any) -> tuple[Any, list[Any]]:
        found: list[tuple[Any, list[Any]]] = []

        def walk(box: Any) -> None:
            if isinstance(box, (MarginBox, FootnoteAreaBox)):
                return
            children = getattr(box, "children", ())
            if children and isinstance(children[0], LineBox):
                found.append((getattr(box, "element", None), list(children)))
                return
            for child in children:
                walk(child)

        walk(page_box(page))
        return found[-1] if found else (None, [])

    found = []
    pages = document.pages
    for index in range(0, len(pages) - 1, 2):
        element, lines = last_paragraph(pages[index])
        if element is None or not element.get("data-p") or not lines:
            continue
        text = "".join(t.text for t in texts(lines[-1])).rstrip()
        if text.endswith(HYPHEN_ENDS) and _first_paragraph(pages[index + 1]) is element:
            found.append(element.get("data-p"))
    return found


def _first_paragraph(page: Any) -> Any:
    """The element of the first block of lines on a page."""
    from weasyprint.formatting_structure.boxes import LineBox

    for box in page_box(page).descendants():
        children = getattr(box, "children", None)
        if children and isinstance(children[0], LineBox) and not isinstance(box, LineBox):
            return getattr(box, "element", None)
    return None


@dataclass
class ChapterEnd:
    """A chapter's last page with `lines` lines, too few (after a page of it), and the paragraphs
    of the chapter before it that may be set a line shorter (`tighter`: their last line is short
    enough to be taken up by the others set tighter) or longer (`looser`: their last line is
    nearly full), best first, by data-p."""

    page: int
    chapter: str  # its id
    lines: int
    tighter: list[str]
    looser: list[str]
    push: str | None = None  # the block on the page before from which a page break gives the last page enough lines


TIGHTER_GAIN = 0.02  # a line set with setting.TIGHTER (or LOOSER) holds about 2 % more (less) of its text


def short_chapter_ends(document: Any, least: int = 4) -> list[ChapterEnd]:
    """The chapters' last pages of fewer than `least` lines of text (no figure or table on them),
    after a page of the same chapter."""
    if not patches.available("boxes"):
        return []
    from weasyprint.formatting_structure.boxes import FootnoteAreaBox, LineBox, MarginBox

    pages: list[list[tuple[Any, str | None, list[Any], float]]] = []  # (element, chapter, lines, width)
    solid: list[bool] = []  # a figure, an image or a table on the page
    # the last figure of each chapter (page, fragments on the page before it): floats.py placed the
    # figures, and lines re-set before one would move it; lines after the last one move none
    figured: dict[str | None, tuple[int, int]] = {}
    for page in document.pages:
        fragments: list[tuple[Any, str | None, list[Any], float]] = []
        found = [False]

        def walk(box: Any, chapter: str | None) -> None:
            if isinstance(box, (MarginBox, FootnoteAreaBox)):
                return
            element, tag = getattr(box, "element", None), getattr(box, "element_tag", None)
            if element is not None and tag == "section" and "chapter" in (element.get("class") or "").split():
                chapter = element.get("id")
            if tag in ("figure", "img", "table", "pre"):
                found[0] = True
                if tag == "figure":
                    figured[chapter] = (len(pages), len(fragments))
            children = getattr(box, "children", None)
            if element is not None and children and isinstance(children[0], LineBox):  # a paragraph, a heading, an item
                fragments.append((element, chapter, list(children), box.width))
                return
            for child in children or ():
                walk(child, chapter)

        walk(page_box(page), None)
        pages.append(fragments)
        solid.append(found[0])
    ends = []
    for index in range(1, len(pages)):
        chapter = next((f[1] for f in reversed(pages[index]) if f[1]), None)
        following = next((f[1] for f in pages[index + 1] if f[1]), None) if index + 1 < len(pages) else None
        before = next((f[1] for f in pages[index - 1] if f[1]), None)
        lines = sum(len(f[2]) for f in pages[index] if f[1] == chapter)
        if not chapter or before != chapter or following == chapter or solid[index] or not 0 < lines < least:
            continue
        after = figured.get(chapter, (-1, 0))
        tighter, looser = [], []
        previous = index - 1
        while previous >= 0 and any(f[1] == chapter for f in pages[previous]):
            for position, (element, part, found_lines, width) in enumerate(pages[previous]):
                if (previous, position) < after:
                    continue  # before the chapter's last figure
                ends_here = position < len(pages[previous]) - 1 or not pages[previous + 1] or \
                    pages[previous + 1][0][0] is not element
                if part != chapter or not element.get("data-p") or len(found_lines) < 2 \
                        or not ends_here or width <= 0:
                    continue
                fill = found_lines[-1].width / width
                # what setting it tighter (looser) gains on each of its other lines, as a share of a line
                reach = (len(found_lines) - 1) * TIGHTER_GAIN
                if fill < 0.8 * reach:
                    tighter.append((fill / reach, element.get("data-p")))
                elif 1 - fill < 0.8 * reach:
                    looser.append(((1 - fill) / reach, element.get("data-p")))
            previous -= 1
        push = _push(pages[index - 1], least - lines, after[1] if after[0] == index - 1 else 0) if after[0] < index else None
        ends.append(ChapterEnd(index, chapter, lines, [p for _, p in sorted(tighter)], [p for _, p in sorted(looser)], push))
    return ends


def _push(fragments: list[tuple[Any, str | None, list[Any], float]], lines: int, first: int = 0) -> str | None:
    """data-p of the last block of a page (not its first, nor one after a heading, nor one before
    its fragment `first`) that starts on it and, with what follows it there, holds `lines` to
    `lines` + 3 lines: a page break before it moves them overleaf, and the page ends that much short."""
    held = 0
    for position in range(len(fragments) - 1, max(first, 1) - 1, -1):
        element, _chapter, found, _width = fragments[position]
        held += len(found)
        before = fragments[position - 1][0]
        if held > lines + 3:
            return None
        if held >= lines and element.get("data-p") and before is not element and before.tag not in HEADINGS:
            return element.get("data-p")
    return None


HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def texts(box: Any) -> list[Any]:
    from weasyprint.formatting_structure.boxes import TextBox

    if isinstance(box, TextBox):
        return [box]
    out = []
    for child in getattr(box, "children", ()):
        out += texts(child)
    return out


