"""Cross-references and figure, table and equation numbers: `@fig:id`, `@tbl:id`, `@eq:id`, `@sec:id`, `@ch:id`, `@page:id`.

In: the chapters' pandoc ASTs straight from the reader (pandoc reads `@fig:map`
as a citation). `extract` runs before citeproc and turns every citation whose
keys all carry a cross-reference prefix into a Span of class ``xref`` (so
citeproc never sees them). After the Book is assembled, `number` gives figures
and tables their labels (book.yaml `numbering`), and equations with an id theirs (always:
an id asks for a number), and `resolve` checks every
reference's target and writes the text it shows into the Span. Out: the
Spans, each with ``data-target`` (the id), ``data-kind`` and ``data-label`` ("Figure 2.3",
"Chapter 4", a section's title). The renderer turns the Span into a link; a
`page` reference prints "page 42" in the PDF (CSS target-counter) and is a
plain link in the EPUB.

A target id may be written with or without its prefix: `@fig:map` finds the
figure `{#fig:map}` or `{#map}`.
"""

from __future__ import annotations

from typing import Any

from folio.errors import Reporter
from folio.language import quotes_for
from folio.language.words import numbered
from folio.model import Book, Chapter, NumberedEquation, TableInfo
from folio.source.pandoc_ast import iter_inlines, stringify

KINDS = ("fig", "tbl", "eq", "sec", "ch", "page")
XREF_CLASS = "xref"


def _kind(key: str) -> str | None:
    prefix = key.split(":", 1)[0]
    return prefix if ":" in key and prefix in KINDS else None


def extract(asts: list[dict[str, Any]], texts: list[str]) -> list[tuple[int, dict[str, Any]]]:
    """Replace cross-reference citations by xref Spans in place; return (chapter index, span).

    Only chapters whose Markdown holds "@fig:", "@tbl:", ... are walked."""
    found: list[tuple[int, dict[str, Any]]] = []
    for index, (ast, text) in enumerate(zip(asts, texts)):
        if not any(f"@{kind}:" in text for kind in KINDS):
            continue
        for node in iter_inlines(ast["blocks"]):
            if node["t"] != "Cite":
                continue
            citations, written = node["c"]
            kinds = [_kind(c["citationId"]) for c in citations]
            if not any(kinds):
                continue
            keys = [c["citationId"] for c in citations]
            inlines: list[dict[str, Any]] = []
            for citation in citations:
                if inlines:
                    inlines.append({"t": "Str", "c": ", "})
                prefix = citation["citationPrefix"]
                inlines += prefix + ([{"t": "Space"}] if prefix else [])
                inlines.append({"t": "Span", "c": [["", [XREF_CLASS], [["data-ref", citation["citationId"]]]], []]})
                suffix = citation["citationSuffix"]
                inlines += suffix
            mixed = not all(kinds)
            node["t"] = "Span"
            node["c"] = [["", ["xrefs"], [["data-mixed", " ".join(keys)]] if mixed else []], inlines]
            found.append((index, node))
    return found


def number(book: Book) -> None:
    """Label figures and tables: per chapter (2.3), per book (7) or not at all (book.yaml numbering).
    Equations with an id are numbered per chapter when figures are, else through the book."""
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    in_book = {"fig": 0, "tbl": 0, "eq": 0}
    for chapter in book.chapters:
        prefix = str(chapter.number) if chapter.number is not None else None
        counted = {"fig": 0, "tbl": 0, "eq": 0}
        items: tuple[tuple[str, list[Any]], ...] = (("fig", chapter.figures), ("tbl", chapter.tables), ("eq", chapter.equations))
        for kind, listed in items:
            mode = "book" if kind == "eq" and book.config.numbering == "none" else book.config.numbering
            for item in listed:
                counted[kind] += 1
                in_book[kind] += 1
                if mode == "book":
                    item.label = str(in_book[kind])
                elif mode == "chapter":
                    if prefix is None:
                        prefix = next(letters, "Z")
                    item.label = f"{prefix}.{counted[kind]}"
            if kind == "eq":
                for item in listed:
                    item.node["c"][0][2] = [["data-number", item.label]]


