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


def test_a_font_installed_since_the_last_build_builds_again(book, tmp_path, monkeypatch):
    """A build that warned "install fonts-noto-cjk" is not "up to date" once the font is in."""
    from folio import uptodate

    monkeypatch.setattr(uptodate, "FONT_FOLDERS", (str(tmp_path / "fonts"),))
    (tmp_path / "fonts").mkdir()
    build(book)
    assert "up to date" in build(book).output
    (tmp_path / "fonts" / "opentype").mkdir()  # a font package unpacked
    assert "up to date" not in build(book).output


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


def _add_to_note(chapter: Path, which: float, words: str) -> str:
    """Add `words` to the note at fraction `which` of a chapter's note definitions; its key."""
    paragraphs = chapter.read_text(encoding="utf-8").split("\n\n")
    notes = [i for i, p in enumerate(paragraphs) if p.startswith("[^")]
    chosen = notes[min(int(len(notes) * which), len(notes) - 1)]
    paragraphs[chosen] = paragraphs[chosen].rstrip() + " " + words
    chapter.write_text("\n\n".join(paragraphs), encoding="utf-8")
    return paragraphs[chosen].split("]", 1)[0][2:]


def _notes_entry(out: Path) -> dict:
    import json

    from folio.sealed import unseal

    parts = out / ".folio-cache" / "pdf"
    key = (parts / "latest-notes").read_text(encoding="ascii")
    return json.loads(unseal((parts / f"{key}.json").read_bytes()))  # the record folio sealed


@pytest.mark.slow
def test_an_edited_note_is_laid_out_again_from_near_it_and_the_pdf_is_a_cold_builds(tmp_path):
    """The notes are one 60-page flow (flow.py): after a sentence is added to one note, the
    layout resumes shortly before it and stops where the old page breaks come back; the PDF
    and the EPUB (whose page-list comes from it) are byte for byte those of a build from
    nothing, and so after further edits that resume from the state the one before left
    (the last of them in the book's last note, after which no page break can come back)."""
    import shutil

    from conftest import CORPUS

    from folio.weasy.flow import CHUNK_PAGES

    book = tmp_path / "book"
    shutil.copytree(CORPUS / "large", book, ignore=shutil.ignore_patterns("dist"))
    out = book / "out"
    build(book, "-q")
    pages = _notes_entry(out)["pages"]
    assert pages > 4 * CHUNK_PAGES and _notes_entry(out)["flow"]["laid_out"] == [0, pages]
    for chapter, which in (("05-book-5.md", 0.5), ("02-book-2.md", 0.3), ("09-book-9.md", 1.0)):  # 1.0: the book's last note
        _add_to_note(book / "chapters" / chapter, which, "And one sentence more, added by the test to see the notes flow again.")
        build(book, "-q")
        first, last = _notes_entry(out)["flow"]["laid_out"]
        assert 0 < first and last - first <= 3 * CHUNK_PAGES, (first, last, pages)  # not the whole part
    cold = tmp_path / "cold"
    result = CliRunner().invoke(main, ["build", str(book), "-o", str(cold), "--no-cache", "-q"])
    assert result.exit_code == 0, result.output
    for name in ("histories.pdf", "histories.epub"):
        assert (out / name).read_bytes() == (cold / name).read_bytes(), name
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(out / "histories.pdf"))  # (its last 80 pages: the notes)
    notes = " ".join(" ".join(pdf[i].get_textpage().get_text_range().split()) for i in range(len(pdf) - 80, len(pdf)))
    pdf.close()
    assert "added by the test to see the notes flow again" in notes


def test_layout_state_survives_json():
    from folio.weasy.flow import decode, encode

    state = ({0: {0: {3: {1: {141: None}}}}}, {"break": "any", "page": "back"}, False,
             ([0], {"page": [17]}, [{"pages", "page"}], [["back", 16, {0: {0: None}}]]))
    import json

    assert decode(json.loads(json.dumps(encode(state)))) == state


