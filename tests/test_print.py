"""Print production (issue 5): profiles, preflight, footnotes, cross-references, themes, proof spreads.

Every PDF is read back (pypdf, pypdfium2, the preflight's own reader); nothing is taken
from the build's word.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner
from conftest import CORPUS, SAMPLE, epubcheck, unexpected_warnings
from pdfprobe import pages_stopping_short, recto_page_turn_hyphens, rules_through_text, starts_by_title, uneven_spreads
from PIL import Image

from folio.check.preflight import failed, preflight
from folio.cli import main
from folio.config import load_config
from folio.pdf.profiles import PROFILES, kdp_gutter, page_geometry
from folio.pipeline import build

pytestmark = pytest.mark.slow  # builds books in every print profile and reads the PDFs back

PT = 72


def _copy(book: Path, tmp_path: Path, yaml_extra: str = "") -> Path:
    target = tmp_path / book.name
    shutil.copytree(book, target, ignore=shutil.ignore_patterns("dist"))
    if yaml_extra:
        text = (target / "book.yaml").read_text(encoding="utf-8")
        (target / "book.yaml").write_text(text.rstrip("\n") + "\n" + yaml_extra + "\n", encoding="utf-8")
    return target


def _texts(path: Path) -> list[str]:
    """Each page's text, read with pdfium (thirty times faster than pypdf on a book)."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range().replace("\r\n", "\n").replace("\r", "\n") for page in pdf]
    finally:
        pdf.close()


@pytest.fixture(scope="module")
def sample_profiles(tmp_path_factory):
    out = tmp_path_factory.mktemp("profiles")
    return {name: build(SAMPLE, out, ("pdf",), profile=name) for name in ("print", "proof", "kdp", "ingram", "screen")}


def test_proof_shows_bleed_marks_and_slug(sample_profiles):
    result = sample_profiles["proof"]
    reader = pypdf.PdfReader(str(result.outputs["pdf"]))
    page = reader.pages[0]
    assert float(page.mediabox.width) - float(page.trimbox.width) == pytest.approx(36, abs=0.5)  # 0.25 in each side
    assert float(page.trimbox.width) == pytest.approx(6 * PT, abs=0.5)
    assert "proof · sources of" in (page.extract_text() or "")
    assert reader.outline, "the proof keeps the outline"


def test_kdp_has_no_annotations_no_outline_whole_fonts_and_passes(sample_profiles):
    result = sample_profiles["kdp"]
    reader = pypdf.PdfReader(str(result.outputs["pdf"]))
    assert all("/Annots" not in page for page in reader.pages)
    assert "/Outlines" not in reader.trailer["/Root"]
    assert len(reader.pages) >= 24, "KDP prints 24 pages at least: folio pads with blank pages"
    assert result.preflight and failed(result.preflight) == []
    assert any(c.name == "fonts" and "whole" in c.detail for c in result.preflight)


def test_ingram_even_count_ending_blank_with_half_inch_margins(sample_profiles):
    result = sample_profiles["ingram"]
    texts = _texts(result.outputs["pdf"])
    assert len(texts) % 2 == 0
    assert texts[-1].strip() == ""
    assert failed(result.preflight) == []


def test_screen_is_tagged_without_blank_pages(sample_profiles):
    screen = pypdf.PdfReader(str(sample_profiles["screen"].outputs["pdf"]))
    printed = pypdf.PdfReader(str(sample_profiles["print"].outputs["pdf"]))
    assert "/StructTreeRoot" in screen.trailer["/Root"]
    assert len(screen.pages) < len(printed.pages)
    assert all((page.extract_text() or "").strip() for page in screen.pages)
    assert screen.outline


@pytest.mark.parametrize("profile", ["kdp", "ingram"])
def test_the_illustrated_book_passes_preflight_with_no_page_stopping_short(profile, tmp_path):
    """The illustrated corpus book ("We", 23 photographs) in the profiles laid out whole (KDP's
    gutter grows with the page count; IngramSpark's margins are wider): the store's preflight
    passes, and no page stops more than a fifth of its text block short while its chapter goes
    on (pages break inside hyphenated paragraphs there: a figure's split must be at the character
    the page broke at; KDP's PDF has no outline: its chapters are found by their titles). Print is checked with
    the other corpus books (test_outputs.py); proof and screen lay out print's text block
    (test_the_profiles_without_a_test_of_their_own_lay_out_print_s_text_block)."""
    result = build(CORPUS / "illustrated", tmp_path, ("pdf",), profile=profile)
    assert failed(result.preflight) == [], [c.line() for c in result.preflight]
    pdf = result.outputs["pdf"]
    reader = pypdf.PdfReader(str(pdf))
    if profile == "kdp":
        gutter = next(c for c in result.preflight if c.name == "gutter")
        assert f"at least {kdp_gutter(len(reader.pages)):g} in" in gutter.detail
    labels = reader.page_labels
    margins = page_geometry(result.book.config.trim, PROFILES[profile], len(labels))["margins"]
    titles = [chapter.title_text for chapter in result.book.chapters] + ["Notes"]
    starts = starts_by_title(pdf, titles) if profile == "kdp" else None
    assert len(starts or titles) >= len(titles)  # (the contents page opens with a title too)
    assert [(labels[i], e) for i, e in pages_stopping_short(pdf, margins, labels.index("1"), starts=starts)] == []


