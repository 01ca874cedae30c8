"""WeasyPrint's laid-out pages -> plain facts about them: the one place folio reads its boxes.

In: a laid-out `weasyprint.Document` (in a layout worker). Out: plain data that crosses
process boundaries and is cached: where each page's counted text starts (`page_starts`,
for the EPUB's page-list), the footnotes set away from their call (`orphan_footnotes`),
the paragraphs with stacked hyphens (`stacked_hyphens`), and the layout facts the proof
report reads (`layout_facts`: widows, orphans, overfull lines, headings at a page foot,
where each id and each first mention of it is).

Everything here reads `page._page_box` and the box classes of
`weasyprint.formatting_structure.boxes`, which are not WeasyPrint's public API; the
probe `boxes` in folio/weasy/probes.py checks they are there before a build relies on them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
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
                      or "footnote" in classes or "note-group-title" in classes):
                    counting = False
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
                text = "".join(t.text for t in _texts(line)).rstrip()
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


@dataclass
class RawProblem:
    """A layout problem as the boxes show it; folio proof finds its source line."""

    kind: str  # widow, orphan, overfull line, stacked hyphens, heading at foot
    page: int  # page index
    chapter: str | None  # the id of the chapter it is in
    text: str  # the whole text of the paragraph or heading
    detail: str = ""  # put before the paragraph's first words ("1.5 pt too wide: ")


@dataclass
class LayoutFacts:
    """What `folio proof` reports on, read from the pages while they are laid out."""

    problems: list[RawProblem] = field(default_factory=list)
    anchor_pages: dict[str, int] = field(default_factory=dict)  # id -> the page it is on
    mention_pages: dict[str, int] = field(default_factory=dict)  # id -> the page of its first link
    orphans: list[tuple[str, int]] = field(default_factory=list)  # footnotes away from their call


@dataclass
class _Fragment:
    """A paragraph's part on one page."""

    element: Any
    chapter: str | None
    lines: list[Any]


def _text(element: Any) -> str:
    return "".join(element.itertext())


def layout_facts(document: Any) -> LayoutFacts:
    """Widows, orphans, overfull lines, stacked hyphens, headings at a page's foot, white
    space, short last pages, hyphenated names and addresses, wrapped running heads, and the
    pages of ids and of their first mentions, in a laid-out document."""
    from weasyprint.formatting_structure.boxes import (
        FootnoteAreaBox,
        LineBox,
        MarginBox,
        TextBox,
    )

    facts = LayoutFacts()
    pages: list[list[_Fragment]] = []
    last_box: list[tuple[Any, str | None]] = []  # the last block on each page
    first_box: list[tuple[Any, str | None]] = []  # and the first
    bottoms: list[tuple[float, float, float]] = []  # per page: the text block's top and foot, and where its text stops
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            facts.anchor_pages.setdefault(anchor, index)
        fragments: list[_Fragment] = []
        blocks: list[tuple[Any, str | None]] = []
        used = [0.0]

        def walk(box: Any, chapter: str | None) -> None:
            if isinstance(box, MarginBox):
                if getattr(box, "at_keyword", "") == "@top-center" and len([c for c in box.children if isinstance(c, LineBox)]) > 1:
                    facts.problems.append(RawProblem("running head wraps", index, None, _text_of_box(box)))
                return
            if isinstance(box, FootnoteAreaBox) or getattr(box, "is_absolutely_positioned", lambda: False)():
                return  # (a proof's slug is fixed on every page, outside the text block)
            if isinstance(box, LineBox) or getattr(box, "element_tag", None) in ("img", "figure", "table", "pre"):
                used[0] = max(used[0], box.position_y + box.margin_height())
            element = getattr(box, "element", None)
            tag = getattr(box, "element_tag", None)
            if element is not None and tag == "section" and "chapter" in (element.get("class") or "").split():
                chapter = element.get("id")
            if element is not None and tag == "a" and element.get("href", "").startswith("#"):
                facts.mention_pages.setdefault(element.get("href")[1:], index)
            if element is not None and tag in ("p", "h2", "h3", "h4", "h5", "h6") and not isinstance(box, (LineBox, TextBox)) \
                    and getattr(box, "children", None) and isinstance(box.children[0], LineBox):
                fragments.append(_Fragment(element, chapter, list(box.children)))
                blocks.append((element, chapter))
                used[0] = max(used[0], box.position_y + box.margin_height())
                return
            if element is not None and tag in ("figure", "table", "blockquote", "ul", "ol", "pre"):
                blocks.append((element, chapter))
            for child in getattr(box, "children", ()):
                walk(child, chapter)

        walk(page_box(page), None)
        pages.append(fragments)
        last_box.append(blocks[-1] if blocks else (None, None))
        first_box.append(blocks[0] if blocks else (None, None))
        area = page_box(page)
        top = area.content_box_y()
        bottoms.append((top, top + area.height, used[0]))

    def add(kind: str, index: int, element: Any, chapter: str | None, detail: str = "") -> None:
        facts.problems.append(RawProblem(kind, index, chapter, _text(element), detail))

    for index, fragments in enumerate(pages):
        _paragraph_problems(index, fragments, pages, add)
        element, chapter = last_box[index]
        if element is not None and element.tag in ("h2", "h3", "h4", "h5", "h6"):
            add("heading at foot", index, element, chapter)
        _page_shape(facts, index, pages, first_box, bottoms, add)
    facts.orphans = orphan_footnotes(document)
    return facts


