"""A part laid out again from the pages a fix changes: the pages before them, and those after
the layout meets its old course again, are the old pages.

In (`render`): an HTML text, its base URL, fetcher, parsed style sheets, fonts and counter
styles. Out: WeasyPrint's `Document` of it, laid out as `HTML.render` lays it out, holding
what a later layout may resume from (`Laid`: the layout context's page states and the
page boxes).

In (`render_again`): such a document, the same HTML, its style sheets with new rules added,
and the pages the new rules change (`pages_of` finds the pages of the paragraphs they
name). Out: the document those sheets give, or None when this part cannot be laid out
from a page on (footnotes, page-based counters, margin boxes: the caller lays it out whole).
WeasyPrint keeps, for every page, the state the layout of the next starts from, and lays
out again only pages whose state changed (its own repagination, `make_all_pages`): the
same is done here with a box tree made with the new rules. Every page that holds one of
the paragraphs, and the page before it (its break may change with them), is laid out
again, and each page after a page whose end state changed; once a page ends in the old
state, the old pages follow. The pages it gives are the pages a whole layout with the new
rules gives (tests/test_relayout.py compares them).

WeasyPrint's layout context, page maker and page boxes are internals: the probe
`relayout` (patches.py) checks the functions this drives and copies; when it fails,
`render` is WeasyPrint's own and parts are laid out whole for each round of fixes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from folio.weasy import patches
from folio.weasy.boxes import page_box


@dataclass
class Laid:
    """What a layout may resume from."""

    text: str  # the HTML laid out
    html: Any  # and parsed (WeasyPrint's HTML: a later layout of the same text parses it no more)
    page_maker: list[Any]  # WeasyPrint's state at the start of each page, and after the last
    boxes: list[Any]  # the finished page boxes
    resumable: bool  # no footnotes, page-based counters or margin boxes


def render(text: str, base_url: str, fetcher: Any, sheets: list[Any], font_config: Any, counter_style: Any) -> Any:
    """Lay `text` out as `weasyprint.HTML(...).render(...)` does; the document keeps a `Laid`
    as `folio_laid` when WeasyPrint's internals are as folio knows them."""
    import weasyprint

    if not patches.available("relayout"):
        return weasyprint.HTML(string=text, base_url=base_url, url_fetcher=fetcher).render(
            stylesheets=sheets, font_config=font_config, counter_style=counter_style)
    from weasyprint.layout import layout_document

    html = weasyprint.HTML(string=text, base_url=base_url, url_fetcher=fetcher)
    context, root_box = _boxes(html, sheets, font_config, counter_style)
    footnotes = bool(context.footnotes)  # (the layout takes them from the list as it places them)
    boxes = list(layout_document(html, root_box, context))
    document = _document(html, boxes, font_config)
    resumable = not footnotes and not context.target_collector.counter_lookup_items and \
        not any(_margin_boxes(box) for box in boxes)
    document.folio_laid = Laid(text, html, context.page_maker, boxes, resumable)
    return document


class Unsettled(Exception):
    """A layout that was to change only some pages changed the pages after `region` of them too."""

    def __init__(self, region: int):
        super().__init__(region)
        self.region = region


