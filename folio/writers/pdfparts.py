"""Book -> PDF laid out in parts: in parallel processes, cached, merged.

In: the `Book`, the `print` profile, an output path and a cache folder. Out: the
same PDF and `PdfResult` as the one-document writer (pdf.py), made faster:

1. Every chapter after the front matter, the notes and the bibliography is a part,
   rendered from print/book.html with `part=`. Links to ids in other parts become
   `folio-ref:ID` links, fixed in step 4. Parts are laid out by `layout.lay_out` in
   worker processes, largest first, with their running heads and folios hidden:
   their page numbers depend on every earlier part's length. A part is laid out
   starting on a recto, as it is in the book, so its layout does not depend on
   where it starts.
2. The page counts give each part its first page (a blank verso when the previous
   part ends on a recto), and a furniture document per part (its title and empty
   pages under the same style sheets) gives its running heads and folios.
3. The front matter (title pages, contents, lists, preface) is laid out last, whole,
   with the folios of the other parts written into the contents.
4. pikepdf merges the parts, overlays the furniture, turns every link into a
   destination in the merged file, and writes the outline, page labels and metadata.

A part's PDF is cached (cache/pdf/KEY.pdf and .json; KEY-N.pdf for a part drawn in
chunks) under a hash of everything that made it: its HTML, the style sheets, the
images and fonts it uses, folio's and WeasyPrint's versions. Editing one chapter lays
out that chapter only. The notes are one long flow (flow.py): after an edit to one
note, only the pages from shortly before it to where the old page breaks come back
are laid out again, from the last layout's state (cache/pdf/latest-notes names it).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import multiprocessing
import os
import re
import threading
import warnings
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from html import unescape
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from .. import __version__
from ..errors import Reporter
from ..layout import PartCache, PartJob, PartResult, furniture_html, lay_out, lay_out_furniture, watch_build
from ..model import Book
from ..pagemap import PageStart
from ..paths import atomic_write
from ..profiles import Profile, page_geometry
from ..render import DEFAULT_STYLES, render_template, theme_environment, theme_styles
from ..speedups import enabled as speedups_enabled

_ID = re.compile(r'\bid="([^"]+)"')
_HREF = re.compile(r'href="#([^"]+)"')
_PAGE_REF = re.compile(r'(<a class="xref page-ref[^"]*" href="folio-ref:([^"]+)")')
_PAGE_VALUE = re.compile(r'<a class="xref page-ref[^"]*" href="folio-ref:([^"]+)" data-page="([^"]*)"')
_IMAGE = re.compile(r'src="(file://[^"]+)"')
_POOL: list[ProcessPoolExecutor | None] = []  # [None]: workers could not start, lay out here
_WARMING: list[threading.Thread] = []  # the thread starting the workers, until it is joined
_LANGUAGE: list[str | None] = [None]  # the language whose hyphenation patterns the workers load as they start


def can_lay_out_in_parts(book: Book, profile: Profile) -> bool:
    """Parts need page furniture that only chapter titles set, and a profile without whole-document needs."""
    if os.environ.get("FOLIO_LAYOUT", "").lower() == "single":
        return False
    if profile.name != "print":
        return False  # proof (layout report), kdp (whole fonts, gutter loop), ingram, screen (tags): one document
    if any("string-set" in style.path.read_text(encoding="utf-8") for style in book.styles):
        return False  # the book sets running heads of its own: the furniture could not reproduce them
    return any(c.role != "frontmatter" for c in book.text_chapters)


def pool() -> ProcessPoolExecutor:
    """The layout workers: one per core, forked from a server that has WeasyPrint loaded."""
    if not _POOL:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["weasyprint", "folio.layout", "folio.warm"])  # imported once, not by each worker
        _POOL.append(ProcessPoolExecutor(max_workers=max(1, os.cpu_count() or 1), mp_context=context,
                                         initializer=watch_build, initargs=(os.getpid(), _LANGUAGE[0])))
    assert _POOL[0] is not None
    return _POOL[0]


def warm_up(root: Path | None = None) -> None:
    """Start the workers while the book is read. In a thread: starting the forkserver waits
    for it to import WeasyPrint (half a second), which the reading need not wait for. Each
    worker loads the hyphenation patterns of the language of the book at `root` as it starts."""
    def start() -> None:
        weasyprint_version()  # (0.1 s of reading package metadata, off the build's path)
        if root is not None and not _POOL:
            _LANGUAGE[0] = _book_language(root)
        for _ in range(os.cpu_count() or 1):
            submit(int)

    if not _WARMING and not _POOL:
        _WARMING.append(threading.Thread(target=start, daemon=True))
        _WARMING[0].start()


def _book_language(root: Path) -> str | None:
    """book.yaml's language, or None when it cannot be read: the build reads book.yaml again
    and reports what is wrong with it; this is only a warm-up."""
    from ..config import load_config

    try:
        return load_config(root).lang
    except Exception:  # noqa: BLE001 - reported by the build itself
        return None


@functools.lru_cache(maxsize=1)
def weasyprint_version() -> str:
    """The installed WeasyPrint's version (part of every part's cache key)."""
    from importlib.metadata import version

    return version("weasyprint")


def shutdown() -> None:
    """Stop the layout workers (when a build started them), waiting for them to end."""
    if _WARMING:
        _WARMING.pop().join()
    if _POOL and _POOL[0] is not None:
        _POOL.pop().shutdown(wait=True, cancel_futures=True)


def submit(function: Callable, *args: Any) -> Future:
    """Run on a worker; in this process when workers cannot start (a script that uses
    folio.build without `if __name__ == "__main__":`, or a system without forkserver)."""
    if _WARMING and _WARMING[0] is not threading.current_thread():
        _WARMING.pop().join()  # the pool is made once, by the warm-up
    if _POOL != [None]:
        try:
            return pool().submit(function, *args)
        except (RuntimeError, OSError, BrokenProcessPool):
            if _POOL and _POOL[0] is not None:
                _POOL[0].shutdown(wait=False, cancel_futures=True)
            _POOL[:] = [None]
    future: Future = Future()
    future.set_result(function(*args))
    return future


def _latest(cache: Path | None, name: str) -> str | None:
    """The cache key of the last layout of the flowing part `name`, if the cache has one."""
    try:
        key = (cache / f"latest-{name}").read_text(encoding="ascii").strip() if cache is not None else ""
    except OSError:
        return None
    return key if re.fullmatch(r"[0-9a-f]{64}", key) else None


def _files_key(paths: list[Path]) -> str:
    return "|".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sorted(set(paths)) if p.is_file())


def write_parts(book: Book, target: Path, report: Reporter, profile: Profile, cache: Path | None,
                on_page: Callable[[int], None] | None = None, meanwhile: Callable[[], None] | None = None) -> Any:
    from .pdf import _identifier, print_context, print_html

    env = theme_environment(book.root)
    context = print_context(book, profile=profile)
    geometry = page_geometry(book.config.trim, profile, 1)
    css = [(render_template(env, "print/page.css", book.root, profile=profile, title=book.config.title, **geometry), book.root.as_uri() + "/")]
    css += [(path.read_text(encoding="utf-8"), path.parent.as_uri() + "/") for path in theme_styles("print", book.config.theme)]
    css += [(style.path.read_text(encoding="utf-8"), style.path.parent.as_uri() + "/") for style in book.styles]
    roots = [str(book.root), str(DEFAULT_STYLES.parent)]
    fonts = [p for p in (book.root / "styles").rglob("*") if p.is_file()] if (book.root / "styles").is_dir() else []
    common = "\n".join([__version__, weasyprint_version(), f"speedups {speedups_enabled()}", json.dumps(css), _files_key(fonts), book.config.notes])
    store = PartCache(cache)
    identifier = _identifier(book)

    front_ids: list[str] = []
    for chapter in book.text_chapters:
        if chapter.role != "frontmatter":
            break
        front_ids.append(chapter.id)
    names = [c.id for c in book.text_chapters if c.id not in front_ids]
    names += ["notes"] if context["note_groups"] else []
    names += [c.id for c in book.after_notes]

    def job(name: str, known: dict[str, str], furniture: bool) -> PartJob:
        html = print_html(book, env=env, context=context, part=name, front_ids=front_ids, page_numbers=known if name == "front" else {})
        inside = {unescape(i) for i in _ID.findall(html)}
        html = _HREF.sub(lambda m: m[0] if unescape(m[1]) in inside else f'href="folio-ref:{m[1]}"', html)
        html = _PAGE_REF.sub(lambda m: f'{m[1]} data-page="{known.get(unescape(m[2]), "0")}"', html)
        images = [Path(unquote(urlsplit(u).path)) for u in _IMAGE.findall(html)]
        key = hashlib.sha256("\n".join([common, html, str(furniture), _files_key(images)]).encode("utf-8")).hexdigest()
        flow = name == "notes"  # one long flow: drawn in chunks, resumed after an edit to one note (flow.py)
        return PartJob(key, html, [c for c, _ in css], book.root.as_uri() + "/", roots, furniture=furniture,
                       fix_footnotes=book.config.notes == "footnotes", css_bases=[b for _, b in css], identifier=identifier,
                       flow=flow, previous=_latest(cache, name) if flow else None, cache_folder=str(cache) if flow and cache else None)

    furniture: dict[str, bytes] = {}  # furniture job key -> PDF
    furniture_futures: dict[str, Future] = {}

    made: dict[tuple[str, int, int], PartJob] = {}  # (part job key, pages, first page) -> its furniture job

    def furniture_job(name: str, start: int) -> PartJob:
        """Running heads and folios of a part whose first page is `start` (the title and page count set them)."""
        made_key = (jobs[name].key, results[name].pages, start)
        if made_key not in made:
            made[made_key] = _furniture_job(name, start)
        return made[made_key]

    def _furniture_job(name: str, start: int) -> PartJob:
        html = jobs[name].html
        body_open = re.search(r"<body[^>]*>", html)[0]
        section_open = re.search(r'<section class="(?:chapter|endnotes)[^"]*"[^>]*>', html)[0]
        header = re.search(r'<header class="chapter-head">.*?</header>', html, re.S)
        skeleton = furniture_html(section_open, header[0] if header else "", results[name].pages).replace("<body>", body_open, 1)
        key = hashlib.sha256("\n".join([common, skeleton, str(start), "furniture"]).encode("utf-8")).hexdigest()
        return PartJob(key, skeleton, [c for c, _ in css], book.root.as_uri() + "/", roots,
                       css_bases=[b for _, b in css], identifier=identifier)

    def first_pages() -> dict[str, int]:
        """The first page of every part whose earlier parts are all laid out."""
        starts, number = {}, 1
        for name in names:
            if name not in results:
                break
            starts[name] = number
            number += results[name].pages + results[name].pages % 2
        return starts

    def start_furniture() -> None:
        """Lay out the furniture of each part as soon as its first page is known."""
        for name, start in first_pages().items():
            furniture_job_ = furniture_job(name, start)
            if furniture_job_.key in furniture or furniture_job_.key in furniture_futures:
                continue
            cached = store.get(furniture_job_.key)
            if cached is not None:
                furniture[furniture_job_.key] = cached.pdf
            else:
                furniture_futures[furniture_job_.key] = submit(lay_out_furniture, furniture_job_, start)

    def run(jobs: dict[str, PartJob], early: dict[Future, str]) -> None:
        """Lay out the jobs not in the cache, largest first, on the workers (besides `early`'s)."""
        futures = dict(early)
        for name in sorted(jobs, key=lambda n: -len(jobs[n].html)):
            if name in early.values():
                continue
            cached = store.get(jobs[name].key)
            if cached is not None:
                results[name] = cached
            else:
                futures[submit(lay_out, jobs[name])] = name
        start_furniture()
        if waiting:  # the workers are busy: this process does other work until they are done
            waiting.pop()()
        done_pages = sum(r.pages for r in results.values())
        for future in as_completed(futures):
            name = futures[future]
            results[name] = future.result()
            store.put(results[name])
            if jobs[name].flow and cache is not None:
                with atomic_write(cache / f"latest-{name}") as tmp:  # the layout the next build resumes from
                    tmp.write_text(results[name].key, encoding="ascii")
            start_furniture()
            done_pages += results[name].pages
            if on_page:
                on_page(done_pages)

    def first_jobs() -> tuple[dict[str, PartJob], dict[Future, str]]:
        """Every body part's job, made in the order of the parts most likely edited: the chapter
        whose file changed last, the notes, then the other chapters, newest first. The first
        parts not in the cache go to the workers as soon as their job is made, one per worker,
        while the other jobs are made (0.3 s on the large book)."""
        sources = {c.id: book.root / c.source for c in book.chapters}

        def changed(name: str) -> float:
            try:
                return sources[name].stat().st_mtime if name in sources else 0.0
            except OSError:
                return 0.0

        order = sorted((n for n in names if n != "notes"), key=changed, reverse=True)
        order[1:1] = ["notes"] if "notes" in names else []
        made: dict[str, PartJob] = {}
        early: dict[Future, str] = {}
        for name in order:
            made[name] = job(name, {}, False)
            if len(early) < (os.cpu_count() or 1) and not store.has(made[name].key):
                early[submit(lay_out, made[name])] = name
        return {name: made[name] for name in names}, early

    # 1-2: the body parts, then their first pages; page references to other parts need their
    # folios, so parts holding one are laid out again once the folios are known.
    known: dict[str, str] = {}
    results: dict[str, PartResult] = {}
    waiting = [meanwhile] if meanwhile is not None else []
    jobs, early = first_jobs()
    for attempt in range(3):
        run({n: j for n, j in jobs.items() if n not in results}, early)
        early = {}
        starts = first_pages()
        known = {ident: str(starts[name] + page) for name in names for ident, (page, _x, _y) in results[name].anchors.items()}
        stale = [n for n in names if any(known.get(unescape(m[1]), "0") != m[2] for m in _PAGE_VALUE.finditer(jobs[n].html))]
        if not stale or attempt == 2:
            break
        for name in stale:
            jobs[name] = job(name, known, False)
            results.pop(name)

    # the front matter, with the contents' page numbers, while the last furniture is laid out
    front_job = job("front", known, True)
    front = store.get(front_job.key)
    front_future = submit(lay_out, front_job) if front is None else None
    start_furniture()
    final = {name: furniture_job(name, starts[name]) for name in names}
    for furniture_job_ in final.values():  # furniture laid out for pages a part laid out again changed is not used
        if furniture_job_.key not in furniture:
            furniture[furniture_job_.key] = furniture_futures[furniture_job_.key].result()
            store.put(PartResult(furniture_job_.key, furniture[furniture_job_.key], 0))
    if front_future is not None:
        front = front_future.result()
        store.put(front)
    assert front is not None
    if waiting:
        waiting.pop()()

    return _merge(book, target, report, front, [(n, results[n], furniture[final[n].key], starts[n]) for n in names], on_page)


def _overlay(page: Any, furniture: Any, index: int) -> None:
    """Draw a furniture page over a page, under a fixed name (pikepdf's add_overlay picks random
    names, which would make every build's PDF differ)."""
    import pikepdf

    form = furniture.as_form_xobject()
    name = pikepdf.Name(f"/FolioFurniture{index}")
    page.add_resource(form, pikepdf.Name.XObject, name=name)
    placement = page.calc_form_xobject_placement(form, name, pikepdf.Rectangle(page.trimbox))
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"Q\n" + placement, prepend=False)
    # (no coalescing: the page keeps its compressed stream, with two small ones around it)


