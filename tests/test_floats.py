"""Figures float: the HTML edits (weasy/markup.py) and the pages they make, read back from the PDFs."""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pypdf
import pytest
from pdfprobe import pages_stopping_short
from PIL import Image

from folio.pdf.profiles import PROFILES, page_geometry
from folio.pipeline import build
from folio.weasy import markup

# -- the HTML edited as text -----------------------------------------------------------------------


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_stamp_numbers_the_body_s_tags_only():
    html = '<!DOCTYPE html><html><head><meta charset="utf-8"/></head><body><p>a <em>b</em></p><img src="x"/></body></html>'
    stamped = markup.stamp(html)
    assert stamped.startswith('<!DOCTYPE html><html><head><meta charset="utf-8"/></head>')
    assert re.findall(r'data-k="(\d+)"', stamped) == ["0", "1", "2", "3"]
    assert markup.element_span(stamped, "1") == (stamped.index("<p"), stamped.index("</p>") + 4)


def test_a_paragraph_splits_after_a_count_of_characters_with_its_inline_markup_closed_and_reopened():
    html = markup.stamp('<body><p data-p="4" id="here">One <em class="x">two three</em> four&amp;five six</p></body>')
    split, at = markup.split_paragraph(html, "1", 6, "", True)  # "One" "two" ... 6 counted: O n e t w o
    first, second = re.findall(r"<p.*?</p>", split)
    assert _text(first) == "One two" and _text(second) == "three four&amp;five six"
    assert first.startswith('<p data-k="1" data-p="4" id="here" style="text-align-last: justify">')
    assert first.endswith("</em></p>") and '<em class="x">three' in second  # closed, and reopened without its stamp
    assert 'id="here"' not in second and "data-p" not in second and 'class="folio-continued"' in second
    assert "text-indent: 0" in second and split[at:].startswith("<p")
    after_entity, _ = markup.split_paragraph(html, "1", 16, "", False)  # & counts as one character
    assert _text(re.findall(r"<p.*?</p>", after_entity)[1]) == "five six"


def test_a_split_keeps_a_footnote_with_its_call_and_writes_the_hyphen_the_layout_added():
    html = markup.stamp('<body><p>Call here.<span class="footnote" id="n1">The note text.</span> Then more</p></body>')
    split, _ = markup.split_paragraph(html, "1", 9, "", False)
    first, second = re.findall(r"<p.*?</p>", split)
    assert "The note text." in first and _text(second) == "Then more"
    # "some" + a hyphen the layout added on the page: the word is cut there and the hyphen written
    html = markup.stamp("<body><p>a something</p></body>")
    assert markup.counted_text(html, "1") == "asomething"
    first, second = re.findall(r"<p.*?</p>", markup.split_paragraph(html, "1", 5, "\u2010", False)[0])
    assert _text(first) == "a some\u2010" and 'aria-hidden="true"' in first and _text(second) == "thing"
    # a hyphen of the source (well-known) is counted as the source's own, not written again
    html = markup.stamp("<body><p>a well-known word</p></body>")
    first, second = re.findall(r"<p.*?</p>", markup.split_paragraph(html, "1", 6, "", False)[0])
    assert _text(first) == "a well-" and _text(second) == "known word"


def test_a_chapter_is_taken_alone_and_put_back():
    html = '<html><body><section id="a"><p>x</p></section><!-- c --><section id="b"><figure><img src="i"/></figure></section></body></html>'
    alone = markup.alone(html)
    assert list(alone) == ["b"] and '<section id="a">' not in alone["b"] and '<section id="b">' in alone["b"]
    placed = markup.stamp(alone["b"]).replace("<figure", '<p>moved</p><figure')
    element = markup.placed_element(placed, "b")
    assert "data-k" not in element and "<p>moved</p>" in element
    assert markup.with_elements(html, {"b": element}) == html.replace("<figure", "<p>moved</p><figure")


# -- the pages -----------------------------------------------------------------------------------

WORDS = ("the flight over the ocean was long and the weather changed often as the plane climbed through clouds "
         "and fog toward the coast of ireland where the fishing boats were seen below in the grey morning light").split()


