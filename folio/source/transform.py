"""Read chapters -> the complete `Book`: titles, ids, notes, figures, links, assets.

In: the `Config` and each chapter's pandoc AST from `read`. Out: a `Book` in
which every id is unique across the book, every internal link resolves, every
note is numbered (restarting per chapter) and replaced in the text by a
``NoteRef``, every image is a checked `Asset`, and raw HTML is sanitised.
Problems go to the `Reporter` with their file and line.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from folio.config import Config
from folio.errors import Reporter
from folio.language.fonts import FontPlan, font_family, installed, plan_fonts
from folio.theme import DEFAULT_STYLES
from folio.model import Book, Chapter, Heading, Note
from folio.paths import ContainmentError, contained
from folio.source import cite, equations, examples, images, xref
from folio.source.figures import asset_key, check_figures_and_images, raw_images
from folio.source.frontmatter import merge_front_matter
from folio.source.links import check_links, link_places
from folio.source.pandoc_ast import attr_of, pandoc_identifier, stringify
from folio.source.sanitize import (
    clean_keyvals,
    clean_raw,
)
from folio.source.styles import book_styles

_UNDEFINED_NOTE_RE = re.compile(r"\[\^([^\]\s]+)\]")
_RAW_ID_RE = re.compile(r"""<[A-Za-z][^>]*?\sid\s*=\s*(["']?)([^"'\s>]+)\1""")


def build_book(config: Config, chapters: list[tuple[Chapter, dict[str, Any]]], report: Reporter, math_cache: Path | None = None) -> Book:
    """Assemble the Book from read chapters; report every problem found. `math_cache`: the file
    where typeset math is kept between builds."""
    examples.resolve([ast for _, ast in chapters], [chapter.text for chapter, _ in chapters])
    config = merge_front_matter(config, chapters, report)
    chapters = _one_chapter_per_heading([(c, ast) for c, ast in chapters if ast["blocks"] or not ast.get("meta")], report)
    references = xref.extract([ast for _, ast in chapters], [chapter.text for chapter, _ in chapters])
    bibliography = cite.process(config, chapters, report)
    book = Book(config=config, chapters=[c for c, _ in chapters])
    for chapter, ast in chapters:
        _take_title(chapter, ast, report)
        equations.label_equations(chapter)
        if chapter.byline == ", ".join(config.author):  # the book's author, not an anthology's contributor
            chapter.byline = ""
    if bibliography:
        book.chapters.append(_bibliography_chapter(config, bibliography, len(book.chapters)))
    surveys = [survey(chapter) for chapter in book.chapters]
    explicit: dict[str, tuple[Chapter, int | None]] = {}
    for chapter, found in zip(book.chapters, surveys):
        _collect_explicit_ids(chapter, found, explicit, book, report)
    body_number = 0
    for chapter in book.chapters:
        if chapter.role == "bodymatter" and "unnumbered" not in chapter.classes:
            body_number += 1
            chapter.number = body_number
    taken = set(book.id_chapter)
    slugs: set[str] = set()
    for chapter, found in zip(book.chapters, surveys):
        stem = chapter.id if chapter.generated else Path(chapter.source).stem
        slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "chapter"
        chapter.slug = _unique(f"chapter-{slug}" if RESERVED_SLUGS.fullmatch(slug) else slug, slugs)
        _number_headings(chapter, found, taken, book, report)
        raw_images(found)
        check_figures_and_images(chapter, found, book, report)
        xref.collect_tables(chapter, found["Table"], taken, book)
        if not chapter.generated:
            _sanitise(chapter, found, report)
        _extract_notes(chapter, found, taken, book, report)
    places = link_places(book)
    for chapter, found in zip(book.chapters, surveys):
        check_links(chapter, found["Link"], book, places, report)
    book.equations = equations.typeset([f for c, found in zip(book.chapters, surveys) for f in equations.math_nodes(c, found["Math"])],
                                       report, math_cache)
    xref.number(book)
    xref.resolve(book, references, report, config.words)
    book.styles = book_styles(config.root, report, config.house)
    book.fonts = _fonts(book, report)
    if config.cover_image is not None:
        key = asset_key(config.cover_image, config.root, book.assets)
        try:
            book.cover = images.checked_asset(key, config.cover_image)
            book.assets.setdefault(key, book.cover)
        except images.ImageError as exc:
            report.error("book.yaml", config.line_of("cover-image"), f"cover-image: {exc}")
    return book


def _fonts(book: Book, report: Reporter) -> FontPlan:
    """The fonts for the scripts the book uses; a warning for each script none of them draws,
    naming the chapters and the first line where it stands and the package that has a font."""
    config = book.config
    chars = set(config.title + config.subtitle + "".join(config.author)).union(*(c.chars or set(c.text) for c in book.chapters))
    own, files = [], {}
    for name in config.fonts:  # book.yaml's fonts: installed families, or font files of the book
        if Path(name).suffix.lower() in (".ttf", ".otf", ".ttc"):
            try:
                path = contained(config.root, name)
            except ContainmentError as exc:
                report.error("book.yaml", config.line_of("fonts"), f"fonts: {exc}")
                continue
            family = font_family(path) if path.is_file() else ""
            if not family:
                report.error("book.yaml", config.line_of("fonts"), f"fonts: '{name}' is not a font file of the book")
                continue
            own.append(family)
            files[family] = path
        elif installed(name):
            own.append(name)
        else:
            report.error("book.yaml", config.line_of("fonts"), f"fonts: '{name}' is not an installed font family (fc-list lists "
                         "those that are) nor a .ttf or .otf file of the book")
    plan = plan_fonts(chars, config.lang, DEFAULT_STYLES / "fonts" / "GentiumBookPlus-Regular.ttf", tuple(own), files)
    for script, missing in plan.missing.items():
        places = [(c.source, c.line_of(next(ch for ch in missing if ch in c.text)))
                  for c in book.chapters if not c.generated and any(ch in c.text for ch in missing)]
        where = ", ".join(f"{source}:{line}" if line else source for source, line in places[:4]) + (" ..." if len(places) > 4 else "")
        fix = (f"install {plan.packages[script]} (scripts/setup.sh --fonts does)" if plan.packages.get(script)
               else "install a font that has them")
        path, line = places[0] if places else ("book.yaml", config.line_of("title"))
        report.warn("font-missing-glyph", path, line, f"{len(missing)} {script} character{'s' if len(missing) > 1 else ''} "
                    f"({''.join(missing[:8])}{'...' if len(missing) > 8 else ''}) that no font of the book can print, in {where}: "
                    f"{fix}, or name a font that has them in fonts: in book.yaml")
    return plan


Survey = dict[str, list[dict[str, Any]]]
SURVEYED = frozenset({"Header", "Image", "Figure", "Link", "Note", "RawBlock", "RawInline", "Div", "Span", "Code", "CodeBlock", "Table",
                      "Math"})
ID_BEARING = ("Header", "Div", "Span", "Code", "CodeBlock", "Link", "Image", "Figure", "Table")


def survey(chapter: Chapter) -> Survey:
    """One walk over a chapter (title first, notes included): the nodes each check needs, in reading order."""
    found: Survey = {kind: [] for kind in SURVEYED | {"Str"}}

    strays = found["Str"]

    def walk(items: list[Any]) -> None:
        for item in items:
            if item.__class__ is dict:
                kind = item.get("t")
                if kind == "Str":  # words and spaces: most of the nodes; a word matters only as a stray [^note]
                    if "[^" in item["c"]:
                        strays.append(item)
                    continue
                if kind == "Space" or kind is None:
                    continue
                if kind in SURVEYED:
                    found[kind].append(item)
                content = item.get("c")
                if content.__class__ is list:
                    walk(content)
                elif content.__class__ is dict:
                    walk([content])
            elif item.__class__ is list:
                walk(item)

    walk([chapter.title, chapter.blocks])
    return found


def _bibliography_chapter(config: Config, bibliography: cite.Bibliography, index: int) -> Chapter:
    words = config.words
    title = config.bibliography_title or (words["bibliography"] if bibliography.note_style else words["references"])
    source = config.bibliography[0].relative_to(config.root).as_posix()
    return Chapter(index=index, role="backmatter", source=source, text="", id="bibliography",
                   title=[{"t": "Str", "c": title}], title_text=title, classes=["bibliography"], blocks=bibliography.blocks,
                   generated=True)


# ids folio makes itself: the theme's (folio-notes, folio-toc, ...) and the EPUB's page markers
# (page-12, page-iv); and for a chapter, the names of the print parts that are not chapters
# (front, notes). An author may not write them; ids folio makes from headings step around them.
RESERVED_IDS = re.compile(r"folio-.*|page-(?:[0-9]+|[ivxlcdm]+)")
RESERVED_CHAPTER_IDS = re.compile(r"front|notes|folio-.*|page-(?:[0-9]+|[ivxlcdm]+)")
# a chapter's EPUB file is SLUG.xhtml: never the nav, cover or title page, nor a notes file
# (notes-SLUG); such a slug is prefixed chapter-
RESERVED_SLUGS = re.compile(r"nav|cover|titlepage|toc|content|notes-.*")
# an image keeps its name in the EPUB: never a name the package itself uses


def _unique(base: str, taken: set[str], reserved: re.Pattern[str] = RESERVED_IDS) -> str:
    if reserved.fullmatch(base):  # (a suffix would not leave the namespace: folio-notes-1 is folio's too)
        base = f"id-{base}"
    candidate, n = base, 0
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def _one_chapter_per_heading(chapters: list[tuple[Chapter, dict[str, Any]]], report: Reporter) -> list[tuple[Chapter, dict[str, Any]]]:
    """A file with several level-1 headings holds several chapters, as pandoc reads it (a whole
    book in one file builds). A level-1 heading that begins more than one file, followed in
    each by another, is a series title repeated at the top of every file: it is left out,
    with a warning in each file, and the file's next level-1 heading starts its chapter."""
    def level1(blocks: list[Any]) -> list[int]:
        return [i for i, b in enumerate(blocks) if b["t"] == "Header" and b["c"][0] == 1]

    firsts: dict[str, int] = {}
    for _, ast in chapters:
        found = level1(ast["blocks"])
        if len(found) > 1:
            text = stringify(ast["blocks"][found[0]]["c"][2]).strip()
            firsts[text] = firsts.get(text, 0) + 1
    out: list[tuple[Chapter, dict[str, Any]]] = []
    for chapter, ast in chapters:
        blocks, found = ast["blocks"], level1(ast["blocks"])
        if len(found) > 1 and firsts.get(text := stringify(blocks[found[0]]["c"][2]).strip(), 0) > 1:
            report.warn("series-title", chapter.source, chapter.line_of(f"# {text[:20]}"),
                        f"'{text}' is the first level-1 heading of {firsts[text]} chapter files: folio takes it for a series "
                        "title and leaves it out; delete this line from each file to say so")
            blocks = blocks[:found[0]] + blocks[found[1]:found[1] + 1] + blocks[found[0] + 1:found[1]] + blocks[found[1] + 1:]
            found = level1(blocks)
        # text before the first level-1 heading is a chapter of its own, as pandoc reads it: titled by the file's title
        # block (% Title, YAML title:) or, without one, after the file (with a warning)
        opening = found and any(b["t"] != "RawBlock" for b in blocks[:found[0]])
        starts = [0, *(found if opening else found[1:])]
        for number, (begin, end) in enumerate(zip(starts, [*starts[1:], len(blocks)])):
            piece = Chapter(index=len(out), role=chapter.role, source=chapter.source, text=chapter.text, chars=chapter.chars)
            out.append((piece, {**ast, "blocks": blocks[begin:end], **({} if number == 0 else {"meta": {}})}))
    return out


def _take_title(chapter: Chapter, ast: dict[str, Any], report: Reporter) -> None:
    """The chapter's one level-1 heading becomes its title; YAML front matter may add more."""
    meta = ast.get("meta", {})
    blocks = ast["blocks"]
    if not chapter.text.strip():
        report.error(chapter.source, 1, "the chapter file is empty", code="chapter-empty")
        return
    level1 = [i for i, b in enumerate(blocks) if b["t"] == "Header" and b["c"][0] == 1]  # one: _one_chapter_per_heading
    if level1:  # (what stands before it is raw HTML only: a comment, an anchor)
        position = level1[0]
        _level, attr, inlines = blocks[position]["c"]
        chapter.id, chapter.classes = attr[0], list(attr[1])
        chapter.short_title = dict(attr[2]).get("short-title", "").strip()
        chapter.title = inlines
        chapter.blocks = blocks[position + 1:]
    elif "title" in meta:
        chapter.title = _meta_inlines(meta["title"])
        chapter.blocks = blocks
    elif blocks:  # as pandoc would read it (more of the book); it needs a title for the contents and the nav
        name = Path(chapter.source).stem.replace("-", " ").replace("_", " ").strip().capitalize() or "Untitled"
        report.warn("chapter-untitled", chapter.source, 1, f"the chapter has no level-1 heading: it is titled '{name}' after its "
                    "file; start the file with '# Title' to choose the title")
        chapter.title = [{"t": "Str", "c": name}]
        chapter.blocks = blocks
    else:
        report.error(chapter.source, 1, "the chapter has no title: start it with '# Title' (one level-1 heading per file)", code="chapter-empty")
        chapter.blocks = blocks
    chapter.title_text = stringify(chapter.title).strip()
    if chapter.title and not chapter.title_text:
        report.error(chapter.source, chapter.line_of("# ") or 1, "the chapter's heading has no text")
    if "subtitle" in meta:
        chapter.subtitle = stringify(_meta_inlines(meta["subtitle"])).strip()
    if "short-title" in meta:
        chapter.short_title = stringify(_meta_inlines(meta["short-title"])).strip()
    if "author" in meta:
        chapter.byline = stringify(_meta_inlines(meta["author"])).strip()
    if not chapter.blocks and not chapter.title:
        report.error(chapter.source, 1, "the chapter is empty", code="chapter-empty")


def _meta_inlines(value: dict[str, Any]) -> list[dict[str, Any]]:
    if value["t"] == "MetaMap" and "name" in value["c"]:  # an author as {name, affiliation, email}
        return _meta_inlines(value["c"]["name"])
    if value["t"] == "MetaInlines":
        return value["c"]
    if value["t"] == "MetaString":
        return [{"t": "Str", "c": value["c"]}]
    if value["t"] == "MetaList":
        items: list[dict[str, Any]] = []
        for item in value["c"]:
            if items:
                items.append({"t": "Str", "c": ", "})
            items.extend(_meta_inlines(item))
        return items
    if value["t"] == "MetaBlocks":
        return [i for b in value["c"] for i in b["c"]] if value["c"] else []
    return []


def _collect_explicit_ids(chapter: Chapter, found: Survey, explicit: dict[str, tuple[Chapter, int | None]], book: Book, report: Reporter) -> None:
    """Ids the author wrote must be unique across the whole book. As in pandoc, a duplicate is a
    warning and links go to the first; the later one is renamed (id-2, ...) so the EPUB stays valid."""
    Rename = Callable[[str], None]
    idents: list[tuple[str, str, Rename]] = []  # (id, what finds its line, how to rename it)
    if chapter.id:
        idents.append((chapter.id, f"#{chapter.id}", lambda new: setattr(chapter, "id", new)))
    for kind in ID_BEARING:
        idents += [(attr[0], f"#{attr[0]}", partial(operator.setitem, attr, 0)) for attr in map(attr_of, found[kind]) if attr and attr[0]]
    for node in found["RawBlock"] + found["RawInline"]:  # ids written in raw HTML count too (and can be linked to)
        if node["c"][0].lower() in ("html", "html5", "xhtml"):
            idents += [(match[2], match[0], partial(_rename_raw_id, node, match.start(2), match[2]))
                       for match in _RAW_ID_RE.finditer(node["c"][1]) if match[2]]
    uses: dict[str, int] = {}
    renames: list[tuple[Rename, str]] = []
    for position, (ident, needle, rename) in enumerate(idents):
        uses[ident] = uses.get(ident, 0) + 1  # the same id written twice: the second is found at its own line
        line = (chapter.line_of(needle, None, uses[ident]) or chapter.line_of(f'id="{ident}"', None, uses[ident])
                or chapter.line_of(ident))
        if (RESERVED_CHAPTER_IDS if position == 0 and ident == chapter.id else RESERVED_IDS).fullmatch(ident):
            report.error(chapter.source, line, f"the id '{ident}' is one folio makes itself (for the print parts, the notes or "
                         "the page markers): choose another", code="id-reserved")
            continue
        if ident in explicit:
            other, other_line = explicit[ident]
            where = f"{other.source}:{other_line}" if other_line else other.source
            new = next(f"{ident}-{n}" for n in itertools.count(2) if f"{ident}-{n}" not in explicit)
            report.warn("id-duplicate", chapter.source, line, f"duplicate id '{ident}' (first at {where}): links to it go to the "
                        f"first; this one is renamed '{new}'")
            renames.append((rename, new))
            ident = new
        explicit[ident] = (chapter, line)
        book.id_chapter[ident] = chapter.index
        chapter.ids.add(ident)
    for rename, new in reversed(renames):  # raw HTML is rewritten from its end, so earlier offsets stay right
        rename(new)


def _rename_raw_id(node: dict[str, Any], start: int, old: str, new: str) -> None:
    text = node["c"][1]
    node["c"][1] = text[:start] + new + text[start + len(old):]


def _number_headings(chapter: Chapter, found: Survey, taken: set[str], book: Book, report: Reporter) -> None:
    """Give every heading an id (pandoc's algorithm, made unique) and check levels."""
    if not chapter.id:
        chapter.id = _unique(pandoc_identifier(chapter.title_text), taken, RESERVED_CHAPTER_IDS)
        book.id_chapter[chapter.id] = chapter.index
        chapter.ids.add(chapter.id)
    previous = 1
    for node in found["Header"]:
        level, attr, inlines = node["c"]
        text = stringify(inlines).strip()
        if not attr[0]:
            attr[0] = _unique(pandoc_identifier(text), taken)
            book.id_chapter[attr[0]] = chapter.index
            chapter.ids.add(attr[0])
        if level > previous + 1:
            report.warn("heading-level-skipped", chapter.source, chapter.line_of(text[:30] or "#"), f"heading '{text}' is level {level} after level {previous}")
        previous = level
        chapter.headings.append(Heading(level, attr[0], text, inlines))


def _extract_notes(chapter: Chapter, found: Survey, taken: set[str], book: Book, report: Reporter) -> None:
    """Number notes in reading order; turn each Note node into a NoteRef in place."""
    for node in found["Note"]:
        number = len(chapter.notes) + 1
        note_id = _unique(f"{chapter.id}-note-{number}", taken)
        ref_id = _unique(f"{chapter.id}-noteref-{number}", taken)
        for ident in (note_id, ref_id):
            book.id_chapter[ident] = chapter.index
            chapter.ids.add(ident)
        chapter.notes.append(Note(number, note_id, ref_id, node["c"]))
        node["t"], node["c"] = "NoteRef", number
    for node in found["Str"]:
        match = _UNDEFINED_NOTE_RE.search(node["c"])
        if match:
            report.error(chapter.source, chapter.line_of(match[0]), f"footnote [^{match[1]}] is called but never defined", code="note-undefined")


def _sanitise(chapter: Chapter, found: Survey, report: Reporter) -> None:
    """Clean raw HTML and Div/Span attributes in place; warn about each removal."""

    def warn(what: list[str], needle: str) -> None:
        if what:
            report.warn("raw-html-removed", chapter.source, chapter.line_of(needle), f"removed {', '.join(what)} from raw HTML")

    for node in found["RawBlock"] + found["RawInline"]:
        kind = node["t"]
        fmt, text = node["c"]
        if fmt.lower() not in ("html", "html5", "xhtml"):
            report.warn("raw-format-dropped", chapter.source, chapter.line_of(text[:30]), f"raw {fmt} is dropped from HTML outputs")
            node["c"] = ["html", ""]
            continue
        cleaned, removed = clean_raw(text, block=kind == "RawBlock")
        chapter.has_raw_html = True
        warn(removed, text.strip()[:30])
        node["c"] = ["html", cleaned or ""]
    for node in found["Div"] + found["Span"]:
        attr = node["c"][0]
        if attr[2]:
            attr[2], removed = clean_keyvals(attr[2])
            if removed:
                report.warn("raw-html-removed", chapter.source, chapter.line_of(removed[0].rstrip("=")),
                            f"removed {', '.join(removed)} from the attributes in braces (other keys are kept as data-key)")


