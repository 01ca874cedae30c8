"""The links of the book -> each resolved in place, or reported at its line.

In: a chapter's Link nodes (after ids are made), the book, and `link_places` (every
heading's text and every chapter file -> an id). Out: targets rewritten to ids (a heading
named by its text through booklinks.py's placeholders, another chapter's file, or its page on
the book's web site: `/ch2#setup`, `ch2.html`, for the chapter file `ch2.md`; an id), a
link that cannot work kept as its text with a warning, a link to a missing id an error;
each occurrence reported at its own line.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from folio.errors import Reporter
from folio.model import Book, Chapter
from folio.source.booklinks import heading_key, heading_key_of_target
from folio.source.pandoc_ast import stringify
from folio.source.sanitize import EXTERNAL_SCHEMES


URL_SAFE = ":/?#[]@!$&'()*+,;=%~"  # what stays as written when a relative link is made a full URL


def link_places(book: Book) -> dict[str, dict[str, str]]:
    """Where a link may point inside the book: each heading's text (as a label key, the first
    heading of that text in the book) and each chapter's file -> an id."""
    headings: dict[str, str] = {}
    for chapter in book.chapters:
        headings.setdefault(heading_key(chapter.title_text), chapter.id)
        for heading in chapter.headings:
            headings.setdefault(heading_key(heading.text), heading.id)
    files = {chapter.source: chapter.id for chapter in book.chapters if not chapter.generated}
    stems: dict[str, list[str]] = {}
    for source in files:
        stems.setdefault(posixpath.splitext(posixpath.basename(source))[0], []).append(source)
    # a web site's address of a chapter page (/ch2, /ch2/, ch2.html), when one chapter file has that name
    pages = {stem: sources[0] for stem, sources in stems.items() if len(sources) == 1}
    return {"headings": headings, "files": files, "pages": pages}


def _as_text(node: dict[str, Any]) -> None:
    """A link kept as its text (a Span with the link's attributes), in place."""
    node["t"], node["c"] = "Span", [node["c"][0], node["c"][1]]


def check_links(chapter: Chapter, links: list[dict[str, Any]], book: Book, places: dict[str, dict[str, str]], report: Reporter) -> None:
    """Every link: to an id of the book, a heading by its text (booklinks.py), another chapter's
    file (`02-basics.md`, `02-basics.md#setup`), or an outside URL. A link to an id that does
    not exist is an error; an empty link, or one to a file that is not a chapter, is kept as
    its text with a warning. Every occurrence is reported, each at its line."""
    seen: dict[str, int] = {}

    def line_of(*needles: str) -> int | None:
        """The line of this occurrence of the first needle that has one: the second link to the
        same place is reported at the second place the needle stands."""
        for needle in needles:
            seen[needle] = seen.get(needle, 0) + 1
            lines = chapter.lines_of(needle, seen[needle])
            if len(lines) == seen[needle]:
                return lines[-1]
        return chapter.line_of(needles[-1]) if needles else None

    for node in links:
        target = node["c"][2]
        url = target[0]
        heading = heading_key_of_target(url)
        if heading is not None:
            if heading in places["headings"]:
                target[0] = "#" + places["headings"][heading]
            else:  # a label that matched only a line of code: pandoc leaves it as it is written
                node["t"], node["c"] = "Span", [["", [], []], [{"t": "Str", "c": "["}, *node["c"][1], {"t": "Str", "c": "]"}]]
            continue
        if url.startswith("#"):
            if unquote(url[1:]) not in book.id_chapter:
                line = chapter.line_of(f"({url})", None) or chapter.line_of(f"({url} ")
                report.error(chapter.source, line, f"link to '{url}': no such id in the book", code="link-broken")
            continue
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme in EXTERNAL_SCHEMES:
            continue
        if scheme:
            report.warn("raw-html-removed", chapter.source, chapter.line_of(url[:30]), f"removed a {scheme}: link")
            _as_text(node)
            continue
        if not url:
            report.warn("link-empty", chapter.source, line_of("]()"), f"the link '{stringify(node['c'][1])[:40]}' has no "
                        "target: it is kept as text")
            _as_text(node)
            continue
        line = line_of(f"]({url}", f"]({unquote(url)}", f"<{url}>", f"[{stringify(node['c'][1])}]", url, unquote(url))
        file = posixpath.normpath(posixpath.join(posixpath.dirname(chapter.source), unquote(parts.path))) if parts.path else chapter.source
        page = re.sub(r"\.html?$", "", unquote(parts.path).strip("/").rsplit("/", 1)[-1])
        if file not in places["files"] and page in places["pages"] and not parts.netloc:
            file = places["pages"][page]  # /ch2#setup written for the book's web site: the chapter whose file is ch2.md
        if file in places["files"]:
            fragment = unquote(parts.fragment)
            if fragment and fragment not in book.id_chapter:
                report.error(chapter.source, line, f"link to '{url}': {file} has no id '{fragment}'", code="link-broken")
                continue
            target[0] = "#" + (fragment or places["files"][file])
            continue
        if book.config.base_url:  # a link relative to the book's web site
            target[0] = quote(urljoin(book.config.base_url, url), safe=URL_SAFE)
            continue
        report.warn("link-not-in-book", chapter.source, line, f"link to '{url}' is not a chapter of the book or a URL: it is "
                    "kept as text (link to another chapter's file, to an id as #id, or to a full URL; or set base-url: in "
                    "book.yaml to the book's web site to link it there)")
        _as_text(node)