def _paragraph_problems(index: int, fragments: list[_Fragment], pages: list[list[_Fragment]], add: Any) -> None:
    """A page's widows, orphans, overfull lines and stacked hyphens."""
    for position, fragment in enumerate(fragments):
        continued_from = index > 0 and pages[index - 1] and pages[index - 1][-1].element is fragment.element
        continues = index + 1 < len(pages) and pages[index + 1] and pages[index + 1][0].element is fragment.element
        if fragment.element.tag == "p":
            if continued_from and position == 0 and len(fragment.lines) == 1:
                add("widow", index, fragment.element, fragment.chapter)
            if continues and position == len(fragments) - 1 and len(fragment.lines) == 1:
                add("orphan", index, fragment.element, fragment.chapter)
        width = _content_width(fragment.lines)
        for line in fragment.lines:
            used = max((child.position_x + child.margin_width() for child in line.children), default=0) - line.position_x
            if width and used > width + 1.0:
                add("overfull line", index, fragment.element, fragment.chapter, f"{used - width:.1f} pt too wide: ")
                break
        stacked = 0
        for line in fragment.lines:
            text = "".join(t.text for t in _texts(line))
            stacked = stacked + 1 if text.rstrip().endswith(HYPHEN_ENDS) else 0
            if stacked == 3:
                add("stacked hyphens", index, fragment.element, fragment.chapter)


def _page_shape(facts: LayoutFacts, index: int, pages: list[list[_Fragment]], first_box: list[tuple[Any, str | None]],
                bottoms: list[tuple[float, float, float]], add: Any) -> None:
    """A page's shape: a white hole (its text stops more than a fifth of the text block above
    the foot while its chapter goes on overleaf, named by what the next page starts with: a
    figure that did not fit, as a rule), a stub (a chapter's last page with fewer than four
    lines, after a page of the same chapter), hyphenated names and addresses at its line ends."""
    top, foot, used = bottoms[index]
    chapter = next((f.chapter for f in reversed(pages[index]) if f.chapter), None)
    following, next_chapter = first_box[index + 1] if index + 1 < len(pages) else (None, None)
    if chapter and used and next_chapter == chapter and following is not None and (foot - used) > 0.2 * (foot - top):
        add("white space", index, following, chapter, f"{(foot - used) / (foot - top):.0%} of the page empty before: ")
    previous = next((f.chapter for f in pages[index - 1] if f.chapter), None) if index else None
    lines = sum(len(f.lines) for f in pages[index] if f.chapter == chapter)
    if chapter and previous == chapter and next_chapter != chapter and 0 < lines < 4 and pages[index]:
        add("short last page", index, pages[index][-1].element, chapter, f"{lines} line{'s' if lines > 1 else ''} alone: ")
    for fragment in pages[index]:
        for line in fragment.lines:
            words = "".join(t.text for t in _texts(line)).rstrip().split()
            if not words or not words[-1].endswith(HYPHEN_ENDS) or len(words[-1]) < 3:
                continue
            if "://" in words[-1] or words[-1].startswith("www.") or "@" in words[-1]:  # even at its own hyphen
                add("hyphenated address", index, fragment.element, fragment.chapter, f"'{words[-1]}': ")
            elif words[-1][:1].isupper() and words[-1][:-1].isalpha() and words[-1] not in _text(fragment.element):  # not its own
                add("hyphenated name", index, fragment.element, fragment.chapter, f"'{words[-1]}': ")


def _text_of_box(box: Any) -> str:
    return "".join(t.text for t in _texts(box))


def _content_width(lines: list[Any]) -> float:
    """The width lines may fill: the paragraph box's content width."""
    return max((line.width for line in lines), default=0.0)


def _texts(box: Any) -> list[Any]:
    from weasyprint.formatting_structure.boxes import TextBox

    if isinstance(box, TextBox):
        return [box]
    out = []
    for child in getattr(box, "children", ()):
        out += _texts(child)
    return out


