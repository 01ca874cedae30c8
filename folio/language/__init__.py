"""What folio needs to know about the languages and scripts a book is written in.

`words.py`: the labels folio writes itself and the quotation marks, per language;
`scripts.py`: the scripts a text uses and the direction of a language; `fonts.py`: the
fonts that draw each script, and which characters of a book none of them can draw.
"""

from folio.language.words import LABELS, QUOTES, labels, quotes_for

__all__ = ["LABELS", "QUOTES", "labels", "quotes_for"]
