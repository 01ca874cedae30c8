"""Manuscript lint and statistics: the Book -> findings and numbers, without writing anything.

In: a book folder. Out: `lint` gives every diagnostic of reading the book (the
errors a build would stop on and its warnings, each with a stable code) plus
what only an editor would flag: images without alt text, straight quotes and
double spaces where typography expects otherwise, very long paragraphs, notes
too long for an e-reader's popup. `stats` gives words, characters, notes,
figures and citations per chapter and in total, with estimated pages and
reading time.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

from folio.errors import Diagnostic, FolioError, Reporter
from folio.model import Book, Chapter
from folio.pdf.profiles import WORDS_PER_PAGE
from folio.source.pandoc_ast import iter_inlines, stringify

LONG_PARAGRAPH_WORDS = 400
LONG_NOTE_WORDS = 350
WORDS_PER_MINUTE = 250
_DOUBLE_SPACE = re.compile(r"(?<=\S)  +(?=\S)")
_FENCE = re.compile(r"^(```|~~~)")
_MARKER = re.compile(r"[-*+:>]|#+|\d+[.)]|[a-zA-Z][.)]|[ivxlcdm]+[.)]|\(\w+\)")
_NOT_PROSE = re.compile(r"\$\$.*?\$\$|(?<![\\$])\$[^$\s][^$]*?\$|`+[^`]*`+")  # math and code spans: their spaces are not the text's
_COLUMNS = re.compile(r"^\s*-{2,}(\s+-{2,})+\s*$")  # a simple or multiline table's dashed line under its header
_RULE = re.compile(r"^\s*-{3,}\s*$")  # a line of dashes: a multiline table's first and last line (or a rule)


def line_of_words(chapter: Chapter, words: list[str]) -> int | None:
    """The source line where a run of words starts (Markdown marks and line breaks may sit between them)."""
    plain = [re.sub(r"\W", "", w) for w in words[:6]]
    plain = [w for w in plain if w]
    for length in (4, 3, 2, 1):
        if len(plain) < length:
            continue
        pattern = r"\W+".join(re.escape(w) for w in plain[:length])
        match = re.search(pattern, chapter.text)
        if match:
            return chapter.text.count("\n", 0, match.start()) + 1
    return None


def lint(root: Path) -> tuple[Book | None, list[Diagnostic]]:
    """Read the book and check the manuscript; errors do not stop the other checks."""
    from folio.config import load_config
    from folio.source.read import read_chapters
    from folio.source.transform import build_book

    report = Reporter()
    try:
        config = load_config(root)
        report.ignore = config.lint_ignore
        # the chapters a build has read are in its cache (dist/.folio-cache/ast): read only what changed
        cache = config.root / "dist" / ".folio-cache" / "ast"
        chapters, found = read_chapters(config, cache if cache.is_dir() else None)
    except FolioError as exc:
        return None, _sorted(exc.diagnostics)
    report.extend(found)
    book = build_book(config, chapters, report)  # errors are collected, not raised: the lint goes on
    for chapter in book.text_chapters:
        _lint_chapter(chapter, report)
    return (None if report.errors else book), _sorted(report.items)


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.path, d.line or 0, d.column or 0, d.message))


def _lint_chapter(chapter: Chapter, report: Reporter) -> None:
    figure_images: set[int] = set()
    inside_images: set[int] = set()  # alt text: spoken, not printed, and pandoc does not make its quotes curly
    for node in iter_inlines(chapter.blocks):
        if node["t"] == "Figure":
            figure_images.update(id(n) for n in iter_inlines(node["c"][2]) if n["t"] == "Image")
        elif node["t"] == "Image":
            inside_images.update(id(n) for n in iter_inlines(node["c"][1]))
    for node in iter_inlines(chapter.blocks):
        kind = node["t"]
        if (kind == "Image" and id(node) not in figure_images and not stringify(node["c"][1]).strip()
                and not dict(node["c"][0][2]).get("alt", "").strip()):  # alt= says it as well as the description
            report.warn("image-no-alt", chapter.source, chapter.line_of(node["c"][2][0] or "!["), "image without alt text")
        elif kind == "Str" and ('"' in node["c"] or "'" in node["c"]) and id(node) not in inside_images:
            line = chapter.line_of(node["c"], None) or chapter.line_of(node["c"].replace('"', '\\"').replace("'", "\\'"))
            report.warn("typography-straight-quote", chapter.source, line, f"straight quote in '{node['c']}'")
        elif kind == "Para":
            words = len(stringify(node["c"]).split())
            if words > LONG_PARAGRAPH_WORDS:
                report.warn("paragraph-long", chapter.source, line_of_words(chapter, stringify(node["c"]).split()),
                            f"a paragraph of {words} words")
    for note in chapter.notes:
        words = len(stringify(note.blocks).split())
        if words > LONG_NOTE_WORDS:
            report.warn("note-long", chapter.source, line_of_words(chapter, stringify(note.blocks).split()),
                        f"note {note.number} has {words} words: too long for an e-reader's popup")
    for number, line in _prose_lines(chapter.text):
        line = _NOT_PROSE.sub(lambda m: "x" * len(m[0]), line)
        for match in _DOUBLE_SPACE.finditer(line.rstrip()):
            if _MARKER.fullmatch(line[: match.start()].strip()):
                continue  # after a list, definition, quote or heading marker
            report.warn("typography-double-space", chapter.source, number, "two or more spaces between words", column=match.start() + 1)


def _prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """(number, line) of the lines that are prose: not code (fenced or indented), not a pipe,
    grid, simple or multiline table, whose columns are aligned with runs of spaces."""
    lines = text.splitlines()
    in_code = in_table = in_multiline = False
    for number, line in enumerate(lines, 1):
        if _FENCE.match(line.lstrip()):
            in_code = not in_code
        before = lines[number - 2] if number > 1 else ""
        after = lines[number] if number < len(lines) else ""
        if _RULE.match(line) and not before.strip() and after.strip():  # a dashed line opening a block: a multiline table
            in_multiline = True
        elif _RULE.match(line) and in_multiline and not after.strip():
            in_multiline = False
            continue
        if not line.strip():
            in_table = False
        elif not in_table and _COLUMNS.match(line):
            in_table = True
        if in_code or in_table or in_multiline or line.startswith(("    ", "\t", "|", "+")):
            continue
        block_end = next((n for n in range(number, len(lines)) if not lines[n].strip()), len(lines))
        if any(_COLUMNS.match(following) for following in lines[number:block_end]):
            continue  # a simple table's header row, above its dashed line
        yield number, line


@dataclass
class ChapterStats:
    file: str
    title: str
    words: int
    words_text: int
    words_notes: int
    characters: int
    notes: int
    figures: int
    citations: int
    pages: float
    minutes: float


_CJK = re.compile(r"[\u2e80-\u2fff\u3040-\u30ff\u3100-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]")  # Han, kana, hangul
CJK_PER_PAGE = 700  # characters of Chinese or Japanese on a 6 x 9 in page
CJK_PER_MINUTE = 400


def _measure(text: str) -> tuple[int, float, float]:
    """(words, pages, minutes): a CJK character counts as a word (they are not separated by
    spaces), and pages and reading time are estimated from characters for CJK text."""
    cjk = len(_CJK.findall(text))
    words = sum(any(ch.isalnum() for ch in word) for word in _CJK.sub(" ", text).split()) if cjk else len(text.split())
    return words + cjk, words / WORDS_PER_PAGE + cjk / CJK_PER_PAGE, words / WORDS_PER_MINUTE + cjk / CJK_PER_MINUTE


def stats(book: Book) -> list[ChapterStats]:
    """Per chapter (generated sections left out), then a 'total' row."""
    rows = []
    measured = []
    for chapter in book.text_chapters:
        text = stringify(chapter.title) + " " + stringify(chapter.blocks)
        notes = " ".join(stringify(n.blocks) for n in chapter.notes)
        (words_text, pages_text, minutes_text), (words_notes, pages_notes, minutes_notes) = _measure(text), _measure(notes)
        citations = sum(len(n["c"][0]) for n in iter_inlines(chapter.blocks + [b for n in chapter.notes for b in n.blocks])
                        if n["t"] == "Cite")
        words = words_text + words_notes
        measured.append((pages_text + pages_notes, minutes_text + minutes_notes))
        rows.append(ChapterStats(chapter.source, chapter.title_text, words, words_text, words_notes,
                                 len(" ".join(text.split())) + len(" ".join(notes.split())), len(chapter.notes),
                                 len(chapter.figures), citations, round(measured[-1][0], 1), round(measured[-1][1], 1)))
    total = ChapterStats("total", book.config.title, *[sum(getattr(r, f) for r in rows) for f in
                                                          ("words", "words_text", "words_notes", "characters", "notes", "figures", "citations")],
                         0.0, 0.0)
    total.pages = round(sum(p for p, _ in measured) + total.figures * 0.5, 1)
    total.minutes = round(sum(m for _, m in measured), 1)
    return [*rows, total]


def as_json(rows: list[ChapterStats] | list[Diagnostic]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]
