"""The Book -> what every template needs: metadata, labels, chapters, note groups.

In: the `Book` and a `Renderer` for one output. Out: plain dicts and lists for
Jinja (no AST), the same shape for print and EPUB, so a theme's templates read
the same names in both. Also the build time, which makes outputs reproducible.
"""

from __future__ import annotations

import datetime
import os
import re
from typing import Any

from folio.language.words import numbered
from folio.model import Book, Chapter
from folio.render.renderer import Renderer, esc
from folio.source.pandoc_ast import stringify

# epub:type and DPUB-ARIA role of front and back matter, by a word in the chapter's id or classes
SECTION_SEMANTICS: dict[str, tuple[str, str]] = {
    "preface": ("preface", "doc-preface"), "foreword": ("foreword", "doc-foreword"),
    "introduction": ("introduction", "doc-introduction"), "dedication": ("dedication", "doc-dedication"),
    "prologue": ("prologue", "doc-prologue"), "epilogue": ("epilogue", "doc-epilogue"),
    "afterword": ("afterword", "doc-afterword"), "appendix": ("appendix", "doc-appendix"),
    "acknowledgments": ("acknowledgments", "doc-acknowledgments"), "acknowledgements": ("acknowledgments", "doc-acknowledgments"),
    "glossary": ("glossary", "doc-glossary"), "colophon": ("colophon", "doc-colophon"),
    "conclusion": ("conclusion", "doc-conclusion"), "epigraph": ("epigraph", "doc-epigraph"),
    "bibliography": ("bibliography", "doc-bibliography"),
}
_LABELLED_TITLE = re.compile(r"^((?:(?:Book|Chapter|Part|Livre|Chapitre|Kapitel|Capítulo)\s+)?(?:[IVXLCDM]+|\d+))[:.]\s+(\S.*)$")
_LABELLED_HTML = re.compile(r"^((?:(?:Book|Chapter|Part|Livre|Chapitre|Kapitel|Capítulo)\s+)?(?:[IVXLCDM]+|\d+))[:.]\s+")


def book_isbn(identifier: str) -> str:
    """The ISBN an identifier gives (isbn:..., urn:isbn:...), hyphenated by its registration
    group and registrant as printed books show it; '' for another identifier or an invalid ISBN."""
    from stdnum import isbn

    number = re.sub(r"^(urn:)?isbn:", "", identifier.strip(), flags=re.IGNORECASE)
    if number == identifier.strip() or not isbn.is_valid(number):
        return ""
    return isbn.format(number)


