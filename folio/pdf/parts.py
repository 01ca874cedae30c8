"""Book -> PDF laid out in parts: in parallel processes, cached, merged.

In: the `Book`, the `print` profile, an output path and a cache folder. Out: the
same PDF and `PdfResult` as the one-document layout (writer.py), made faster:

1. Every chapter after the front matter, the notes and the bibliography is a part,
   rendered from print/book.html with `part=`. Links to ids in other parts become
   `folio-ref:ID` links, fixed in step 4. Parts are laid out by `weasy.worker.lay_out` in
   worker processes, largest first, with their running heads and folios hidden:
   their page numbers depend on every earlier part's length. A part is laid out
   starting on a recto, as it is in the book, so its layout does not depend on
   where it starts.
2. The page counts give each part its first page (a blank verso when the previous
   part ends on a recto), and a furniture document per part (its title and empty
   pages under the same style sheets) gives its running heads and folios.
3. The front matter (title pages, contents, lists, preface) is laid out last, whole,
   with the folios of the other parts written into the contents.
4. pikepdf merges the parts (merge.py), overlays the furniture, turns every link into a
   destination in the merged file, and writes the outline, page labels and metadata.

A part's PDF is cached (cache/pdf/KEY.pdf and .json; KEY-N.pdf for a part drawn in
chunks) under a hash of everything that made it: its HTML, the style sheets, the
images and fonts it uses, folio's and WeasyPrint's versions. Editing one chapter lays
out that chapter only. The notes are one long flow (weasy/flow.py): after an edit to one
note, only the pages from shortly before it to where the old page breaks come back
are laid out again, from the last layout's state (cache/pdf/latest-notes names it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from concurrent.futures import Future, as_completed
from html import unescape
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from folio.errors import Reporter
from folio.model import Book, PdfResult
from folio.paths import atomic_write
from folio.pdf.document import identifier as pdf_identifier
from folio.pdf.document import book_head, language_css, layout_roots, print_context, print_html
from folio.pdf.merge import merge
from folio.pdf.pool import engine_status, submit, weasyprint_version
from folio.pdf.profiles import Profile, page_geometry
from folio.render import hooks
from folio.render.templates import render_template, theme_environment
from folio.theme import theme_styles
from folio.version import __version__
from folio.weasy import words
from folio.weasy.jobs import PartCache, PartJob, PartResult
from folio.weasy.worker import furniture_html, lay_out, lay_out_furniture

_ID = re.compile(r'\bid="([^"]+)"')
_HREF = re.compile(r'href="#([^"]+)"')
_PAGE_REF = re.compile(r'(<a class="xref page-ref[^"]*" href="folio-ref:([^"]+)")')
_PAGE_VALUE = re.compile(r'<a class="xref page-ref[^"]*" href="folio-ref:([^"]+)" data-page="([^"]*)"')
_IMAGE = re.compile(r'src="(file://[^"]+)"')


def can_lay_out_in_parts(book: Book, profile: Profile) -> bool:
    """Parts need page furniture that only chapter titles set, and a profile without whole-document needs."""
    if os.environ.get("FOLIO_LAYOUT", "").lower() == "single":
        return False
    if profile.name != "print":
        return False  # proof (layout report), kdp (whole fonts, gutter loop), ingram, screen (tags): one document
    if any("string-set" in style.path.read_text(encoding="utf-8") for style in book.styles):
        return False  # the book sets running heads of its own: the furniture could not reproduce them
    return any(c.role != "frontmatter" for c in book.text_chapters)


def _latest(cache: Path | None, name: str) -> str | None:
    """The cache key of the last layout of the flowing part `name`, if the cache has one."""
    try:
        key = (cache / f"latest-{name}").read_text(encoding="ascii").strip() if cache is not None else ""
    except OSError:
        return None
    return key if re.fullmatch(r"[0-9a-f]{64}", key) else None


def _files_key(paths: list[Path]) -> str:
    return "|".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sorted(set(paths)) if p.is_file())


# long: the steps of one parts build share its jobs, results and furniture (closures); the module docstring numbers them
def write_parts(book: Book, target: Path, report: Reporter, profile: Profile, cache: Path | None,
                on_page: Callable[[int], None] | None = None, meanwhile: Callable[[], None] | None = None) -> PdfResult:
    env = theme_environment(book.root, book.config.house)
    context = print_context(book, profile=profile)
    geometry = page_geometry(book.config.trim, profile, 1)
    css = [(render_template(env, "print/page.css", book.root, profile=profile, title=book_head(book, profile),
                                         rtl=book.config.direction == "rtl", **geometry), book.root.as_uri() + "/")]
    css += [(path.read_text(encoding="utf-8"), path.parent.as_uri() + "/") for path in theme_styles("print", book.config.theme)]
    css += language_css(book)
    css += [(style.path.read_text(encoding="utf-8"), style.path.parent.as_uri() + "/") for style in book.styles]
    roots = layout_roots(book)
    bases = [base for base in (book.config.house, book.root) if base is not None]  # a house theme's files, the book's
    fonts = [p for base in bases if (base / "styles").is_dir() for p in (base / "styles").rglob("*") if p.is_file()]
    hyphenation = words.rules(book.config.hyphenate_capitalized, book.config.hyphenation)
    common = "\n".join([__version__, weasyprint_version(), json.dumps(engine_status(), sort_keys=True), json.dumps(css), _files_key(fonts),
                        book.config.notes, json.dumps(hyphenation, sort_keys=True)])
    store = PartCache(cache)
    own_template = any((base / "templates" / "print" / "book.html").is_file() for base in bases)
    identifier = pdf_identifier(book)

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
        # one long flow: drawn in chunks, resumed after an edit to one note (weasy/flow.py), which empties the note
        # groups before the edit as the theme writes them: not with a book's own print/book.html
        flow = name == "notes" and not own_template
        return PartJob(key, html, [c for c, _ in css], book.root.as_uri() + "/", roots, furniture=furniture,
                       fix_footnotes=book.config.notes == "footnotes", css_bases=[b for _, b in css], identifier=identifier,
                       flow=flow, previous=_latest(cache, name) if flow else None, cache_folder=str(cache) if flow and cache else None,
                       hyphenation=hyphenation)

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
        body_open = re.search(r"<body[^>]*>", html)
        section_open = hooks.start_tag(html, "chapter-section", "endnotes") or "<section>"  # (render/hooks.py: a book's template keeps them)
        header = hooks.find("chapter-head", html)
        skeleton = furniture_html(section_open, header[0] if header else "", results[name].pages)
        skeleton = skeleton.replace("<body>", body_open[0] if body_open else "<body>", 1)
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

    return merge(book, target, report, front, [(n, results[n], furniture[final[n].key], starts[n]) for n in names], on_page)
