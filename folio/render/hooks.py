"""The markup folio's Python reads back from the rendered templates: the hooks a theme keeps.

In: a template's name, what it rendered, and the context it was rendered with. Out:
each hook's pattern, for the code that finds parts, chapter heads and notes in the
rendered HTML (pdf/parts.py, weasy/flow.py, weasy/boxes.py, epub/writer.py), and
`check`, which refuses a book's own template that dropped a hook the build needs, with
the template's path and the hook's name: without it, parts layout, the notes flow or
the print page-list would silently go wrong. docs/templates.md lists the hooks; a
test overrides every template and checks both ways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Any, Callable

from folio.errors import Diagnostic, FolioError


@dataclass(frozen=True)
class Hook:
    name: str
    template: str  # the template that must write it
    markup: str  # what to keep, as shown in docs/templates.md
    used_by: str
    pattern: Callable[[str], str]  # the regular expression for one id ("" where it has none)


_ANY_ID = '[^"]+'
# the literal pieces of the hooks that code searches for as they are
NOTE_OPEN = '<li class="note"'  # print/book.html: a note of the notes flow
NOTE_GROUP_OPEN = '<section class="note-group">'  # print/book.html: one chapter's notes in the notes part
EPUB_HEAD_END = "</header>"  # epub/chapter.xhtml: the end of the chapter's head
EPUB_NOTES_OPEN, EPUB_NOTES_END = '<ol class="notes"', "</ol>"  # epub/notes.xhtml: the list of notes


def _id(ident: str) -> str:
    return re.escape(escape(ident)) if ident else _ANY_ID


def _section(ident: str) -> str:
    return rf'<section class="chapter[ "][^>]*\bid="{_id(ident)}"'


HOOKS: dict[str, Hook] = {hook.name: hook for hook in (
    Hook("chapter-section", "print/book.html", '<section class="chapter ROLE ..." id="CHAPTER-ID">',
         "parts layout, running heads, the print page-list, folio proof", _section),
    Hook("chapter-head", "print/book.html", '<header class="chapter-head">...</header>',
         "running heads of a part (its furniture), the print page-list (its text is not counted)",
         lambda _: r'<header class="chapter-head">.*?</header>'),
    Hook("endnotes", "print/book.html", '<section class="endnotes" id="folio-notes">',
         "the notes part, its running heads and the print page-list", lambda _: r'<section class="endnotes"[^>]*>'),
    Hook("note-group", "print/book.html", '<section class="note-group">',
         "the notes flow (a resumed layout empties the groups before the edit)", lambda _: re.escape(NOTE_GROUP_OPEN)),
    Hook("notes-list", "print/book.html", '<ol class="notes" data-chapter="CHAPTER-ID">',
         "the print page-list of the notes", lambda ident: rf'<ol class="notes" data-chapter="{_id(ident)}"'),
    Hook("note", "print/book.html", '<li class="note">',
         "the notes flow (which note an edit is in)", lambda _: re.escape(NOTE_OPEN)),
    Hook("epub-chapter-section", "epub/chapter.xhtml", '<section id="CHAPTER-ID" ...>',
         "the EPUB's page-list (a page starting with the chapter)", lambda ident: rf'<section id="{_id(ident)}"'),
    Hook("epub-chapter-head", "epub/chapter.xhtml", "</header> (closing the chapter's head)",
         "the EPUB's page-list (counting starts after the head)", lambda _: re.escape(EPUB_HEAD_END)),
    Hook("epub-notes-list", "epub/notes.xhtml", '<ol class="notes" ...>...</ol>',
         "the EPUB's page-list in the notes", lambda _: re.escape(EPUB_NOTES_OPEN) + "[^>]*>.*" + re.escape(EPUB_NOTES_END)),
)}


def pattern(name: str, ident: str = "") -> re.Pattern[str]:
    return re.compile(HOOKS[name].pattern(ident), re.S)


def find(name: str, html: str, ident: str = "") -> re.Match[str] | None:
    return pattern(name, ident).search(html)


def start_tag(html: str, *names: str) -> str | None:
    """The whole start tag where the first of the hooks `names` found begins (to its '>')."""
    for name in names:
        found = find(name, html)
        if found:
            return html[found.start():html.index(">", found.start()) + 1]
    return None


def _print_wanted(context: dict[str, Any]) -> list[tuple[str, str]]:
    """The hooks a rendering of print/book.html must hold: its chapters' sections and heads,
    and the notes' when it holds the notes."""
    part = context.get("part")
    front_ids = context.get("front_ids") or []
    wanted: list[tuple[str, str]] = []
    for chapter in [*context.get("chapters", []), *context.get("after_notes", [])]:
        if part is None or part == chapter["id"] or (part == "front" and chapter["id"] in front_ids):
            wanted += [("chapter-section", chapter["id"]), ("chapter-head", "")]
    if context.get("note_groups") and part in (None, "notes"):
        wanted += [("endnotes", ""), ("note-group", ""), ("note", "")]
        wanted += [("notes-list", group["chapter_id"]) for group in context["note_groups"]]
    return wanted


def _wanted(name: str, context: dict[str, Any]) -> list[tuple[str, str]]:
    if name == "print/book.html":
        return _print_wanted(context)
    if name == "epub/chapter.xhtml":
        return [("epub-chapter-section", context["chapter"]["id"]), ("epub-chapter-head", "")]
    if name == "epub/notes.xhtml":
        return [("epub-notes-list", "")]
    return []


def check(name: str, shown: str, html: str, context: dict[str, Any]) -> None:
    """Raise a FolioError at the book's template `shown` for every hook its rendering of
    `name` lacks (docs/templates.md)."""
    missing = [(hook, ident) for hook, ident in dict.fromkeys(_wanted(name, context)) if not find(hook, html, ident)]
    if missing:
        raise FolioError([Diagnostic(shown, None, f"the template leaves out the hook '{hook}': keep "
                                     f"{HOOKS[hook].markup.replace('CHAPTER-ID', ident or 'CHAPTER-ID')} "
                                     f"(folio's {HOOKS[hook].used_by} needs it; see docs/templates.md)")
                          for hook, ident in missing])
