"""Which words the print edition may hyphenate: not those that begin with a capital (unless the
book says so), and the book's own words only as it writes them.

In: the book's rules, given with each layout job (`PartJob.hyphenation`: whether capitalised
words are hyphenated, and its words with the places they may break), set in the worker by
`use()`. Out: `install()` puts a dictionary in front of pyphen's where WeasyPrint 70's
`split_first_line` makes one: a word that begins with a capital gives no place to break (the
Chicago Manual's advice: "Lind-bergh" six times in one book is a compositor's slip), a word of
the book's list gives its own places or none; every other word, pyphen's. The probe
`hyphen-words` (patches.py) checks `split_first_line` is the function this was written for;
without it, WeasyPrint hyphenates every word as pyphen does.
"""

from __future__ import annotations

import types
from typing import Any, Iterator

_RULES: dict[str, Any] = {"capitalized": False, "words": {}}


def rules(capitalized: bool, words: tuple[str, ...]) -> dict[str, Any]:
    """The rules a job carries: `words` as written in book.yaml (man-u-script: breaks at its
    hyphens; Lindbergh: none), by the word in lower case, with their break positions."""
    table: dict[str, list[int]] = {}
    for written in words:
        positions, at = [], 0
        for part in written.strip().split("-")[:-1]:
            at += len(part)
            positions.append(at)
        table[written.replace("-", "").lower()] = positions
    return {"capitalized": capitalized, "words": table}


def use(given: dict[str, Any] | None) -> None:
    """The rules for the layouts that follow in this worker (a job's)."""
    _RULES.clear()
    _RULES.update(given or {"capitalized": False, "words": {}})


class _Dictionary:
    """pyphen's dictionary for a language, with the book's rules in front of it."""

    def __init__(self, inner: Any):
        self.inner = inner

    def iterate(self, word: str) -> Iterator[tuple[str, str]]:
        core = word.strip(".,;:!?\"'\u2019\u201d\u201c\u2018()[]")
        if core[:1].isupper() and not _RULES.get("capitalized"):
            return iter(())
        own = _RULES.get("words", {}).get(core.lower())
        if own is not None:
            offset = word.find(core)
            return iter([(word[:offset + at], word[offset + at:]) for at in sorted(own, reverse=True)])
        return self.inner.iterate(word)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def install() -> None:
    """Put the rules between WeasyPrint's line splitter and pyphen (patches.py, after its probe)."""
    import pyphen
    from weasyprint.text import line_break

    shim = types.ModuleType("pyphen")
    shim.__dict__.update(pyphen.__dict__)
    shim.Pyphen = lambda *args, **kwargs: _Dictionary(pyphen.Pyphen(*args, **kwargs))
    line_break.pyphen = shim
