"""Faster paths through WeasyPrint 70 and pydyf that leave the laid-out pages unchanged.

In: nothing; `install()` replaces a few functions of the pinned WeasyPrint once per
process (the layout workers and the single-document writer call it). Out: the same
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
- **C array types parsed once.** WeasyPrint's font subsetting asks cffi for
  `hb_codepoint_t[N]` with a new N each time, and cffi parses each new type with
  pycparser; the open-ended array type is parsed once and sized by its argument.
"""

from __future__ import annotations

import os
import re
import zlib
from types import SimpleNamespace
from typing import Any

_INSTALLED: list[bool] = []
CONTENT_LEVEL = 6
_SIZED_ARRAY = re.compile(r"^([A-Za-z_][A-Za-z0-9_ ]*\*?)\[(\d+)\]$")


def enabled() -> bool:
    return os.environ.get("FOLIO_SPEEDUPS", "on").lower() not in ("off", "0", "no")


def install() -> bool:
    """Install the speed-ups once per process; False when they are turned off or WeasyPrint
    is not the version they were written for."""
    if _INSTALLED:
        return _INSTALLED[0]
    from importlib.metadata import version

    ok = enabled() and version("weasyprint") == "70.0"
    if ok:
        _page_styles()
        _content_level()
        _array_types()
        _draw_text()
        _layout_setup()
    _INSTALLED.append(ok)
    return ok


def _page_styles() -> None:
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


def _content_level() -> None:
    import pydyf

    def compressobj(level: int = -1, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(CONTENT_LEVEL if level == 9 else level, *args, **kwargs)

    pydyf.zlib = SimpleNamespace(compress=zlib.compress, compressobj=compressobj)


def _array_types() -> None:
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


def _draw_text() -> None:
    from weasyprint.draw import text
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    original = text.draw_first_line
    fields = ffi.sizeof("PangoGlyphInfo") // 4  # glyph, width, x offset, y offset, attributes
    if fields != 5 or ffi.sizeof("PangoGlyphInfo") % 4 or pango.pango_version() < 14802:
        return
    empty, unknown = pango.PANGO_GLYPH_EMPTY, pango.PANGO_GLYPH_UNKNOWN_FLAG

    def draw_first_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: Any, matrix: Any) -> list:
        if (text_overflow == "ellipsis" or block_ellipsis != "none" or not textbox.text.strip()
                or textbox.style["font_size"] < 1e-6):
            return original(stream, textbox, text_overflow, block_ellipsis, matrix)
        operators, mark, current_font = stream.stream, len(stream.stream), stream._current_font
        pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
        first_line, _index = textbox.pango_layout.get_first_line()
        stream.set_text_matrix(*matrix.values)
        previous_pango_font = None
        string = ""
        run = first_line.runs[0]
        while run != ffi.NULL:
            glyph_item = run.data
            run = run.next
            glyph_string = glyph_item.glyphs
            pango_font = glyph_item.item.analysis.font
            if pango_font != previous_pango_font:
                previous_pango_font = pango_font
                font, font_size = stream.add_font(pango_font)
                if font.svg or font.png or font.colr or font.bitmap:  # WeasyPrint's own drawing, from the start
                    del operators[mark:]
                    stream._current_font = current_font
                    return original(stream, textbox, text_overflow, block_ellipsis, matrix)
                if string:
                    stream.show_text(string)
                string = ""
                stream.set_font_size(font.hash, font_size)
                pieces = _pieces(font, font_size)
            count = glyph_string.num_glyphs
            values = memoryview(ffi.buffer(glyph_string.glyphs, 4 * fields * count)).cast("i")
            string += "<"
            for index in range(count):
                at = fields * index
                key = (values[at], values[at + 1], values[at + 2], values[at + 3])
                piece = pieces.get(key)
                if piece is None:
                    glyph_id, width, x_offset, y_offset = key
                    if glyph_id == empty:
                        piece = f">{-width / font_size}<"
                    elif glyph_id < 0 or glyph_id & unknown or y_offset:  # missing or raised glyphs
                        del operators[mark:]
                        stream._current_font = current_font
                        return original(stream, textbox, text_overflow, block_ellipsis, matrix)
                    else:
                        if glyph_id not in font.to_unicode:
                            _map_glyph(font, glyph_id, glyph_item, index, count, textbox)
                        piece = _glyph_piece(stream, pango_font, font, font_size, glyph_id, width, x_offset, FROM_UNITS)
                    pieces[key] = piece
                string += piece
            if string[-1] == "<":
                string = string[:-1]
            else:
                string += ">"
        stream.show_text(string)
        return []

    text.draw_first_line = draw_first_line


def _pieces(font: Any, font_size: float) -> dict:
    """A font's glyph operands at one size: (glyph, advance, x offset) -> PDF text."""
    sizes = font.__dict__.setdefault("_folio_pieces", {})
    return sizes.setdefault(font_size, {})


def _map_glyph(font: Any, glyph_id: int, glyph_item: Any, index: int, count: int, textbox: Any) -> None:
    """The text a glyph stands for, from its first use (for copying text out of the PDF)."""
    clusters = glyph_item.glyphs.log_clusters
    offset = glyph_item.item.offset
    first = clusters[index]
    if glyph_item.item.analysis.level % 2:  # right to left
        last = glyph_item.item.length if index == 0 else clusters[index - 1]
    else:
        last = glyph_item.item.length if index == count - 1 else clusters[index + 1]
    utf8_text = textbox.pango_layout.text.encode()
    font.to_unicode[glyph_id] = utf8_text[offset + first:offset + last].decode()


def _glyph_piece(stream: Any, pango_font: Any, font: Any, font_size: float, glyph_id: int, width: int,
                 x_offset: int, from_units: float) -> str:
    """One glyph's operand as WeasyPrint writes it: its offset, its id, its kerning."""
    from weasyprint.text.ffi import pango

    piece = ""
    offset = x_offset / font_size
    if offset:
        piece += f">{-offset}<"
    piece += f"{glyph_id:04x}"
    if glyph_id in font.widths:
        logical_width = font.widths[glyph_id]
    else:
        pango.pango_font_get_glyph_extents(pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
        logical_width = font.widths[glyph_id] = round(stream.logical_rect.width * 1000 * from_units / font_size)
    kerning = logical_width + offset - width * 1000 * from_units / font_size
    if kerning:
        piece += f">{int(kerning)}<"
    return piece


def _layout_setup() -> None:
    from weasyprint.text import line_break
    from weasyprint.text.constants import LST_TO_ISO, PANGO_DIRECTION
    from weasyprint.text.ffi import FROM_UNITS, ffi, gobject, pango, unicode_to_char_p
    from weasyprint.text.fonts import FontConfiguration, font_features, get_font_description

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
