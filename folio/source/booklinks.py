"""Every chapter's Markdown text -> what each needs from the others to read as one book.

In: the chapters' texts, in reading order. Out: for each chapter, the reference-link
definitions to append to its text before pandoc reads it, and `heading_target`, which the
transform uses to turn the placeholders those definitions point at into heading ids.

folio reads each chapter with its own pandoc (in parallel, cached by its text). Given all
the files at once, pandoc would resolve `[text][label]` against a definition in any
chapter, and `[Heading]` or `[text][Heading]` (implicit header references) against any
heading of the book. This cheap first pass, regular expressions over the texts, gives each
chapter the definitions of the labels it uses but does not define: another chapter's
definition (the first in the book; pandoc, given the files at once, takes the last and warns
of the duplicate, and a chapter's own definition always wins here), or for a heading's text a
placeholder URL (`#folio-heading/...`) that the transform resolves to the heading's id
once ids are made. Only labels a chapter uses are appended, so an edit elsewhere changes
its text (and its cache key) only when it changes what the chapter links to. The appended
lines come after the chapter's last line: every line number stays where it was.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

HEADING_REF = "#folio-heading/"
_DEFINITION_RE = re.compile(r"^ {0,3}\[((?:[^\]\\\n]|\\.){1,999})\]:[ \t]*(?:\n[ \t]*)?(\S.*)$", re.M)  # the URL may wrap
_ATX_RE = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.M)
_UNDERLINE_RE = re.compile(r"\n {0,3}(?:=+|-+)[ \t]*$", re.M)  # a setext heading's line: the text is the line above
_ATTRIBUTES_RE = re.compile(r"[ \t]*\{[^{}]*\}$")
FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\1[`~]*[ \t]*$", re.M | re.S)
_BRACKET_RE = re.compile(r"\[((?:[^\[\]\\\n]|\\.|\n(?![ \t]*\n)){1,999})\]")  # a label may wrap, not span a blank line
_MARKUP_RE = re.compile(r"[*_`\\]")


_SMART = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "--", "\u2014": "---", "\u2026": "..."})


def label_key(text: str) -> str:
    """A label as pandoc compares them: case and runs of spaces do not count, nor the curly
    quotes and dashes its smart punctuation makes of straight ones."""
    return " ".join(text.translate(_SMART).split()).casefold()


def heading_key(text: str) -> str:
    """A heading's text as written or as pandoc's plain text of it: a label key without the
    marks of emphasis and code."""
    return label_key(_MARKUP_RE.sub("", text))


def appendices(texts: list[str]) -> list[str]:
    """For each chapter, the text to append: reference definitions of the labels it uses
    and does not define, from the rest of the book."""
    defined: list[dict[str, str]] = []  # per chapter: key -> its definition line
    used: list[dict[str, str]] = []  # per chapter: key -> the label as first written
    headings: set[str] = set()
    for text in texts:
        prose = FENCE_RE.sub("", text) if "```" in text or "~~~" in text else text
        own: dict[str, str] = {}
        for match in _DEFINITION_RE.finditer(prose):
            if not match[1].startswith("^"):  # [^note]: is a footnote
                own.setdefault(label_key(match[1]), " ".join(match[0].split()))
        defined.append(own)
        labels: dict[str, str] = {}
        for match in _BRACKET_RE.finditer(prose):
            if match[1][0] not in "^@ " and match[1] not in ("x", "X"):
                labels.setdefault(label_key(match[1]), match[1])
        used.append(labels)
        for match in _ATX_RE.finditer(prose):
            headings.add(heading_key(_ATTRIBUTES_RE.sub("", match[1])))
        for match in _UNDERLINE_RE.finditer(prose):
            above = prose[prose.rfind("\n", 0, match.start()) + 1:match.start()]
            if above.strip() and not above.startswith("    "):
                headings.add(heading_key(_ATTRIBUTES_RE.sub("", above.strip())))
    first: dict[str, str] = {}
    for own in defined:
        for key, line in own.items():
            first.setdefault(key, line)
    out = []
    for own, labels in zip(defined, used):
        lines = []
        for key, written in labels.items():
            if key in own or not key:
                continue
            if key in first:
                lines.append(first[key])
            elif heading_key(written) in headings:
                lines.append(f"[{' '.join(written.split())}]: {HEADING_REF}{quote(heading_key(written), safe='')}")
        out.append("\n\n" + "\n".join(lines) + "\n" if lines else "")
    return out


def heading_key_of_target(url: str) -> str | None:
    """The label key a placeholder URL stands for; None for any other URL."""
    return unquote(url[len(HEADING_REF):]) if url.startswith(HEADING_REF) else None
