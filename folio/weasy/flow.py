"""The endnotes laid out as one flow, drawn in chunks that the next build can reuse.

In: a `PartJob` with `flow=True` (the notes part) and, from the cache, the result of
the last layout of that part (`PartJob.previous`). Out: a `PartResult` whose PDF is a
list of chunks of CHUNK_PAGES pages, with the layout state at every chunk boundary
(`PartResult.flow`), for the build after this one.

The notes are one flow of text: a sentence added to one note moves every line after
it, and a layout of the whole part costs as much as a long chapter. But WeasyPrint
lays a document out page by page from a small state (where in the box tree the page
starts, the counters, the page side), and after an edit the flow usually meets its
old page breaks again within a page or two, where a page had room for the new line.
So when exactly one note changed:

1. the layout resumes at the last chunk boundary before the page where the note
   starts, from the state recorded there (pages before it cannot depend on the note);
2. pages are laid out until a chunk boundary after the note where the state equals
   the recorded one: from there on every page is the old page, and the old chunks
   are used as they are; otherwise to the end;
3. only the new chunks are drawn.

A cold layout draws the same chunks from the same pages, so the PDF of a build that
resumed is byte for byte the PDF of a build from nothing (tests/test_cache.py). An
edit that touches more than one note, adds or removes one, or a part with tables or
images (whose layout keeps state across pages) is laid out whole.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from folio.render.hooks import NOTE_GROUP_OPEN, NOTE_OPEN
from folio.weasy.depth import even_pages
from folio.weasy.jobs import PartCache, PartJob, PartResult
from folio.weasy.setting import add_anchors_and_bookmarks, layout_fixes, setting

CHUNK_PAGES = 8


class PageCounters(Exception):
    """The part's layout needs a second pass for page-based counters: lay it out whole."""


# -- the layout state at a page, as JSON (the cache holds no pickles: a book folder may ship one) --

def encode(value: Any) -> Any:
    """WeasyPrint's page state (tuples, sets, dicts with int keys) as JSON values, tagged."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"t": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return {"s": sorted((encode(v) for v in value), key=repr)}
    if isinstance(value, dict):
        return {"d": [[encode(k), encode(v)] for k, v in value.items()]}
    raise TypeError(f"layout state holds a {type(value).__name__}")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        (tag, items), = value.items()
        if tag == "t":
            return tuple(decode(v) for v in items)
        if tag == "s":
            return {decode(v) for v in items}
        return {_hashable(decode(k)): decode(v) for k, v in items}
    return value


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def _state(entry: tuple) -> Any:
    """What decides the rest of the layout from a page on: where it starts, what comes next,
    its side and the counters (less `pages`, the total, which WeasyPrint sets at the end)."""
    resume_at, next_page, right_page, page_state = entry[:4]
    quote_depth, counters, scopes, groups = page_state
    counters = {k: v for k, v in counters.items() if k != "pages"}
    return encode((resume_at, next_page, right_page, (quote_depth, counters, scopes, groups)))


def _entry(state: Any) -> tuple:
    resume_at, next_page, right_page, (quote_depth, counters, scopes, groups) = decode(state)
    counters["pages"] = [0]
    return (resume_at, next_page, right_page, (quote_depth, counters, scopes, groups),
            {"content_changed": False, "pages_wanted": False, "anchors": [], "content_lookups": []})


# -- which pages an edit needs laid out again ----------------------------------------------

def resume_plan(old: PartResult, html: str) -> tuple[int, str | None] | None:
    """(the chunk boundary to resume at, the id of the note after the edited one) when the
    new HTML differs from the old one inside one note only; None: lay the part out whole."""
    state = old.flow
    if not state or not old.chunks or "<table" in html or "<img" in html:
        return None
    before = state["html"]
    if before == html:
        return None
    first = _common(before, html, lambda a, n: a[:n])
    same_end = _common(before[first:], html[first:], lambda a, n: a[len(a) - n:])
    note = html.rfind(NOTE_OPEN, 0, first + 1)
    if note < 0:
        return None
    following = [text.find(NOTE_OPEN, note + 1) for text in (before, html)]
    following = [f if f >= 0 else len(text) for f, text in zip(following, (before, html))]
    if any(len(text) - same_end > end for text, end in zip((before, html), following)):
        return None  # the edit reaches past the note
    edited = _first_id(html, note)
    if edited is None or edited not in old.anchors:
        return None
    page = old.anchors[edited][0]
    resume = max(0, page - 1) // CHUNK_PAGES * CHUNK_PAGES  # the page before the note's may depend on it
    if str(resume) not in state["states"]:
        return None
    return resume, _first_id(html, following[1]) if following[1] < len(html) else None


def _common(a: str, b: str, part: Any) -> int:
    """The length of the longest `part(a, n) == part(b, n)` (a common prefix or suffix),
    found by halving: slices compare in C, characters one by one would not."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if part(a, middle) == part(b, middle):
            low = middle
        else:
            high = middle - 1
    return low


