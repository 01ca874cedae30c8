"""The build: book folder -> Book -> the requested outputs.

In: a book folder, an output folder and the formats wanted. Out: the output
files, written atomically, and a `BuildResult` with their paths and every
diagnostic. Reading and checking finish before any output is written, so a
book with errors never replaces a good output.
"""

from __future__ import annotations

import dataclasses
import errno
import importlib
import re
import signal
import threading
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from folio.config import load_config
from folio.errors import Diagnostic, FolioError, Reporter
from folio.model import Book, PdfResult
from folio.paths import StagedOutputs, clean_stale_temporaries, shown_name
from folio.source.read import read_chapters

FORMATS = ("pdf", "epub", "html")
# progress(stage, done, total): stages are read, pdf, epub, html; total may be an estimate or None
Progress = Callable[[str, int, "int | None"], None]


@dataclass
class BuildResult:
    book: Book | None  # None when nothing changed since the last build (up_to_date)
    outputs: dict[str, Path] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    preflight: list = field(default_factory=list)  # preflight.Check for the kdp and ingram profiles
    profile: str = "print"
    up_to_date: bool = False  # skipped: the outputs of the last build are still right
    engine: dict[str, str] = field(default_factory=dict)  # folio's WeasyPrint patches in the workers: name -> "on"/"off: why"

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]


# what a full disk, a read-only or unwritable folder or a size limit raise
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG, errno.EIO})


def slugify(title: str) -> str:
    """A title as a file name: 'The Russian Liberation Army' -> 'the-russian-liberation-army',
    'Œuvres complètes' -> 'oeuvres-completes' (accents off Latin letters, as before),
    '狂人日记' -> '狂人日记', 'كليلة ودمنة' -> 'كليلة-ودمنة' (every script keeps its letters: file
    systems take UTF-8). At most 120 bytes; 'book' when nothing is left."""
    folded = unicodedata.normalize("NFKD", title.replace("Œ", "OE").replace("œ", "oe").replace("Æ", "AE").replace("æ", "ae"))
    kept, base = [], ""
    for ch in folded:
        if unicodedata.combining(ch) and base.isascii():  # é -> e: accents off Latin letters only (й, ё, ि stay)
            continue
        base = ch if not unicodedata.combining(ch) else base
        kept.append(ch)
    text = unicodedata.normalize("NFC", "".join(ch for ch in kept if ch not in "'’ʼ")).lower()
    slug = re.sub(r"-+", "-", "".join(ch if unicodedata.category(ch)[0] in "LMN" else "-" for ch in text)).strip("-")
    while len(slug.encode("utf-8")) > 120:
        slug = slug[:-1].rstrip("-")
    return slug or "book"


def _output_folder(root: Path, out: Path | str | None) -> Path:
    """The output folder: anywhere when the user names it (-o), but never reached through a
    link inside the book (a book may ship a `dist` that links elsewhere: folio would write,
    and clean up, there)."""
    given = Path(out).absolute() if out else root / "dist"
    try:
        inside = given.relative_to(root)
    except ValueError:
        return given.resolve()  # outside the book, chosen with -o
    here = root
    for part in inside.parts:
        here = here / part
        if here.is_symlink():
            raise FolioError(Diagnostic(here.relative_to(root).as_posix(), None, "the output folder is reached through a link "
                                        "inside the book, which folio does not follow: remove the link, or name another folder with -o"))
    return given.resolve()


def _import(*modules: str) -> None:
    """Import modules ahead of their use (on a thread). One that fails is imported again
    where it is used, and reports its error there."""
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:
            return


def load_book(root: Path | str, cache: Path | None = None, report: Reporter | None = None,
              progress: Progress | None = None, preload: tuple[str, ...] = (), house: Path | str | None = None) -> Book:
    """Read and check a book folder; raise FolioError listing every problem. The modules in
    `preload` (the writers the caller will use) are imported while pandoc reads. `house`: a
    house theme folder (styles/, templates/) set under the book's own."""
    root = Path(root)
    config = load_config(root)
    if house is not None:
        config = dataclasses.replace(config, house=house_folder(house))
    report = report if report is not None else Reporter(ignore=config.lint_ignore)
    report.ignore = config.lint_ignore
    total = len(config.chapters)
    loading = threading.Thread(target=_import, args=("folio.source.transform", *preload), daemon=True)
    loading.start()  # while pandoc reads the chapters
    chapters, found = read_chapters(config, cache, on_chapter=(lambda done: progress("read", done, total)) if progress else None)
    report.extend(found)
    loading.join()
    from folio.source.transform import build_book

    book = build_book(config, chapters, report, cache.parent / "math.json" if cache else None)
    report.raise_if_errors()
    return book