def _picture(width: int, height: int, seed: int) -> bytes:
    image = Image.new("RGB", (width, height), (40 + seed * 13 % 180, 90, 140))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def _figure_book(folder: Path, placements: dict[int, str] | None = None, chapters: int = 2) -> Path:
    """A book with a figure for about every page of text: landscape and portrait pictures
    between paragraphs of varied length."""
    rng = random.Random(7)
    placements = placements or {}
    files, extra, number = {}, {}, 0
    for chapter in range(1, chapters + 1):
        blocks = [f"# Chapter {chapter}\n"]
        for paragraph in range(14):
            words = [rng.choice(WORDS) for _ in range(rng.randint(60, 170))]
            blocks.append(" ".join(words).capitalize() + ".\n")
            if paragraph % 2 == 1:
                number += 1
                width, height = (1500, 1000) if number % 3 else (1000, 1400)
                extra[f"images/p{number}.jpg"] = _picture(width, height, number)
                asked = f' placement="{placements[number]}"' if number in placements else ""
                blocks.append(f'![Picture {number}, taken over the sea.](images/p{number}.jpg){{#p{number} '
                              f'alt="A grey sea under clouds"{asked}}}\n')
        files[f"{chapter:02d}-chapter.md"] = "\n".join(blocks)
    (folder / "chapters").mkdir(parents=True)
    for name, text in files.items():
        (folder / "chapters" / name).write_text(text, encoding="utf-8")
    for name, data in extra.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_bytes(data)
    listed = "\n".join(f"  - chapters/{name}" for name in files)
    (folder / "book.yaml").write_text(f"title: Pictures\nauthor: [Ann Author]\nlang: en\ntrim: 5.5x8.5\n"
                                      f"identifier: urn:uuid:0b5ff5f8-1a0e-4c53-9d4b-8f0f3f0d7d2e\nchapters:\n{listed}\n",
                                      encoding="utf-8")
    return folder


def _short_pages(pdf: Path, trim: tuple[float, float], profile: str) -> list[tuple[str, float]]:
    reader = pypdf.PdfReader(str(pdf))
    labels = reader.page_labels
    margins = page_geometry(trim, PROFILES[profile], len(labels))["margins"]
    return [(labels[index], empty) for index, empty in pages_stopping_short(pdf, margins, labels.index("1"))]


@pytest.mark.slow
@pytest.mark.parametrize("profile", ["print", "kdp", "ingram"])  # (screen is laid out as ingram is)
def test_no_page_stops_short_before_a_figure_in_any_profile(tmp_path, profile):
    """A book with a figure per page of text: every page whose chapter goes on is full to within a
    fifth of its text block (WeasyPrint alone leaves holes before the figures it pushes on)."""
    book = _figure_book(tmp_path / "book")
    result = build(book, tmp_path / "out", ("pdf",), profile=profile)
    assert _short_pages(result.outputs["pdf"], (5.5, 8.5), profile) == []
    text = "".join(page.extract_text() for page in pypdf.PdfReader(str(result.outputs["pdf"])).pages)
    numbers = [int(n) for n in re.findall(r"Picture (\d+), taken", text)]
    assert numbers == sorted(numbers) and len(numbers) == 14  # every figure, in order


@pytest.mark.slow
def test_without_floats_the_same_book_has_holes(tmp_path):
    """The measure above can fail: with every figure placed `here` (as WeasyPrint sets them) the
    same book has pages that stop short."""
    book = _figure_book(tmp_path / "book", placements={n: "here" for n in range(1, 15)})
    result = build(book, tmp_path / "out", ("pdf",))
    assert _short_pages(result.outputs["pdf"], (5.5, 8.5), "print")


@pytest.mark.slow
def test_placement_page_sets_a_figure_on_a_page_of_its_own_and_top_at_a_page_s_top(tmp_path):
    """placement="page": a page with the figure and its caption alone; "top": nothing above it on
    its page; "bottom": no text below it on its page."""
    import pdfplumber

    book = _figure_book(tmp_path / "book", placements={2: "page", 6: "top", 4: "bottom"}, chapters=1)
    result = build(book, tmp_path / "out", ("pdf",))
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
        alone = next(i for i, text in enumerate(pages) if "Picture 2," in text)
        body = [line for line in pdf.pages[alone].extract_text_lines() if 60 < line["top"] < pdf.pages[alone].height - 60]
        assert [line["text"] for line in body] == ["Picture 2, taken over the sea."], body  # its caption alone
        top = next(i for i, text in enumerate(pages) if "Picture 6," in text)
        image = pdf.pages[top].images[0]
        lines = [line for line in pdf.pages[top].extract_text_lines() if 60 < line["top"] < image["top"]]
        assert lines == [], lines  # nothing above it on its page
        bottom = next(i for i, text in enumerate(pages) if "Picture 4," in text)
        image = pdf.pages[bottom].images[0]
        lines = [line["text"] for line in pdf.pages[bottom].extract_text_lines() if image["bottom"] < line["top"]]
        assert lines[:1] == ["Picture 4, taken over the sea."] and len(lines) <= 2, lines  # its caption, the folio


@pytest.mark.slow
def test_an_unknown_placement_is_warned_of_at_its_line(tmp_path):
    book = _figure_book(tmp_path / "book", placements={3: "sideways"}, chapters=1)
    result = build(book, tmp_path / "out", ("epub",))
    warned = [d for d in result.warnings if d.code == "figure-placement"]
    assert len(warned) == 1 and warned[0].line and "sideways" in warned[0].message
