"""A book's own style sheets (styles/*.css) -> checked CSS and the files it uses.

In: the book folder (and a house theme's, whose sheets come first). Out: `BookStyle`s, one per file in cascade order, each with
the files its url()s name (inside the book, checked) and its text with those
URLs rewritten for the EPUB, where the style sheet lives at css/book.css; or
errors at the style sheet's line for @import, remote, file: and absolute URLs
and paths leaving the book, and `data:` URLs holding anything but a safe image
or font (`embedded.check_data_url`). The theme's own CSS is trusted and not read here.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from folio.errors import Reporter
from folio.model import Asset, BookStyle
from folio.paths import ContainmentError, contained, is_inside
from folio.source.embedded import EmbeddedError, check_data_url, css_references

_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.I | re.S)
_IMPORT = re.compile(r"@import\b", re.I)
FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2"}


HOUSE_KEY = "_house"  # where a house theme's files go in the EPUB (a book's own keep their paths)


def book_styles(root: Path, report: Reporter, house: Path | None = None) -> list[BookStyle]:
    """The house theme's style sheets (when there is one), then the book's own: the cascade order."""
    first = _styles(house, report, f"{house.name}/", f"{HOUSE_KEY}/", "house theme") if house is not None else []
    return first + _styles(root, report, "", "", "book")


def _styles(root: Path, report: Reporter, shown_prefix: str, key_prefix: str, what: str) -> list[BookStyle]:
    """The style sheets of `root`/styles (a book's or a house theme's), their files kept inside `root`."""
    folder = root / "styles"
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.css")):
        shown = shown_prefix + path.relative_to(root).as_posix()
        if not is_inside(path, [root]):
            report.error(shown, None, f"style sheet points outside the {what} folder")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            report.error(shown, None, "invalid UTF-8")
            continue
        style = BookStyle(path, shown, text, text)
        for match in _IMPORT.finditer(text):
            report.error(shown, _line(text, match.start()), "@import is not allowed: list every style sheet in styles/ instead")

        def rewrite(match: re.Match[str]) -> str:
            url = match.group(2).strip()
            line = _line(text, match.start())
            if url.startswith("data:"):
                try:
                    check_data_url(url)
                except EmbeddedError as exc:
                    report.error(shown, line, f"url(data:...): {exc}")
                return match.group(0)
            if re.match(r"[a-z][a-z0-9+.-]*:", url, re.I) or url.startswith("//"):
                report.error(shown, line, f"url({url[:60]}) is not a file in the {what}: style sheets may not load remote or file: URLs")
                return match.group(0)
            try:
                target = contained(path.parent, url.split("#")[0].split("?")[0])
                if not is_inside(target, [root]):
                    raise ContainmentError(f"'{url}' points outside the {what} folder")
            except ContainmentError as exc:
                report.error(shown, line, "url(): " + str(exc).replace("the book folder", f"the {what} folder"))
                return match.group(0)
            key = key_prefix + target.relative_to(root.resolve()).as_posix()
            media = FONT_TYPES.get(target.suffix.lower()) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            style.resources.append(Asset(key, target, media))
            return f'url("../{key}")'

        style.epub_text = _URL.sub(rewrite, text)
        _escaped_references(text, {m.group(2).strip() for m in _URL.finditer(text)}, shown, report)
        found.append(style)
    return found


def _escaped_references(text: str, plain: set[str], shown: str, report: Reporter) -> None:
    """What the plain reading above cannot see, as a CSS parser sees it (tinycss2, WeasyPrint's
    own): an @import or a url() written with CSS escapes (`@\\69mport`, `u\\72l(`) or as a
    quoted `url( "…" )` spelling the plain pattern does not match; each an error at its line."""
    import tinycss2

    for node, url in css_references(tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)):
        if url is None:
            if not _IMPORT.search(text, _offset(text, node)):
                report.error(shown, node.source_line, "@import is not allowed (here written with CSS escapes)")
        elif (url or node.type == "url") and url.strip() not in plain:
            report.error(shown, node.source_line, f"url({url[:60]}) is written with CSS escapes: write it plainly, as a file in the book")


def _offset(text: str, node: object) -> int:
    """Where a tinycss2 node starts in the text (its line and column are 1-based)."""
    line, column = getattr(node, "source_line", 1), getattr(node, "source_column", 1)
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    return start + column - 1


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1
