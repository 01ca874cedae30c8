"""One part of the book laid out by WeasyPrint, in a worker process.

In: a `PartJob`: the HTML of one part (the front matter, a chapter, the notes, ...),
the style sheets as text, the folders WeasyPrint may read, and whether the part
draws its own running heads and folios. Out: a `PartResult`: the part's PDF bytes,
its page count, where each id, bookmark and page's text starts (by page of the
part), the fixes the layout needed and WeasyPrint's warnings. Everything in and
out is plain data, so parts lay out in parallel processes and results are cached.

A part with `furniture=False` is laid out with its margin boxes hidden: its page
numbers are not known yet (they depend on every earlier part's length). Its
running heads and folios come from a furniture document (`furniture_html`), laid
out once the start page is known and overlaid on its pages (pdf/merge.py).

A part with `flow=True` (the notes) is laid out by flow.py, which draws it in chunks
and can resume from its last layout (jobs.py's `PartCache` keeps it on disk).

`lay_out_document` lays out the whole book for the profiles other than print, with its
fixes and its /PageLabels, or hands it back undrawn when its page count calls for other
style sheets (KDP's gutter). `watch_build` is each worker's initializer: it installs
folio's patches of WeasyPrint (patches.py) and ends the worker with its build.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from folio.weasy import patches, relayout
from folio.weasy.boxes import page_starts
from folio.weasy.depth import even_pages
from folio.weasy.facts import LayoutFacts, layout_facts
from folio.weasy.fetcher import contained_fetcher
from folio.weasy.floats import place_figures
from folio.weasy.markup import placed_element
from folio.weasy.jobs import PartJob, PartResult
from folio.weasy.setting import (
    SHORT_PAGE,
    Setting,
    add_anchors_and_bookmarks,
    font_config,
    layout_fixes,
    setting,
    sheets_of,
)


def watch_build(pid: int, language: str | None = None) -> None:
    """A worker's initializer: end the worker when the build process `pid` is gone, and load
    the hyphenation patterns of `language` (0.15 s for English, which the worker's first
    part would otherwise pay; the workers start while the book is read).

    A build killed outright (SIGKILL, SIGTERM, a CI timeout) never tells its workers to
    stop, and a worker waits for its next part forever, keeping the forkserver alive with
    it: three processes and their memory left behind by every killed build."""
    import os
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if _gone(pid):
                os._exit(0)

    threading.Thread(target=watch, name="folio-watch-build", daemon=True).start()
    patches.install()  # (done already in the forkserver, whose state the worker inherits)
    if language:
        import pyphen

        found = pyphen.language_fallback(language)  # as WeasyPrint looks the patterns up
        if found:
            pyphen.Pyphen(lang=found)  # kept by pyphen for the process


def _gone(pid: int) -> bool:
    """Whether the build process has ended: no such process, another user's, or a zombie (it has
    exited and waits for whoever started it to read its status; that may be a program reading
    its output, which waits in turn for the workers to let go of that output)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):  # no /proc: a zombie looks alive, and the worker waits for its reaping
        return False
    return state in ("Z", "X")


ENDS_PAGES = 300  # a whole book longer than this is not laid out again for its pages' own fixes or stacked hyphens alone


def lay_out(job: PartJob) -> PartResult:
    """Lay out one part; fix footnotes pushed away from their call and stacked hyphens, then write it."""
    try:
        if job.flow and patches.available("notes-flow"):
            from folio.weasy.flow import PageCounters, lay_out_flow

            try:
                return lay_out_flow(job)
            except PageCounters:  # laid out and drawn whole instead
                pass
        return _lay_out(job)
    finally:
        release_memory()