@pytest.mark.parametrize("edit, resumes", [
    (lambda h: h.replace("Second note.", "Second note, longer."), True),
    (lambda h: h.replace("Second note.", "Second note!").replace("Third note.", "Third note!"), False),  # two notes
    (lambda h: h.replace('<li class="note"><p><a id="c-note-3"', '<li class="note"><p>New.</p></li>\n<li class="note"><p><a id="c-note-3"'), False),
    (lambda h: h.replace("<h2>Notes to C</h2>", "<h2>Notes to Chapter C</h2>"), False),  # outside any note
])
def test_only_an_edit_inside_one_note_resumes(edit, resumes):
    from folio.weasy.flow import CHUNK_PAGES, resume_plan
    from folio.weasy.jobs import PartResult

    html = ('<section class="endnotes"><section class="note-group"><h2>Notes to C</h2><ol class="notes">\n'
            + "".join(f'<li class="note"><p><a id="c-note-{n}" href="#c-{n}">{n}</a>{word} note.</p></li>\n'
                      for n, word in enumerate(("First", "Second", "Third", "Fourth"), 1))
            + "</ol></section></section>")
    pages = {1: 0, 2: 2 * CHUNK_PAGES + 3, 3: 2 * CHUNK_PAGES + 5, 4: 3 * CHUNK_PAGES}
    old = PartResult("k", b"", 4 * CHUNK_PAGES, anchors={f"c-note-{n}": (p, 0.0, 0.0) for n, p in pages.items()},
                     chunks=[b"%PDF"] * 4, flow={"html": html, "fixes": [], "states": {str(i): None for i in range(0, 32, 8)}, "counts": {}})
    plan = resume_plan(old, edit(html))
    assert (plan == (2 * CHUNK_PAGES, "c-note-3")) if resumes else plan is None


# -- issue 17: the cache trusts nothing it reads -------------------------------------------------

def test_a_forged_ast_in_a_shipped_cache_is_not_trusted(make_book, tmp_path):
    """A book that ships dist/.folio-cache with an AST of its own making for a chapter: the
    record is not sealed by this user's folio, so the chapter is read again from its text."""
    import json

    from folio import build, load_book
    from folio.source.read import AstCache, decode_source

    root = make_book({"01.md": "# One\n\nThe true text.\n"})
    cache = AstCache(root / "dist" / ".folio-cache" / "ast")
    key = cache.key(decode_source((root / "chapters" / "01.md").read_bytes(), "chapters/01.md"))
    honest = load_book(root, cache=cache.folder)  # writes the sealed record
    forged = json.loads((cache.folder / f"{key}.json").read_bytes().rpartition(b"\nfolio-seal:")[0])
    forged["ast"]["blocks"][1]["c"] = [{"t": "Str", "c": "FORGED"}]
    (cache.folder / f"{key}.json").write_text(json.dumps(forged), encoding="utf-8")  # a plain JSON record, as shipped
    again = load_book(root, cache=cache.folder)
    assert again.chapters[0].blocks == honest.chapters[0].blocks
    epub = build(root, None, ("epub",)).outputs["epub"]
    with zipfile.ZipFile(epub) as archive:
        text = " ".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xhtml"))
    assert "The true text." in text and "FORGED" not in text


def test_a_forged_build_record_does_not_skip_the_build(book):
    """A dist/ shipped with a build record that names its own outputs: folio builds anyway."""
    import json

    out = book / "out"
    assert CliRunner().invoke(main, ["build", str(book), "-o", str(out), "--to", "epub", "-q"]).exit_code == 0
    record = out / ".folio-cache" / "build.json"
    data = json.loads(record.read_bytes().rpartition(b"\nfolio-seal:")[0])
    shipped = out / "cache-test.epub"
    shipped.write_bytes(b"PK a shipped file")
    data["outputs"]["epub"][1] = hashlib.sha256(shipped.read_bytes()).hexdigest()
    record.write_text(json.dumps(data), encoding="utf-8")  # forged: the digest of the shipped file, no seal
    result = CliRunner().invoke(main, ["build", str(book), "-o", str(out), "--to", "epub"])
    assert result.exit_code == 0 and "up to date" not in result.output
    assert zipfile.is_zipfile(shipped) and shipped.read_bytes() != b"PK a shipped file"


def test_a_part_pdf_cut_short_in_the_cache_is_laid_out_again(tmp_path):
    from folio.weasy.jobs import PartCache, PartResult

    cache = PartCache(tmp_path)
    cache.put(PartResult("a" * 64, b"%PDF-1.7 a whole part %%EOF", 1))
    (tmp_path / f"{'a' * 64}.pdf").write_bytes(b"%PDF-1.7 a who")
    assert cache.get("a" * 64) is None


def test_an_edited_hidden_chapter_is_rebuilt(make_book, tmp_path):
    """A chapter whose file name starts with a dot, or that sits in a hidden folder, is an input
    like any other: editing it rebuilds the book (it was left out, and the build said up to date)."""
    yaml = ("title: Hidden\nlang: en\nidentifier: urn:x:h\nchapters:\n  - chapters/.draft.md\n  - .drafts/two.md\n")
    root = make_book({".draft.md": "# One\n\nFirst version.\n"}, yaml=yaml, extra={".drafts/two.md": "# Two\n\nSecond, first version.\n"})
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(root), "-o", str(out), "--to", "epub"]).exit_code == 0
    for name in ("chapters/.draft.md", ".drafts/two.md"):
        (root / name).write_text((root / name).read_text().replace("first version", "edited").replace("First version", "Edited"))
        result = runner.invoke(main, ["build", str(root), "-o", str(out), "--to", "epub"])
        assert result.exit_code == 0 and "up to date" not in result.output, name
