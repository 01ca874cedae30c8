"""Faster paths through WeasyPrint 70 and pydyf that leave the laid-out pages unchanged.

In: nothing; each function here replaces a few functions of WeasyPrint 70 when
`patches.install()` calls it, in a layout worker only, and only when its probe (the
table in patches.py) finds the WeasyPrint and Pango it was written for. Out: the same
pages, drawn with the same operators; the PDF differs only in how its streams are
deflated (zlib level 6, not 9). `FOLIO_SPEEDUPS=off` leaves WeasyPrint alone, which is
how tests/test_speedups.py checks that every page's content is the same either way.

What each one saves is measured in docs/performance.md (session 5):

- **Page styles once per kind of page.** WeasyPrint computes the style of `@page` and
  of its sixteen margin boxes again for every page (its page type carries the page's
  index, for `:nth()`), and then every property of each anew. Two pages that match the
  same `@page` selectors get the same declarations in the same order, so the styles of
  the first such page are reused for the next.
- **Content streams deflated at level 6.** pydyf deflates every page at level 9: twice
  the time for streams 0.5 % smaller.
- **Lines of text drawn from whole arrays.** WeasyPrint draws a line by reading each
  glyph's id, advance and offsets through cffi, one attribute at a time, and writing
  each glyph's PDF operand anew. folio reads a run's glyphs as one block of integers
  and keeps each glyph's operand (id, offset, kerning) per font and size. Lines it
  does not handle (ellipses, bitmap and colour fonts, glyphs missing from the fonts,
  raised glyphs) are drawn by WeasyPrint's own function.
- **Pango set-up shared.** Every text layout (several per line: WeasyPrint tries the
  line, the next word, each hyphenation point; and again to draw it) made a Pango
  context, a font description and a list of OpenType features from its style. The
  context (per direction and language), the description and the features are now made
  once per font configuration and reused; each layout still has its own attribute list.
- **Lines drawn from the layout they were laid out with.** To draw a line, WeasyPrint
  made and shaped its Pango layout again, with the justification as letter spacing on
  every space. The laid-out layout is kept instead, and the justified line's runs are
  worked out from it as Pango 1.50 would make them (`_justified_runs`); a line where
  they might differ (kerning across a space, font fallback, right-to-left text, ...) is
  made anew as before.
- **No try at a next word that cannot fit.** After Pango breaks a line, WeasyPrint
  lays the line out again with the next word added, in case Pango broke too early;
  when the two lines' widths show the word is half an em too wide, the try is skipped.
- **C array types parsed once.** WeasyPrint's font subsetting asks cffi for
  `hb_codepoint_t[N]` with a new N each time, and cffi parses each new type with
  pycparser; the open-ended array type is parsed once and sized by its argument.
"""

from __future__ import annotations

import re
import zlib
from types import SimpleNamespace
from typing import Any

CONTENT_LEVEL = 6
_SIZED_ARRAY = re.compile(r"^([A-Za-z_][A-Za-z0-9_ ]*\*?)\[(\d+)\]$")


def page_styles() -> None:
    from weasyprint.layout import page

    original = page.set_page_type_computed_styles

    def set_page_type_computed_styles(page_type: Any, html: Any, style_for: Any) -> None:
        selectors = getattr(style_for, "_folio_page_selectors", None)
        if selectors is None:
            selectors = style_for._folio_page_selectors = [
                selector[2] for sheet, _origin, _specificity in style_for._sheets
                for _rule, selector_list, _declarations in sheet.page_rules for selector in selector_list]
            style_for._folio_page_styles = {}
        # the rules a page matches decide its styles (StyleFor.add_page_declarations);
        # the first page is kept apart, its styles are computed before the page size is known
        key = (page_type.index == 0, *(style_for._page_type_match(selector, page_type) for selector in selectors))
        computed = style_for.get_computed_styles()
        known = style_for._folio_page_styles.get(key)
        if known is None:
            original(page_type, html, style_for)
            known = style_for._folio_page_styles[key] = [
                (pseudo, computed[element, pseudo]) for element, pseudo in list(computed)
                if isinstance(element, page.PageType) and element == page_type]
        for pseudo, style in known:
            computed[page_type, pseudo] = style

    page.set_page_type_computed_styles = set_page_type_computed_styles