_SKELETON = NOTE_GROUP_OPEN + '\n<h2 class="note-group-title"></h2>\n<ol class="notes"></ol>\n</section>\n'
MARGIN_PAGES = 3  # content kept past the last page the layout may meet the old one at


def shrink(html: str, old: PartResult, resume: int, until: int | None) -> str:
    """The notes as a resumed layout needs them: every note group that ends before page
    `resume` reduced to an empty one (its box keeps its place, which is all a resumed layout
    refers to; list numbers are counted per group), and with `until`, the text cut at the
    first note that started MARGIN_PAGES pages after page `until` (the parser closes what
    the cut leaves open)."""
    def page_of(position: int) -> int | None:
        ident = _first_id(html, position)
        return old.anchors[ident][0] if ident in old.anchors else None

    if until is not None:
        for match in re.finditer(re.escape(NOTE_OPEN), html):
            page = page_of(match.start())
            if page is not None and page >= until + MARGIN_PAGES:
                html = html[:match.start()]
                break
    groups = [m.start() for m in re.finditer(re.escape(NOTE_GROUP_OPEN), html)]
    pieces, done = [], 0
    for start, following in zip(groups, groups[1:]):
        page = page_of(following)
        if page is not None and page < resume:  # the next group starts before page `resume`: this one ended there too
            pieces += [html[done:start], _SKELETON]
            done = following
    return "".join(pieces) + html[done:]


def _first_id(html: str, start: int) -> str | None:
    at = html.find(' id="', start)
    if at < 0:
        return None
    return unescape(html[at + 5: html.index('"', at + 5)])


# -- the layout -------------------------------------------------------------------------------

