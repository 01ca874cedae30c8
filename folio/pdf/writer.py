"""Book -> print-ready PDF with WeasyPrint, laid out in folio's layout workers.

In: the `Book` (read only), a print `Profile`, an output path and a cache folder.
Out: the PDF written atomically, and a `PdfResult` holding the page map (on which
page, by index and printed folio, every id starts), which the EPUB writer uses for
its page-list.

The print profile is laid out in parts (parts.py). The other profiles (proof, kdp,
ingram, screen) and books that set running heads of their own are laid out as one
document, as a job for a layout worker (weasy/worker.py): WeasyPrint and folio's
patches of it run there, never in this process. WeasyPrint may open only regular
files inside the book and theme folders and `data:` URLs (weasy/fetcher.py). It
writes no /PageLabels, so the worker adds them (roman front matter, arabic body from
1), matching the printed folios.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from folio.errors import Reporter
from folio.model import Book, PageStart, PdfResult
from folio.paths import atomic_write
from folio.pdf.document import book_head, identifier, language_css, layout_roots, narrowest_text_width, print_html, roman
from folio.pdf.merge import report_layout_messages, report_wide_tables
from folio.pdf.pool import submit
from folio.pdf.running import running_heads
from folio.render.sizes import report_coarse
from folio.pdf.profiles import (
    KDP_PAGES,
    PROFILES,
    estimated_pages,
    Profile,
    kdp_gutter,
    page_geometry,
)
from folio.render.templates import render_template, theme_environment
from folio.theme import theme_styles
from folio.weasy import words
from folio.weasy.jobs import PartJob, PartResult
from folio.weasy import markup
from folio.weasy.worker import lay_out_document, place_alone


def write_pdf(book: Book, target: Path, report: Reporter, on_page: Callable[[int], None] | None = None,
              profile: Profile | None = None, facts: list[Any] | None = None,
              cache: Path | None = None, meanwhile: Callable[[], None] | None = None) -> PdfResult:
    """Lay the book out for `profile` (default: book.yaml's) and write the PDF atomically.

    With `facts` (a list), the layout facts of the final layout are put in it (folio proof's
    report: weasy/boxes.py). The print profile is laid out in parts, in parallel and cached in
    `cache` (parts.py); the other profiles, and books that set running heads of their own, as
    one document. `meanwhile()` runs in this process while the workers lay the PDF out (the
    EPUB's documents)."""
    profile = profile or PROFILES[book.config.profile]
    from folio.pdf.parts import can_lay_out_in_parts, write_parts

    running_heads(book, narrowest_text_width(book, profile), report)  # a warning for each shortened running head
    report_coarse(book, narrowest_text_width(book, profile, pages=1), report)  # and for each image printed under 150 ppi

    if facts is None and can_lay_out_in_parts(book, profile):
        return write_parts(book, target, report, profile, cache, on_page, meanwhile)
    result, geometry = _lay_out_whole(book, profile, facts is not None, meanwhile)
    with atomic_write(target) as tmp:
        tmp.write_bytes(result.pdf)
    for url in result.refused:
        report.warn("pdf-layout", "book.yaml", None, f"refused to fetch {url[:100]}")
    report_layout_messages(result.warnings, report)
    body_start = result.body_start
    folios = [roman(i + 1) if body_start < 0 or i < body_start else str(i - body_start + 1) for i in range(result.pages)]
    report_wide_tables(book, result.wide, folios, report)
    if facts is not None:
        facts.append((result.facts, folios))
    for note_id, page in result.orphans:
        chapter = book.chapters[book.id_chapter[note_id]] if note_id in book.id_chapter else None
        report.warn("pdf-layout", chapter.source if chapter else "book.yaml", None,
                    f"note '{note_id}' is on page {folios[page]}, not on the page of its call")
    if on_page:
        on_page(result.pages)
    id_pages = {ident: page for ident, (page, _x, _y) in result.anchors.items()}
    starts = [PageStart(label, part, offset) for label, (part, offset) in zip(folios, result.starts)]
    return PdfResult(target, result.pages, folios, id_pages, max(body_start, 0), starts, geometry, profile.name)


def _lay_out_whole(book: Book, profile: Profile, facts: bool,
                   meanwhile: Callable[[], None] | None) -> tuple[PartResult, dict[str, Any]]:
    """The book laid out as one document by a worker, again until nothing changes: KDP's gutter
    depends on the page count (lay out, count, set the gutter, again); KDP wants 24 pages at
    least (blank pages make up the difference). The worker itself lays out again for the fixes
    of footnotes pushed away from their call and of stacked hyphens."""
    env = theme_environment(book.root, book.config.house)
    theme_css = [*((path.read_text(encoding="utf-8"), path.as_uri()) for path in theme_styles("print", book.config.theme)), *language_css(book),
                 *((style.path.read_text(encoding="utf-8"), style.path.as_uri()) for style in book.styles)]
    pages_guess = estimated_pages(book)
    pad = 0
    fixes: list[str] = []
    html_text = print_html(book, env=env, profile=profile)
    placed: tuple[str, str] = ("", "")  # (the style sheets and HTML, the HTML with its figures placed)
    first_body = next((c.id for c in book.chapters if c.role == "bodymatter"), None)
    waiting = [meanwhile] if meanwhile is not None else []
    for attempt in range(10):
        geometry = page_geometry(book.config.trim, profile, pages_guess)
        geometry_css = render_template(env, "print/page.css", book.root, profile=profile, title=book_head(book, profile),
                                         rtl=book.config.direction == "rtl", **geometry)
        css = [(geometry_css, book.root.as_uri() + "/"), *theme_css]
        placed = _placed_figures(html_text, css, book, placed)
        job = PartJob("", placed[1], [c for c, _ in css], book.root.as_uri() + "/", layout_roots(book),
                      fix_footnotes=book.config.notes == "footnotes", identifier=identifier(book),
                      full_fonts=profile.full_fonts, pdf_variant="pdf/ua-1" if profile.tagged else None,
                      css_bases=[b for _, b in css], fixes=fixes,
                      pages_range=_pages_range(profile, pages_guess, pad) if attempt < 9 else None,  # the last is drawn as it is
                      first_body_id=first_body, page_labels=True, outline=profile.outline, links=profile.links, facts=facts,
                      hyphenation=words.rules(book.config.hyphenate_capitalized, book.config.hyphenation), floats=False)
        future = submit(lay_out_document, job)
        if waiting:  # this process renders the EPUB's documents while the worker lays the PDF out
            waiting.pop()()
        result = future.result()
        fixes = result.fixes
        if result.pdf:
            return result, geometry
        if profile.name == "kdp" and result.pages < KDP_PAGES[0] and not pad:
            pad = KDP_PAGES[0] - result.pages
            html_text = print_html(book, env=env, profile=profile, pad_pages=pad)
        else:
            pages_guess = result.pages
    raise AssertionError("unreachable: the tenth layout is drawn whatever its page count")


def _placed_figures(html: str, css: list[tuple[str, str]], book: Book, last: tuple[str, str]) -> tuple[str, str]:
    """The book's HTML with the figures of each chapter placed (weasy/floats.py), the chapters laid
    out apart and in parallel by the workers; `last` is the answer for the last style sheets."""
    key = "\n".join([html, *(c for c, _ in css)])
    if key == last[0]:
        return last
    alone = markup.alone(html)
    futures = {ident: submit(place_alone, PartJob("", text, [c for c, _ in css], book.root.as_uri() + "/", layout_roots(book),
                                                  css_bases=[b for _, b in css],
                                                  hyphenation=words.rules(book.config.hyphenate_capitalized, book.config.hyphenation)),
                             ident) for ident, text in alone.items()}
    return key, markup.with_elements(html, {ident: future.result() for ident, future in futures.items()})


def _pages_range(profile: Profile, pages_guess: int, pad: int) -> tuple[int, int] | None:
    """The page counts for which the style sheets made for `pages_guess` pages are the right ones."""
    low, high = 0, 10**6
    if profile.name == "kdp" and not pad:
        low = KDP_PAGES[0]
    if profile.kdp_gutter:
        gutter = kdp_gutter(pages_guess)
        same = [n for n in range(1, 2000) if kdp_gutter(n) == gutter]
        low, high = max(low, min(same)), (max(same) if max(same) < 1999 else high)
    return (low, high) if (low, high) != (0, 10**6) else None