@contextmanager
def time_limit(seconds: int | None) -> Iterator[None]:
    """Raise a FolioError in the build when it runs longer than `seconds` (outputs stay as they
    were). In the main thread only (SIGALRM): `folio build --timeout`, a catalogue's child."""
    if not seconds:
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise FolioError(Diagnostic("--timeout", None, f"the build took longer than {seconds} s and was stopped; nothing was replaced"))

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def house_folder(house: Path | str) -> Path:
    """A house theme folder, resolved; a FolioError when it is not a folder of styles/ or templates/."""
    folder = Path(house).resolve()
    if not folder.is_dir():
        raise FolioError(Diagnostic(str(house), None, "no such house theme folder"))
    if not (folder / "styles").is_dir() and not (folder / "templates").is_dir():
        raise FolioError(Diagnostic(str(house), None, "a house theme folder holds styles/ (CSS, fonts) or templates/: it has neither"))
    return folder


def build(root: Path | str, out: Path | str | None = None, formats: tuple[str, ...] = ("pdf", "epub"), **options: Any) -> BuildResult:
    """Build `formats` of the book at `root` into `out` (default: root/dist); `_build` says how.

    A file that cannot be written (a full disk, a read-only or unwritable folder, a file
    size limit) is a `FolioError` naming it, not a traceback; no output was replaced."""
    try:
        return _build(root, out, formats, **options)
    except OSError as exc:
        if exc.errno not in WRITE_ERRNOS:
            raise
        where = shown_name(Path(exc.filename)) if exc.filename else str(out or "dist")
        verb = "open" if exc.errno in (errno.EACCES, errno.EPERM, errno.EIO) else "write"
        raise FolioError(Diagnostic(where, None, f"cannot {verb} this file: {exc.strerror or exc}; no output was replaced")) from None


def _build(
    root: Path | str,
    out: Path | str | None = None,
    formats: tuple[str, ...] = ("pdf", "epub"),
    *,
    use_cache: bool = True,
    progress: Progress | None = None,
    profile: str | None = None,
    facts: list | None = None,
    skip_unchanged: bool = False,
    house: Path | str | None = None,
) -> BuildResult:
    """Build `formats` of the book at `root` into `out` (default: root/dist).

    `profile` (default: book.yaml's) chooses the PDF profile; a PDF for another profile
    than print is named BOOK-PROFILE.pdf, and for kdp and ingram it is preflighted.
    With `skip_unchanged` (and the cache), a build whose inputs are those of the last
    one returns its outputs and diagnostics without building (uptodate.py). With `facts`
    (a list), the PDF is laid out as one document and the layout facts folio proof
    reports on are added to it (pdf/writer.py). `house`: a house theme folder, under the book's own
    styles and templates (`load_book`)."""
    root = Path(root).resolve()
    house = house_folder(house) if house is not None else None
    out = _output_folder(root, out)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise FolioError(Diagnostic("--to", None, f"unknown format {unknown[0]!r}: choose from {', '.join(FORMATS)}"))
    say = progress or (lambda _stage, _done, _total: None)
    report = Reporter()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    cache = out / ".folio-cache" / "ast" if use_cache else None
    key = None
    if use_cache and facts is None:
        from folio.uptodate import fingerprint, unchanged

        key = fingerprint(root, out, formats, profile, house)
        previous = unchanged(out, key) if skip_unchanged else None
        if previous is not None:
            outputs, diagnostics = previous
            return BuildResult(None, outputs, diagnostics, {"total": time.perf_counter() - started}, profile=profile or "print",
                               up_to_date=True)
    if "pdf" in formats:
        from folio.pdf.pool import warm_up

        warm_up(root)  # the layout workers start while the chapters are read
    writers = {"pdf": ("folio.pdf.writer",), "epub": ("folio.epub.writer", "ebooklib.epub"), "html": ("folio.html",)}
    book = load_book(root, cache, report, say, preload=tuple(m for f in formats for m in writers[f]), house=house)
    timings["read"] = time.perf_counter() - started
    if "epub" in formats and not book.config.identifier:
        import uuid

        suggestion = uuid.uuid5(uuid.NAMESPACE_URL, book.config.title)
        raise FolioError(Diagnostic("book.yaml", None, f"an EPUB needs an identifier: add 'identifier: urn:uuid:{suggestion}' to book.yaml"))
    clean_stale_temporaries(out)
    result = BuildResult(book)
    from folio.pdf.profiles import NAMES

    profile = profile or book.config.profile
    if profile not in NAMES:
        raise FolioError(Diagnostic("--profile", None, f"unknown profile '{profile}': choose from {', '.join(NAMES)}"))
    result.profile = profile
    _write_outputs(book, out, formats, profile, report, say, facts, use_cache, result, timings)
    result.diagnostics = list(report.items)
    result.timings = timings
    if key is not None and not any(c.status == "fail" for c in result.preflight):
        from folio.uptodate import remember

        remember(out, key, result.outputs, result.diagnostics)
    return result