def test_the_profiles_without_a_test_of_their_own_lay_out_print_s_text_block():
    """Proof and screen set the text in print's text block (screen's margins are equal, its width
    the same), so the corpus books' print checks hold for them."""
    for trim in [(5.5, 8.5), (6.0, 9.0), (5.0, 8.0)]:
        block = {}
        for name in ("print", "proof", "screen"):
            margins = page_geometry(trim, PROFILES[name], 200)["margins"]
            block[name] = (round(trim[0] - margins["inner"] - margins["outer"], 2), round(trim[1] - margins["top"] - margins["bottom"], 2))
        assert block["proof"] == block["print"] == block["screen"], block


def test_large_corpus_book_with_kdp(tmp_path):
    """306k words at 6 x 9 in are more pages than KDP prints: the preflight says so and nothing else fails."""
    result = build(CORPUS / "large", tmp_path, ("pdf",), profile="kdp")
    bad = failed(result.preflight)
    pages = len(pypdf.PdfReader(str(result.outputs["pdf"])).pages)
    if pages > 828:
        assert [c.name for c in bad] == ["page count"]
        assert "KDP prints 24 to 828 pages" in bad[0].detail
    else:
        assert bad == []


def _one_chapter_book(make_book, body: str, yaml_extra: str = "", extra: dict | None = None) -> Path:
    chapters = {"01-one.md": f"# One\n\n{body}\n"}
    listed = "\n".join(f"  - chapters/{n}" for n in chapters)
    yaml = (f"title: Planted\nlang: en-US\nidentifier: urn:uuid:0b5ff5f8-1a0e-4c53-9d4b-8f0f3f0d7d2e\n{yaml_extra}\n"
            f"chapters:\n{listed}\n")
    return make_book(chapters, yaml, extra)


def test_preflight_fails_a_100_ppi_image(make_book, tmp_path):
    image = Image.new("RGB", (300, 200), (90, 120, 160))
    path = tmp_path / "low.png"
    image.save(path)
    # folio never prints an image above 150 pixels an inch by itself; the book's style enlarges this one
    body = "Some text.\n\n![A low-resolution picture.](images/low.png){alt=\"Blue\"}\n\nMore text.\n"
    style = "figure img { width: 3in !important; height: 2in !important; }"
    book = _one_chapter_book(make_book, body, extra={"images/low.png": path.read_bytes(), "styles/big.css": style})
    result = build(book, tmp_path / "out", ("pdf",), profile="kdp")
    check = next(c for c in result.preflight if c.name == "image resolution")
    assert check.status == "fail"
    assert "below 150 ppi" in check.detail and "lowest 100 ppi" in check.detail
    assert "images/low.png (300 × 200 px) printed 3.00 in wide at 100 ppi" in check.detail  # which file, and its numbers


def test_preflight_fails_a_missing_glyph(make_book, tmp_path):
    book = _one_chapter_book(make_book, "A private-use character \U0010fffd no font has.")
    result = build(book, tmp_path / "out", ("pdf",), profile="print")
    assert [d.code for d in result.warnings if "\U0010fffd" in d.message] == ["font-missing-glyph", "font-missing-glyph"]  # before and after the layout
    check = next(c for c in preflight(result.outputs["pdf"], load_config(book), "kdp") if c.name == "missing glyphs")
    assert check.status == "fail" and check.pages


def test_preflight_fails_a_too_small_gutter(make_book, tmp_path):
    style = "@page :right { margin-left: 0.2in; } @page :left { margin-right: 0.2in; }"
    book = _one_chapter_book(make_book, "Text near the spine. " * 200, extra={"styles/narrow.css": style})
    result = build(book, tmp_path / "out", ("pdf",), profile="kdp")
    check = next(c for c in result.preflight if c.name == "gutter")
    assert check.status == "fail"
    assert "closer than 0.375 in to the spine" in check.detail
    runner = CliRunner()
    outcome = runner.invoke(main, ["preflight", str(book), "--profile", "kdp", "-o", str(tmp_path / "out"), "--no-build"])
    assert outcome.exit_code == 1
    assert "FAIL  gutter" in outcome.output


def test_footnotes_never_leave_their_call(tmp_path):
    """The small book (48 notes) and the large one's first book (its notes of every kind: the
    whole book costs two minutes more and adds no other kind of case)."""
    for name in ("small", "large"):
        book = _copy(CORPUS / name, tmp_path, "notes: footnotes")
        if name == "large":  # the books left out are linked to: those links become their text
            yaml_text = (book / "book.yaml").read_text(encoding="utf-8")
            kept = [line for line in yaml_text.splitlines() if not re.match(r"\s+- chapters/0[2-9]", line)]
            (book / "book.yaml").write_text("\n".join(kept) + "\n", encoding="utf-8")
            for chapter in (book / "chapters").glob("0[0-1]*.md"):
                text = chapter.read_text(encoding="utf-8")
                chapter.write_text(re.sub(r"\[([^\]]*)\]\(#chapter-[2-9]-[^)]*\)", r"\1", text), encoding="utf-8")
        result = build(book, tmp_path / f"out-{name}", ("pdf",))
        assert unexpected_warnings(result) == []
        checks = preflight(result.outputs["pdf"], load_config(book), "print")
        footnotes = next(c for c in checks if c.name == "footnotes")
        assert footnotes.status == "pass", footnotes.line()
        markers = sum(len(re.findall(r"^\s*\d+\.\u2002", t, re.M)) for t in _texts(result.outputs["pdf"]))
        assert markers >= 0.75 * result.book.note_count, "the notes are at the foot of their pages"


