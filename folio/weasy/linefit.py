"""A line of text that fits but for its trailing space is not cut after its first word.

In: nothing; `install()` wraps WeasyPrint 70's line splitter once, in a layout worker. Out:
when WeasyPrint is given a run of text that ends with a space (the text before an inline
element: a note call, a marked number) and that fits the line without the space but not
with it, Pango reports one line while WeasyPrint measures it too wide; WeasyPrint then
takes the run for one that cannot be split, and sets its first word alone on the line (or
the first word's hyphenated first syllable): "Euxine" alone, "Sea at the place..." on the
next line, three times in the large corpus book. The wrapper sees a result cut at the first
word of such a run at a line's start and splits it again with room for the space, so the
line holds the whole run, as it would have without the space. (In the middle of a line the
same happens more rarely, and mending it there was tried: WeasyPrint's inline layout then
breaks the line elsewhere as it goes back over it, and the notes flow met its old page breaks
later after an edit, two edits of six laying out 36 and 48 pages instead of 8.)

The probe `line-fit` (patches.py) checks `text.line_break.split_first_line` is the function
this was written for; without it, WeasyPrint's lines as they are.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    """Wrap the line splitter WeasyPrint's inline layout calls (patches.py, after its probe)."""
    from weasyprint.layout import inline
    from weasyprint.text.line_break import create_layout, line_size

    original = inline.split_first_line

    def split_first_line(text: str, style: Any, context: Any, max_width: Any, justification_spacing: Any,
                         *args: Any, **kwargs: Any) -> Any:
        result = original(text, style, context, max_width, justification_spacing, *args, **kwargs)
        if max_width is None or result[2] is None or style["white_space"] not in ("normal", "pre-line") \
                or not kwargs.get("is_line_start", args[0] if args else True):
            return result
        stripped = text.rstrip(" ")
        first = stripped.split(" ", 1)
        if len(first) < 2 or len(stripped) == len(text) or result[1] > len(first[0].encode()):
            return result  # not cut at its first word, or no run of words ending with a space
        layout = create_layout(stripped, style, context, max_width, justification_spacing)
        line, index = layout.get_first_line()
        if index is not None or line_size(line, style)[0] > max_width:
            return result  # the words alone do not fit either: WeasyPrint's cut stands
        return original(text, style, context, max_width + style["font_size"], justification_spacing, *args, **kwargs)

    inline.split_first_line = split_first_line