def lay_out_flow(job: PartJob) -> PartResult:
    """The part, resumed from the last layout when only one note changed, else whole."""
    previous = PartCache(Path(job.cache_folder)).get(job.previous) if job.previous and job.cache_folder else None
    try:
        plan = resume_plan(previous, job.html) if previous is not None else None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):  # not an entry this version wrote
        plan = None
    if previous is not None and plan is not None:
        resume, after_edit = plan
        note_page = previous.anchors[after_edit][0] if after_edit in previous.anchors else None
        # first with the text cut after the second chunk boundary past the edit, then whole from `resume` on
        for until in ([(note_page // CHUNK_PAGES + 2) * CHUNK_PAGES] if note_page is not None else []) + [None]:
            try:
                result = _lay_out(job, previous.flow["fixes"], previous, resume, after_edit, until)
            except PageCounters:
                raise
            except Exception:  # a cache entry that is not what this version wrote: lay the part out whole
                break
            if result is not None:
                result.flow.pop("wanted")
                return result
    fixes: list[str] = []
    for _attempt in range(8):
        result = _lay_out(job, fixes)
        assert result is not None  # a layout from the first page always gives one
        wanted = result.flow.pop("wanted")
        if not wanted:
            break
        fixes += wanted
    return result


def _lay_out(job: PartJob, fixes: list[str], old: PartResult | None = None, resume: int = 0,
             after_edit: str | None = None, until: int | None = None) -> PartResult | None:
    """Lay out from page `resume` (0: the whole part). With `old`, stop at a chunk boundary
    after the note `after_edit` starts where the state is the old one, at page `until` at
    the latest when it is given (the text is cut after it). None: a resumed layout that did
    not meet the old one before a cut, or needs fixes the old one did not have."""
    import weasyprint
    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.document import Document, DocumentMetadata
    from weasyprint.formatting_structure.build import build_formatting_structure
    from weasyprint.html import get_html_metadata
    from weasyprint.layout import initialize_page_maker
    from weasyprint.layout.page import remake_page

    with setting(job) as given:  # (a flow part has no furniture: its margin boxes are hidden)
        font_config, fetcher = given.font_config, given.fetcher
        sheets = given.sheets + ([weasyprint.CSS(string="\n".join(fixes), font_config=font_config)] if fixes else [])
        text = shrink(job.html, old, resume, until) if old is not None else job.html
        html = weasyprint.HTML(string=text, base_url=job.base_url, url_fetcher=fetcher)
        options = dict(DEFAULT_OPTIONS, stylesheets=sheets)
        counter_style = given.counter_style
        context = Document._build_layout_context(html, font_config, counter_style, {}, options)
        root_box = build_formatting_structure(html.etree_element, context.style_for, context.get_image_from_uri,
                                              html.base_url, context.target_collector, counter_style, context.footnotes)
        initialize_page_maker(context, root_box)
        if resume:
            assert old is not None
            blank = context.page_maker[0]
            context.page_maker = [blank] * resume + [_entry(old.flow["states"][str(resume)])]  # pages before: never read
        context.rendered_notes = []
        boxes: list[Any] = []
        index, met, seen_after = resume, None, False  # no note after the edited one: laid out to the end
        while True:
            context.page_maker[index][-1].update(content_changed=False, pages_wanted=False, anchors=[], content_lookups=[])
            box, resume_at = remake_page(index, context, root_box, html)  # as WeasyPrint's make_all_pages does
            boxes.append(box)
            index += 1
            if old is not None and after_edit is not None and not seen_after:
                seen_after = any(b.style["anchor"] == after_edit for b in box.descendants())
            if resume_at is None and not context.reported_footnotes:
                break
            if (old is not None and seen_after and index % CHUNK_PAGES == 0 and index < old.pages
                    and (until is None or index <= until)
                    and old.flow["states"].get(str(index)) == _state(context.page_maker[index])):
                met = index  # from here on, the old pages
                break
            if until is not None and index > until:
                break
        if until is not None and met is None:
            return None  # not met before the cut: the pages after it are not the real ones
        if any(entry[-1]["content_changed"] or entry[-1]["pages_wanted"] for entry in context.page_maker[resume:index]):
            raise PageCounters()
        pages = _finish(context, boxes, resume)
        document = Document(pages, DocumentMetadata(**get_html_metadata(html)), html.url_fetcher, font_config, {},
                            options["output_intent"])
        _orphans, wanted = layout_fixes(document, fixes, False, pages=False)  # (the notes: no chapter, a recto's hyphens kept by hyphens.py)
        if wanted and old is not None:
            return None
        # the pages set on one depth; the last, when old pages follow it, as a whole layout sets it
        even_pages(document, last_goes_on=met is not None and context.page_maker[met][1]["break"] == "any")
        states = {str(i): _state(context.page_maker[i]) for i in range(resume, index, CHUNK_PAGES)}
        result = _assemble(job, document, old, resume, met, states, fixes)
        result.flow["wanted"] = wanted
        result.flow["laid_out"] = [resume, index]  # the pages this layout made (the rest came from the last one)
    result.warnings = list(dict.fromkeys((old.warnings if old is not None else []) + given.warnings()))
    result.refused = list(dict.fromkeys((old.refused if old is not None else []) + given.refused))
    return result


def _finish(context: Any, boxes: list[Any], first: int) -> list[Any]:
    """What WeasyPrint's layout_document does to each laid-out page box (margin boxes, which
    the part hides, and backgrounds), for pages numbered from `first`."""
    from weasyprint.document import Page
    from weasyprint.layout import layout_fixed_boxes, make_margin_boxes
    from weasyprint.layout.background import layout_backgrounds

    pages = []
    for offset, page in enumerate(boxes):
        root, footnote_area, note_area = page.children
        root.children = [*layout_fixed_boxes(context, boxes[:offset], page), *root.children,
                         *layout_fixed_boxes(context, boxes[offset + 1:], page)]
        context.current_page = first + offset + 1
        state = context.page_maker[context.current_page][3]
        children = [root] + [area for area in (footnote_area, note_area) if area.children]
        children.extend(make_margin_boxes(context, page, state))
        page.children = tuple(children)
        layout_backgrounds(page, context.get_image_from_uri)
        pages.append(Page(page))
    return pages


def _assemble(job: PartJob, document: Any, old: PartResult | None, resume: int, met: int | None,
              states: dict[str, Any], fixes: list[str]) -> PartResult:
    """The part's result: the old pages before `resume` and from `met`, the new ones between."""
    from folio.weasy.boxes import page_starts

    new_pages = len(document.pages)
    pages = resume + new_pages + ((old.pages - met) if old is not None and met is not None else 0)
    result = PartResult(job.key, b"", pages)
    result.page_height = document.pages[0].height * 0.75 if document.pages else (old.page_height if old else 0.0)
    old_flow = old.flow if old is not None else {}
    counts = dict(old_flow["counts"][str(resume)]) if resume else {}
    counted: dict[str, dict[str, int]] = {}
    new_starts = page_starts(document, [""] * new_pages, counts, lambda i: (counted.setdefault(str(resume + i), dict(counts))
                                                                             if (resume + i) % CHUNK_PAGES == 0 else None))
    if old is not None:
        result.anchors = {k: v for k, v in old.anchors.items() if v[0] < resume}
        result.bookmarks = [b for b in old.bookmarks if b[2] < resume]
        result.starts = old.starts[:resume]
    add_anchors_and_bookmarks(result, document, resume)
    result.starts += [(s.part, s.offset) for s in new_starts]
    chunks = [_draw(job, document, document.pages[i:i + CHUNK_PAGES]) for i in range(0, new_pages, CHUNK_PAGES)]
    old_chunks = old.chunks if old is not None else []
    result.chunks = old_chunks[:resume // CHUNK_PAGES] + chunks
    states = {**{k: v for k, v in old_flow.get("states", {}).items() if int(k) < resume}, **states}
    counted = {**{k: v for k, v in old_flow.get("counts", {}).items() if int(k) < resume}, **counted}
    if old is not None and met is not None:  # the old pages from `met` on; their text offsets move by what the edit added
        shift = {part: count - old_flow["counts"][str(met)].get(part, 0) for part, count in counts.items()}
        for ident, (page, x, y) in old.anchors.items():
            if page >= met:
                result.anchors.setdefault(ident, (page, x, y))
        result.bookmarks += [b for b in old.bookmarks if b[2] >= met]
        result.starts += [(part, offset + shift.get(part, 0) if part else offset) for part, offset in old.starts[met:]]
        result.chunks += old_chunks[met // CHUNK_PAGES:]
        states.update({k: v for k, v in old_flow["states"].items() if int(k) >= met})
        counted.update({k: {p: n + shift.get(p, 0) for p, n in v.items()} | {p: n for p, n in shift.items() if p not in v}
                        for k, v in old_flow["counts"].items() if int(k) >= met})
    result.flow = {"html": job.html, "fixes": fixes, "states": states, "counts": counted}
    return result


def _draw(job: PartJob, document: Any, pages: list[Any]) -> bytes:
    """A chunk's PDF. Links to ids on pages of other chunks become folio-ref: links, which
    the merge turns back into links to the named destinations (pdf/merge.py)."""
    inside = {name for page in pages for name in page.anchors}
    for page in pages:
        page.links = [("external", "folio-ref:" + quote(target, safe=""), rect, box)
                      if kind == "internal" and target not in inside else (kind, target, rect, box)
                      for kind, target, rect, box in page.links]
    return document.copy(pages).write_pdf(dpi=300, jpeg_quality=90, pdf_identifier=job.identifier or None,
                                          full_fonts=job.full_fonts, pdf_variant=job.pdf_variant)
