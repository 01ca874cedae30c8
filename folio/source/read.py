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
import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from folio.config import ChapterEntry, Config
from folio.errors import Diagnostic, FolioError
from folio.model import Chapter
from folio.paths import write_bytes_atomic
from folio.sealed import seal, unseal
from folio.source.pandoc_ast import share_spaces

# Pandoc's Markdown with folio's one change: folio makes heading ids itself, so it
# knows which ids the author wrote (duplicates of those are errors).
READER_FORMAT = "markdown-auto_identifiers"
PANDOC_TIMEOUT = 300  # seconds for one chapter
_WARNING_LINE_RE = re.compile(r"line (\d+) column (\d+)")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@lru_cache(maxsize=1)
def pandoc_binary() -> str:
    """The pandoc the `pypandoc-binary` wheel ships (the version folio pins)."""
    from pypandoc import get_pandoc_path

    return get_pandoc_path()


@lru_cache(maxsize=1)
def pandoc_version() -> str:
    out = subprocess.run([pandoc_binary(), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split("\n", 1)[0].split()[-1]


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
    try:
        proc = subprocess.run(
            [pandoc_binary(), "--sandbox", "-f", READER_FORMAT, "-t", "json"],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=PANDOC_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise FolioError(Diagnostic(source, None, f"pandoc took more than {PANDOC_TIMEOUT} s to read this chapter")) from None
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise FolioError(Diagnostic(source, None, f"pandoc could not read this chapter: {stderr.strip()}"))
    return json.loads(proc.stdout), _pandoc_warnings(stderr, source)


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
        for part in (pandoc_version(), READER_FORMAT, text):
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


def read_chapter(index: int, entry: ChapterEntry, cache: AstCache) -> tuple[Chapter, dict[str, Any], list[Diagnostic]]:
    """One chapter: decode, parse (or take from the cache), wrap as a Chapter."""
    text = decode_source(entry.path.read_bytes(), entry.file)
    key = cache.key(text)
    cached = cache.get(key)
    if cached is None:
        ast, diagnostics = parse_markdown(text, entry.file)
        diagnostics = [Diagnostic(entry.file, d.line, d.message, d.severity, d.code, d.column) for d in diagnostics]
        cache.put(key, ast, diagnostics)
    else:
        ast, diagnostics = cached
    share_spaces(ast["blocks"])
    chapter = Chapter(index=index, role=entry.role, source=entry.file, text=text)
    return chapter, ast, diagnostics


def read_chapters(config: Config, cache_folder: Path | None, workers: int | None = None,
                  on_chapter: Callable[[int], None] | None = None) -> tuple[list[tuple[Chapter, dict[str, Any]]], list[Diagnostic]]:
    """Read every chapter of the book, in parallel; report all failures together."""
    cache = AstCache(cache_folder)
    workers = workers or min(len(config.chapters), os.cpu_count() or 1) or 1
    results: list[tuple[Chapter, dict[str, Any]]] = []
    diagnostics: list[Diagnostic] = []
    failures: list[Diagnostic] = []

    def one(item: tuple[int, ChapterEntry]):
        try:
            return read_chapter(item[0], item[1], cache)
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
