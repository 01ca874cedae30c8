"""Book -> one self-contained HTML file for the web or a quick read.

In: the `Book` (read only) and an output path. Out: a single HTML file (the
print document with the screen style sheets inlined and images as data:
URLs), written atomically. It opens in any browser without other files.
"""

from __future__ import annotations

import base64
from pathlib import Path

from folio.errors import Reporter
from folio.model import Book
from folio.paths import atomic_write
from folio.pdf.writer import print_html
from folio.theme import theme_styles


def write_html(book: Book, target: Path, report: Reporter) -> Path:
    from folio.epub.writer import book_css

    def data_url(key: str) -> str:
        asset = book.assets[key]
        return f"data:{asset.media_type};base64,{base64.b64encode(asset.path.read_bytes()).decode('ascii')}"

    html = print_html(book, src=data_url)
    css = book_css(book, "epub") + "\n" + theme_styles("html")[1].read_text(encoding="utf-8")
    html = html.replace("</head>", f"<style>\n{css}\n</style>\n</head>", 1)
    with atomic_write(target) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return target