def content_level() -> None:
    import pydyf

    def compressobj(level: int = -1, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(CONTENT_LEVEL if level == 9 else level, *args, **kwargs)

    pydyf.zlib = SimpleNamespace(compress=zlib.compress, compressobj=compressobj)


def array_types() -> None:
    from weasyprint.pdf import fonts

    fonts.ffi = _SizedArrays(fonts.ffi)


class _SizedArrays:
    """cffi's FFI, except that `new("T[N]", items)` with N items asks for `T[]`, a type
    parsed once, instead of a new type for every N."""

    def __init__(self, ffi: Any):
        self._ffi = ffi

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ffi, name)

    def new(self, cdecl: Any, init: Any = None) -> Any:
        match = _SIZED_ARRAY.match(cdecl) if isinstance(cdecl, str) and isinstance(init, (tuple, list)) else None
        if match and len(init) == int(match[2]):
            return self._ffi.new(f"{match[1]}[]", init)
        return self._ffi.new(cdecl, init)


def next_word_call_found() -> bool:
    """WeasyPrint's `split_first_line` tries the next word where `next_word` expects it."""
    import inspect

    from weasyprint.text import line_break

    lines, _first = inspect.getsourcelines(line_break.split_first_line)
    at = [n for n, line in enumerate(lines) if line.strip() == "layout.set_text(new_first_line_text)"]
    return len(at) == 1 and lines[at[0] + 1].strip() == "first_line, resume_index = layout.get_first_line()"


def next_word() -> None:
    """Skip WeasyPrint's try at the next word when the line cannot hold it.

    After Pango breaks a line, WeasyPrint's `split_first_line` lays out the line's text
    with the next word added, in case Pango broke too early (its step 3): a second shaping
    of most lines of a paragraph, and almost always in vain. When the line's width plus
    the next word's, as Pango shaped them on the two lines, is more than half an em past
    the measure, the line with the word cannot fit: it also holds the space before the
    word (left out of the sum), and kerning at the three places the two lines differ
    (either side of that space, the word's end) moves it by far less. So the layout keeps
    its text and the try gives Pango's own first line and break, which are what the try
    ends with when the word does not fit. The call is recognised by its place
    in WeasyPrint 70's source, checked when this is installed."""
    import inspect
    import sys

    from weasyprint.text import line_break
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    function = line_break.split_first_line
    lines, first = inspect.getsourcelines(function)
    at = [first + n for n, line in enumerate(lines) if line.strip() == "layout.set_text(new_first_line_text)"]  # probe: next-word
    code, line_number = function.__code__, at[0]
    layout_class = line_break.Layout
    set_text = layout_class.set_text

    def set_text_(self: Any, text: str, justify: bool = False) -> None:
        caller = sys._getframe(1)
        if caller.f_code is code and caller.f_lineno == line_number and _word_cannot_fit(self, caller.f_locals):
            return  # the get_first_line that follows gives Pango's first line and break, as they are
        set_text(self, text, justify)

    def _word_cannot_fit(layout: Any, names: dict) -> bool:
        """The first line (`first_line_width`) and the next word, as they are on the layout's
        second line (from `resume_index`), are more than half an em wider than `max_width`. Only
        when the first line has text: otherwise the try is for the first word alone."""
        if not names.get("first_line_text") or names.get("resume_index") is None:
            return False
        end = names["resume_index"] + len(names["next_word"].encode())
        line = pango.pango_layout_get_line_readonly(layout.layout, 1)
        if line == ffi.NULL:
            return False
        width, run = 0, line.runs
        while run != ffi.NULL:
            glyph_item = run.data
            run = run.next
            if glyph_item.item.analysis.level % 2:
                return False  # right to left: the word is not at the start of the run
            offset, glyphs = glyph_item.item.offset, glyph_item.glyphs
            for index in range(glyphs.num_glyphs):
                if offset + glyphs.log_clusters[index] >= end:
                    break
                width += glyphs.glyphs[index].geometry.width
            else:
                continue
            break
        return names["first_line_width"] + width * FROM_UNITS > names["max_width"] + names["style"]["font_size"] / 2

    layout_class.set_text = set_text_


