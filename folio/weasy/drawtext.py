"""Lines of text drawn from whole glyph arrays, and from the layout they were laid out with.

In: nothing; `draw_text()` replaces WeasyPrint 70's `draw.text.draw_first_line` (and, with
Pango 1.50, four methods of its line layout) when `patches.install()` calls it in a layout
worker, after the probe `draw-text` (patches.py). Out: the same page content, drawn with
fewer calls into Pango and cffi.

- **Whole glyph arrays.** WeasyPrint draws a line by reading each glyph's id, advance and
  offsets through cffi, one attribute at a time, and writing each glyph's PDF operand anew.
  This reads a run's glyphs as one block of integers and keeps each glyph's operand (id,
  offset, kerning) per font and size. Lines it does not handle (ellipses, bitmap and colour
  fonts, glyphs missing from the fonts, raised glyphs) are drawn by WeasyPrint's own function.
- **Lines drawn from the layout they were laid out with.** To draw a line, WeasyPrint made and
  shaped its Pango layout again, with the justification as letter spacing on every space. The
  laid-out layout is kept instead, and the justified line's runs are worked out from it as
  Pango 1.50 would make them (`_justified_runs`); a line where they might differ (kerning
  across a space, font fallback, right-to-left text, ...) is made anew as before.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from folio.weasy.justify import stretched


# long: WeasyPrint's draw_first_line, copied and changed in place; kept in its shape to compare with upstream
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

    @functools.wraps(set_text)
    def set_text_(self: Any, text: str, justify: bool = False) -> None:
        self._folio_plain = not justify
        set_text(self, text, justify)

    @functools.wraps(deactivate)
    def deactivate_(self: Any) -> None:
        if self.__dict__.pop("_folio_plain", False) and "layout" in self.__dict__:
            self._folio_kept = (self.layout, self.language, self.text, self.style)
        else:
            self.__dict__.pop("_folio_kept", None)
        deactivate(self)

    @functools.wraps(reactivate)
    def reactivate_(self: Any, style: Any) -> None:
        kept = self.__dict__.pop("_folio_kept", None)
        if kept is not None and kept[3] is style and kept[2] == self.text:
            self.layout, self.language, self.style = kept[0], kept[1], style
            self.first_line_direction = 0
            self._folio_lazy = True  # draw_first_line makes the real one if it needs it
            return
        reactivate(self, style)

    @functools.wraps(add_word_spacing)
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
    if not spaces and not word_spacing:  # no letter spacing: the justified layout is this one
        return [(glyph_item, pango_font, values, count, 0, count, None)]
    if stretched(text):  # letter spacing on its Chinese or Japanese characters too (justify.py)
        return None
    if not spaces:
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