def _write_outputs(book: Book, out: Path, formats: tuple[str, ...], profile: str, report: Reporter, say: Progress,
                   facts: list | None, use_cache: bool, result: BuildResult, timings: dict[str, float]) -> None:
    """Every output, each staged beside its final name; all renamed into place once all are written."""
    slug = slugify(book.config.title)
    pdf_result = None
    drafts: list = []  # the EPUB's documents, rendered during the PDF's layout
    staged = StagedOutputs()  # every output replaces its last version only once all are written
    try:
        if "pdf" in formats:
            started = time.perf_counter()
            target = staged.path(out / (f"{slug}.pdf" if profile == "print" else f"{slug}-{profile}.pdf"))
            pdf_result = _pdf(book, target, profile, report, say, facts, out / ".folio-cache" / "pdf" if use_cache else None,
                              drafts if "epub" in formats else None, result)
            timings["pdf"] = time.perf_counter() - started
        _documents(book, staged, out, slug, formats, report, say, pdf_result, drafts, timings, result)
        moved = staged.commit()
    finally:
        staged.discard()
    result.outputs = {fmt: moved.get(path, path) for fmt, path in result.outputs.items()}
    if pdf_result is not None:
        pdf_result.path = moved.get(pdf_result.path, pdf_result.path)


def _pdf(book: Book, target: Path, profile: str, report: Reporter, say: Progress, facts: list | None, cache: Path | None,
         drafts: list | None, result: BuildResult) -> PdfResult:
    """The PDF stage: laid out (the EPUB's documents rendered meanwhile into `drafts`, when
    given), then preflighted for the profiles that have a print service."""
    from folio.pdf.profiles import PROFILES, estimated_pages
    from folio.pdf.writer import write_pdf

    estimate = estimated_pages(book) + 8
    furthest = [0]  # WeasyPrint lays pages out again for page references: report the furthest page reached

    def on_page(page: int) -> None:
        if page > furthest[0]:
            furthest[0] = page
            say("pdf", page, max(estimate, page))

    meanwhile = None
    if drafts is not None:
        from folio.epub.writer import draft_epub

        def meanwhile() -> None:  # the EPUB's documents are rendered while the PDF is laid out
            drafts.append(draft_epub(book))

    pdf_result = write_pdf(book, target, report, on_page, PROFILES[profile], facts, cache, meanwhile)
    result.outputs["pdf"] = pdf_result.path
    from folio.pdf.pool import engine_status

    result.engine = engine_status()
    if PROFILES[profile].preflight:
        from folio.check.preflight import preflight

        say("preflight", 0, 1)
        result.preflight = preflight(pdf_result.path, book.config, profile)
        say("preflight", 1, 1)
    say("pdf", pdf_result.pages, pdf_result.pages)
    return pdf_result


def _documents(book: Book, staged: StagedOutputs, out: Path, slug: str, formats: tuple[str, ...], report: Reporter, say: Progress,
               pdf_result: PdfResult | None, drafts: list, timings: dict[str, float], result: BuildResult) -> None:
    """The EPUB (with the PDF's page map when there is one) and the single-file HTML."""
    if "epub" in formats:
        say("epub", 0, 1)
        from folio.epub.writer import write_epub

        started = time.perf_counter()
        result.outputs["epub"] = write_epub(book, staged.path(out / f"{slug}.epub"), report, pdf_result, drafts[0] if drafts else None)
        say("epub", 1, 1)
        timings["epub"] = time.perf_counter() - started
    if "html" in formats:
        say("html", 0, 1)
        from folio.html import write_html

        started = time.perf_counter()
        result.outputs["html"] = write_html(book, staged.path(out / f"{slug}.html"), report)
        say("html", 1, 1)
        timings["html"] = time.perf_counter() - started
