"""Chapter titles -> running heads that hold on one line; the book's title -> balanced lines.

In: the book's chapters and the width of its text block. Out: each chapter's running head:
its short title (`short-title:` in its metadata, or `{short-title="..."}` on its heading),
else its title; shortened at a word, with an ellipsis, when its width at the running heads'
size would not fit their room (the text block less the folios' boxes either side), and a
warning naming the chapter for each one shortened. Widths are measured with the theme's
face (italic or upright, with its small capitals), at the size, letter spacing and style
the style sheets' @top-center rules give the running heads.

The title page's title and subtitle, when they take more than one line, are broken into
lines of about equal width (`title_lines`), as `text-wrap: balance` would (WeasyPrint lacks
it): no word is left alone on a last line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from folio.errors import Reporter
from folio.model import Book
from folio.theme import DEFAULT_STYLES

SIZE = 9.0  # pt, print.css's running heads
FOLIO_ROOM = 0.3 * 72  # pt on each side for the folio's box (a three-figure page number and its gap)
FACES = {True: DEFAULT_STYLES / "fonts" / "GentiumBookPlus-Italic.ttf", False: DEFAULT_STYLES / "fonts" / "GentiumBookPlus-Regular.ttf"}


@dataclass(frozen=True)
class HeadStyle:
    """How the style sheets set the running heads: size (pt), letter spacing (em), small
    capitals, italic."""

    size: float = SIZE
    spacing: float = 0.0
    small_caps: bool = False
    italic: bool = True


_TOP_CENTER = re.compile(r"@top-center\s*\{([^{}]*)\}")


def head_style(css: list[str]) -> HeadStyle:
    """The running heads' style as the last @top-center rules of the print style sheets set it
    (the theme's, then the book's)."""
    found: dict[str, str] = {}
    for text in css:
        for block in _TOP_CENTER.findall(re.sub(r"/\*.*?\*/", "", text, flags=re.S)):
            for name, value in re.findall(r"(font-size|letter-spacing|font-variant|font-style)\s*:\s*([^;]+)", block):
                found[name] = value.strip()
    size = re.fullmatch(r"([\d.]+)pt", found.get("font-size", ""))
    spacing = re.fullmatch(r"(-?[\d.]+)em", found.get("letter-spacing", ""))
    return HeadStyle(float(size[1]) if size else SIZE, float(spacing[1]) if spacing else 0.0,
                     "small-caps" in found.get("font-variant", ""), found.get("font-style", "italic") in ("italic", "oblique"))


@lru_cache(maxsize=2)
def _advances(italic: bool) -> tuple[dict[int, float], dict[int, float]]:
    """Advance widths of the theme's face, in ems: by character, and the small capital of each
    lower-case letter that has one (its `.sc` glyph)."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(FACES[italic]), lazy=True)
    per_em = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    cmap = font.getBestCmap()
    plain = {code: metrics[glyph][0] / per_em for code, glyph in cmap.items()}
    small = {code: metrics[glyph + ".sc"][0] / per_em for code, glyph in cmap.items() if glyph + ".sc" in metrics}
    return plain, small


def width(text: str, style: HeadStyle = HeadStyle()) -> float:
    """The text's width in points as the style sets it; a character the face lacks counts an em."""
    plain, small = _advances(style.italic)
    ems = sum((small if style.small_caps and ch.islower() and ord(ch) in small else plain).get(ord(ch), 1.0) for ch in text)
    return (ems + style.spacing * len(text)) * style.size


def fitted(text: str, room: float, style: HeadStyle = HeadStyle()) -> str:
    """The text, or its longest run of whole words that fits `room` with an ellipsis."""
    if width(text, style) <= room:
        return text
    words = text.split()
    while len(words) > 1:
        words.pop()
        shortened = " ".join(words).rstrip(",;:.\u2014\u2013- ") + "\u2026"
        if width(shortened, style) <= room:
            return shortened
    return words[0] if words else text


BOOK = ""  # running_heads' key for the book's title (the versos' running head)


