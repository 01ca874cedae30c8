"""Justified Chinese and Japanese: the extra width of a line shared between its characters.

In: nothing; `install()` wraps two WeasyPrint 70 functions, once, in a layout worker, after the
probe `cjk-justify` (patches.py). Out: a justified line that holds Han, kana or CJK
punctuation is stretched at every such character as well as at its spaces, as CSS Text 3's
`text-justify: auto` has it for these scripts (and as browsers do), instead of at its spaces
alone: WeasyPrint stretches spaces only, so a Chinese line with one Latin word in it had all
its slack in the two spaces around that word, and a line with none was left ragged.

WeasyPrint justifies a line by counting its expandable spaces (`count_expandable_spaces`),
giving each the same share of the slack, and laying each text box out again with that share
as Pango letter spacing on its spaces (`Layout.set_text(justify=True)`), doubled at the ends
of the box, where Pango drops the outer half. This counts each CJK character as one more
opportunity and gives it the same letter spacing, the same way, so the box is as wide as
WeasyPrint reckons it and the line's last character stays at the measure. Korean is left to
its spaces, as it is set. The probe checks both functions are the ones this was written for;
without it, CJK lines are justified at their spaces only (WeasyPrint's own behaviour).
"""

from __future__ import annotations

import functools
import re
from typing import Any

# Han (with extensions and compatibility forms), kana, bopomofo, CJK punctuation and full-width forms
CJK = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
                 "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]")
_INSTALLED = False


def stretched(text: str) -> bool:
    """Whether a justified line of this text has letter spacing on characters other than spaces."""
    return _INSTALLED and CJK.search(text) is not None


def install() -> None:
    """Wrap WeasyPrint's count of expandable spaces and its line layout's set_text."""
    global _INSTALLED
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import inline
    from weasyprint.text import line_break
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    count_spaces = inline.count_expandable_spaces
    set_text = line_break.Layout.set_text

    @functools.wraps(count_spaces)
    def count_expandable_spaces(box: Any) -> int:
        count = count_spaces(box)
        if isinstance(box, boxes.TextBox):
            count += len(CJK.findall(box.text))
        return count

    @functools.wraps(set_text)
    def set_text_(self: Any, text: str, justify: bool = False) -> None:
        set_text(self, text, justify)
        if not (justify and self.justification_spacing and CJK.search(self.text)):
            return
        utf8 = self.text.encode()
        letter_spacing = self.style["letter_spacing"]
        letter = 0 if letter_spacing == "normal" else int(letter_spacing * TO_UNITS)
        spacing = int(self.justification_spacing * TO_UNITS)
        attributes = pango.pango_layout_get_attributes(self.layout)
        if attributes == ffi.NULL:
            attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        at = 0
        for character in self.text:
            size = len(character.encode())
            if CJK.match(character):
                ends = at == 0 or at + size == len(utf8)  # Pango drops the outer half at a box's ends
                attribute = pango.pango_attr_letter_spacing_new(spacing * (2 if ends else 1) + letter)
                attribute.start_index, attribute.end_index = at, at + size
                pango.pango_attr_list_change(attributes, attribute)
            at += size
        pango.pango_layout_set_attributes(self.layout, attributes)

    inline.count_expandable_spaces = count_expandable_spaces
    line_break.Layout.set_text = set_text_
    _INSTALLED = True
