"""A laid-out document -> the layout facts `folio proof` reports.

In: a laid-out `weasyprint.Document` (a whole document, in a layout worker). Out:
`LayoutFacts`: widows, orphans, overfull lines, stacked hyphens, headings at a page's foot,
white space, chapters' short last pages, hyphenated names and addresses, words hyphenated
across a recto's page turn, uneven spreads, wrapped running heads, footnotes away from their
call, and the pages of ids and of their first mentions, as plain data (check/proof.py
finds each one's source line). Reads WeasyPrint's page boxes, as boxes.py does, behind the
same probe (`boxes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from folio.weasy.boxes import orphan_footnotes, page_box, texts
from folio.weasy.hyphens import HYPHEN_ENDS


@dataclass
class RawProblem:
    """A layout problem as the boxes show it; folio proof finds its source line."""

    kind: str  # widow, orphan, overfull line, stacked hyphens, heading at foot, white space, page-turn hyphen, ...
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
    space, short last pages, hyphenated names and addresses, words hyphenated across a recto's
    page turn, uneven spreads, wrapped running heads, and the pages of ids and of their first
    mentions, in a laid-out document."""
    facts = LayoutFacts()
    read = [_read_page(page, index, facts) for index, page in enumerate(document.pages)]
    pages = [r.fragments for r in read]
    last_box = [r.blocks[-1] if r.blocks else (None, None) for r in read]  # the last block on each page
    first_box = [r.blocks[0] if r.blocks else (None, None) for r in read]  # and the first
    bottoms = [(r.top, r.foot, r.used, r.kind) for r in read]
    baselines = [r.notes_baseline if r.kind == "notes" else r.baseline for r in read]

    def add(kind: str, index: int, element: Any, chapter: str | None, detail: str = "") -> None:
        facts.problems.append(RawProblem(kind, index, chapter, _text(element), detail))

    for index, fragments in enumerate(pages):
        _paragraph_problems(index, fragments, pages, add)
        element, chapter = last_box[index]
        if element is not None and element.tag in ("h2", "h3", "h4", "h5", "h6"):
            add("heading at foot", index, element, chapter)
        _page_shape(facts, index, pages, first_box, bottoms, add)
    _spreads(pages, first_box, bottoms, baselines, add)
    facts.orphans = orphan_footnotes(document)
    return facts


@dataclass
class _PageRead:
    """One page as the layout facts need it."""

    top: float  # the text block's top and foot
    foot: float
    fragments: list[_Fragment] = field(default_factory=list)
    blocks: list[tuple[Any, str | None]] = field(default_factory=list)  # (element, chapter) of each block, in order
    used: float = 0.0  # where its text and images stop
    kind: str = ""  # "notes" (a footnote area: the page ends on the foot), "figure" (a picture on it) or ""
    baseline: float = 0.0  # its text's last baseline
    notes_baseline: float = 0.0  # and its footnotes'


def _read_page(page: Any, index: int, facts: LayoutFacts) -> _PageRead:
    """A page's paragraphs and blocks, where its text stops, what is on it; its ids, first
    mentions and a wrapped running head go to `facts` as they are met."""
    from weasyprint.formatting_structure.boxes import FootnoteAreaBox, LineBox, MarginBox, TextBox

    for anchor in page.anchors:
        facts.anchor_pages.setdefault(anchor, index)
    area = page_box(page)
    read = _PageRead(area.content_box_y(), area.content_box_y() + area.height)

    def walk(box: Any, chapter: str | None, contents: bool = False, entry: Any = None) -> None:
        if isinstance(box, MarginBox):
            if getattr(box, "at_keyword", "") == "@top-center" and len([c for c in box.children if isinstance(c, LineBox)]) > 1:
                facts.problems.append(RawProblem("running head wraps", index, None, _text_of_box(box)))
            return
        if isinstance(box, FootnoteAreaBox) and box.children:
            read.kind = read.kind or "notes"  # (the notes end on the foot: their last baseline is the page's)
            read.notes_baseline = max([read.notes_baseline] + [line.position_y + line.baseline for line in box.descendants()
                                                               if isinstance(line, LineBox)])
        if isinstance(box, FootnoteAreaBox) or getattr(box, "is_absolutely_positioned", lambda: False)():
            return  # (a proof's slug is fixed on every page, outside the text block)
        if isinstance(box, LineBox) or getattr(box, "element_tag", None) in ("img", "figure", "table", "pre"):
            read.used = max(read.used, box.position_y + box.margin_height())
        if isinstance(box, LineBox):
            read.baseline = max(read.baseline, box.position_y + box.baseline)
        element = getattr(box, "element", None)
        tag = getattr(box, "element_tag", None)
        if element is not None and tag == "section" and "chapter" in (element.get("class") or "").split():
            chapter = element.get("id")
        if element is not None and tag == "a" and element.get("href", "").startswith("#"):
            facts.mention_pages.setdefault(element.get("href")[1:], index)
        if element is not None and tag in ("p", "h2", "h3", "h4", "h5", "h6") and not isinstance(box, (LineBox, TextBox)) \
                and getattr(box, "children", None) and isinstance(box.children[0], LineBox):
            read.fragments.append(_Fragment(element, chapter, list(box.children)))
            read.blocks.append((element, chapter))
            read.used = max(read.used, box.position_y + box.margin_height())
            read.baseline = max([read.baseline] + [line.position_y + line.baseline for line in box.children
                                                   if isinstance(line, LineBox)])
            return
        contents = contents or tag == "nav" and "toc" in (element.get("class") or "").split()
        entry = element if contents and tag == "li" else entry  # a contents entry, and its lines below
        if entry is not None and getattr(box, "children", None) and isinstance(box.children[0], LineBox):
            _leader_lines(box, entry, index, facts)
            return
        if element is not None and tag in ("figure", "table", "blockquote", "ul", "ol", "pre"):
            read.blocks.append((element, chapter))
        if tag in ("figure", "img"):
            read.kind = "figure"
        for child in getattr(box, "children", ()):
            walk(child, chapter, contents, entry)

    walk(area, None)
    return read


