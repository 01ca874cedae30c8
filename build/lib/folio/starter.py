"""`folio new`: a new book folder from the starter -> a book that builds right away.

In: a target folder, a title, an author and a language. Out: book.yaml with every
common key commented, two chapters that show a footnote, a figure, a citation and
a cross-reference, a references.bib, and images/ with a generated cover and
figure. Refuses to write into a folder that is not empty.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from folio.errors import Diagnostic, FolioError
from folio.theme import DEFAULT_STYLES

BOOK_YAML = """\
# book.yaml: the settings of this book. Every key is described in folio's docs/book-yaml.md.
title: {title}
# subtitle: A Subtitle
author: [{author}]
# translator: [A. Translator]        # likewise editor, illustrator
lang: {lang}                           # BCP 47: drives hyphenation and quotation marks
identifier: urn:uuid:{uuid}            # or isbn:978..., needed for the EPUB
# publisher: A Publisher
date: {year}
rights: "Copyright © {year} {author_text}. All rights reserved."
# description: One or two sentences about the book.
# subject: [Fiction]
cover-image: images/cover.png
bibliography: references.bib
csl: chicago-notes-bibliography       # or apa, modern-language-association, ... or a .csl file in the book
# citations-per-chapter: false         # true: full first citations again in every chapter
trim: 6x9                              # 5x8, 5.5x8.5, 7x10, a5, or '150mm x 220mm'
# lint:
#   ignore: [figure-no-alt]            # warning codes to silence (docs/diagnostics.md)
chapters:                              # reading order
  - file: chapters/00-preface.md
    role: frontmatter                  # frontmatter | bodymatter (default) | backmatter
  - chapters/01-first-chapter.md
"""

PREFACE = """\
# Preface {{#preface}}

This is the preface of *{title}*. Front matter pages are numbered in small roman
numerals; the first chapter starts again at 1.

Read on in [the first chapter](#first-chapter).
"""

CHAPTER = """\
# The First Chapter {{#first-chapter}}

Write your chapter in pandoc's Markdown. A footnote is a caret and a label in brackets,[^first]
and a citation is an at sign and a key from `references.bib` [@knuth1984, 97]. In the default
Chicago style, citations become notes too, numbered with your own.

## A figure {{#a-figure}}

A picture alone in its paragraph is a figure. The text in brackets is its caption; `alt=`
describes the picture for readers who cannot see it, and `credit=` adds a credit line.

![A placeholder picture: replace it with your own.](images/figure.png){{#fig-placeholder alt="A grey rectangle with a diagonal line." credit="Drawn by folio"}}

Link to [the figure above](#fig-placeholder) or to [the preface](#preface) from anywhere
in the book.

[^first]: Notes are gathered at the end of the book in print, and linked both ways.
"""

BIBLIOGRAPHY = """\
@book{knuth1984,
  author = {Knuth, Donald E.},
  title = {The {\\TeX}book},
  publisher = {Addison-Wesley},
  location = {Reading, MA},
  year = {1984}
}
"""


def create_book(target: Path, title: str, author: str, lang: str, year: int) -> list[Path]:
    """Write the starter book into `target` (new or empty); return the files written."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FolioError(Diagnostic(str(target), None, "folder exists and is not empty: choose a new folder"))
    (target / "chapters").mkdir(parents=True, exist_ok=True)
    (target / "images").mkdir(exist_ok=True)
    quoted_title = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    quoted_author = '"' + author.replace("\\", "\\\\").replace('"', '\\"') + '"'
    files = {
        "book.yaml": BOOK_YAML.format(title=quoted_title, author=quoted_author, author_text=quoted_author[1:-1], lang=lang,
                                      uuid=uuid.uuid4(), year=year),
        "chapters/00-preface.md": PREFACE.format(title=title),
        "chapters/01-first-chapter.md": CHAPTER.format(),
        "references.bib": BIBLIOGRAPHY,
    }
    written = []
    for name, text in files.items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    written += _images(target, title, author)
    return written


def _images(target: Path, title: str, author: str) -> list[Path]:
    from PIL import Image, ImageDraw, ImageFont

    def font(size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(str(DEFAULT_STYLES / "fonts" / "GentiumBookPlus-Regular.ttf"), size)

    cover = Image.new("RGB", (1600, 2400), "#2b3a42")
    draw = ImageDraw.Draw(cover)
    draw.rectangle([90, 90, 1510, 2310], outline="#d8c9a7", width=6)
    for text, size, y in ((title, 120, 700), (author, 72, 1700)):
        face = font(size)
        lines = _wrap(draw, text, face, 1300)
        for i, line in enumerate(lines):
            width = draw.textlength(line, font=face)
            draw.text(((1600 - width) / 2, y + i * size * 1.25), line, font=face, fill="#f3ead7")
    figure = Image.new("RGB", (1200, 700), "#d9d9d9")
    ImageDraw.Draw(figure).line([0, 700, 1200, 0], fill="#7a7a7a", width=8)
    paths = [target / "images" / "cover.png", target / "images" / "figure.png"]
    cover.save(paths[0], optimize=True)
    figure.save(paths[1], optimize=True)
    return paths


def _wrap(draw, text: str, face, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=face) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]