def build_time(book: Book) -> datetime.datetime:
    """SOURCE_DATE_EPOCH, else the book's date, else 2000-01-01: never the wall clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
    parts = [int(p) for p in (book.config.date or "2000").split("-")]
    parts += [1] * (3 - len(parts))
    return datetime.datetime(parts[0], parts[1], parts[2], tzinfo=datetime.timezone.utc)


def semantics(chapter: Chapter) -> tuple[str, str]:
    """(epub:type, role) for a chapter's section: a body chapter is a chapter; front and back
    matter says what it is when a word of its id or classes does (preface, dedication, ...),
    and is otherwise a plain section of its part of the book (a frontispiece, a half title, a
    map is no chapter): ("", "")."""
    if chapter.role == "bodymatter":
        return "chapter", "doc-chapter"
    for word in [*chapter.classes, *re.split(r"[-_]", chapter.id)]:
        if word.lower() in SECTION_SEMANTICS:
            return SECTION_SEMANTICS[word.lower()]
    return "", ""


def split_title(title_html: str) -> tuple[str, str]:
    """'Book I: Clio' -> ('Book I', 'Clio'): a label line and a name line for openers."""
    match = _LABELLED_HTML.match(title_html)
    if not match:
        return "", title_html
    return match[1], title_html[match.end():]


def note_group_title(chapter: Chapter, words: dict[str, str]) -> str:
    """'Chapter 3: Title' for numbered chapters, unless the title carries its own label."""
    if chapter.number is None or _LABELLED_TITLE.match(chapter.title_text):
        return chapter.title_text
    return f"{numbered(words['chapter'], chapter.number)}: {chapter.title_text}"


def metadata(book: Book) -> dict[str, Any]:
    config = book.config
    when = build_time(book)
    return {
        "title": config.title,
        "subtitle": config.subtitle,
        "authors": list(config.author),
        "author_line": _join_names(config.author),
        "translators": _join_names(config.translator),
        "editors": _join_names(config.editor),
        "illustrators": _join_names(config.illustrator),
        "publisher": config.publisher,
        "date": config.date,
        "year": config.date[:4],
        "rights": config.rights,
        "identifier": config.identifier,
        "isbn": book_isbn(config.identifier),  # printed on the copyright page; an internal identifier (urn:uuid) is not
        "edition": config.edition,
        "description": config.description,
        "subjects": list(config.subject),
        "keywords": ", ".join([*config.subject, *config.keywords]),
        "lang": config.lang,
        "dir": config.direction,
        # the colophon names the faces the print edition is set in (language/fonts.py), in the book's language
        "colophon": config.words["set_in"].replace("{}", ", ".join(book.fonts.families if book.fonts else ["Gentium Book Plus"])),
        "modified": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        # PDF dates say when the file was made: only from SOURCE_DATE_EPOCH, never guessed
        "pdf_date": when.strftime("%Y-%m-%dT%H:%M:%SZ") if os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit() else "",
    }


def _join_names(names: tuple[str, ...]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def chapter_entry(chapter: Chapter, renderer: Renderer, body: bool = True) -> dict[str, Any]:
    """One chapter for a template: ids, titles (split for openers), body HTML, notes."""
    title_html = renderer.chapter_title(chapter)
    label, name = split_title(title_html)
    epub_type, role = semantics(chapter)
    return {
        "id": chapter.id,
        "slug": chapter.slug,
        "role": chapter.role,
        "number": chapter.number,
        "classes": " ".join(chapter.classes),
        "title_html": title_html,
        "toc_html": renderer.chapter_title(chapter, with_notes=False),
        "title_text": chapter.title_text,
        "label": label,
        "name_html": name,
        "subtitle": chapter.subtitle,
        "byline": chapter.byline,
        "epub_type": epub_type,
        "aria_role": role,
        "body": renderer.chapter_body(chapter) if body else "",
        "headings": [
            {"level": h.level, "id": h.id, "text": h.text, "html": renderer.plain_inlines(h.inlines)} for h in chapter.headings
        ],
    }


def note_entries(chapter: Chapter, renderer: Renderer, backlink: str = "", lead: str = "") -> list[dict[str, Any]]:
    """A chapter's notes for a template. `backlink` (end of the note) and `lead` (its start)
    are format strings with {href} (the call), {id} (the note) and {number}."""
    entries = []
    for note in chapter.notes:
        href = renderer.links.href(note.ref_id)
        values = {"href": esc(href), "id": esc(note.id), "number": note.number}
        entries.append({
            "number": note.number,
            "id": note.id,
            "ref_href": href,
            "html": renderer.note_body(chapter, note, backlink.format(**values) if backlink else "",
                                       lead.format(**values) if lead else ""),
        })
    return entries


# a full stop that ends no sentence: after an initial (C. A. Lindbergh) or a common abbreviation
_ABBREVIATIONS = frozenset("mr mrs ms dr st mt ft no nos vol vols fig figs pl ch chap ed eds p pp ca cf vs etc jr sr gen col lt capt rev".split())
_SENTENCE_END = re.compile(r"([.!?])[\u201d\u2019\"')\]]*\s+(?=[\u201c\u2018\"'(\[]?[A-Z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff])")


def first_sentence(caption: str) -> str:
    """A caption's first sentence, for its entry in a list of illustrations ("Charles Lindbergh
    at San Diego. He flew ..." -> "Charles Lindbergh at San Diego"), without its full stop;
    the caption itself when it is one sentence."""
    for match in _SENTENCE_END.finditer(caption):
        word = re.split(r"[\s(\[\u201c\u2018\"']", caption[:match.start()])[-1]
        if match[1] == "." and (len(word) == 1 or word.lower() in _ABBREVIATIONS):
            continue
        caption = caption[:match.end()].rstrip()  # with a closing quotation mark or bracket
        break
    return caption[:-1] if caption.endswith(".") and not caption.endswith("..") else caption


def illustration_lists(book: Book, href: Any, words: dict[str, str]) -> dict[str, list[dict[str, str]]]:
    """Figures and captioned tables for lists of illustrations/tables: href, label and caption text."""
    def entry(item: Any, word: str, caption: str) -> dict[str, str]:
        label = numbered(word, item.label) if item.label else ""
        return {"id": item.id, "href": href(item.id), "label": label, "caption": caption,
                "text": f"{label}. {caption}" if label and caption else (label or caption)}

    return {
        "figures": [entry(f, words["figure"], f.short_caption or first_sentence(stringify(f.caption).strip())) for f in book.figures],
        "tables": [entry(t, words["table"], t.text) for c in book.chapters for t in c.tables],
    }
