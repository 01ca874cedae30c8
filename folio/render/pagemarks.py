"""Print pages -> places in the EPUB: where each page of the PDF starts, down to the word.

In (from the PDF writer): WeasyPrint's laid-out pages. Out: for every page, the
part of the book its first line belongs to (``chapter:ID`` for a chapter's text,
``notes:ID`` for that chapter's endnotes) and how many letters and digits of
that part come before it. In (EPUB writer): an XHTML document and the pages that
start in it. Out: the document with an empty
``<span epub:type="pagebreak" role="doc-pagebreak" id="page-N" aria-label="N"/>``
at each of those points.

Print and EPUB markup come from the same renderer, so a part's text runs in the
same order in both; counting only letters and digits makes hyphens added by
hyphenation, collapsed white space and generated content irrelevant. A figure's
text (its caption) is not counted on either side: print moves figures to the top
of a page or past the text that fills the page before them (weasy/floats.py),
so a caption stands at a different place in the two orders. A page on which no
counted text starts (blank versos, the title pages, the contents, a page holding
only a figure) is marked where the next page starts.
"""

from __future__ import annotations

import html
import re
from typing import Iterable

from folio.model import PageStart

_MASK = re.compile(r"<math\b.*?</math>|<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|\w+);", re.S)  # MathML, a tag or an entity
_ALNUM = re.compile(r"[^\W_]")  # a letter or a digit: what str.isalnum() is true for
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|\w+);")
# n letters or digits, in text whose tags and entities are blanked (_counted) or in the XHTML itself
# (tags and entities skipped whole, never backtracked into)
_SKIPS = [(n, re.compile(rf"(?:[\W_]*+[^\W_]){{{n}}}")) for n in (4096, 256, 16, 1)]
_NOT_COUNTED = r"(?:<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|\w+);|[\W_])*+"
_TAGGED_SKIPS = [(n, re.compile(rf"(?:{_NOT_COUNTED}[^\W_]){{{n}}}")) for n in (4096, 256, 16, 1)]
_GAP = re.compile(_NOT_COUNTED)
_GAP_IN_TEXT = re.compile(r"[\W_]*+")
_FIGURE_TAG = re.compile(r"<(/?)figure\b[^>]*>")


def alnum_count(text: str) -> int:
    return sum(map(str.isalnum, text))


def markers_by_part(starts: list[PageStart]) -> dict[str, list[tuple[int, str]]]:
    """part -> [(offset, label)], pages without counted text moved to the next page's place."""
    by_part: dict[str, list[tuple[int, str]]] = {}
    waiting: list[str] = []
    last: tuple[str, int] | None = None
    for start in starts:
        if start.part is None:
            waiting.append(start.label)
            continue
        for label in [*waiting, start.label]:
            by_part.setdefault(start.part, []).append((start.offset, label))
        waiting = []
        last = (start.part, start.offset)
    if waiting and last:
        by_part[last[0]] += [(10**12, label) for label in waiting]  # after the last counted text
    return by_part


def marker(label: str) -> str:
    return f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{label}" aria-label="{label}"></span>'


def _figures(text: str) -> list[tuple[int, int]]:
    """The spans of the outermost figures in `text` (a figure may hold figures)."""
    spans, depth, opened = [], 0, 0
    for match in _FIGURE_TAG.finditer(text):
        if not match[1]:
            opened, depth = (match.start() if depth == 0 else opened), depth + 1
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append((opened, match.end()))
    return spans


def _counted(document: str, begin: int, end: int) -> str:
    """document[begin:end] as the counting sees it, the same length: tags and entities that
    are not a letter or digit blanked, an entity that is one put in its first place, and
    MathML blanked whole (print shows math as a drawing, whose letters the PDF does not have),
    and figures blanked whole (their captions are not counted: the module's docstring)."""
    def blank(match: re.Match[str]) -> str:
        piece = match[0]
        if piece[0] == "&":
            char = html.unescape(piece)
            if len(char) == 1 and char.isalnum():
                return char + " " * (len(piece) - 1)
        return " " * len(piece)

    text, pieces, done = document[begin:end], [], 0
    for start, stop in _figures(text):  # one pass, however many figures
        pieces += [text[done:start], " " * (stop - start)]
        done = stop
    return _MASK.sub(blank, "".join(pieces) + text[done:])