def _leader_lines(box: Any, element: Any, index: int, facts: LayoutFacts) -> None:
    """A contents entry with a line of leader dots (and its page number) alone: reported at the
    chapter the entry leads to."""
    for line in box.children:
        text = "".join(t.text for t in texts(line))
        if "." in text and not text.replace(".", "").replace("\u00a0", "").strip(" 0123456789ivxlcdm"):
            link = element.find(".//a")
            target = (link.get("href") or "")[1:] if link is not None else None
            facts.problems.append(RawProblem("leader line alone", index, target, _text(element).strip()))
            return


def _going_on(index: int, pages: list[list[_Fragment]], first_box: list[tuple[Any, str | None]]) -> str | None:
    """The chapter of a page whose chapter goes on overleaf, or None."""
    chapter = next((f.chapter for f in reversed(pages[index]) if f.chapter), None)
    following = first_box[index + 1] if index + 1 < len(pages) else (None, None)
    return chapter if chapter and following[0] is not None and following[1] == chapter else None


def _spreads(pages: list[list[_Fragment]], first_box: list[tuple[Any, str | None]],
             bottoms: list[tuple[float, float, float, str]], baselines: list[float], add: Any) -> None:
    """Facing pages of text (no picture on them, no white space reported) whose chapter goes
    on overleaf from both, whose last baselines are more than a point apart (named at the one that stops higher),
    and a word hyphenated across a recto's page turn (the document's first page is a recto)."""
    for index in range(len(pages) - 1):
        chapter = _going_on(index, pages, first_box)
        if chapter is None or not pages[index]:
            continue
        last = pages[index][-1]
        words = "".join(t.text for t in texts(last.lines[-1])).rstrip().split() if last.lines else []
        if index % 2 == 0 and words and words[-1].endswith(HYPHEN_ENDS) and pages[index + 1] \
                and pages[index + 1][0].element is last.element:
            add("page-turn hyphen", index, last.element, chapter, f"'{words[-1]}' at a recto's foot: ")
        spread = (index, index + 1)
        if index % 2 == 1 and _going_on(index + 1, pages, first_box) and pages[index + 1] \
                and all(bottoms[i][3] != "figure" and bottoms[i][1] - bottoms[i][2] <= 0.2 * (bottoms[i][1] - bottoms[i][0])
                        for i in spread):
            apart = baselines[index] - baselines[index + 1]
            if abs(apart) > 1.33:  # CSS pixels: a point
                shorter = index if apart < 0 else index + 1
                add("uneven spread", shorter, pages[shorter][-1].element, chapter,
                    f"ends {abs(apart) * 0.75:.1f} pt above its facing page: ")


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
            text = "".join(t.text for t in texts(line))
            stacked = stacked + 1 if text.rstrip().endswith(HYPHEN_ENDS) else 0
            if stacked == 3:
                add("stacked hyphens", index, fragment.element, fragment.chapter)


def _page_shape(facts: LayoutFacts, index: int, pages: list[list[_Fragment]], first_box: list[tuple[Any, str | None]],
                bottoms: list[tuple[float, float, float, str]], add: Any) -> None:
    """A page's shape: a white hole (its text stops more than a fifth of the text block above
    the foot while its chapter goes on overleaf, named by what the next page starts with: a
    figure that did not fit, as a rule), a stub (a chapter's last page with fewer than four
    lines, after a page of the same chapter), hyphenated names and addresses at its line ends."""
    top, foot, used, _kind = bottoms[index]
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
            words = "".join(t.text for t in texts(line)).rstrip().split()
            if not words or not words[-1].endswith(HYPHEN_ENDS) or len(words[-1]) < 3:
                continue
            if "://" in words[-1] or words[-1].startswith("www.") or "@" in words[-1]:  # even at its own hyphen
                add("hyphenated address", index, fragment.element, fragment.chapter, f"'{words[-1]}': ")
            elif words[-1][:1].isupper() and words[-1][:-1].isalpha() and words[-1] not in _text(fragment.element):  # not its own
                add("hyphenated name", index, fragment.element, fragment.chapter, f"'{words[-1]}': ")


def _text_of_box(box: Any) -> str:
    return "".join(t.text for t in texts(box))


def _content_width(lines: list[Any]) -> float:
    """The width lines may fill: the paragraph box's content width."""
    return max((line.width for line in lines), default=0.0)