def _lay_out(job: PartJob) -> PartResult:
    with setting(job) as given:
        fixes: list[str] = []
        html, document = _render(job, given, job.html, fixes, floats=True)
        for _attempt in range(7):
            # short pages: mended where a part is laid out again from their pages only (no footnotes)
            resumable = getattr(getattr(document, "folio_laid", None), "resumable", False)
            orphans, wanted = layout_fixes(document, fixes, job.fix_footnotes, short="last" if resumable else "no")
            if not wanted:
                break
            document, kept = _again(job, given, html, document, fixes, wanted)
            fixes += kept + [f"/* not kept: {rule} */" for rule in wanted if rule not in kept]
        even_pages(document)
        result = PartResult(job.key, b"", len(document.pages), refused=given.refused)
        result.page_height = document.pages[0].height * 0.75 if document.pages else 0.0
        add_anchors_and_bookmarks(result, document)
        result.starts = [(s.part, s.offset) for s in page_starts(document, [""] * len(document.pages), wide=result.wide)]
        result.orphans = orphans
        result.pdf = document.write_pdf(dpi=300, jpeg_quality=90, pdf_identifier=job.identifier or None,
                                        full_fonts=job.full_fonts, pdf_variant=job.pdf_variant)
    result.warnings = given.warnings()
    return result


def _render(job: PartJob, given: Setting, html: str, fixes: list[str], floats: bool) -> tuple[str, Any]:
    """Lay `html` out with the job's style sheets and `fixes`; with `floats`, its figures placed
    first (floats.py): the HTML with the figures where they went, and its layout."""
    import weasyprint

    extra = [weasyprint.CSS(string="\n".join(fixes), font_config=given.font_config)] if fixes else []

    def render(text: str) -> Any:
        return relayout.render(text, job.base_url, given.fetcher, given.sheets + extra, given.font_config, given.counter_style)

    return place_figures(html, render) if floats else (html, render(html))


def _again(job: PartJob, given: Setting, html: str, document: Any, fixes: list[str], wanted: list[str]) -> tuple[Any, list[str]]:
    """`html` laid out with `fixes` and the new rules `wanted`: from the pages of the paragraphs
    the new rules name on, when they all name paragraphs (relayout.py), else whole; and the new
    rules kept. A round of short-page rules (setting.SHORT_PAGE) may change no page after theirs:
    a rule that did is left out, and the rest laid out again."""
    import weasyprint

    numbers = [_PARAGRAPH.match(rule) for rule in wanted]
    found = relayout.pages_of(document, {m[1] for m in numbers if m}) if all(numbers) else None
    local = all(rule.endswith(SHORT_PAGE) for rule in wanted)
    while found is not None and wanted:
        sheets = given.sheets + [weasyprint.CSS(string="\n".join(fixes + wanted), font_config=given.font_config)]
        regions = [found[_PARAGRAPH.match(rule)[1]] for rule in wanted]
        try:
            again = relayout.render_again(document, html, sheets, given.font_config, given.counter_style, regions,
                                          settle=local)
        except relayout.Unsettled as unsettled:
            wanted = wanted[:unsettled.region] + wanted[unsettled.region + 1:]
            continue
        if again is not None:
            return again, wanted
        break
    if not wanted:
        return document, []
    return _render(job, given, html, fixes + wanted, floats=False)[1], wanted


_PARAGRAPH = re.compile(r'^\[data-p="([^"]+)"\]')


def place_alone(job: PartJob, ident: str) -> str:
    """Lay out a document holding one element of the book's body (a chapter, from `floats.alone`)
    with its figures placed; the element as placed, or "" when no figure moved."""
    try:
        with setting(job) as given:
            html, _document = _render(job, given, job.html, [], floats=True)
        return placed_element(html, ident) if html != job.html else ""
    finally:
        release_memory()


def lay_out_document(job: PartJob) -> PartResult:
    """Lay out a whole document (the profiles other than print) with its fixes; draw it with
    its /PageLabels unless its page count is outside `job.pages_range`, where the style sheets
    (KDP's gutter, its minimum page count) would be other ones: then it comes back undrawn,
    with the fixes it needed, for the writer to lay it out again."""
    try:
        return _lay_out_document(job)
    finally:
        release_memory()


