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

import os
import re
import zlib
from types import SimpleNamespace
from typing import Any

CONTENT_LEVEL = 6
_SIZED_ARRAY = re.compile(r"^([A-Za-z_][A-Za-z0-9_ ]*\*?)\[(\d+)\]$")


def enabled() -> bool:
    return os.environ.get("FOLIO_SPEEDUPS", "on").lower() not in ("off", "0", "no")


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


def draw_text() -> None:
    from weasyprint.draw import text
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    original = text.draw_first_line
    fields = ffi.sizeof("PangoGlyphInfo") // 4  # glyph, width, x offset, y offset, attributes (probe: draw-text)
    empty, unknown = pango.PANGO_GLYPH_EMPTY, pango.PANGO_GLYPH_UNKNOWN_FLAG
    # the justified runs are worked out as Pango 1.50 makes them (pango-layout.c): elsewhere, made anew
    reactivate = _kept_layouts() if kept_layouts_possible() else None

    def runs(textbox: Any) -> Any:
        """The line's runs as Pango made them: (glyph item, font, glyphs as integers, glyph
        count, first glyph, end, None)."""
        first_line, _index = textbox.pango_layout.get_first_line()
        run = first_line.runs[0]
        while run != ffi.NULL:
            glyph_item = run.data
            run = run.next
            values, count = _glyph_values(glyph_item.glyphs, fields)
            yield glyph_item, glyph_item.item.analysis.font, values, count, 0, count, None

    def draw_first_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: Any, matrix: Any) -> list:
        layout = textbox.pango_layout
        lazy = layout.__dict__.pop("_folio_lazy", False)
        if not textbox.text.strip() or textbox.style["font_size"] < 1e-6:
            return []  # nothing drawn, as in WeasyPrint's
        if text_overflow == "ellipsis" or block_ellipsis != "none":
            if lazy:
                reactivate(layout, textbox.style)
            return original(stream, textbox, text_overflow, block_ellipsis, matrix)
        segments = _justified_runs(stream, layout, textbox.style, fields) if lazy else None
        from_kept = segments is not None
        if segments is None:
            if lazy:  # the kept layout cannot stand for the justified one: make that
                reactivate(layout, textbox.style)
            pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
            segments = runs(textbox)
        operators, mark, current_font = stream.stream, len(stream.stream), stream._current_font

        def fall_back() -> list:
            del operators[mark:]
            stream._current_font = current_font
            if from_kept:
                reactivate(layout, textbox.style)
            return original(stream, textbox, text_overflow, block_ellipsis, matrix)

        stream.set_text_matrix(*matrix.values)
        previous_pango_font = None
        string = ""
        for glyph_item, pango_font, values, count, first, end, override in segments:
            if pango_font != previous_pango_font:
                previous_pango_font = pango_font
                font, font_size = stream.add_font(pango_font)
                if font.svg or font.png or font.colr or font.bitmap:  # WeasyPrint's own drawing, from the start
                    return fall_back()
                if string:
                    stream.show_text(string)
                string = ""
                stream.set_font_size(font.hash, font_size)
                pieces = _pieces(font, font_size)
            string += "<"
            for index in range(first, end):
                at = fields * index
                if override is None:
                    key = (values[at], values[at + 1], values[at + 2], values[at + 3])
                else:
                    key = (values[at], override[0], override[1], values[at + 3])
                piece = pieces.get(key)
                if piece is None:
                    glyph_id, width, x_offset, y_offset = key
                    if glyph_id == empty:
                        piece = f">{-width / font_size}<"
                    elif glyph_id < 0 or glyph_id & unknown or y_offset:  # missing or raised glyphs
                        return fall_back()
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


