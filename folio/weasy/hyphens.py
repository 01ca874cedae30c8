"""At most two hyphenated line ends in a row (CSS `hyphenate-limit-lines: 2` for WeasyPrint 70),
and no word hyphenated across a recto's page turn.

In: nothing; `install()` wraps two WeasyPrint 70 functions, once, in a layout worker. Out: while
WeasyPrint lays out a paragraph's lines, the line after two lines that ended with a
hyphen is broken without automatic hyphenation, and so are the last two lines that fit
on a recto (an odd page: the last, and the one before it, which ends the page when the
widow rule takes the last overleaf), as the Chicago Manual asks. WeasyPrint does not
implement `hyphenate-limit-lines`; without this, a stack of hyphens or a broken word at a
recto's foot could only be undone by laying the document out again with the paragraph
unhyphenated (the layout workers still check, and do that for what slips through:
explicit hyphens, a footnote that shortened the page, for instance).

The wrapped functions are `layout.block.iter_line_boxes` (the paragraph's line
iterator, to count hyphenated line ends) and `layout.inline.split_first_line` (to
break the next line with `hyphens: manual`). The probe `hyphen-limit` (patches.py)
checks both are the functions this was written for before `install()` wraps them.
"""

from __future__ import annotations

import threading
from typing import Any, Iterator

HYPHEN_ENDS = ("-", "\u00ad", "\u2010")
LIMIT = 2
_STATE = threading.local()


def _ends_with_hyphen(line: Any) -> bool:
    from weasyprint.formatting_structure.boxes import TextBox

    last = None
    stack = [line]
    while stack:
        box = stack.pop()
        if getattr(box, "is_absolutely_positioned", lambda: False)():
            continue  # placed apart from the line (a code line's continuation marks), and not laid out yet
        if isinstance(box, TextBox):
            if box.text.strip() and hasattr(box, "position_x"):
                last = box if last is None or (box.position_x, box.position_y) >= (last.position_x, last.position_y) else last
        else:
            stack.extend(getattr(box, "children", ()))
    return last is not None and last.text.rstrip().endswith(HYPHEN_ENDS)


def _before_turn(context: Any, bottom_space: float, line: Any) -> bool:
    """The line after `line` is one of the last two lines of a recto (an odd page: a document
    starts on one) that fit: it ends the page, or the line before the widow rule's break."""
    if context.current_page % 2 == 0:
        return False
    bottom, height = line.position_y + line.height, line.height
    return not context.overflows_page(bottom_space, bottom + height) and context.overflows_page(bottom_space, bottom + 3 * height)


def install() -> None:
    """Wrap WeasyPrint's line iterator and line splitter (patches.py calls it, after its probe)."""
    from weasyprint.layout import block, inline

    original_lines = block.iter_line_boxes
    original_split = inline.split_first_line

    def iter_line_boxes(context: Any, box: Any, position_y: Any, bottom_space: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        lines = original_lines(context, box, position_y, bottom_space, *args, **kwargs)
        streak, turn = 0, False
        while True:
            _STATE.suppress = streak >= LIMIT or turn
            try:
                item = next(lines)
            except StopIteration:
                return
            finally:
                _STATE.suppress = False
            streak = streak + 1 if item[0] is not None and _ends_with_hyphen(item[0]) else 0
            turn = item[0] is not None and _before_turn(context, bottom_space, item[0])
            yield item

    def split_first_line(text: str, style: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(_STATE, "suppress", False) and style["hyphens"] == "auto":
            style["hyphens"] = "manual"
            try:
                return original_split(text, style, *args, **kwargs)
            finally:
                style["hyphens"] = "auto"
        return original_split(text, style, *args, **kwargs)

    block.iter_line_boxes = iter_line_boxes
    inline.split_first_line = split_first_line
