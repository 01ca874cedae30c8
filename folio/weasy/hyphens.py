"""At most two hyphenated line ends in a row: CSS `hyphenate-limit-lines: 2` for WeasyPrint 70.

In: nothing; `install()` wraps two WeasyPrint 70 functions, once, in a layout worker. Out: while
WeasyPrint lays out a paragraph's lines, the line after two lines that ended with a
hyphen is broken without automatic hyphenation. WeasyPrint does not implement
`hyphenate-limit-lines`; without this, a stack of hyphens could only be undone by laying
the whole document out again with the paragraph unhyphenated (the PDF writer still
checks, and does that for what slips through: explicit hyphens, for instance).

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


def install() -> None:
    """Wrap WeasyPrint's line iterator and line splitter (patches.py calls it, after its probe)."""
    from weasyprint.layout import block, inline

    original_lines = block.iter_line_boxes
    original_split = inline.split_first_line

    def iter_line_boxes(*args: Any, **kwargs: Any) -> Iterator[Any]:
        lines = original_lines(*args, **kwargs)
        streak = 0
        while True:
            _STATE.suppress = streak >= LIMIT
            try:
                item = next(lines)
            except StopIteration:
                return
            finally:
                _STATE.suppress = False
            streak = streak + 1 if item[0] is not None and _ends_with_hyphen(item[0]) else 0
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
