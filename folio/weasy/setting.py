"""What laying out any job needs: fonts, a fetcher, style sheets, fixes, anchors.

In: a `PartJob`. Out (`setting`): the worker's one font configuration, a fetcher that
reads only the job's folders, the job's style sheets parsed once per worker, and
WeasyPrint's warnings collected meanwhile; (`layout_fixes`) the CSS rules that mend
footnotes set away from their call and stacked hyphens; (`add_anchors_and_bookmarks`)
where each id and bookmark of a laid-out document is, as plain data.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from folio.weasy.boxes import orphan_footnotes, recto_hyphens, short_chapter_ends, stacked_hyphens
from folio.weasy.depth import short_pages
from folio.weasy.fetcher import contained_fetcher
from folio.weasy import words
from folio.weasy.jobs import LogCollector, PartJob, PartResult

# Margin boxes with no content are not made at all (hidden ones would still be laid out)
HIDE_MARGIN_BOXES = "@page { " + " ".join(
    f"@{box} {{ content: none !important; }}" for box in (
        "top-left-corner", "top-left", "top-center", "top-right", "top-right-corner", "left-top", "left-middle",
        "left-bottom", "right-top", "right-middle", "right-bottom", "bottom-left-corner", "bottom-left",
        "bottom-center", "bottom-right", "bottom-right-corner")) + " }"


_FONTS: dict[str, Any] = {}


def font_config() -> Any:
    """The worker's one FontConfiguration: fonts load once, for every part it lays out."""
    if "config" not in _FONTS:
        from weasyprint.text.fonts import FontConfiguration

        _FONTS["config"] = FontConfiguration()
    return _FONTS["config"]


@dataclass
class Setting:
    """What laying out a part needs, made once per part by `setting`."""

    font_config: Any
    fetcher: Any
    sheets: list[Any]  # the job's style sheets, margin boxes hidden for a part without furniture
    refused: list[str]  # URLs the fetcher refused
    collector: LogCollector
    counter_style: Any  # the sheets' @counter-style rules, which rendering must be given too

    def warnings(self) -> list[str]:
        return [m[:300] for m in self.collector.messages if "does not fetch" not in m]


@contextmanager
def setting(job: PartJob) -> Iterator[Setting]:
    """The worker's fonts, a fetcher that reads only the job's folders, the parsed style
    sheets, and WeasyPrint's warnings collected meanwhile."""
    words.use(job.hyphenation)  # the book's hyphenation rules, for the layouts that follow
    fonts = font_config()
    refused: list[str] = []
    fetcher = contained_fetcher([Path(r) for r in job.roots], refused)
    collector = LogCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        sheets = sheets_of(job, fetcher, fonts)
        if not job.furniture:
            sheets.append(_sheet(HIDE_MARGIN_BOXES, job.base_url, fetcher, fonts))
        yield Setting(fonts, fetcher, sheets, refused, collector, counter_style())
    finally:
        logger.removeHandler(collector)


def add_anchors_and_bookmarks(result: PartResult, document: Any, first: int = 0) -> None:
    """The ids and bookmarks of WeasyPrint's pages, whose first is page `first` of the part,
    in points from the page's bottom left (as PDF places them); an id keeps its first place."""
    for index, page in enumerate(document.pages):
        height = page.height * 0.75
        for anchor, (x, y, *_rest) in page.anchors.items():
            result.anchors.setdefault(anchor, (first + index, x * 0.75, height - y * 0.75))
    for level, label, (page, _x, y), _state in _flatten(document.make_bookmark_tree()):
        result.bookmarks.append((level, label, first + page, result.page_height - y * 0.75))


def layout_fixes(document: Any, fixes: list[str], footnotes: bool, pages: bool = True,
                 short: str = "last", stacks: bool = True) -> tuple[list[tuple[str, int]], list[str]]:
    """What is wrong with a layout and the CSS rules, not yet in `fixes`, that mend it.

    Returns the footnotes set away from their call (when `footnotes`) and new rules: for
    each such note `_footnote_fix`; with `stacks`, `hyphens: manual` for a paragraph with more
    than two hyphenated line ends in a row. With `pages`, the pages' own rules too: `hyphens: manual`
    for a paragraph going on from a recto with a word broken across the page turn (what the
    layout's own rule, hyphens.py, let through), `_chapter_end_fix` for a chapter's last page
    of fewer than four lines, and a paragraph set a line longer on each page of plain text a
    line short (depth.short_pages, each paragraph once): with `short` "last", only when nothing
    else is wanted (those rules change no page after theirs, and the others may), "with": with
    the others, "no": not at all. No new rules: the layout is final."""
    orphans = orphan_footnotes(document) if footnotes else []
    wanted = [_footnote_fix(note, fixes) for note, _ in orphans]
    wanted += [f'[data-p="{n}"] {{ hyphens: manual; }}' for n in (stacked_hyphens(document) if stacks else [])]
    if pages:
        wanted += [f'[data-p="{n}"] {{ hyphens: manual; }}' for n in recto_hyphens(document)]
        wanted += [rule for end in short_chapter_ends(document) for rule in _chapter_end_fix(end, fixes)]
    wanted = [rule for rule in dict.fromkeys(wanted) if rule not in fixes]
    if pages and (short == "with" or short == "last" and not wanted):
        done = {rule.split('"')[1] for rule in fixes if SHORT_PAGE in rule}  # (each paragraph once, kept or not)
        wanted += [f'[data-p="{n}"] {{ word-spacing: {0.05 * share:.3f}em; letter-spacing: {0.004 * share:.4f}em; }} '
                   f'{SHORT_PAGE}' for n, share in short_pages(document) if n not in done]
    return orphans, wanted


