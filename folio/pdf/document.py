"""Book -> the HTML WeasyPrint lays out: the whole book, or one part of it.

In: the `Book` (read only), the print profile and where images are. Out: the context
print/book.html is rendered with (chapter bodies, notes placed as the book asks, the
lists, the proof's slug line), the rendered HTML, the classes that switch theme
features on <body>, the PDF's identifier and roman folios.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from folio.language.scripts import direction_css
from folio.model import Book
from folio.pdf.profiles import PROFILES, Profile, page_geometry
from folio.pdf.running import BOOK, running_heads, title_lines
from folio.render.context import (
    chapter_entry,
    illustration_lists,
    metadata,
    note_entries,
    note_group_title,
)
from folio.render.renderer import Links, Renderer, esc
from folio.render.templates import render_template, theme_environment
from folio.theme import DEFAULT_STYLES
from folio.version import __version__

# The note's number opens its first paragraph, hangs in the margin and links back to the call.
NOTE_NUMBER = '<a id="{id}" class="note-number" href="{href}">{number}</a>'


# The opening paragraph's first letter (with a quotation mark before it), when the body starts with a paragraph
_DROP_CAP = re.compile(r'\A(<p[^>]*>)([\u2018\u201c"\']?\w)')


def narrowest_text_width(book: Book, profile: Profile | None = None, pages: int = 10_000) -> float:
    """The width in inches of the narrowest text block the profile can have (KDP's widest
    gutter, for the most pages): it bounds the images and the running heads. With `pages=1`,
    the widest (a figure's width asked in % is measured on it: its lowest resolution)."""
    geometry = page_geometry(book.config.trim, profile or PROFILES[book.config.profile], pages)
    return geometry["trim"]["width"] - geometry["margins"]["inner"] - geometry["margins"]["outer"]


def book_head(book: Book, profile: Profile | None = None) -> str:
    """The versos' running head: the book's title, shortened at a word to hold on one line."""
    return running_heads(book, narrowest_text_width(book, profile))[BOOK]


def print_context(book: Book, src: Callable[[str], str] | None = None, notes: str | None = None,
                  profile: Profile | None = None) -> dict[str, Any]:
    """Everything print/book.html needs, rendered once (chapter bodies, notes, lists).

    `notes` (default: book.yaml's) places the notes: endnotes after the last chapter,
    chapter at the end of each chapter, footnotes at the foot of the page."""
    notes = notes or book.config.notes
    src = src or (lambda key: book.assets[key].path.as_uri())
    narrowest = page_geometry(book.config.trim, profile or PROFILES[book.config.profile], 10_000)
    text_width = narrowest_text_width(book, profile)
    renderer = Renderer(book, Links(href=lambda ident: f"#{ident}", src=src, sized=False, print_pages=True,
                                    footnotes=notes == "footnotes", print_box=(text_width, narrowest["text_height"] * 0.78)))
    words = book.config.words
    chapters = [chapter_entry(c, renderer) for c in book.text_chapters]
    after_notes = [chapter_entry(c, renderer) for c in book.after_notes]
    heads = running_heads(book, text_width)
    for entry, chapter in zip([*chapters, *after_notes], [*book.text_chapters, *book.after_notes]):
        entry["running_head"] = heads.get(chapter.id, chapter.title_text)
        if chapter.short_title:  # the contents give it too
            entry["toc_html"] = esc(chapter.short_title)
    if "drop-caps" in body_classes(book).split():
        for entry in chapters:
            if entry["role"] == "bodymatter":
                entry["body"] = _DROP_CAP.sub(r'\1<span class="drop-cap">\2</span>', entry["body"], count=1)
    groups = [] if notes == "footnotes" else [
        {"chapter_id": c.id, "title": note_group_title(c, words), "notes": note_entries(c, renderer, lead=NOTE_NUMBER)}
        for c in book.chapters
        if c.notes
    ]
    first_body = next((c.id for c in book.chapters if c.role == "bodymatter"), "")
    lists = illustration_lists(book, lambda ident: f"#{ident}", words)
    return dict(
        meta=metadata(book), title_lines=title_lines(book, text_width), words=words, chapters=chapters, after_notes=after_notes,
        note_groups=groups if notes == "endnotes" else [], chapter_notes={g["chapter_id"]: g for g in groups} if notes == "chapter" else {},
        figures=lists["figures"] if "figures" in book.config.lists else [],
        tables=lists["tables"] if "tables" in book.config.lists else [],
        first_body_id=first_body, folio_version=__version__, body_classes=body_classes(book),
        proof=proof_slug(book, profile) if profile and profile.slug else None, end_blank=bool(profile and profile.end_blank_even),
        part=None, page_numbers={}, front_ids=[], pad_pages=0,
    )


def print_html(book: Book, src: Callable[[str], str] | None = None, env: Any = None, notes: str | None = None,
               profile: Profile | None = None, pad_pages: int = 0, context: dict[str, Any] | None = None, **part: Any) -> str:
    """The HTML WeasyPrint lays out: the whole book (images by file URL unless `src` says
    otherwise), or with part=, front_ids= and page_numbers= one part of it (parts.py)."""
    context = context or print_context(book, src, notes, profile)
    env = env or theme_environment(book.root, book.config.house)
    return render_template(env, "print/book.html", book.root, **{**context, "pad_pages": pad_pages, **part})


def body_classes(book: Book) -> str:
    """Classes on <body> that switch theme features: the theme, drop caps, small-caps openers."""
    classic = book.config.theme == "classic"
    drop = book.config.drop_caps if book.config.drop_caps is not None else classic
    small = book.config.small_caps_openers if book.config.small_caps_openers is not None else classic
    return " ".join(c for c, on in ((f"theme-{book.config.theme}", True), ("drop-caps", drop), ("small-caps-openers", small), (f"notes-{book.config.notes}", True)) if on)


def proof_slug(book: Book, profile: Profile) -> dict[str, Any]:
    """The proof's slug line: title, profile and when the sources were last changed (SOURCE_DATE_EPOCH wins)."""
    import datetime
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        stamp = int(epoch)
    else:
        files = [book.root / "book.yaml", *(book.root / c.source for c in book.text_chapters), *book.config.bibliography,
                 *(style.path for style in book.styles), *(a.path for a in book.assets.values())]
        stamp = int(max(f.stat().st_mtime for f in files if f.is_file()))
    when = datetime.datetime.fromtimestamp(stamp, tz=datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return {"text": f"{book.config.title} \u00b7 {profile.name} \u00b7 sources of {when} \u00b7 folio {__version__}", "draft": book.config.draft}


def roman(number: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                           (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while number >= value:
            out += letters
            number -= value
    return out


def identifier(book: Book) -> bytes:
    import hashlib

    seed = f"{book.config.identifier}|{book.config.title}".encode("utf-8")
    return hashlib.md5(seed).hexdigest().encode("ascii")


def layout_roots(book: Book) -> list[str]:
    """What the layout may read: the book's folder, a house theme's, folio's theme, and the font files its fonts
    plan loads from the system (an emoji face limited to its emoji)."""
    house = [str(book.config.house)] if book.config.house is not None else []
    return [str(book.root), *house, str(DEFAULT_STYLES), *(str(path) for path in (book.fonts.files() if book.fonts else []))]


def language_css(book: Book) -> list[tuple[str, str]]:
    """The print style sheet made for the book's languages: its fonts (language/fonts.py) and,
    right to left, its running heads mirrored; [] for a book the theme alone sets."""
    text = (book.fonts.css() if book.fonts else "") + direction_css(book.config.direction)
    return [(text, DEFAULT_STYLES.as_uri() + "/")] if text else []