# long: WeasyPrint's Layout.setup, copied and changed in place; kept in its shape to compare with upstream
def layout_setup() -> None:
    from weasyprint.text import line_break
    from weasyprint.text.constants import LST_TO_ISO, PANGO_DIRECTION
    from weasyprint.text.ffi import FROM_UNITS, ffi, gobject, pango, unicode_to_char_p
    from weasyprint.text.fonts import (
        FontConfiguration,
        font_features,
        get_font_description,
    )

    add_font_face = FontConfiguration.add_font_face
    original = line_break.Layout.setup

    def add_font_face_and_forget(self: Any, *args: Any, **kwargs: Any) -> Any:
        self.__dict__.pop("_folio_layout", None)  # new fonts: contexts made from now on see them
        return add_font_face(self, *args, **kwargs)

    def setup(self: Any, style: Any) -> None:
        """WeasyPrint's Layout.setup, with the context, description and features kept."""
        try:
            _setup(self, style)
        except TypeError:  # a style value that cannot be a key (not seen in WeasyPrint 70): the plain way
            original(self, style)

    def _setup(self: Any, style: Any) -> None:
        self.style = style
        self.first_line_direction = 0
        font_config = style.font_config
        contexts, descriptions, feature_lists = font_config.__dict__.setdefault("_folio_layout", ({}, {}, {}))

        override = style["font_language_override"]
        lang = LST_TO_ISO.get(override.lower(), override) if override != "normal" else (style["lang"] or None)
        known = contexts.get((style["direction"], lang))
        if known is None:
            pango_context = ffi.gc(pango.pango_font_map_create_context(font_config.font_map), gobject.g_object_unref)
            pango.pango_context_set_round_glyph_positions(pango_context, False)
            pango.pango_context_set_base_dir(pango_context, PANGO_DIRECTION[style["direction"]])
            if lang:
                lang_p, _lang = unicode_to_char_p(lang)
                language = pango.pango_language_from_string(lang_p)
                pango.pango_context_set_language(pango_context, language)
            else:
                language = pango.pango_language_get_default()
            known = contexts[style["direction"], lang] = (pango_context, language)
        pango_context, self.language = known

        assert not isinstance(style["font_family"], str), "font_family should be a list"
        key = (tuple(style["font_family"]), style["font_style"], style["font_stretch"], style["font_weight"],
               style["font_size"], style["font_variant_caps"], style["font_variation_settings"])
        font_description = descriptions.get(key)
        if font_description is None:
            font_description = descriptions[key] = get_font_description(style)
        self.layout = ffi.gc(pango.pango_layout_new(pango_context), gobject.g_object_unref)
        pango.pango_layout_set_auto_dir(self.layout, False)
        pango.pango_layout_set_font_description(self.layout, font_description)

        if style["text_decoration_line"] != "none":
            metrics = ffi.gc(pango.pango_context_get_metrics(pango_context, font_description, self.language),
                             pango.pango_font_metrics_unref)
            self.ascent = FROM_UNITS * pango.pango_font_metrics_get_ascent(metrics)
            self.underline_position = FROM_UNITS * pango.pango_font_metrics_get_underline_position(metrics)
            self.strikethrough_position = FROM_UNITS * pango.pango_font_metrics_get_strikethrough_position(metrics)
            self.underline_thickness = FROM_UNITS * pango.pango_font_metrics_get_underline_thickness(metrics)
            self.strikethrough_thickness = FROM_UNITS * pango.pango_font_metrics_get_strikethrough_thickness(metrics)
        else:
            self.ascent = None
            self.underline_position = None
            self.strikethrough_position = None

        values = (style["font_kerning"], style["font_variant_ligatures"], style["font_variant_position"],
                  style["font_variant_caps"], style["font_variant_numeric"], style["font_variant_alternates"],
                  style["font_variant_east_asian"], style["font_feature_settings"])
        features = feature_lists.get(values)
        if features is None:
            chosen = font_features(*values)
            features = feature_lists[values] = ",".join(f"{k} {v}" for k, v in chosen.items()).encode() if chosen else b""
        if features:
            attr = font_config.font_features.get(features)
            if attr is None:
                attr = font_config.font_features[features] = pango.pango_attr_font_features_new(features)
            attr_list = pango.pango_attr_list_new()
            pango.pango_attr_list_insert(attr_list, attr)
            pango.pango_layout_set_attributes(self.layout, attr_list)

    FontConfiguration.add_font_face = add_font_face_and_forget
    line_break.Layout.setup = setup
