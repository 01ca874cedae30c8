"""What crosses between the build process and a layout worker: plain data, and the cache of it.

In: nothing; these are the types. Out: `PartJob`, one part of the book (or the whole
book) to lay out: its HTML, its style sheets as text, the folders WeasyPrint may
read and how to draw it. `PartResult` is what the layout gives back: the PDF bytes,
the page count, where every id, bookmark and page's text starts, the fixes the layout
needed and WeasyPrint's warnings. `PartCache` keeps results on disk, written
atomically, for the build process and for a worker resuming the notes flow.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from folio.paths import atomic_write
from folio.sealed import digest, seal, unseal


@dataclass
class PartJob:
    key: str  # the cache key: a hash of everything below
    html: str
    css: list[str]  # style sheets as text, in cascade order
    base_url: str
    roots: list[str]  # folders WeasyPrint may read
    furniture: bool = True  # draw running heads and folios
    fix_footnotes: bool = False
    identifier: bytes = b""
    full_fonts: bool = False
    pdf_variant: str | None = None
    css_bases: list[str] = field(default_factory=list)  # the base URL of each style sheet (its folder)
    flow: bool = False  # one flow drawn in chunks, resumed after a small edit (flow.py): the notes
    previous: str | None = None  # flow: the cache key of the part's last layout, to resume from
    cache_folder: str | None = None  # flow: where that layout is (the part cache)
    # a whole document (profiles other than print, `worker.lay_out_document`):
    fixes: list[str] = field(default_factory=list)  # CSS fixes an earlier layout of it needed
    pages_range: tuple[int, int] | None = None  # a page count outside it: return undrawn, the CSS depends on it
    first_body_id: str | None = None  # /PageLabels: roman before this id's page, arabic from 1 on it
    page_labels: bool = False
    outline: bool = True  # keep the PDF outline (KDP wants none)
    links: bool = True  # keep link annotations (KDP wants none)
    facts: bool = False  # read the layout facts folio proof reports (weasy/boxes.py)
    hyphenation: dict[str, Any] = field(default_factory=dict)  # the book's hyphenation rules (weasy/words.py)
    floats: bool = True  # place figures (floats.py); a whole document's were placed chapter by chapter before


@dataclass
class PartResult:
    key: str
    pdf: bytes
    pages: int
    anchors: dict[str, tuple[int, float, float]] = field(default_factory=dict)  # id -> (page, x pt, y pt from the bottom)
    bookmarks: list[tuple[int, str, int, float]] = field(default_factory=list)  # (level, label, page, y pt)
    starts: list[tuple[str | None, int]] = field(default_factory=list)  # per page: (part, letters before)
    page_height: float = 0.0  # points
    orphans: list[tuple[str, int]] = field(default_factory=list)  # footnotes away from their call
    warnings: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)  # flow: the PDF in chunks of pages, in order (pdf is empty)
    flow: dict[str, Any] = field(default_factory=dict)  # flow: the state a later layout resumes from (flow.py)
    fixes: list[str] = field(default_factory=list)  # a whole document: the CSS fixes its layout needed
    body_start: int = 0  # a whole document: the page index of `first_body_id` (-1: no body)
    facts: Any = None  # a whole document asked for them: `facts.LayoutFacts`
    wide: list[tuple[str | None, int, str, float]] = field(default_factory=list)  # tables past the text block (boxes.py)


class PartCache:
    """Laid-out parts on disk: KEY.pdf (or KEY-N.pdf, one per chunk) and KEY.json, written
    atomically. Used by the build process, and by a worker resuming a flow."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    def has(self, key: str) -> bool:
        """Whether the cache has an entry for `key` (`get` may still find it unreadable)."""
        return self.folder is not None and (self.folder / f"{key}.json").is_file()

    def get(self, key: str | None) -> PartResult | None:
        if self.folder is None or key is None:
            return None
        meta = self.folder / f"{key}.json"
        try:
            opened = unseal(meta.read_bytes())  # sealed by this user's folio (sealed.py), else not ours
            if opened is None:
                return None
            data = json.loads(opened)
            digests = data.pop("digests")
            data["anchors"] = {k: tuple(v) for k, v in data["anchors"].items()}
            data["bookmarks"] = [tuple(b) for b in data["bookmarks"]]
            data["starts"] = [tuple(s) for s in data["starts"]]
            data["orphans"] = [tuple(o) for o in data["orphans"]]
            count = data.pop("chunk_count")
            pdf = b"" if count else (self.folder / f"{key}.pdf").read_bytes()
            chunks = [(self.folder / f"{key}-{n}.pdf").read_bytes() for n in range(count)]
            if [digest(piece) for piece in chunks or [pdf]] != digests:  # a PDF cut short or replaced
                return None
            return PartResult(**{**data, "pdf": pdf, "chunks": chunks})
        except (ValueError, TypeError, KeyError, OSError):
            return None

    def put(self, result: PartResult) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for name, data in [(f"{result.key}-{n}.pdf", chunk) for n, chunk in enumerate(result.chunks)] or [(f"{result.key}.pdf", result.pdf)]:
            with atomic_write(self.folder / name) as tmp:
                tmp.write_bytes(data)
        data = asdict(result)
        del data["pdf"], data["chunks"]
        data["chunk_count"] = len(result.chunks)
        data["digests"] = [digest(piece) for piece in result.chunks or [result.pdf]]
        with atomic_write(self.folder / f"{result.key}.json") as tmp:  # last: the entry exists once it is whole
            tmp.write_bytes(seal(json.dumps(data).encode("utf-8")))


class LogCollector(logging.Handler):
    """WeasyPrint's warnings, kept to be reported with the build's diagnostics."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