SHORT_PAGE = "/* short page */"


TIGHTER = "word-spacing: -0.04em; letter-spacing: -0.004em"  # a paragraph set a line shorter
LOOSER = "word-spacing: 0.05em; letter-spacing: 0.004em"  # or a line longer (short pages scale it)


def _chapter_end_fix(end: Any, fixes: list[str]) -> list[str]:
    """Rules that set paragraphs before a chapter's short last page a line shorter (its lines
    come back to the page before) or a line longer (the last page gets the lines it lacks), as a
    compositor re-sets a chapter's last pages one line tighter or looser: the way that needs
    fewer paragraphs, twice as many as lines are wanted (a line saved may go to a widow or orphan
    rule; more saved is no harm); when that did not do, or no paragraph can be re-set, a page break
    a few lines before the page before ends (it ends short by those lines, as LaTeX's
    `\\clearpage` would set it). Each is tried once: a chapter is laid out again twice at most."""
    mark = f"/* end of {end.chapter} */"  # the chapter's rules, told apart from other chapters'
    tried = [rule for rule in fixes if rule.endswith(mark)]
    if not tried:
        tighter = [f'[data-p="{n}"] {{ {TIGHTER}; }} {mark}' for n in end.tighter]
        looser = [f'[data-p="{n}"] {{ {LOOSER}; }} {mark}' for n in end.looser]
        if len(tighter) >= end.lines and (end.lines < 3 or len(looser) < 4 - end.lines):
            return tighter[:2 * end.lines]
        if len(looser) >= 4 - end.lines:
            return looser[:2 * (4 - end.lines)]
    if end.push and not any("break-before" in rule for rule in tried):
        return [f'[data-p="{end.push}"] {{ break-before: page; }} {mark}']
    return []


def _footnote_fix(note: str, fixes: list[str]) -> str:
    """How to keep a note with its call, stronger each time the note is still away from it:
    let the call's line move alone (widows and orphans of 1), then start its paragraph on a new page."""
    gentle = f'p[data-notes~="{note}"] {{ widows: 1; orphans: 1; }}'
    return gentle if gentle not in fixes else f'p[data-notes~="{note}"] {{ break-before: page; }}'


_SHEETS: dict[tuple[str, str], Any] = {}  # parsed style sheets, kept by a worker for its next parts
_COUNTERS: list[Any] = []  # the @counter-style rules of those sheets: WeasyPrint's API takes them as one dict


def counter_style() -> Any:
    """The @counter-style rules of every sheet parsed in this worker (folio's ordered lists
    `(a)` and `1)`, a book's own), given to `CSS()` as it parses and to `render()`."""
    if not _COUNTERS:
        from weasyprint.css.counters import CounterStyle

        _COUNTERS.append(CounterStyle())
    return _COUNTERS[0]


def _sheet(text: str, base: str, fetcher: Any, font_config: Any) -> Any:
    """A style sheet, parsed once per worker (every part uses the same ones)."""
    import weasyprint

    if (text, base) not in _SHEETS:
        if len(_SHEETS) > 64:  # a long-lived process (folio serve) whose styles keep changing
            _SHEETS.clear()
            _COUNTERS.clear()
        _SHEETS[text, base] = weasyprint.CSS(string=text, base_url=base, font_config=font_config, url_fetcher=fetcher,
                                             counter_style=counter_style())
    return _SHEETS[text, base]


def sheets_of(job: PartJob, fetcher: Any, font_config: Any) -> list[Any]:
    """The job's style sheets, in cascade order."""
    bases = job.css_bases or [job.base_url] * len(job.css)
    return [_sheet(text, base, fetcher, font_config) for text, base in zip(job.css, bases)]


def _flatten(tree: list[Any], level: int = 1) -> list[tuple[int, str, Any, Any]]:
    out = []
    for label, target, children, state in tree:
        out.append((level, label, target, state))
        out += _flatten(children, level + 1)
    return out