def _lay_out_document(job: PartJob) -> PartResult:
    with setting(job) as given:
        fixes = list(job.fixes)
        html = job.html
        for attempt in range(10):
            html, document = _render(job, given, html, fixes, floats=attempt == 0 and job.floats)
            count = len(document.pages)
            if job.pages_range and not job.pages_range[0] <= count <= job.pages_range[1]:
                return PartResult(job.key, b"", count, fixes=fixes)
            # the pages' own rules in the first round, all at once (chapters start on new pages: each
            # chapter's rules change none of the others' pages); a book too long to lay out again for
            # them alone (or for stacked hyphens: an explicit hyphen makes them) has its chapter ends,
            # page-turn hyphens and stacks mended when a footnote's rule lays it out again (its short
            # pages' rules would want a round of their own)
            big = count > ENDS_PAGES
            orphans, wanted = layout_fixes(document, fixes, job.fix_footnotes, pages=attempt == 0 and not big,
                                           short="with", stacks=not big)
            if attempt == 0 and big and wanted:
                wanted = layout_fixes(document, fixes, job.fix_footnotes, short="no")[1]
            if not wanted:
                break
            fixes += wanted
        even_pages(document)
        result = PartResult(job.key, b"", count, refused=given.refused, orphans=orphans, fixes=fixes)
        result.page_height = document.pages[0].height * 0.75 if document.pages else 0.0
        add_anchors_and_bookmarks(result, document)
        result.starts = [(s.part, s.offset) for s in page_starts(document, [""] * count, wide=result.wide)]
        result.body_start = result.anchors[job.first_body_id][0] if job.first_body_id in result.anchors else (
            0 if job.first_body_id else -1)
        if job.facts:
            result.facts = layout_facts(document) if patches.available("boxes") else LayoutFacts()
        finisher = _finisher(result.body_start, job.outline, job.links) if job.page_labels else None
        result.pdf = document.write_pdf(finisher=finisher, dpi=300, jpeg_quality=90, pdf_identifier=job.identifier or None,
                                        full_fonts=job.full_fonts, pdf_variant=job.pdf_variant)
    result.warnings = given.warnings()
    return result


def _finisher(body_start: int, outline: bool, links: bool) -> Any:
    """Add /PageLabels (lower roman from the first page, arabic 1 from the body); drop the
    outline and link annotations where the profile wants none (KDP)."""
    import pydyf

    def finisher(_document: Any, pdf: Any) -> None:
        nums = pydyf.Array([0, pydyf.Dictionary({"S": "/r"})])
        if body_start > 0:
            nums.extend([body_start, pydyf.Dictionary({"S": "/D", "St": 1})])
        elif body_start == 0:
            nums = pydyf.Array([0, pydyf.Dictionary({"S": "/D", "St": 1})])
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": nums})
        if not outline and "Outlines" in pdf.catalog:
            del pdf.catalog["Outlines"]
        if not links:
            for obj in pdf.objects:
                if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page" and "Annots" in obj:
                    del obj["Annots"]

    return finisher


def release_memory() -> None:
    """Give the memory a finished part used back to the system: a worker's next part may be
    small, and the build's peak is the sum over every process. (A full gc.collect() here as
    well cost 0.9 s of CPU per build of the large book and was not needed: PSS 533 MB without.)"""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def furniture_html(section_open: str, header: str, pages: int) -> str:
    """A part's running heads and folios on `pages` empty pages: its section and title, then empty
    sheets. (A footnote called in the title is not laid out: hidden, its area's rule was still drawn.)"""
    sheets = '<div class="folio-sheet"></div>\n' * (pages - 1)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"/></head><body>\n{section_open}\n'
            f'<div class="folio-furniture-head">{header}</div>\n{sheets}</section>\n</body></html>')


FURNITURE_CSS = """
.folio-sheet { break-before: page; height: 1px; }
.folio-furniture-head { visibility: hidden; height: 0; overflow: hidden; margin: 0; padding: 0; }
.folio-furniture-head * { margin: 0; padding: 0; }
.folio-furniture-head .footnote { display: none; }
"""


def lay_out_furniture(job: PartJob, start: int) -> bytes:
    """The furniture of one part, its first page numbered `start` (the part's sheet count is in its HTML)."""
    try:
        return _lay_out_furniture(job, start)
    finally:
        release_memory()


def _lay_out_furniture(job: PartJob, start: int) -> bytes:
    import weasyprint

    fonts = font_config()
    fetcher = contained_fetcher([Path(r) for r in job.roots], [])
    sheets = sheets_of(job, fetcher, fonts)
    sheets.append(weasyprint.CSS(string=FURNITURE_CSS + f"@page :first {{ counter-set: page {start}; }}", font_config=fonts))
    document = weasyprint.HTML(string=job.html, base_url=job.base_url, url_fetcher=fetcher).render(stylesheets=sheets, font_config=fonts)
    return document.write_pdf(pdf_identifier=job.identifier or None)