def render_again(document: Any, text: str, sheets: list[Any], font_config: Any, counter_style: Any,
                 pages: list[set[int]], settle: bool = False) -> Any | None:
    """`text` laid out with `sheets` (the sheets `document` was laid out with and rules, each
    changing a region of its pages: `pages`), from the first of those pages on; None: lay it
    out whole. With `settle`, no page two pages or more after a region may change: `Unsettled`
    names the region before the first that did."""
    laid: Laid | None = getattr(document, "folio_laid", None)
    if laid is None or not laid.resumable or laid.text != text or not pages or not patches.available("relayout"):
        return None
    from weasyprint.layout.page import make_all_pages

    html = laid.html
    context, root_box = _boxes(html, sheets, font_config, counter_style)
    if context.footnotes or context.target_collector.counter_lookup_items:
        return None
    context.page_maker = [(copy.deepcopy(resume_at), copy.deepcopy(next_page), right_page, copy.deepcopy(state),
                           dict(remake, content_changed=False, pages_wanted=False, anchors=[], content_lookups=[]))
                          for resume_at, next_page, right_page, state, remake in laid.page_maker]
    changed = set().union(*pages)
    for index in changed | {max(0, index - 1) for index in changed}:
        if index < len(laid.boxes):
            context.page_maker[index][-1]["content_changed"] = True
    near = {index for region in pages for index in range(min(region) - 1, max(region) + 2)}
    boxes = []
    for index, box in enumerate(make_all_pages(context, root_box, html, laid.boxes)):
        if settle and index not in near and (index >= len(laid.boxes) or box is not laid.boxes[index]):
            raise Unsettled(max((min(region), r) for r, region in enumerate(pages) if min(region) <= index)[1])
        boxes.append(box)
    made = [index for index, box in enumerate(boxes) if index >= len(laid.boxes) or box is not laid.boxes[index]]
    _finish(context, boxes, made)
    result = _document(html, boxes, font_config)
    result.folio_laid = Laid(text, html, context.page_maker, boxes, not any(_margin_boxes(boxes[i]) for i in made))
    return result


def pages_of(document: Any, numbers: set[str]) -> dict[str, set[int]] | None:
    """The pages holding each of the paragraphs numbered `numbers` (data-p); None when one is on none."""
    found: dict[str, set[int]] = {}
    for index, page in enumerate(document.pages):
        for box in page_box(page).descendants():
            element = getattr(box, "element", None)
            number = element.get("data-p") if element is not None and getattr(box, "element_tag", None) else None
            if number in numbers:
                found.setdefault(number, set()).add(index)
    return found if set(found) == numbers else None


def _boxes(html: Any, sheets: list[Any], font_config: Any, counter_style: Any) -> tuple[Any, Any]:
    """A layout context and the box tree of parsed HTML, as `Document._render` makes them."""
    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.document import Document
    from weasyprint.formatting_structure.build import build_formatting_structure

    options = dict(DEFAULT_OPTIONS, stylesheets=sheets)
    context = Document._build_layout_context(html, font_config, counter_style, {}, options)
    root_box = build_formatting_structure(html.etree_element, context.style_for, context.get_image_from_uri,
                                          html.base_url, context.target_collector, counter_style, context.footnotes)
    return context, root_box


def _document(html: Any, boxes: list[Any], font_config: Any) -> Any:
    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.document import Document, DocumentMetadata, Page
    from weasyprint.html import get_html_metadata

    document = Document([Page(box) for box in boxes], DocumentMetadata(**get_html_metadata(html)), html.url_fetcher,
                        font_config, {}, DEFAULT_OPTIONS["output_intent"])
    document._html = html
    return document


def _margin_boxes(box: Any) -> bool:
    from weasyprint.formatting_structure.boxes import MarginBox

    return any(isinstance(child, MarginBox) for child in box.children)


def _finish(context: Any, boxes: list[Any], made: list[int]) -> None:
    """What WeasyPrint's layout_document does to the pages it lays out, for the pages `made`
    anew: one bookmark per element across all pages, fixed boxes, the footnote areas that
    hold notes, backgrounds. (Margin boxes: a resumable part has none.)"""
    from weasyprint.layout import layout_fixed_boxes
    from weasyprint.layout.background import layout_backgrounds

    seen: dict[str, list[Any]] = {"": [], "::before": [], "::after": []}
    for page in boxes:
        for child in page.descendants():
            if child.bookmark_label:
                kind = next((k for k in ("::before", "::after") if child.element_tag.endswith(k)), "")
                if child.element in seen[kind]:
                    child.bookmark_label = ""
                else:
                    seen[kind].append(child.element)
    for index in made:
        page = boxes[index]
        root, footnote_area, note_area = page.children
        root.children = [*layout_fixed_boxes(context, boxes[:index], page), *root.children,
                         *layout_fixed_boxes(context, boxes[index + 1:], page)]
        context.current_page = index + 1
        page.children = tuple([root] + [area for area in (footnote_area, note_area) if area.children])
        layout_backgrounds(page, context.get_image_from_uri)
