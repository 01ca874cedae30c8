"""PDF output profiles: what each print service or use needs from the PDF.

In: a profile name (book.yaml `profile:` or `--profile`) and the book. Out: a
`Profile`, the set of choices the PDF writer and `folio preflight` apply, and the
page geometry for a page count. docs/profiles.md describes each profile; this
module is its single source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from folio.model import Book

NAMES = ("print", "proof", "kdp", "ingram", "screen")

# Margins in inches for a 6 x 9 in page, scaled with the trim's width.
BASE_MARGINS = {"top": 0.75, "bottom": 0.8, "inner": 0.85, "outer": 0.6}

# KDP's minimum inside margin (gutter) by page count: (last page count, inches).
KDP_GUTTER = ((150, 0.375), (300, 0.5), (500, 0.625), (700, 0.75), (828, 0.875))
KDP_PAGES = (24, 828)
WORDS_PER_PAGE = 330  # a 6 x 9 in page of 10.5 pt text, a chapter's share of openers and ends included (lint's page counts)
# The page count before a layout (KDP's gutter depends on it; a wrong guess costs a whole layout):
# words at a full page's density, each chapter's opening sink and last page, each figure's
# share of a page. Measured on the corpus books: 122, 181 and 678 pages are estimated 122, 174, 700.
WORDS_PER_FULL_PAGE = 450
PAGES_PER_CHAPTER = 1.5
PAGES_PER_FIGURE = 0.5
KDP_OUTSIDE = 0.25  # minimum outside margins without bleed
KDP_BLEED = 0.125
INGRAM_MARGIN = 0.5
INGRAM_PAGES = (18, 1200)


@dataclass(frozen=True)
class Profile:
    name: str
    bleed: float = 0.0  # inches added on each side of the trim
    marks: bool = False  # crop and registration marks in the bleed
    slug: bool = False  # title, profile and build time below the trim (proof)
    outline: bool = True  # PDF bookmarks
    links: bool = True  # link annotations
    full_fonts: bool = False  # embed whole fonts rather than subsets
    blank_versos: bool = True  # chapters open on rectos, blank versos before them
    mirrored: bool = True  # inner and outer margins swap on versos
    tagged: bool = False  # PDF/UA-1 tagged PDF
    end_blank_even: bool = False  # pad to an even count that ends on a blank page
    kdp_gutter: bool = False  # gutter from KDP's page-count table (lay out, count, lay out again)
    min_margin: float = 0.0  # every margin at least this (inches)
    preflight: str | None = None  # the service `folio preflight` checks against after the build
    summary: str = ""


PROFILES: dict[str, Profile] = {
    "print": Profile("print", summary="A print PDF at the trim size: mirrored margins, blank versos, outline and links."),
    "proof": Profile("proof", bleed=0.25, marks=True, slug=True,
                     summary="For checking print layout: the bleed shown with crop marks, outline and links, "
                             "a slug line with the build time below the trim, DRAFT on every page if book.yaml says draft: true."),
    "kdp": Profile("kdp", outline=False, links=False, full_fonts=True, kdp_gutter=True, min_margin=KDP_OUTSIDE, preflight="kdp",
                   summary="Amazon KDP paperback: the exact trim, no marks, outline or link annotations, fonts embedded whole, "
                           "the gutter from KDP's page-count table."),
    "ingram": Profile("ingram", end_blank_even=True, min_margin=INGRAM_MARGIN, preflight="ingram",
                      summary="IngramSpark: margins of at least 0.5 in, an even page count ending on a blank page, no marks."),
    "screen": Profile("screen", blank_versos=False, mirrored=False, tagged=True,
                      summary="A PDF for reading on screen: no blank versos, equal margins, links and outline, tagged (PDF/UA-1)."),
}


def kdp_gutter(pages: int) -> float:
    """KDP's minimum inside margin for a page count (the last row for longer books)."""
    for last, inches in KDP_GUTTER:
        if pages <= last:
            return inches
    return KDP_GUTTER[-1][1]


def page_geometry(trim: tuple[float, float], profile: Profile, pages: int, bleeds: bool = False) -> dict[str, Any]:
    """Trim, margins (inches), bleed and marks for `profile`, with `pages` pages (KDP's gutter)."""
    width, height = trim
    scale = max(0.8, min(1.3, width / 6.0))
    margins = {k: round(v * scale, 3) for k, v in BASE_MARGINS.items()}
    if profile.kdp_gutter:
        # The running head sits in the top margin; the gutter is the text's distance from the spine.
        margins["inner"] = max(margins["inner"], kdp_gutter(pages) + 0.125)
    if profile.min_margin:
        # running heads and folios sit in the top and bottom margins: keep them inside the safe area too
        margins = {k: round(max(v, profile.min_margin + (0.35 if k in ("top", "bottom") else 0.1)), 3) for k, v in margins.items()}
    if not profile.mirrored:
        side = round((margins["inner"] + margins["outer"]) / 2, 3)
        margins["inner"] = margins["outer"] = side
    bleed = profile.bleed or (KDP_BLEED if profile.name == "kdp" and bleeds else 0.0)
    return {
        "trim": {"width": width, "height": height},
        "margins": margins,
        "bleed": bleed,
        "marks": profile.marks,
        "text_height": round(height - margins["top"] - margins["bottom"], 3),
    }


def estimated_pages(book: Book) -> int:
    """A book's page count before any layout (see WORDS_PER_FULL_PAGE), at its trim of
    (width, height) inches: the words' share scales with the page's area against 6 x 9 in."""
    words = sum(len(c.text.split()) for c in book.chapters)
    area = book.config.trim[0] * book.config.trim[1] / 54
    return max(1, round(words / (WORDS_PER_FULL_PAGE * area) + PAGES_PER_CHAPTER * len(book.chapters)
                        + PAGES_PER_FIGURE * len(book.figures)))
