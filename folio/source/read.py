"""Chapter Markdown -> pandoc JSON AST -> `Chapter` (one chapter at a time).

In: the `Config` (chapter files in reading order). Out: a list of `Chapter`s
whose blocks are pandoc's AST with the level-1 heading taken out as the title,
plus the diagnostics pandoc's reader raised, each at its file and line.

Each chapter is an independent unit: pandoc reads it in its own process (in
parallel threads, one pandoc per core), sandboxed so it opens no file and no
URL, and the AST is cached on disk by a hash of the pandoc version, the reader
options and the chapter's bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import orjson

from folio.config import ChapterEntry, Config
from folio.errors import Diagnostic, FolioError
from folio.model import Chapter
from folio.paths import write_bytes_atomic
from folio.sealed import seal, unseal
from folio.source.booklinks import appendices
from folio.source.examples import unlabelled
from folio.source.pandoc_ast import MAX_NESTING, TooDeep, first_word, share_spaces
from folio.source.pandoc_run import PandocLimit, pandoc_version, run_pandoc

# Pandoc's Markdown with folio's change: folio makes heading ids itself, so it knows which
# ids the author wrote; and, in a chapter with East Asian wide characters, a line break
# between two of them is no space (Chinese and Japanese are written without spaces, and
# wrapped anywhere in the source). That extension costs a seventh of pandoc's reading time,
# so it is asked for only where it can act.
READER_FORMAT = "markdown-auto_identifiers"
_EAST_ASIAN_RE = re.compile("[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7a3"
                            "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]")


def reader_format(text: str) -> str:
    return READER_FORMAT + ("+east_asian_line_breaks" if _EAST_ASIAN_RE.search(text) else "")
PANDOC_TIMEOUT = 60  # seconds for one chapter, and as many again for each MB of it (the large book's 1.7 MB read in 2 s)
_WARNING_LINE_RE = re.compile(r"line (\d+) column (\d+)")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode_source(data: bytes, source: str) -> str:
    """UTF-8 text with LF line ends, or a FolioError at the first bad byte or control character."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FolioError(Diagnostic(source, line, f"invalid UTF-8 (byte 0x{data[exc.start]:02x})", column=column)) from None
    if "\r" in text:  # Windows (CR LF) and old Mac (CR alone) line ends: pandoc reads a lone CR as no line end at all
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    match = _CONTROL_RE.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        raise FolioError(Diagnostic(source, line, f"control character U+{ord(match[0]):04X} in the text", column=column))
    return text.removeprefix("\ufeff")


