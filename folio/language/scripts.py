"""A language tag -> the direction its text runs.

In: book.yaml's `lang` and `dir`. Out: "rtl" or "ltr". A language written right to left
(Arabic, Hebrew, Persian, Urdu, Yiddish, Pashto, Sindhi, Uyghur, Dhivehi, Sorani Kurdish)
gives "rtl" unless `dir` says otherwise; `dir: rtl` makes any book right to left.
"""

from __future__ import annotations

RTL_LANGUAGES = frozenset({"ar", "he", "iw", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb", "syr"})


def direction(lang: str, configured: str = "auto") -> str:
    if configured in ("ltr", "rtl"):
        return configured
    return "rtl" if lang.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


_HEAD = "font-size: 9pt; vertical-align: bottom; padding-bottom: 0.14in"
RTL_PAGES = f"""/* Right to left: the folio on the outer side, which is the left of a recto and the right of a verso */
@page front:right, body:right, body-first:right, back:right {{ @top-right {{ content: none; }} @top-left {{ content: counter(page); {_HEAD}; }} }}
@page front:left, body:left, body-first:left, back:left {{ @top-left {{ content: none; }} @top-right {{ content: counter(page); {_HEAD}; }} }}
@page front:right {{ @top-left {{ content: counter(page, lower-roman); }} }}
@page front:left {{ @top-right {{ content: counter(page, lower-roman); }} }}
@page :nth(1 of front), :nth(1 of body), :nth(1 of body-first), :nth(1 of back) {{ @top-left {{ content: none; }} @top-right {{ content: none; }} }}
"""


def direction_css(text_direction: str) -> str:
    """The print style sheet's running heads mirrored for a right-to-left book (else nothing)."""
    return RTL_PAGES if text_direction == "rtl" else ""