def _merge(book: Book, target: Path, report: Reporter, front: PartResult,
           body: list[tuple[str, PartResult, bytes, int]], on_page: Callable[[int], None] | None) -> Any:
    import pikepdf

    from .pdf import PdfResult, _roman

    out = pikepdf.Pdf.new()
    opened: list[pikepdf.Pdf] = []  # sources stay open until the merged file is saved

    def open_pdf(data: bytes) -> pikepdf.Pdf:
        opened.append(pikepdf.open(io.BytesIO(data)))
        return opened[-1]

    anchors: dict[str, tuple[int, float, float]] = {}
    bookmarks: list[tuple[int, str, int, float]] = []
    folios: list[str] = []
    starts: list[PageStart] = []

    def add(result: PartResult, overlay: pikepdf.Pdf | None, labels: list[str]) -> pikepdf.Pdf:
        """The part's pages (from its PDF, or its chunks in order) with their furniture; its first source."""
        offset = len(out.pages)
        sources = [open_pdf(data) for data in result.chunks or [result.pdf]]
        index = 0
        for source in sources:
            if overlay is not None:  # all overlays first: the pages share one resource dictionary, copied on append
                for page in source.pages:
                    _overlay(page, overlay.pages[index], index)
                    index += 1
            with warnings.catch_warnings():  # named destinations and links are rebuilt below
                warnings.filterwarnings("ignore", message="Copying pages from another Pdf")
                out.pages.extend(source.pages)
        for ident, (page, x, y) in result.anchors.items():
            anchors.setdefault(ident, (offset + page, x, y))
        bookmarks.extend((level, label, offset + page, y) for level, label, page, y in result.bookmarks)
        folios.extend(labels)
        starts.extend(PageStart(label, part, count) for label, (part, count) in zip(labels, result.starts))
        for message in result.warnings:
            report.warn("pdf-layout", "book.yaml", None, message)
        for url in result.refused:
            report.warn("pdf-layout", "book.yaml", None, f"refused to fetch {url[:100]}")
        for note, page in result.orphans:
            chapter = book.chapters[book.id_chapter[note]] if note in book.id_chapter else None
            report.warn("pdf-layout", chapter.source if chapter else "book.yaml", None,
                        f"note '{note}' is on page {labels[page]}, not on the page of its call")
        return sources[0]

    def blank(label: str) -> None:
        first = out.pages[0]
        out.add_blank_page(page_size=(float(first.mediabox[2]), float(first.mediabox[3])))
        folios.append(label)
        starts.append(PageStart(label, None))

    front_pdf = add(front, None, [_roman(i + 1) for i in range(front.pages)])
    if front.pages % 2:
        blank(_roman(front.pages + 1))
    body_start = len(out.pages)
    for position, (_name, result, furniture, start) in enumerate(body):
        add(result, open_pdf(furniture), [str(start + i) for i in range(result.pages)])
        if result.pages % 2 and position + 1 < len(body):
            blank(str(start + result.pages))
    if on_page:
        on_page(len(out.pages))

    for page in out.pages:  # links to other parts go to the named destinations written below
        for annot in page.get("/Annots", []):
            action = annot.get("/A")
            if action is not None and action.get("/S") == "/URI" and str(action.get("/URI", "")).startswith("folio-ref:"):
                ident = unquote(str(action.URI)[len("folio-ref:"):])
                if ident in anchors:  # as WeasyPrint writes an internal link
                    annot.Dest = pikepdf.String(ident)
                    del annot["/A"]
    destinations = pikepdf.NameTree.new(out)  # every id, as WeasyPrint names them: book.pdf#chapter-3 works
    for ident in sorted(anchors):
        index, x, y = anchors[ident]
        destinations[ident] = pikepdf.Array([out.pages[index].obj, pikepdf.Name.XYZ, x, y, 0])
    out.Root.Names = pikepdf.Dictionary(Dests=destinations.obj)
    with out.open_outline() as outline:
        for level, label, index, y in bookmarks:
            if level == 1:
                outline.root.append(pikepdf.OutlineItem(label, index, "XYZ", top=y))
    nums = [0, pikepdf.Dictionary(S=pikepdf.Name.r), body_start, pikepdf.Dictionary(S=pikepdf.Name.D, St=1)]
    out.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(nums))
    for key, value in front_pdf.docinfo.items():
        out.docinfo[key] = value
    with atomic_write(target) as tmp:
        out.save(tmp, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    for source in opened:
        source.close()
    id_pages = {ident: page for ident, (page, _x, _y) in anchors.items()}
    return PdfResult(target, len(out.pages), folios, id_pages, body_start, starts, {}, "print")