_SEPARATORS = re.compile("[\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_SPACES = re.compile(b" |\xc2\xa0")  # what WeasyPrint's Layout.set_text spaces out


def glyph_info_fields() -> int | None:
    """Integers per PangoGlyphInfo (5 where this was written), or None when it is not whole ints."""
    from weasyprint.text.ffi import ffi

    size = ffi.sizeof("PangoGlyphInfo")
    return None if size % 4 else size // 4


def kept_layouts_possible() -> bool:
    """The justified runs are worked out as Pango 1.50 makes them (pango-layout.c)."""
    from weasyprint.text.ffi import pango

    return 15000 <= pango.pango_version() < 15100


def next_word_call_found() -> bool:
    """WeasyPrint's `split_first_line` tries the next word where `next_word` expects it."""
    import inspect

    from weasyprint.text import line_break

    lines, _first = inspect.getsourcelines(line_break.split_first_line)
    at = [n for n, line in enumerate(lines) if line.strip() == "layout.set_text(new_first_line_text)"]
    return len(at) == 1 and lines[at[0] + 1].strip() == "first_line, resume_index = layout.get_first_line()"


def _glyph_values(glyph_string: Any, fields: int) -> tuple[memoryview, int]:
    """A Pango glyph string's glyphs as one block of integers (`fields` per glyph: id,
    advance, x offset, y offset, attributes), read at once, and their count."""
    from weasyprint.text.ffi import ffi

    count = glyph_string.num_glyphs
    return memoryview(ffi.buffer(glyph_string.glyphs, 4 * fields * count)).cast("i"), count


def _kept_layouts() -> Any:
    """Keep the Pango layout a line was laid out with, for drawing it; returns WeasyPrint's
    own `Layout.reactivate`, which makes the line's layout anew.

    WeasyPrint lets go of a line's Pango layout once the line is laid out, and to draw the
    line makes and shapes a new one with the justification: every space of the line gets
    its share of the extra width as Pango letter spacing, which splits the line into one
    run per word and space. Shaping is the dearest thing WeasyPrint asks of Pango. So the
    laid-out layout (shaped, without justification) is kept on the `Layout` object by
    `deactivate`, passed on to the layout `add_word_spacing` makes for a justified text
    box, and `reactivate` hands it to `draw_first_line` instead of making a new one.
    `_justified_runs` then gives the runs Pango would have made, or None, and the line is
    made and drawn WeasyPrint's way."""
    from weasyprint.formatting_structure.boxes import TextBox
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    layout_class = line_break.Layout
    set_text, deactivate, reactivate = layout_class.set_text, layout_class.deactivate, layout_class.reactivate
    add_word_spacing = inline.add_word_spacing

    def set_text_(self: Any, text: str, justify: bool = False) -> None:
        self._folio_plain = not justify
        set_text(self, text, justify)

    def deactivate_(self: Any) -> None:
        if self.__dict__.pop("_folio_plain", False) and "layout" in self.__dict__:
            self._folio_kept = (self.layout, self.language, self.text, self.style)
        else:
            self.__dict__.pop("_folio_kept", None)
        deactivate(self)

    def reactivate_(self: Any, style: Any) -> None:
        kept = self.__dict__.pop("_folio_kept", None)
        if kept is not None and kept[3] is style and kept[2] == self.text:
            self.layout, self.language, self.style = kept[0], kept[1], style
            self.first_line_direction = 0
            self._folio_lazy = True  # draw_first_line makes the real one if it needs it
            return
        reactivate(self, style)

    def add_word_spacing_(context: Any, box: Any, justification_spacing: float, x_advance: float) -> float:
        before = box.pango_layout if isinstance(box, TextBox) else None
        x_advance = add_word_spacing(context, box, justification_spacing, x_advance)
        if before is not None and box.pango_layout is not before:
            kept = before.__dict__.get("_folio_kept")
            if kept is not None and kept[2] == box.pango_layout.text:
                box.pango_layout._folio_kept = kept
        return x_advance

    layout_class.set_text = set_text_
    layout_class.deactivate = deactivate_
    layout_class.reactivate = reactivate_
    inline.add_word_spacing = add_word_spacing_
    return reactivate


def _justified_runs(stream: Any, layout: Any, style: Any, fields: int) -> list | None:
    """The runs of a line as WeasyPrint's justified layout would have them, from the layout
    the line was laid out with (`_kept_layouts`), in `draw_first_line`'s form; None when
    they could differ.

    Pango 1.50 (pango-layout.c) makes each spaced-out space an item of its own: it is
    shaped alone, its advance grows by its spacing s, its offset by half of it (`left`),
    and the line's first run loses `left` and the last one `s - left`. The words between
    are shaped alone too, which gives the glyphs of the whole line unless the font kerns
    or substitutes across a space. Kerning across a space changes the advance of the
    glyph before it or of the space, or moves the glyph after it: a line where one of
    these is not where the font alone puts it (the advance of the glyph after a space
    is its kerning with the next letter of its word), or whose font is not the font
    Pango gives a lone space, is refused, as are lines with more than one run,
    right-to-left text, tabs, paragraph separators, adjacent spaces, and styles with
    letter or word spacing of their own."""
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    text = layout.text
    if (style["direction"] != "ltr" or style["word_spacing"] or style["letter_spacing"] not in ("normal", 0)
            or style["overflow_wrap"] in ("anywhere", "break-word") or _SEPARATORS.search(text)):
        return None
    kept = layout.layout
    if pango.pango_layout_get_line_readonly(kept, 1) != ffi.NULL:
        return None
    node = pango.pango_layout_get_line_readonly(kept, 0).runs
    if node == ffi.NULL or node.next != ffi.NULL:
        return None
    glyph_item = node.data
    item = glyph_item.item
    utf8 = text.encode()
    size = len(utf8)
    if item.offset != 0 or item.length != size or item.analysis.level % 2:
        return None
    pango_font = item.analysis.font
    values, count = _glyph_values(glyph_item.glyphs, fields)
    word_spacing = style["word_spacing"] + layout.justification_spacing
    spaces = [(m.start(), m.end()) for m in _SPACES.finditer(utf8)] if word_spacing else []
    if not spaces:  # no letter spacing: the justified layout is this one
        return [(glyph_item, pango_font, values, count, 0, count, None)]
    if pango_font != _space_font(style):
        return None
    advances = _advances(stream, pango_font)
    glyphs = values.tolist()
    clusters = memoryview(ffi.buffer(glyph_item.glyphs.log_clusters, 4 * count)).cast("i").tolist()
    first_glyph = dict(zip(reversed(clusters), range(count - 1, -1, -1)))
    spacing = int(word_spacing * TO_UNITS + 0)  # as Layout.set_text computes it (letter spacing 0)
    segments, start, previous_end = [], 0, -1
    for begin, end in spaces:
        index = first_glyph.get(begin)
        if index is None or begin == previous_end or (clusters[index + 1] if index + 1 < count else size) != end:
            return None  # two spaces in a row, or a space that is not a glyph of its own
        previous_end = end
        at = fields * index
        # the space and the glyph before it at their own advances, the space and the glyph after it not moved
        if (glyphs[at + 2] or glyphs[at + 3] or glyphs[at + 1] != advances(glyphs[at])
                or (index and (glyphs[at - fields + 2] or glyphs[at - fields + 3]
                               or glyphs[at - fields + 1] != advances(glyphs[at - fields])))
                or (index + 1 < count and (glyphs[at + fields + 2] or glyphs[at + fields + 3]))):
            return None
        share = spacing * (2 if begin in (0, size - 1) else 1)  # WeasyPrint doubles it at the ends
        left = _half(share)
        width, x_offset = glyphs[at + 1] + share, left
        if index == 0:  # the line's first run
            width, x_offset = width - left, x_offset - left
        if index == count - 1:  # its last run
            width -= share - left
        if width <= 0:
            return None
        if index > start:
            segments.append((glyph_item, pango_font, values, count, start, index, None))
        segments.append((glyph_item, pango_font, values, count, index, index + 1, (width, x_offset)))
        start = index + 1
    if start < count:
        segments.append((glyph_item, pango_font, values, count, start, count, None))
    return segments


def _advances(stream: Any, pango_font: Any) -> Any:
    """A function giving a glyph's advance in `pango_font` alone, in Pango units (-1 for a
    glyph that is not one of the font's); advances are kept per font description and size."""
    from weasyprint.text.ffi import ffi, pango

    font, _size = stream.add_font(pango_font)
    cache: dict[int, int] = font.__dict__.setdefault("_folio_advances", {})

    def advance(glyph: int) -> int:
        width = cache.get(glyph)
        if width is None:
            if 0 <= glyph < pango.PANGO_GLYPH_EMPTY:
                pango.pango_font_get_glyph_extents(pango_font, glyph, ffi.NULL, stream.logical_rect)
                width = stream.logical_rect.width
            else:
                width = -1
            cache[glyph] = width
        return width

    return advance


def _half(spacing: int) -> int:
    """Pango's `distribute_letter_spacing`: the left share of a letter spacing, in Pango units."""
    left = abs(spacing) // 2 * (1 if spacing >= 0 else -1)  # C division
    if (spacing & 1023) == 0:  # a whole number of points: rounded (PANGO_UNITS_ROUND)
        left = (left + 512) & ~1023
    return left


def _space_font(style: Any) -> Any:
    """The font Pango gives a space alone in this style. The probe layout is kept with it,
    so the font stays alive and no other font can take its address."""
    from weasyprint.text.line_break import Layout, _font_style_cache_key

    found = style.__dict__.get("_folio_space_font")
    if found is None:
        known = style.font_config.__dict__.setdefault("_folio_space_fonts", {})
        key = _font_style_cache_key(style, include_size=True)
        if key not in known:
            probe = Layout(style)
            probe.set_text(" ")
            line, _index = probe.get_first_line()
            known[key] = (line.runs[0].data.item.analysis.font, probe)
        found = style._folio_space_font = known[key][0]
    return found


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