def resolve(book: Book, found: list[tuple[int, dict[str, Any]]], report: Reporter, words: dict[str, str]) -> None:
    """Check every reference's target; write the label it shows into its Span."""
    figures = {f.id: f for f in book.figures}
    tables = {t.id: t for c in book.chapters for t in c.tables}
    equations = {e.id: e for c in book.chapters for e in c.equations}
    headings = {h.id: (c, h) for c in book.chapters for h in c.headings}
    chapters = {c.id: c for c in book.chapters}
    for chapter_index, node in found:
        chapter = book.chapters[chapter_index]
        keyvals = dict(node["c"][0][2])
        if "data-mixed" in keyvals:
            keys = keyvals["data-mixed"]
            report.error(chapter.source, chapter.line_of("@" + keys.split()[0]),
                         f"'{keys}' mixes cross-references and citations: write them in separate brackets", code="xref-unknown")
            continue
        for span in (n for n in iter_inlines(node["c"][1]) if n["t"] == "Span" and XREF_CLASS in n["c"][0][1]):
            key = dict(span["c"][0][2])["data-ref"]
            kind, name = key.split(":", 1)
            line = chapter.line_of("@" + key)
            target, label = _target(kind, name, figures, tables, equations, headings, chapters, book, words)
            if target is None:
                what = {"fig": "figure", "tbl": "table", "eq": "equation", "sec": "section", "ch": "chapter", "page": "id"}[kind]
                report.error(chapter.source, line, f"cross-reference '@{key}': no {what} with id '{name}' or '{key}'", code="xref-unknown")
                continue
            if not label:
                report.error(chapter.source, line,
                             f"cross-reference '@{key}': figures and tables have no numbers: add 'numbering: chapter' (or book) to book.yaml",
                             code="xref-unknown")
                continue
            span["c"][0][2] = [["data-target", target], ["data-kind", kind], ["data-label", label]]


def _target(kind: str, name: str, figures: dict[str, Any], tables: dict[str, TableInfo], equations: dict[str, NumberedEquation],
            headings: dict[str, tuple[Chapter, Any]], chapters: dict[str, Chapter], book: Book,
            words: dict[str, str]) -> tuple[str | None, str]:
    for ident in (f"{kind}:{name}", name):
        if kind == "fig" and ident in figures:
            label = figures[ident].label
            return ident, numbered(words['figure'], label) if label else ""
        if kind == "tbl" and ident in tables:
            label = tables[ident].label
            return ident, numbered(words['table'], label) if label else ""
        if kind == "eq" and ident in equations:
            return ident, numbered(words['equation'], f"({equations[ident].label})")
        if kind in ("sec", "ch") and ident in chapters:
            chapter = chapters[ident]
            return ident, numbered(words['chapter'], chapter.number) if chapter.number is not None else chapter.title_text
        if kind == "sec" and ident in headings:
            opening, closing = quotes_for(book.config.lang)[:2]
            return ident, f"{opening}{headings[ident][1].text}{closing}"
        if kind == "page" and ident in book.id_chapter:
            return ident, _describe(ident, figures, tables, equations, headings, chapters, words)
    return None, ""


def _describe(ident: str, figures: dict[str, Any], tables: dict[str, TableInfo], equations: dict[str, NumberedEquation],
              headings: dict[str, tuple[Chapter, Any]], chapters: dict[str, Chapter], words: dict[str, str]) -> str:
    """What a page reference's link says where there are no pages (the EPUB without a PDF)."""
    if ident in figures and figures[ident].label:
        return numbered(words['figure'], figures[ident].label)
    if ident in tables and tables[ident].label:
        return numbered(words['table'], tables[ident].label)
    if ident in equations:
        return numbered(words['equation'], f"({equations[ident].label})")
    if ident in headings:
        return headings[ident][1].text
    if ident in chapters:
        return chapters[ident].title_text
    return words["this_place"]


def collect_tables(chapter: Chapter, tables: list[dict[str, Any]], taken: set[str], book: Book) -> None:
    """Every table with a caption is listed (and numbered when numbering is on); one without an id gets one."""
    for node in tables:
        attr, caption = node["c"][0], node["c"][1]
        if not caption[1]:
            continue
        if not attr[0]:
            base = f"table-{sum(len(c.tables) for c in book.chapters) + 1}"
            attr[0] = base
            n = 0
            while attr[0] in taken:
                n += 1
                attr[0] = f"{base}-{n}"
            taken.add(attr[0])
            book.id_chapter[attr[0]] = chapter.index
            chapter.ids.add(attr[0])
        inlines = [i for b in caption[1] for i in b["c"]] if caption[1] else []
        chapter.tables.append(TableInfo(attr[0], inlines, stringify(inlines).strip(), node))
