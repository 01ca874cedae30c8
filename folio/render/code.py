"""A code block's text and attributes -> its HTML: highlighted, its lines numbered when asked.

In: the code, the block's classes (`python`, `numberLines`, ...) and key-values
(`startFrom`). Out: the `<pre>` element for both outputs. A block whose class names a
language Pygments knows is highlighted: each token becomes a span of one of a few
classes (`hl-kw` keywords, `hl-co` comments, `hl-st` strings, ...), which the theme sets
apart by weight and slant rather than colour, so it prints in greyscale and stays
legible in an e-reader's night mode. Every block has one `<span class="line">` per line
(numbers come from a CSS counter, so they are neither read aloud nor copied); a line too
long for the measure wraps under itself, indented, with an arrow (↪) in the margin of each
continued row (styles/base.css).
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from typing import Any

SHORT_LISTING = 8  # lines: a code block this short is not broken across pages (styles/print.css)
NOT_LANGUAGES = {"numberLines", "number-lines", "sourceCode", "wrap"}


@lru_cache(maxsize=64)
def _lexer(name: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def _category(token: Any) -> str:
    from pygments import token as t

    for kind, name in ((t.Comment, "co"), (t.Keyword, "kw"), (t.String, "st"), (t.Number, "dv"), (t.Name.Builtin, "bu"),
                       (t.Name.Function, "fu"), (t.Name.Class, "fu"), (t.Name.Decorator, "at"), (t.Name.Tag, "kw"),
                       (t.Name.Attribute, "at"), (t.Operator.Word, "kw"), (t.Generic.Heading, "kw"), (t.Generic.Deleted, "co"),
                       (t.Generic.Inserted, "kw"), (t.Error, "er")):
        if token in kind:
            return name
    return ""


def _lines(code: str, lexer: Any) -> list[str]:
    """The code's lines as HTML, each token that has a category in its span."""
    lines: list[str] = [""]
    for token, value in lexer.get_tokens(code):
        category = _category(token)
        for number, piece in enumerate(value.split("\n")):
            if number:
                lines.append("")
            if piece:
                lines[-1] += f'<span class="hl-{category}">{escape(piece, quote=False)}</span>' if category else escape(piece, quote=False)
    return lines[:code.count("\n") + 1]  # (a lexer may add a line end the code did not have)


def code_block(code: str, ident: str, classes: list[str], keyvals: list[list[str]], extra: str = "") -> str:
    """`extra`: attributes for the <pre> (dir="ltr" in a right-to-left book)."""
    language = next((c for c in classes if c not in NOT_LANGUAGES), "")
    numbered = "numberLines" in classes or "number-lines" in classes
    lexer = _lexer(language.lower()) if language else None
    pre_classes = [*(["sourceCode"] if lexer is not None else []), *(["numberLines"] if numbered else []),
                   *(["folio-short"] if code.count("\n") < SHORT_LISTING else [])]
    attributes = (f' id="{escape(ident)}"' if ident else "") + extra
    if pre_classes:
        attributes += f' class="{" ".join(pre_classes)}"'
    start = next((value for key, value in keyvals if key in ("startFrom", "start-from")), "1")
    if numbered and start.lstrip("-").isdigit() and int(start) != 1:
        attributes += f' style="counter-reset: line {int(start) - 1}"'
    code_class = f' class="language-{escape(language)}"' if language else ""
    lines = _lines(code, lexer) if lexer is not None else [escape(line, quote=False) for line in code.split("\n")]
    body = "".join(f'<span class="line">{line or "&#8203;"}</span>' for line in lines)
    return f"<pre{attributes}><code{code_class}>{body}</code></pre>\n"
