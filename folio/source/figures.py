"""A chapter's pictures -> checked assets and `Figure`s.

In: a chapter's surveyed AST nodes (Image, Figure, and raw HTML <img>), the `Book` being
built and its `Reporter`. Out: each image path resolved inside the book (from the book
folder, else from the chapter's own folder) and replaced by the key of a checked `Asset`;
each figure numbered, given an id if it has none, and recorded as a `Figure` with its
caption, alt text and credit; an error at its line for each image that is missing, outside
the book, remote or not a picture, a warning for each figure without alt text.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from folio.errors import Reporter
from folio.model import PLACEMENTS, Asset, Book, Chapter, Figure
from folio.paths import ContainmentError, contained
from folio.source import images
from folio.source.pandoc_ast import iter_inlines, stringify
from folio.source.sanitize import raw_attributes

Survey = dict[str, list[dict[str, Any]]]  # node type -> the chapter's nodes of it (transform.survey)
_SAFE_KEY_RE = re.compile(r"[^A-Za-z0-9._/-]+")
_PACKAGE_NAMES = re.compile(r"(?:.*\.(?:xhtml|html|opf|ncx|css)|mimetype|meta-inf/.*)", re.IGNORECASE)


def asset_key(path: Path, root: Path, assets: dict[str, Asset]) -> str:
    """The name of an image in the outputs: its path in the book with unsafe characters made
    hyphens, and made unique where two files would fold to one name (`a b.png` and `a-b.png`,
    `Map.png` and `map.png`): each file keeps its own picture."""
    resolved = path.resolve()
    base = _SAFE_KEY_RE.sub("-", resolved.relative_to(root.resolve()).as_posix())
    stem, dot, suffix = base.rpartition(".") if "." in base.rsplit("/", 1)[-1] else (base, "", "")
    key, n = base, 1
    while True:
        same = [k for k, asset in assets.items() if k.casefold() == key.casefold()]
        if not same or assets[same[0]].path == resolved:
            return same[0] if same else key
        n += 1
        key = f"{stem}-{n}{dot}{suffix}"


def _image_path(root: Path, source: str, target: str) -> Path:
    """An image path resolved as the book format has it (from the book folder), else as
    Markdown on the web has it (from the chapter's own folder: `./img/a.png` beside a
    chapter in a subfolder); the error says where it was looked for."""
    try:
        return contained(root, target)
    except ContainmentError as from_root:
        folder = PurePosixPath(source).parent
        if str(folder) == "." or from_root.kind == "refused":  # (a URL, an absolute path: refused from anywhere)
            raise
        try:
            return contained(root, posixpath.normpath(str(folder / target)))
        except ContainmentError as from_chapter:
            if from_chapter.kind == "missing" and from_root.kind == "missing":
                raise ContainmentError(f"'{target}' does not exist (looked for from the book folder and from {folder}/)",
                                       "missing") from None
            if from_chapter.kind == "missing":
                raise ContainmentError(f"'{target}' points outside the book folder (and from {folder}/ it does not exist)",
                                       "outside") from None
            raise


def _image_asset(chapter: Chapter, target: str, book: Book, report: Reporter, nth: int = 1) -> str | None:
    """Check an image path and register it as an asset; return its key. `nth`: which use of
    the path this is, for the line an error names (each use of a missing image is listed)."""
    line = chapter.line_of(target, nth=nth)
    scheme = urlsplit(target).scheme.lower()
    if scheme and len(scheme) > 1:
        report.error(chapter.source, line, f"image '{target[:80]}' is not a file in the book: remote and data: images are not fetched", code="image-missing")
        return None
    try:
        path = _image_path(book.root, chapter.source, unquote(target))
    except ContainmentError as exc:
        report.error(chapter.source, line, f"image {exc}", code="image-missing")
        return None
    key = asset_key(path, book.root, book.assets)
    if _PACKAGE_NAMES.fullmatch(key):
        report.error(chapter.source, line, f"image '{target}' has the name of a kind of file the EPUB itself is made of: "
                     "give it the extension of its picture format (.png, .jpg, ...)", code="image-missing")
        return None
    if key not in book.assets:
        try:
            book.assets[key] = images.checked_asset(key, path)
        except images.ImageError as exc:
            report.error(chapter.source, line, f"image '{target}': {exc}", code="image-missing")
            return None
    return key


_RAW_IMG_RE = re.compile(r"<img\b([^>]*?)/?>", re.IGNORECASE)


def raw_images(found: Survey) -> None:
    """An <img> of a file in raw HTML (a figure written as <figure><img ...><figcaption>) becomes
    a Markdown image in place, so it is checked, packed and sized as any other; a remote one
    stays raw HTML, which the sanitiser removes with a warning."""
    for node in found["RawInline"]:
        fmt, text = node["c"]
        match = _RAW_IMG_RE.fullmatch(text.strip())
        if fmt.lower() not in ("html", "html5", "xhtml") or match is None:
            continue
        attributes = {name.lower(): value.strip("\"'") for name, value in raw_attributes(match[1])}
        source = attributes.get("src", "")
        if not source or urlsplit(source).scheme or source.startswith("//"):
            continue
        keyvals = [[k, attributes[k]] for k in ("width", "height") if attributes.get(k, "").rstrip("px%").isdigit()]
        node["t"] = "Image"
        node["c"] = [[attributes.get("id", ""), attributes.get("class", "").split(), keyvals],
                     [{"t": "Str", "c": attributes.get("alt", "")}] if attributes.get("alt") else [], [source, attributes.get("title", "")]]
        found["Image"].append(node)
    found["RawInline"] = [node for node in found["RawInline"] if node["t"] == "RawInline"]


def check_figures_and_images(chapter: Chapter, found: Survey, book: Book, report: Reporter) -> None:
    uses: dict[str, int] = {}
    written: dict[int, tuple[str, int]] = {}  # an image node -> its path as written, and which use of it (for the line)
    for node in found["Image"]:
        target = node["c"][2]
        uses[target[0]] = uses.get(target[0], 0) + 1
        written[id(node)] = (target[0], uses[target[0]])
        target[0] = _image_asset(chapter, target[0], book, report, uses[target[0]]) or ""
        width = dict(node["c"][0][2]).get("width")
        if target[0] and width:  # (render/sizes.py checks what it prints at)
            path, nth = written[id(node)]
            chapter.asked_widths.append((target[0], width, chapter.line_of(path, nth=nth)))
    number = len(book.figures)
    for node in found["Figure"]:
        attr, caption, body = node["c"]
        image = next((n for n in iter_inlines(body) if n["t"] == "Image"), None)
        if image is None:
            continue
        number += 1
        if not attr[0]:
            attr[0] = f"figure-{number}"
            book.id_chapter[attr[0]] = chapter.index
        caption_inlines = [i for b in caption[1] for i in b["c"]] if caption[1] else []
        img_attr, alt_inlines, target = image["c"]
        keyvals = dict(img_attr[2])
        alt = stringify(alt_inlines).strip()
        if alt == stringify(caption_inlines).strip():
            alt = ""  # pandoc copies the caption when no alt= was given
            path, nth = written.get(id(image), (target[0], 1))
            report.warn("figure-no-alt", chapter.source, chapter.line_of(path, nth=nth), f"figure '{attr[0]}' has no alt= text")
        placement = keyvals.get("placement", "").strip().lower()
        if placement and placement not in PLACEMENTS:
            path, nth = written.get(id(image), (target[0], 1))
            report.warn("figure-placement", chapter.source, chapter.line_of(path, nth=nth),
                        f"figure '{attr[0]}' has placement={keyvals['placement']}: set where it floats instead "
                        f"(placement= takes {', '.join(PLACEMENTS)})")
            placement = ""
        chapter.figures.append(Figure(attr[0], target[0], caption_inlines, alt, keyvals.get("credit", ""), number,
                                      short_caption=keyvals.get("short-caption", "").strip(), placement=placement))