def test_footnotes_opening_with_a_block(make_book, tmp_path):
    """A note called in a chapter's title and opening with a quotation, one opening with verse:
    each number starts its note's first line, and no rule is drawn through a note (the hidden
    title in the running heads' layout drew its footnote area's rule over the page's notes)."""
    body = ("A claim.[^2] " + "Words that fill the page. " * 60 + "Another claim.[^3]\n\n"
            "[^1]:\n    > \u201cThe present chapter has given greater offence than any other portion of the writings.\u201d\n"
            "    >\n    > \u2014Burd, *Il Principe*, p. 297\n\n"
            "[^2]:\n    | Alexander never did what he said,\n    | Cesare never said what he did.\n\n"
            "[^3]: A plain note.")
    book = _one_chapter_book(make_book, body, "notes: footnotes")
    (book / "chapters" / "01-one.md").write_text(f"# One[^1]\n\n{body}\n", encoding="utf-8")
    result = build(book, tmp_path / "out", ("pdf",), profile="print")
    assert unexpected_warnings(result) == []
    text = "\n".join(_texts(result.outputs["pdf"]))
    assert re.search(r"^1\.[^\S\n]*\u201cThe present chapter", text, re.M), text
    assert re.search(r"^2\.[^\S\n]*Alexander never did", text, re.M), text
    assert re.search(r"^3\.[^\S\n]*A plain note", text, re.M), text
    assert not re.search(r"^\d\.\s*$", text, re.M), "a note's number alone on its line"
    assert rules_through_text(result.outputs["pdf"]) == []


def test_notes_at_chapter_end(make_book, tmp_path):
    book = _one_chapter_book(make_book, "A claim.[^1]\n\n[^1]: The note to it.")
    result = build(book, tmp_path / "out", ("pdf", "epub"), profile="print")
    (text,) = [t for t in _texts(result.outputs["pdf"]) if "A claim" in t]
    assert "Notes" not in text
    book_yaml = book / "book.yaml"
    book_yaml.write_text(book_yaml.read_text() + "notes: chapter\n")
    result = build(book, tmp_path / "out2", ("pdf", "epub"))
    (text,) = [t for t in _texts(result.outputs["pdf"]) if "A claim" in t]
    assert text.index("A claim") < text.index("Notes") < text.index("The note to it")
    assert epubcheck(result.outputs["epub"])["errors"] == 0


def test_cross_references_resolve_in_pdf_and_epub(tmp_path):
    result = build(SAMPLE, tmp_path, ("pdf", "epub"))
    reader = pypdf.PdfReader(str(result.outputs["pdf"]))
    labels = list(reader.page_labels)
    figure_page = next(labels[i] for i, page in enumerate(reader.pages) if "Figure 1.1." in (page.extract_text() or "")
                       and "List of" not in (page.extract_text() or ""))
    text = " ".join(" ".join(_texts(result.outputs["pdf"])).split())
    assert "path from folder to book is Figure 1.1" in text
    assert "listed in Table 1.1" in text and "is Chapter 2" in text and "“What goes where”" in text
    assert f"the diagram is on page {figure_page}" in text
    with zipfile.ZipFile(result.outputs["epub"]) as epub:
        chapter = next(epub.read(n).decode() for n in epub.namelist() if n.endswith("03-from-page-to-print.xhtml"))
        nav = epub.read(next(n for n in epub.namelist() if n.endswith("nav.xhtml"))).decode()
    assert re.search(r'<a class="xref" href="01-a-book-is-a-folder.xhtml#fig:pipeline">Figure 1\.1</a>', chapter)
    assert f'href="01-a-book-is-a-folder.xhtml#fig:pipeline">page {figure_page}</a>' in chapter
    assert 'epub:type="lot"' in nav and "Table 1.1. The parts of a book folder" in nav


def test_unknown_cross_reference_is_an_error_with_its_line(make_book):
    book = _one_chapter_book(make_book, "Text.\n\nSee @fig:nowhere for more.", "numbering: chapter")
    outcome = CliRunner().invoke(main, ["build", str(book), "-q"])
    assert outcome.exit_code == 1
    assert "chapters/01-one.md:5: cross-reference '@fig:nowhere': no figure with id 'nowhere' or 'fig:nowhere'" in outcome.output
    assert "Traceback" not in outcome.output