def parse_markdown(text: str, source: str) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Run pandoc's Markdown reader (sandboxed) on one chapter's text."""
    deep = _DEEP_QUOTE_RE.search(text)
    if deep:  # pandoc's reading time grows with the square of the depth: 10,000 levels take it 20 s
        raise FolioError(Diagnostic(source, text.count("\n", 0, deep.start()) + 1, str(TooDeep(None))))
    data = text.encode("utf-8")
    try:
        proc = run_pandoc(["-f", reader_format(text), "-t", "json"], data, PANDOC_TIMEOUT * (1 + len(data) / 2**20))
    except PandocLimit as exc:
        line, depth = _deepest_brackets(text)
        cause = f" (brackets nested {depth} deep here: pandoc's work grows exponentially with them)" if depth > 6 else ""
        raise FolioError(Diagnostic(source, line if cause else None, f"reading this chapter: {exc}{cause}")) from None
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise FolioError(Diagnostic(source, None, f"pandoc could not read this chapter: {stderr.strip()}"))
    try:
        ast = orjson.loads(proc.stdout)  # pandoc's JSON is 10 times the text: orjson reads it in 2/3 of json's time
    except (RecursionError, orjson.JSONDecodeError):  # pandoc writes valid JSON: only its depth (over 1,024) stops orjson
        raise FolioError(Diagnostic(source, _line_of(text, _first_deep_word(proc.stdout)), str(TooDeep(None)))) from None
    return ast, _pandoc_warnings(stderr, source)


_STR_RE = re.compile(rb'"t":"Str","c":("(?:[^"\\]|\\.)*")')  # a word in pandoc's JSON
_DEEP_QUOTE_RE = re.compile(r"^(?:[ \t]*>){%d}" % (MAX_NESTING + 1), re.M)


def _deepest_brackets(text: str) -> tuple[int, int]:
    """The line where [ and ] nest deepest, and how deep (a slow scan, run only when pandoc failed)."""
    depth = deepest = 0
    line = where = 1
    for char in text:
        if char == "[":
            depth += 1
            if depth > deepest:
                deepest, where = depth, line
        elif char == "]":
            depth = max(0, depth - 1)
        elif char == "\n":
            line += 1
    return where, deepest


def _first_deep_word(data: bytes) -> str:
    """The first word of pandoc's JSON past MAX_NESTING levels of arrays and objects (a slow scan,
    run only when the JSON is too deep to read)."""
    depth, in_string, escaped = 0, False, False
    for position, byte in enumerate(data):
        if in_string:
            escaped, in_string = (False, True) if escaped else (byte == 0x5C, byte != 0x22)
        elif byte == 0x22:
            in_string = True
        elif byte in b"[{":
            depth += 1
            if depth > MAX_NESTING * 3 // 2:  # (at most: no element takes less than 1.5 levels of JSON a level)
                match = _STR_RE.search(data, position)
                return json.loads(match[1]) if match else ""
        elif byte in b"]}":
            depth -= 1
    return ""


def _line_of(text: str, word: str) -> int | None:
    position = text.find(word) if word else -1
    return text.count("\n", 0, position) + 1 if position >= 0 else None


def _pandoc_warnings(stderr: str, source: str) -> list[Diagnostic]:
    found = []
    for chunk in stderr.split("[WARNING]")[1:]:
        message = " ".join(chunk.split())
        position = _WARNING_LINE_RE.search(message)
        line = int(position[1]) if position else None
        code = "note-unused" if message.startswith("Note with key") else "pandoc-warning"
        if code == "note-unused":
            key = message.split("'")[1] if "'" in message else "?"
            message = f"footnote [^{key}] is defined but never called; its text is not printed"
        found.append(Diagnostic(source, line, message, severity="warning", code=code))
    return found


class AstCache:
    """Pandoc ASTs on disk, keyed by a hash of everything that shapes them."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    def key(self, text: str) -> str:
        digest = hashlib.sha256()
        for part in (pandoc_version(), reader_format(text), text):
            digest.update(part.encode("utf-8"))
            digest.update(b"\x00")
        return digest.hexdigest()

    def get(self, key: str) -> tuple[dict[str, Any], list[Diagnostic]] | None:
        if self.folder is None:
            return None
        path = self.folder / f"{key}.json"
        try:
            opened = unseal(path.read_bytes())  # a cache the book shipped, or one cut short, is not ours
            if opened is None:
                return None
            data = json.loads(opened)
            return data["ast"], [Diagnostic(**d) for d in data["diagnostics"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, ast: dict[str, Any], diagnostics: list[Diagnostic]) -> None:
        if self.folder is None:
            return
        payload = {"ast": ast, "diagnostics": [d.__dict__ for d in diagnostics]}
        write_bytes_atomic(self.folder / f"{key}.json", seal(json.dumps(payload).encode("utf-8")))


def read_chapter(index: int, entry: ChapterEntry, cache: AstCache, text: str | None = None,
                 appendix: str = "") -> tuple[Chapter, dict[str, Any], list[Diagnostic]]:
    """One chapter: decode (unless given its text), parse with `appendix` after it (the link
    definitions it takes from other chapters, booklinks.py) or take from the cache, wrap."""
    if text is None:
        text = decode_source(entry.path.read_bytes(), entry.file)
    source = unlabelled(text) + appendix  # examples.py: example labels are resolved across the book
    key = cache.key(source)
    cached = cache.get(key)
    if cached is None:
        ast, diagnostics = parse_markdown(source, entry.file)
        diagnostics = [Diagnostic(entry.file, d.line, d.message, d.severity, d.code, d.column) for d in diagnostics]
        cache.put(key, ast, diagnostics)
    else:
        ast, diagnostics = cached
    try:
        share_spaces(ast["blocks"])
    except TooDeep as exc:
        raise FolioError(Diagnostic(entry.file, _line_of(text, first_word(exc.node)), str(exc))) from None
    chapter = Chapter(index=index, role=entry.role, source=entry.file, text=text, chars=frozenset(text))
    return chapter, ast, diagnostics


def read_chapters(config: Config, cache_folder: Path | None, workers: int | None = None,
                  on_chapter: Callable[[int], None] | None = None) -> tuple[list[tuple[Chapter, dict[str, Any]]], list[Diagnostic]]:
    """Read every chapter of the book, in parallel; report all failures together."""
    cache = AstCache(cache_folder)
    workers = workers or min(len(config.chapters), os.cpu_count() or 1) or 1
    results: list[tuple[Chapter, dict[str, Any]]] = []
    diagnostics: list[Diagnostic] = []
    failures: list[Diagnostic] = []

    texts: list[str | None] = []
    for entry in config.chapters:  # every text first: each chapter takes link definitions from the others
        try:
            texts.append(decode_source(entry.path.read_bytes(), entry.file))
        except FolioError as exc:
            failures.extend(exc.diagnostics)
            texts.append(None)
    extra = appendices([text or "" for text in texts])

    def one(item: tuple[int, ChapterEntry]):
        if texts[item[0]] is None:  # reported above; the others are still read, for their errors
            return FolioError([])
        try:
            return read_chapter(item[0], item[1], cache, texts[item[0]], extra[item[0]])
        except FolioError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done, outcome in enumerate(pool.map(one, enumerate(config.chapters)), 1):
            if on_chapter:
                on_chapter(done)
            if isinstance(outcome, FolioError):
                failures.extend(outcome.diagnostics)
                continue
            chapter, ast, found = outcome
            results.append((chapter, ast))
            diagnostics.extend(found)
    if failures:
        raise FolioError(failures)
    return results, diagnostics