def insert_markers(document: str, markers: Iterable[tuple[int, str]], start_after: str, stop_at: str | None = None) -> str:
    """Put page markers into XHTML at letter-and-digit offsets counted from `start_after`:
    a marker at offset N goes right before the letter or digit that has N of them before it."""
    pending = sorted(markers, key=lambda m: m[0])
    begin = document.find(start_after)
    if begin < 0 or not pending:
        return document
    begin += len(start_after)
    if not start_after.endswith(">"):  # a start tag given without its attributes: skip to its end
        begin = document.index(">", begin) + 1
    end = document.find(stop_at, begin) if stop_at else -1
    if end < 0:  # pages after the last counted text go before the chapter's end, never after </html>
        end = max(document.rfind("</section>"), document.rfind("</body>") if "</section>" not in document[begin:] else -1)
        end = len(document) if end < begin else end
    if (document.find("<math", begin, end) >= 0 or document.find("<figure", begin, end) >= 0
            or any(len(c := html.unescape(e)) == 1 and c.isalnum() for e in set(_ENTITY.findall(document, begin, end)))):
        text, skips, gap, base = _counted(document, begin, end), _SKIPS, _GAP_IN_TEXT, 0  # math, figures, raw HTML with &eacute;
    else:
        text, skips, gap, base = document, _TAGGED_SKIPS, _GAP, begin  # count in the document itself
    stop = end - begin + base
    out = [document[:begin]]
    done = base  # of `text`, copied to out
    position, count = base, 0  # just after the count-th letter or digit
    for offset, label in pending:
        for step, skip in skips:  # jump over letters and digits in big steps, then smaller ones
            while offset - count >= step and (found := skip.match(text, position, stop)) is not None:
                position, count = found.end(), count + step
        at = stop
        if count >= offset:
            following = gap.match(text, position, stop)  # tags, spaces and signs, then the next letter or digit
            if following is not None and following.end() < stop:
                at = following.end()
        at = _word_start(document, begin + at - base, begin + done - base) - begin + base
        out += [document[begin + done - base:begin + at - base], marker(label)]
        done = at
    return "".join(out) + document[begin + done - base:]


_IN_WORD = "'\u2019-\u00ad"  # apostrophes, hyphens and soft hyphens inside a word
_CODE_LINE = '<span class="line">'  # a line of a code block (render/code.py)


def _word_start(document: str, at: int, floor: int) -> int:
    """Where a marker due at `at` goes so that it splits no word and stands in no <code> (nor
    MathML, which cannot hold one), but between the lines of a listing: back
    to the start of the word it falls in (a page that begins inside a word hyphenated across
    the break is marked before that word), and before a <code> element it falls inside. Never
    before `floor` (the previous marker)."""
    position = at
    while position > floor and (document[position - 1].isalnum() or document[position - 1] in _IN_WORD):
        position -= 1
    for tag in ("code", "math"):
        opened = document.rfind(f"<{tag}", floor, position)
        if opened >= 0 and document.rfind(f"</{tag}>", opened, position) < 0:
            line = document.rfind(_CODE_LINE, opened, position) if tag == "code" else -1
            position = line if line >= 0 else opened  # in a listing, before the line the page starts with
    return position


def count_between(document: str, start_after: str, stop_at: str) -> int:
    """Letters and digits of the text between two markers of a document, counted as insert_markers does."""
    begin = document.find(start_after)
    if begin < 0:
        return 0
    begin = document.index(">", begin + len(start_after) - 1) + 1
    end = document.find(stop_at, begin)
    end = len(document) if end < 0 else end
    return len(_ALNUM.findall(_counted(document, begin, end)))


def insert_at_start(document: str, markers: Iterable[tuple[int, str]], start_tag: str) -> str:
    """Put page markers right after the start tag that begins with `start_tag` (a chapter's opener)."""
    labels = [label for _, label in markers]
    begin = document.find(start_tag)
    if begin < 0 or not labels:
        return document
    end = document.index(">", begin) + 1
    return document[:end] + "".join(marker(label) for label in labels) + document[end:]
