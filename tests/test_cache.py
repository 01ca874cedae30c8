"""The build cache is never stale (issue 8): every input that shapes an output rebuilds it,
an unchanged book is not rebuilt at all, and one edited chapter is laid out alone."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from folio.cli import main

BIB = """@book{smith2001,
  author = {Smith, Ann},
  title = {A Book about Pages},
  publisher = {Example Press},
  address = {London},
  year = {2001},
}
"""
CHAPTERS = {
    "01-one.md": "# One\n\nThe first chapter cites a book [@smith2001, 12].\n\nA second paragraph.\n",
    "02-two.md": "# Two\n\nThe second chapter.[^1]\n\n[^1]: Its note.\n",
    "03-three.md": "# Three\n\nThe third chapter.\n",
}
YAML = """title: Cache Test
author: [Ann Author]
lang: en-US
identifier: urn:uuid:0b5ff5f8-1a0e-4c53-9d4b-8f0f3f0d7d2e
bibliography: references.bib
csl: chicago-notes-bibliography
chapters:
  - chapters/01-one.md
  - chapters/02-two.md
  - chapters/03-three.md
"""


def build(root: Path, *extra: str):
    result = CliRunner().invoke(main, ["build", str(root), "-o", str(root / "out"), *extra])
    assert result.exit_code == 0, result.output
    return result


def digests(root: Path) -> dict[str, str]:
    return {p.suffix: hashlib.sha256(p.read_bytes()).hexdigest() for p in (root / "out").glob("cache-test.*")}


def pdf_text(root: Path) -> str:
    return " ".join(" ".join(p.extract_text() or "" for p in pypdf.PdfReader(str(root / "out" / "cache-test.pdf")).pages).split())


def epub_text(root: Path) -> str:
    with zipfile.ZipFile(root / "out" / "cache-test.epub") as epub:
        return " ".join(epub.read(n).decode("utf-8") for n in epub.namelist() if n.endswith(".xhtml"))


@pytest.fixture
def book(make_book):
    return make_book(CHAPTERS, YAML, {"references.bib": BIB})


def test_unchanged_book_is_not_rebuilt(book):
    build(book)
    before = digests(book)
    result = build(book)
    assert "up to date" in result.output
    assert digests(book) == before


def test_touching_a_file_without_changing_it_does_not_rebuild(book):
    build(book)
    path = book / "chapters" / "02-two.md"
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert "up to date" in build(book).output


@pytest.mark.parametrize("change, expect_pdf, expect_epub", [
    ("style", None, "color: #a1b2c3"),
    ("template", "TEMPLATE MARK", None),
    ("bibliography", "A Book about Margins", "A Book about Margins"),
    ("csl", "Smith, A. (2001)", "Smith, A. (2001)"),
    ("book.yaml", "Cache Test Renamed", "Cache Test Renamed"),
    ("chapter", "A paragraph added later.", "A paragraph added later."),
])
def test_every_input_change_reaches_the_outputs(book, change, expect_pdf, expect_epub):
    build(book)
    before = digests(book)
    if change == "style":
        (book / "styles").mkdir()
        (book / "styles" / "extra.css").write_text("h1 { color: #a1b2c3; }\n", encoding="utf-8")
    elif change == "template":
        (book / "templates" / "print").mkdir(parents=True)
        (book / "templates" / "print" / "book.html").write_text(
            '{% extends "default/print/book.html" %}{% block halftitle %}<section class="halftitle">'
            '<p class="halftitle-title">TEMPLATE MARK</p></section>{% endblock %}', encoding="utf-8")
    elif change == "bibliography":
        (book / "references.bib").write_text(BIB.replace("Pages", "Margins"), encoding="utf-8")
    elif change == "csl":
        (book / "book.yaml").write_text(YAML.replace("chicago-notes-bibliography", "apa"), encoding="utf-8")
    elif change == "book.yaml":
        (book / "book.yaml").write_text(YAML.replace("Cache Test", "Cache Test Renamed"), encoding="utf-8")
    else:
        path = book / "chapters" / "03-three.md"
        path.write_text(path.read_text(encoding="utf-8") + "\nA paragraph added later.\n", encoding="utf-8")
    result = build(book)
    assert "up to date" not in result.output
    after = digests(book)
    name = "cache-test-renamed" if change == "book.yaml" else "cache-test"
    if change == "book.yaml":
        assert (book / "out" / f"{name}.pdf").is_file()
        text = " ".join(p.extract_text() or "" for p in pypdf.PdfReader(str(book / "out" / f"{name}.pdf")).pages)
        assert expect_pdf in text
        return
    assert after[".pdf"] != before[".pdf"]
    if expect_pdf:
        assert expect_pdf in pdf_text(book)
    if expect_epub:
        with zipfile.ZipFile(book / "out" / "cache-test.epub") as epub:
            everything = " ".join(epub.read(n).decode("utf-8", "replace") for n in epub.namelist() if n.endswith((".xhtml", ".css")))
        assert expect_epub in everything


def test_an_edited_chapter_is_laid_out_alone(book):
    build(book)
    parts = book / "out" / ".folio-cache" / "pdf"
    before = {p.name for p in parts.glob("*.pdf")}
    path = book / "chapters" / "02-two.md"
    path.write_text(path.read_text(encoding="utf-8").replace("The second chapter.", "The second chapter, edited."), encoding="utf-8")
    build(book)
    new = {p.name for p in parts.glob("*.pdf")} - before
    # only the edited chapter is laid out again: its page count did not change, so the
    # running heads and folios of every part, and the front matter's contents, are reused
    assert len(new) == 1, new
    assert "The second chapter, edited." in pdf_text(book)


def test_no_cache_builds_everything_and_writes_no_cache(book):
    build(book, "--no-cache")
    assert not (book / "out" / ".folio-cache").exists()