def running_heads(book: Book, text_width_in: float, report: Reporter | None = None) -> dict[str, str]:
    """Chapter id -> its running head, and BOOK -> the versos' (the book's title); a warning
    (when `report` is given) for each shortened."""
    from folio.theme import theme_styles

    sheets = [*theme_styles("print", book.config.theme), *(style.path for style in book.styles)]
    style = head_style([path.read_text(encoding="utf-8") for path in sheets])
    room = text_width_in * 72 - 2 * FOLIO_ROOM
    heads = {BOOK: fitted(book.config.title, room, style)}
    if report is not None and heads[BOOK] != book.config.title:
        report.warn("running-head-long", "book.yaml", book.config.line_of("title"),
                    f"the book's title is too long for the versos' running heads: they print '{heads[BOOK]}'")
    for chapter in book.chapters:
        wanted = chapter.short_title or chapter.title_text
        heads[chapter.id] = fitted(wanted, room, style)
        if report is not None and heads[chapter.id] != wanted:
            report.warn("running-head-long", chapter.source, chapter.line_of(f"# {chapter.title_text[:20]}", 1),
                        f"the running head '{wanted}' is too long for one line: it is shortened to '{heads[chapter.id]}'; "
                        "give the chapter a short-title (in its metadata, or {short-title=\"...\"} on its heading)")
    return heads


BODY_SIZE = 10.5  # pt, print.css's html font-size
TITLES = {"book-title": (2.4, False), "book-subtitle": (1.25, True)}  # print.css: font-size (em), italic


def _title_style(css: list[str], name: str) -> HeadStyle:
    """How the style sheets set the title page's `.book-title` or `.book-subtitle` (the last
    rule's font-size in em or pt and font-style win)."""
    size_em, italic = TITLES[name]
    size = BODY_SIZE * size_em
    for text in css:
        for block in re.findall(rf"\.{name}\s*\{{([^{{}}]*)\}}", re.sub(r"/\*.*?\*/", "", text, flags=re.S)):
            for prop, value in re.findall(r"(font-size|font-style)\s*:\s*([^;]+)", block):
                found = re.fullmatch(r"([\d.]+)(em|pt)", value.strip())
                if prop == "font-size" and found:
                    size = float(found[1]) * (BODY_SIZE if found[2] == "em" else 1.0)
                elif prop == "font-style":
                    italic = value.strip() in ("italic", "oblique")
    return HeadStyle(size, 0.0, False, italic)


def balanced(text: str, room: float, style: HeadStyle) -> list[str]:
    """The text in as few lines as fit `room` (pt), of widths as near equal as can be: the
    breaks that make the widest line narrowest. One line when it fits."""
    words = text.split()
    if len(words) < 3 or width(text, style) <= room:
        return [text]
    for count in range(2, len(words) + 1):
        best: tuple[float, list[str]] | None = None
        for cuts in _cuts(len(words), count):
            lines = [" ".join(words[a:b]) for a, b in zip((0, *cuts), (*cuts, len(words)))]
            widest = max(width(line, style) for line in lines)
            if widest <= room and (best is None or widest < best[0]):
                best = (widest, lines)
        if best is not None:
            return best[1]
    return [text]


def _cuts(words: int, lines: int) -> list[tuple[int, ...]]:
    """Every way to break `words` words into `lines` non-empty lines (word indices where lines start)."""
    from itertools import combinations

    return list(combinations(range(1, words), lines - 1)) if words <= 24 else []


def title_lines(book: Book, text_width_in: float) -> dict[str, list[str]]:
    """The title page's title and subtitle, each in balanced lines for the text block (a little
    room kept: the theme's face is measured, the engine's kerning is not)."""
    from folio.theme import theme_styles

    sheets = [path.read_text(encoding="utf-8") for path in [*theme_styles("print", book.config.theme),
                                                            *(style.path for style in book.styles)]]
    room = text_width_in * 72 * 0.92
    return {"title": balanced(book.config.title, room, _title_style(sheets, "book-title")),
            "subtitle": balanced(book.config.subtitle or "", room, _title_style(sheets, "book-subtitle"))}
