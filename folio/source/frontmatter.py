"""Each chapter's own metadata -> the book's settings, as pandoc merges metadata blocks.

In: the Config read from book.yaml, and the chapters with the `meta` pandoc read from their
YAML metadata block or `%` title block. Out: the Config with that metadata merged in, and
a warning at the line of every value that is not used.

A chapter's `title`, `subtitle`, `author` and `short-title` are its own (its heading, byline and running head); an
`author` (a name, or a map with a `name`) also becomes the book's when book.yaml names none.
A file that holds only metadata (pandoc's `metadata.yml`, listed as a chapter) is the book's
metadata, title included, and no chapter (transform.py leaves it out). Every other metadata key that
book.yaml has (lang, date, publisher, rights, bibliography, csl, nocite, ...; pandoc's
`reference-section-title` as bibliography-title) is merged into the book: book.yaml wins,
and a chapter that says otherwise gets a warning; between chapters the later value wins,
as in pandoc. A value book.yaml would refuse is a warning here, and so is a key folio does
not use (pandoc's LaTeX variables: geometry, fontsize, ...) or one only book.yaml may set
(chapters, trim, theme, ...): nothing in a chapter's metadata is dropped without a word.
Values are checked by book.yaml's own option parsers, so they mean the same in both places.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import yaml

from folio.config import OPTIONS, Config
from folio.config.options import Context
from folio.config.yamlnodes import Problems
from folio.errors import Reporter
from folio.model import Chapter
from folio.source.pandoc_ast import stringify

OWN = ("title", "subtitle", "author", "short-title")  # the chapter's: its title, subtitle, byline and short title
MERGED = ("lang", "date", "publisher", "rights", "identifier", "description", "subject", "keywords", "translator", "editor",
          "illustrator", "cover-image", "bibliography", "csl", "nocite", "bibliography-title", "base-url")
PANDOC_NAMES = {"reference-section-title": "bibliography-title"}  # pandoc's name -> folio's


def _plain(value: dict[str, Any]) -> Any:
    """A pandoc metadata value as the YAML value it was written as."""
    kind, content = value["t"], value.get("c")
    if kind == "MetaBool":
        return content
    if kind == "MetaString":
        return content
    if kind == "MetaList":
        return [_plain(item) for item in content]
    if kind == "MetaMap":
        return {key: _plain(item) for key, item in content.items()}
    return stringify(content).strip()  # MetaInlines, MetaBlocks


def _parse(key: str, value: Any, root: Path) -> tuple[Any, list[str]]:
    """The value as book.yaml's option for `key` reads it, and what that option finds wrong."""
    if key == "nocite" and isinstance(value, str):  # pandoc writes citations: "@a @b" or "@*"
        value = re.findall(r"@?([^\s,;@]+)", value)
    problems = Problems()
    parsed = OPTIONS[key].parse(yaml.compose(yaml.safe_dump(value), Loader=yaml.SafeLoader), Context(root, problems))
    messages = [p.message for p in problems.items]
    paths = parsed if isinstance(parsed, tuple) else (parsed,)
    messages += [f"{key}: no such file: {p.relative_to(root)}" for p in paths if isinstance(p, Path) and not p.is_file()]
    return parsed, messages


def merge_front_matter(config: Config, chapters: list[tuple[Chapter, dict[str, Any]]], report: Reporter) -> Config:
    """The Config with every chapter's metadata merged in (see the module's docstring)."""
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}  # key -> the chapter that set it
    authors: list[str] = []
    for chapter, ast in chapters:
        meta = ast.get("meta") or {}
        only_metadata = bool(meta) and not ast.get("blocks")
        ignored: list[str] = []
        for name, value in meta.items():
            key = PANDOC_NAMES.get(name, name)

            def line() -> int:
                return chapter.line_of(f"{name}:", None) or chapter.line_of(f"% {stringify(meta[name]['c'])[:20]}", None) or 1
            if key == "author":
                authors += [a for a in _as_list(_plain(value)) if a and a not in authors]
            if key in OWN and not only_metadata:
                continue
            if key in ("title", "author") and only_metadata:  # a file of metadata only (pandoc's metadata.yml): the book's
                if key == "title" and _plain(value) != config.title:
                    report.warn("chapter-metadata", chapter.source, line(), f"title '{_plain(value)}' here differs from "
                                f"book.yaml's '{config.title}' (line {config.lines.get('title')}): book.yaml's is used")
                continue
            if key not in MERGED:
                if key in OPTIONS:
                    report.warn("chapter-metadata", chapter.source, line(), f"'{name}' is set in book.yaml, not in a chapter's "
                                "metadata: it is ignored here")
                else:
                    ignored.append(name)
                continue
            parsed, problems = _parse(key, _plain(value), config.root)
            option = OPTIONS[key]
            if problems or parsed in (None, ()):
                for problem in problems or [f"{name} is empty"]:
                    report.warn("chapter-metadata", chapter.source, line(), f"{problem}: this chapter's value is not used")
                continue
            if key in config.lines:
                if parsed != getattr(config, option.field):
                    report.warn("chapter-metadata", chapter.source, line(),
                                f"'{name}' here differs from book.yaml's (line {config.lines[key]}): book.yaml's is used; "
                                "delete it here")
                continue
            if key in merged and merged[key] != parsed:
                report.warn("chapter-metadata", chapter.source, line(), f"'{name}' here differs from {origin[key]}'s: this "
                            "later one is used, as pandoc does")
            merged[key], origin[key] = parsed, chapter.source
        if ignored:
            report.warn("chapter-metadata", chapter.source, chapter.line_of(f"{ignored[0]}:", None) or 1,
                        f"metadata folio does not use, ignored: {', '.join(ignored)} (folio's settings are in book.yaml: "
                        "docs/book-yaml.md)")
    if authors and "author" not in config.lines:
        merged["author"] = tuple(authors)
    return dataclasses.replace(config, **{OPTIONS[key].field: value for key, value in merged.items()})


def _as_list(value: Any) -> list[str]:
    """Names: a text, a list of texts, or maps with a name (pandoc templates' `author.name`)."""
    items = value if isinstance(value, list) else [value]
    return [str(item.get("name", "") if isinstance(item, dict) else item).strip() for item in items]