def test_proof_writes_spreads_with_facing_pages(tmp_path):
    outcome = CliRunner().invoke(main, ["proof", str(SAMPLE), "-o", str(tmp_path), "--width", "100"])
    assert outcome.exit_code == 0, outcome.output
    sheet = next(tmp_path.glob("*-spreads-01.png"))
    image = Image.open(sheet).convert("RGB")
    pdf = next(tmp_path.glob("*-proof.pdf"))
    trim = pypdf.PdfReader(str(pdf)).pages[0].trimbox
    page_w, page_h = 100, round(100 * float(trim.height) / float(trim.width))
    gap = 18
    # first spread: no verso (the sheet's grey shows), the first page alone on the right
    assert image.getpixel((gap + page_w // 2, gap + page_h // 2)) == (200, 200, 200)
    assert image.getpixel((gap + page_w + 5, gap + 5)) == (255, 255, 255)
    # second spread: pages 2 and 3 side by side
    assert image.getpixel((gap + 2 * page_w + gap + 5, gap + 5)) == (255, 255, 255)
    assert image.getpixel((gap + 3 * page_w + gap + 5, gap + 5)) == (255, 255, 255)
    assert (tmp_path / f"{pdf.stem}-report.txt").is_file()
    assert "layout problem" in outcome.output


def test_footnote_check_fails_when_notes_leave_their_calls(tmp_path):
    """A book style that undoes folio's footnote placement (and its fixes): the build warns and
    the preflight, reading the PDF, finds the notes set away from their calls."""
    book = _copy(CORPUS / "small", tmp_path, "notes: footnotes")
    (book / "styles").mkdir(exist_ok=True)
    (book / "styles" / "loose.css").write_text(
        ".footnote { footnote-policy: auto !important; }\n"
        "p { break-before: auto !important; widows: 2 !important; orphans: 2 !important; }\n", encoding="utf-8")
    result = build(book, tmp_path / "out", ("pdf",))
    warned = [d for d in result.warnings if "not on the page of its call" in d.message]
    assert warned
    check = next(c for c in preflight(result.outputs["pdf"], load_config(book), "print") if c.name == "footnotes")
    assert check.status == "fail" and len(check.pages) >= len(warned) // 2


@pytest.mark.parametrize("trim, length", [("6x9", 10_000), ("2in x 2in", 1_500)])
def test_no_word_runs_off_the_page(make_book, tmp_path, trim, length):
    """A 10,000-character word, a long URL and a 40-character code span, and a title of long words
    on a 2-inch trim: every character is drawn on its page (they break where they must)."""
    body = ("Before " + "x" * length + " after, a URL https://example.org/a/very/long/path/that/goes/on/for/ever.html "
            "in the text and `0123456789abcdef0123456789abcdef01234567` in code.")
    book = _one_chapter_book(make_book, body, yaml_extra=f"trim: {trim}")
    yaml = (book / "book.yaml").read_text(encoding="utf-8").replace("title: Planted", "title: Incomprehensibilities Extraordinarily")
    (book / "book.yaml").write_text(yaml, encoding="utf-8")
    result = build(book, tmp_path / "out", ("pdf", "epub"))
    import pdfplumber

    off = []
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        for index, page in enumerate(pdf.pages):
            off += [(index, c["text"]) for c in page.chars if c["x0"] < -0.5 or c["x1"] > page.width + 0.5]
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert off == []
    assert text.count("x") >= length  # drawn, not dropped
    assert epubcheck(result.outputs["epub"])["errors"] == 0


def test_a_table_wider_than_the_page_is_a_warning_at_its_line(make_book, tmp_path):
    """Forty columns cannot fit a 6 x 9 page: a warning at the table's line (its first row's, not
    where its first cell's text first stands), in the parts build and in the one-document (proof)
    build alike; a table that fits says nothing."""
    wide = "| " + " | ".join(f"c{i}" for i in range(40)) + " |\n|" + "---|" * 40 + "\n| " + " | ".join("x" for _ in range(40)) + " |\n"
    book = _one_chapter_book(make_book, "Some text on c0, c1 and c2.\n\n" + wide + "\nA table that fits:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    for profile in ("print", "proof"):
        result = build(book, tmp_path / profile, ("pdf",), profile=profile)
        found = [d.format() for d in result.diagnostics if d.code == "table-too-wide"]
        assert len(found) == 1 and found[0].startswith("chapters/01-one.md:5: warning: a table on page 1 is "), found


LISTS_AND_CODE = """Start at four:

4. four
5. five

Roman:

i. one
ii. two

Upper alpha with parens:

(A) alpha
(B) beta

Lower alpha paren:

a) first
b) second

Examples:

(@) An example.
(@) Another.

Interruption.

(@) A third example.

```
console.log("a hyphenatable configuration of considerations"); $EDITOR cdfdb2c4b8e7f9a1d3c5e7f9a1b3c5d7e9f1a3b5
representationalism internationalization incomprehensibilities characteristically
```
"""


def test_list_markers_are_printed_as_written_and_code_is_never_hyphenated(make_book, tmp_path):
    """pandoc's start numbers, roman and alphabetic markers, `a)` and `(A)` delimiters and
    example lists in the PDF (WeasyPrint ignores start= and type= without presentational hints);
    no hyphen in a monospace font; the EPUB keeps start= and type= and passes EPUBCheck."""
    import pdfplumber

    book = _one_chapter_book(make_book, LISTS_AND_CODE)
    result = build(book, tmp_path / "out", ("pdf", "epub"))
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        hyphens = [c for page in pdf.pages for c in page.chars if "Mono" in c["fontname"] and c["text"] in "\u2010\u00ad-"]
    for line in ("4. four", "5. five", "i. one", "ii. two", "(A) alpha", "(B) beta", "a) first", "b) second",
                 "(1) An example.", "(2) Another.", "(3) A third example."):
        assert f"\n{line}\n" in text, line
    assert hyphens == []
    report = epubcheck(result.outputs["epub"])
    assert (report["errors"], report["warnings"]) == (0, 0), report["messages"]
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        chapter = next(archive.read(n).decode() for n in archive.namelist() if n.endswith("01-one.xhtml"))
    assert '<ol start="4"' in chapter and '<ol type="i"' in chapter and '<ol type="A"' in chapter


def test_a_long_listing_starts_where_it_stands_and_a_short_one_stays_whole(make_book, tmp_path):
    """A 60-line listing after a paragraph starts on the paragraph's page (it was pushed whole to
    the next one, leaving half a page blank); a 5-line listing is never split."""
    import pdfplumber

    long_listing = "\n".join(f"line_{n:02d} = compute({n})" for n in range(60))
    short_listing = "\n".join(f"short_{n} = {n}" for n in range(5))
    body = ("A paragraph before the long listing. " * 20 + "\n\n```\n" + long_listing + "\n```\n\n"
            + "Filler text. " * 160 + "\n\n```\n" + short_listing + "\n```\n")
    book = _one_chapter_book(make_book, body)
    result = build(book, tmp_path / "out", ("pdf",))
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
    where = lambda word: [i for i, text in enumerate(pages) if word in text]  # noqa: E731
    assert where("line_00")[0] == where("A paragraph before")[0]
    assert len({*where("short_0"), *where("short_4")}) == 1


@pytest.mark.slow
def test_the_contents_numbers_share_one_right_edge_and_no_line_holds_leaders_alone(small_built):
    """The small corpus book's contents (titles up to three lines long, roman folios for the
    front matter): every page number ends on one right edge, and no line is leaders alone."""
    import re

    import pdfplumber

    with pdfplumber.open(small_built.pdf) as pdf:
        pages = [[line for line in page.extract_text_lines() if re.search(r"\. \. \.[ .]*\s?([0-9]+|[ivxlc]+)$", line["text"])]
                 for page in pdf.pages[:12]]
    entries = [line for page in pages for line in page]
    assert len(entries) >= 25
    for page in pages:  # (a verso's text block stands further left than a recto's)
        rights = [line["x1"] for line in page]
        assert not page or max(rights) - min(rights) < 0.6, sorted({round(r, 1) for r in rights})
    assert not [line["text"] for line in entries if re.fullmatch(r"[. ]*([0-9]+|[ivxlc]+)", line["text"].strip())]


@pytest.mark.slow
def test_running_heads_hold_on_one_line_short_title_first_else_shortened_with_a_warning(make_book, tmp_path):
    """A chapter title too long for the running head is shortened at a word with an ellipsis
    and a warning naming the chapter; a short-title (heading attribute or chapter metadata) is
    used instead, in the running heads and the contents; in the classic theme's spaced small
    capitals too. Read back: no page's head zone holds two lines."""
    import re

    import pdfplumber

    long = "How Many Kinds of Principalities There Are, and by What Means They Are Acquired in the Long Run"
    text = " ".join(["A sentence that fills the page with words so the chapter runs on."] * 120)
    chapters = {"01-one.md": f"# {long}\n\n{text}\n",
                "02-two.md": f"# {long} Again {{short-title=\"Principalities\"}}\n\n{text}\n",
                "03-three.md": f"---\nshort-title: Kinds of Rule\n---\n\n# {long} Once More\n\n{text}\n"}
    for theme in ("default", "classic"):
        yaml = (f"title: Heads\ntheme: {theme}\nlang: en\nidentifier: urn:uuid:0b5ff5f8-1a0e-4c53-9d4b-8f0f3f0d7d63\n"
                "chapters: [chapters/01-one.md, chapters/02-two.md, chapters/03-three.md]\n")
        root = make_book(chapters, yaml)
        result = build(root, tmp_path / theme, ("pdf",))
        warned = [d.format() for d in result.diagnostics if d.code == "running-head-long"]
        assert len(warned) == 1 and warned[0].startswith("chapters/01-one.md:1: warning: the running head 'How Many"), warned
        with pdfplumber.open(result.outputs["pdf"]) as pdf:
            heads = []
            for page in pdf.pages:
                words = [w for w in page.extract_words() if w["top"] < 50]
                assert len({round(w["top"]) for w in words}) <= 1, " ".join(w["text"] for w in words)
                heads.append(" ".join(w["text"] for w in words))
            contents = " ".join(page.extract_text() for page in pdf.pages[:6])
        heads_text = "\n".join(heads).upper()
        assert "PRINCIPALITIES" in heads_text and "KINDS OF RULE" in heads_text and "\u2026" in heads_text
        assert re.search(r"Principalities\s*[. ]+\d", contents) and "Kinds of Rule" in contents


@pytest.mark.slow
def test_front_matter_as_a_designer_sets_it(make_book, tmp_path):
    """The publisher stands at the foot of the title page; the copyright page gives the edition
    and the ISBN, hyphenated, never an internal identifier (a urn:uuid); an epigraph is set to
    the left with its attribution (a last paragraph opening with a dash) to the right."""
    import pdfplumber

    chapter = "# One\n\n::: {.epigraph}\nThe book is a machine to think with.\n\n— I. A. Richards\n:::\n\nText.\n"
    for identifier, shown in (("isbn:9780306406157", "ISBN 978-0-306-40615-7"), ("urn:uuid:0b5ff5f8-1a0e-4c53-9d4b-8f0f3f0d7d64", "")):
        yaml = (f"title: Front\npublisher: Example Press\nedition: Second edition\nlang: en\nidentifier: {identifier}\n"
                "chapters: [chapters/01.md]\n")
        result = build(make_book({"01.md": chapter}, yaml), tmp_path / identifier[:4], ("pdf",))
        with pdfplumber.open(result.outputs["pdf"]) as pdf:
            texts = [page.extract_text() or "" for page in pdf.pages]
            title_page = next(page for page, text in zip(pdf.pages, texts) if "Front" in text and "Example Press" in text
                              and "Second edition" not in text)
            copyright_text = next(text for text in texts if "Second edition" in text)
            publisher = next(line for line in title_page.extract_text_lines() if "Press" in line["text"].title())
            body = next(page for page, text in zip(pdf.pages, texts) if "machine to think" in text)
            quote = next(line for line in body.extract_text_lines() if "machine" in line["text"])
            attribution = next(line for line in body.extract_text_lines() if "Richards" in line["text"])
            text_bottom = title_page.height - 0.75 * 72  # the text block's foot, within its bottom margin
        assert publisher["bottom"] > title_page.height * 0.75 and publisher["bottom"] < text_bottom + 1, publisher
        assert (shown in copyright_text) if shown else "urn:uuid" not in copyright_text and "ISBN" not in copyright_text
        assert quote["x0"] < attribution["x0"] and attribution["x1"] > quote["x1"]


@pytest.mark.slow
def test_an_image_asked_wider_than_its_pixels_allow_keeps_its_width_or_shrinks_when_asked(make_book, tmp_path):
    """{width=100%} on a 300-pixel picture: printed at the text block's width, with a warning at its
    line giving its pixels, printed width and resolution, the words preflight fails it with; with
    image-resolution: shrink it prints at 150 ppi (2 in), and the build says so."""
    import pdfplumber

    image = Image.new("RGB", (300, 200), (90, 120, 160))
    path = tmp_path / "low.png"
    image.save(path)
    body = "Some text.\n\n![A low-resolution picture.](images/low.png){alt=\"Blue\" width=100%}\n\nMore text.\n"
    for setting in ("", "image-resolution: shrink"):
        book = _one_chapter_book(make_book, body, setting, extra={"images/low.png": path.read_bytes()})
        result = build(book, tmp_path / (setting[:5] or "keep"), ("pdf",), profile="kdp")
        warned = [d.format() for d in result.diagnostics if d.code == "image-low-resolution"]
        with pdfplumber.open(result.outputs["pdf"]) as pdf:
            [picture] = [im for page in pdf.pages for im in page.images]
        printed = (picture["x1"] - picture["x0"]) / 72
        check = next(c for c in result.preflight if c.name == "image resolution")
        if not setting:
            assert 3.5 < printed < 5  # the text block's width, as asked
            words = f"images/low.png (300 × 200 px) printed {printed:.2f} in wide at {300 / printed:.0f} ppi"
            assert len(warned) == 1 and warned[0].startswith(f"chapters/01-one.md:5: warning: image {words}"), warned
            assert check.status == "fail" and words in check.detail
        else:
            assert abs(printed - 2.0) < 0.02  # 300 pixels at 150 ppi
            assert len(warned) == 1 and "image-resolution: shrink prints it 2.00 in wide instead" in warned[0], warned
            assert check.status != "fail"


@pytest.mark.slow
@pytest.mark.parametrize("notes", ["endnotes", "footnotes"])
def test_a_note_call_never_starts_a_line(make_book, tmp_path, notes):
    """Calls after a word's full stop at every width the text block takes between two sizes:
    none is carried to the start of a line alone (a word joiner binds it to the word before)."""
    import pdfplumber

    words = "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn".split()
    text = " ".join(f"{w}.[^{n}]" for n, w in enumerate(words * 6, 1))
    defs = "\n".join(f"[^{n}]: Note {n}." for n in range(1, len(words) * 6 + 1))
    starts = 0
    for trim in ("5x8", "5.25x8", "5.5x8.5", "6x9"):
        book = _one_chapter_book(make_book, f"{text}\n\n{defs}", f"trim: {trim}\nnotes: {notes}")
        result = build(book, tmp_path / f"{notes}-{trim}", ("pdf",))
        with pdfplumber.open(result.outputs["pdf"]) as pdf:
            page = next(p for p in pdf.pages if "aaaa" in (p.extract_text() or ""))
            lines = [line for line in page.extract_text_lines() if "aaaa" in line["text"] or "." in line["text"]]
            starts += sum(1 for line in lines if line["text"][:1].isdigit() and line["chars"][0]["size"] < 8)
    assert starts == 0


@pytest.mark.slow
def test_capitalised_words_and_the_book_s_own_words_break_as_the_book_says(make_book, tmp_path):
    """No line ends in a broken capitalised word (Lind-bergh) unless hyphenate-capitalized: true;
    a word of book.yaml's hyphenation: list breaks only at its written hyphens, or never."""
    import pdfplumber

    text = " ".join(["Lindbergh and Philadelphia flew over the incomprehensibilities of Massachusetts, "
                     "characteristically uncharacteristic, with Constantinople and internationalisation."] * 40)
    found = {}
    for setting in ("", "hyphenate-capitalized: true", "hyphenation: [incomprehensibilities, uncharacter-istic]"):
        book = _one_chapter_book(make_book, text, f"trim: 5x8\n{setting}")
        result = build(book, tmp_path / (setting[:12] or "default"), ("pdf",))
        with pdfplumber.open(result.outputs["pdf"]) as pdf:
            lines = [line["text"] for page in pdf.pages for line in page.extract_text_lines()]
        broken = [line.split()[-1] for line in lines if line.endswith(("-", "\u2010")) and line.split()]
        found[setting] = broken
    assert found[""] and not [w for w in found[""] if w[:1].isupper()], found[""]
    assert [w for w in found["hyphenate-capitalized: true"] if w[:1].isupper()], found["hyphenate-capitalized: true"]
    own = found["hyphenation: [incomprehensibilities, uncharacter-istic]"]
    assert not [w for w in own if w.startswith("incompre")] and all(w == "uncharacter-" for w in own if w.startswith("uncha")), own


@pytest.mark.slow
def test_proof_reports_white_space_and_short_last_pages_that_are_there(tmp_path):  # noqa: C901
    """folio proof on the illustrated corpus book's first five chapters (17 photographs), its
    figures set `placement="here"` (where WeasyPrint sets them: they do not float), reports the
    pages whose text stops more than a fifth of the text block above its foot before a figure,
    and the chapter ends of fewer than four lines, each at a source line; read back from the
    proof PDF, every page it names is as it says."""
    import re

    import pdfplumber
    from conftest import illustrated_part

    book = illustrated_part(tmp_path / "illustrated")
    for chapter in (book / "chapters").glob("*.md"):
        text = chapter.read_text(encoding="utf-8")
        chapter.write_text(re.sub(r"\{#(illustration-\d+)", r'{#\1 placement="here"', text), encoding="utf-8")
    outcome = CliRunner().invoke(main, ["proof", str(book), "-o", str(tmp_path / "out"), "--width", "60"])
    assert outcome.exit_code == 0, outcome.output
    report = next((tmp_path / "out").glob("*-report.txt")).read_text(encoding="utf-8")
    holes = re.findall(r"page +(\S+) +white space +(chapters/\S+\.md):(\d+): (\d+)% of the page empty", report)
    stubs = re.findall(r"page +(\S+) +short last page +(chapters/\S+\.md):(\d+): (\d) lines? alone", report)
    assert len(holes) >= 4, report  # (the chapter ends are mended: any still reported is checked below)
    pdf_path = next((tmp_path / "out").glob("*-proof.pdf"))
    labels = pypdf.PdfReader(str(pdf_path)).page_labels
    with pdfplumber.open(pdf_path) as pdf:
        body = [line for index in range(labels.index("2"), labels.index("12")) for line in pdf.pages[index].extract_text_lines()
                if 10 < line["chars"][0]["size"] < 11]
        top, foot = min(line["top"] for line in body), max(line["bottom"] for line in body)  # the text block, from full pages
        for label, _source, _line, empty in holes:
            page = pdf.pages[labels.index(label)]
            inside = [line["bottom"] for line in page.extract_text_lines() if top - 2 < line["top"] and line["bottom"] < foot + 2]
            inside += [image["bottom"] for image in page.images if image["top"] > top - 2]
            assert (foot - max(inside)) / (foot - top) > 0.18, (label, empty)  # as reported (within the measures' error)
        for label, _source, _line, count in stubs:
            page = pdf.pages[labels.index(label)]
            text = [line for line in page.extract_text_lines() if top - 2 < line["top"] and line["bottom"] < foot + 2]
            assert len(text) == int(count), (label, [line["text"] for line in text])
    # uneven spreads: each one read back (both pages going on, ending in text) is reported, as far
    # apart as it says; no word is hyphenated across a recto's page turn, and none is reported
    margins = page_geometry(load_config(book).trim, PROFILES["proof"], len(labels))["margins"]
    uneven = re.findall(r"page +(\S+) +uneven spread +(chapters/\S+\.md):(\d+): ends ([\d.]+) pt above", report)
    reported = {label: float(apart) for label, _source, _line, apart in uneven}
    for verso, apart in uneven_spreads(pdf_path, margins, labels.index("1")):
        label = next((labels[i] for i in (verso, verso + 1) if labels[i] in reported), None)
        assert label is not None, (labels[verso], apart, report)
        assert abs(reported[label] - apart) < 1.0, (label, reported[label], apart)
    assert "page-turn hyphen" not in report and recto_page_turn_hyphens(pdf_path, margins, labels.index("1")) == []
    assert "leader line alone" not in report  # the theme's contents: each number ends its entry's last line


@pytest.mark.slow
def test_a_note_that_opens_with_a_quotation_or_verse_has_its_number_on_its_first_line(make_book, tmp_path):
    """In the endnotes, a note that begins with a block quotation or a line of verse shows its
    number on the line of its first words, not alone on a line above them."""
    import pdfplumber

    body = ("Text with a quoting note.[^q] And a verse note.[^v]\n\n"
            "[^q]:\n    > Quoted words open this note.\n\n    And a comment follows.\n\n"
            "[^v]:\n    | Verse opens this note,\n    | and a second line.\n")
    result = build(_one_chapter_book(make_book, body), tmp_path / "out", ("pdf",))
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        notes = next(page for page in pdf.pages if "Quoted words" in (page.extract_text() or ""))
        lines = [line["text"] for line in notes.extract_text_lines() if line["top"] < notes.height * 0.88]  # (not the folio)
    assert any(line.startswith("1") and "Quoted words" in line for line in lines), lines
    assert any(line.startswith("2") and "Verse opens" in line for line in lines), lines
    assert not [line for line in lines if line.strip() in ("1", "2")]


@pytest.mark.slow
def test_drop_caps_span_two_lines_on_their_cap_height_and_baseline(tmp_path):
    """The classic theme's drop cap on The Prince's chapter openers: its top on the first line's
    cap height, its baseline on the second line's, within half a point; a one-line opening
    paragraph does not let the next paragraph run beside it."""
    import pdfplumber

    book = _copy(CORPUS / "small", tmp_path, "theme: classic")
    yaml_text = (book / "book.yaml").read_text(encoding="utf-8")  # its first eleven chapters: openers enough, a third of the time
    kept = [line for line in yaml_text.splitlines() if not re.match(r"\s+- chapters/(1[1-9]|2\d)-", line)]
    (book / "book.yaml").write_text("\n".join(kept) + "\n", encoding="utf-8")
    (book / "chapters" / "03-chapter-1.md").write_text("# I: A Short Opening\n\nOne line only.\n\nThe next paragraph starts "
                                                       "here and runs on for a while so that it fills a line or two.\n",
                                                       encoding="utf-8")
    result = build(book, tmp_path / "out", ("pdf", "epub"))
    assert unexpected_warnings(result) == []  # the classic theme: no warning, its classes, a valid EPUB
    from folio.pdf.document import print_html
    from folio.pipeline import load_book

    assert '<body class="theme-classic drop-caps small-caps-openers notes-endnotes">' in print_html(load_book(book))
    assert epubcheck(result.outputs["epub"])["errors"] == 0
    cap_height = 0.615234375  # Gentium Book Plus
    measured = 0
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        for page in pdf.pages:
            drops = [c for c in page.chars if c["size"] > 30]  # (the title page's title is 25 pt)
            if not drops:
                continue
            drop, height = drops[0], page.height
            baseline = height - drop["matrix"][5]
            lines = sorted({round(height - c["matrix"][5], 2) for c in page.chars if 10 < c["size"] < 11 and height - c["matrix"][5] > baseline - 30})
            if "ne line only" in (page.extract_text() or ""):  # (O, the drop cap, apart) the next paragraph: below it, at the margin
                second = next(line for line in page.extract_text_lines() if line["text"].startswith("The next"))
                assert second["top"] > baseline and second["x0"] - drop["x0"] < 14, second  # its own indent (13 pt), not beside the cap
                continue
            assert abs(baseline - lines[1]) < 0.5 and abs((baseline - cap_height * drop["size"]) - (lines[0] - cap_height * 10.5)) < 0.5
            measured += 1
    assert measured >= 7  # (chapters 2 to 8; chapter 1 opens with one line)


@pytest.mark.slow
def test_the_title_page_s_title_and_subtitle_are_set_in_balanced_lines(make_book, tmp_path):
    """A title and a subtitle too long for one line are broken into lines of about equal width
    (read back from the title page): no word alone on a last line."""
    import pdfplumber

    yaml = ("title: The Strange Case of Doctor Jekyll and Mister Hyde\n"
            "subtitle: The Complete Account of the Transatlantic Flight and the Days That Followed\ntrim: 5x8\nlang: en\n"
            "identifier: urn:uuid:0b5ff5f8-1a0e-4c53-9d4b-8f0f3f0d7d2e\nchapters:\n  - chapters/01-one.md\n")
    book = make_book({"01-one.md": "# One\n\nSome text.\n"}, yaml)
    result = build(book, tmp_path / "out", ("pdf",))
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        page = next(p for p in pdf.pages if "Mister" in (p.extract_text() or "") and "Followed" in (p.extract_text() or ""))
        lines = page.extract_text_lines()
    title = [line for line in lines if line["chars"][0]["size"] > 20]
    subtitle = [line for line in lines if 12 < line["chars"][0]["size"] < 14]
    assert len(title) >= 2 and len(subtitle) >= 2, [line["text"] for line in lines]
    for group in (title, subtitle):
        widths = [line["x1"] - line["x0"] for line in group]
        assert all(len(line["text"].split()) >= 2 for line in group), [line["text"] for line in group]
        assert min(widths) > 0.6 * max(widths), [line["text"] for line in group]


@pytest.mark.slow
def test_proof_reports_a_chapter_end_that_could_not_be_mended(make_book, tmp_path):
    """A chapter of one paragraph whose last page holds two lines: nothing before that page can be
    set tighter or looser, and no block can go overleaf; folio proof reports it at its line."""
    import pdfplumber

    def proof(words: int) -> tuple[str, Path]:
        book = _one_chapter_book(make_book, " ".join(["abc"] * words))
        outcome = CliRunner().invoke(main, ["proof", str(book), "-o", str(tmp_path / f"out{words}")])
        assert outcome.exit_code == 0, outcome.output
        out = tmp_path / f"out{words}"
        return next(out.glob("*-report.txt")).read_text(encoding="utf-8"), next(out.glob("*-proof.pdf"))

    _report, pdf_path = proof(600)  # the same word throughout: every full line holds as many
    with pdfplumber.open(pdf_path) as pdf:
        page = next(p for p in pdf.pages if "abc abc" in (p.extract_text() or ""))
        lines = [line["text"] for line in page.extract_text_lines() if line["text"].startswith("abc abc")]
    per_line, first_page = max(len(line.split()) for line in lines), len(lines)
    report, _pdf = proof(per_line * (first_page + 1) + 2)  # the first page full, two lines overleaf
    assert re.search(r"short last page +chapters/01-one\.md:3: 2 lines alone: abc abc", report), report


@pytest.mark.slow
def test_proof_reports_a_contents_line_of_leaders_alone(make_book, tmp_path):
    """A book style that sets the contents' page numbers on lines of their own (undoing the
    theme's, which keeps them at the end of each entry's last line): folio proof reports each
    such line of leader dots at the chapter the entry leads to."""
    def report(style: str) -> str:
        book = _one_chapter_book(make_book, "Text of the only chapter.", extra={"styles/toc.css": style} if style else None)
        out = tmp_path / ("own" if style else "theme")
        outcome = CliRunner().invoke(main, ["proof", str(book), "-o", str(out)])
        assert outcome.exit_code == 0, outcome.output
        return next(out.glob("*-report.txt")).read_text(encoding="utf-8")

    found = report(".toc .toc-page { display: block; }")  # (the theme's: none, test_proof_reports_white_space_...)
    assert re.search(r"leader line alone +chapters/01-one\.md:1: One", found), found
