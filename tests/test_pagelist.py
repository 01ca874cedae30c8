"""The EPUB's print page-list comes from the PDF of the same build and matches it."""

from __future__ import annotations

import random
import re
import zipfile

import pytest
from conftest import built
from pdfprobe import PdfProbe

from folio.model import PageStart
from folio.render.pagemarks import count_between, insert_markers, markers_by_part


def squash(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def epub_text_after_markers(epub) -> dict[str, str]:
    """Printed folio -> the letters and digits that follow its marker in the EPUB (up to 200)."""
    after: dict[str, str] = {}
    with zipfile.ZipFile(epub) as archive:
        for name in archive.namelist():
            if not name.endswith(".xhtml"):
                continue
            document = archive.read(name).decode("utf-8")
            for match in re.finditer(r'<span epub:type="pagebreak" role="doc-pagebreak" id="page-([^"]+)" aria-label="[^"]+"></span>', document):
                rest = re.sub(r"<[^>]+>", " ", document[match.end(): match.end() + 6000])
                after[match[1]] = squash(rest)[:200]
    return after


def pdf_body_text(probe: PdfProbe, index: int) -> str:
    page = probe.pdfium[index]
    width, height = page.get_size()
    return squash(page.get_textpage().get_text_bounded(0, 50, width, height - 50))


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    return built("large", tmp_path_factory)


@pytest.mark.slow
def test_page_list_matches_the_printed_pages_of_the_large_book(large):
    probe = PdfProbe(large.pdf)
    labels = probe.reader.page_labels
    after = epub_text_after_markers(large.epub)
    assert set(after) == set(labels), "every printed page has exactly one marker"
    candidates = [i for i, label in enumerate(labels) if label.isdigit() and len(pdf_body_text(probe, i)) > 300]
    chosen = random.Random(20).sample(candidates, 20)
    for index in chosen:
        # digits aside: printed endnotes carry their numbers as text, EPUB list items do not;
        # a page that begins inside a word (hyphenated across the break) is marked before the word
        expected = re.sub(r"\d", "", after[labels[index]])[:60]
        body = re.sub(r"\d", "", pdf_body_text(probe, index))
        assert len(expected) == 60
        assert any(body.startswith(expected[k:k + 40]) for k in range(20)), f"page {labels[index]}: EPUB {expected!r} / PDF {body[:120]!r}"


@pytest.mark.slow
def test_page_list_matches_the_printed_pages_where_figures_moved(tmp_path_factory):
    """The illustrated book's figures float in print (to a page's top, past the text that fills
    the page before them): a caption stands at another place in the EPUB's order, so captions
    are counted on neither side. Every page that starts with text is marked before that text
    (captions set aside on both sides); before, 20 of 128 such pages were marked a caption's
    length away and 4 markers stood inside figures."""
    book = built("illustrated", tmp_path_factory)
    probe = PdfProbe(book.pdf)
    labels = probe.reader.page_labels
    with zipfile.ZipFile(book.epub) as archive:
        documents = [archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xhtml")]
    captions = sorted({squash(re.sub(r"<[^>]+>", "", c)) for d in documents for c in re.findall(r"(?s)<figcaption>(.*?)</figcaption>", d)} - {"We"},
                      key=len, reverse=True)
    openers = {probe.reader.get_destination_page_number(entry) for entry in probe.reader.outline if not isinstance(entry, list)}
    after: dict[str, str] = {}
    for document in documents:
        document = re.sub(r"(?s)<figure\b.*?</figure>", "", document)
        for match in re.finditer(r'<span epub:type="pagebreak" role="doc-pagebreak" id="page-([^"]+)" aria-label="[^"]+"></span>', document):
            after[match[1]] = squash(re.sub(r"<[^>]+>", " ", document[match.end():match.end() + 6000]))[:200]
    assert set(after) == set(labels) and len(captions) >= 15
    checked, wrong = 0, []
    for index, label in enumerate(labels):
        body = pdf_body_text(probe, index)
        for caption in captions:
            body = body.replace(caption, "")
        body = re.sub(r"\d", "", body)
        if not label.isdigit() or len(body) < 100 or index in openers or labels[index + 1:index + 2] == [str(int(label) + 1)] and after.get(str(int(label) + 1)) == after[label]:
            continue  # (a chapter's first page starts with its heading; a page of figures only is marked where the next page starts)
        checked += 1
        expected = re.sub(r"\d", "", after[label])[:60]
        if not any(body.startswith(expected[k:k + 40]) for k in range(20)):
            wrong.append((label, expected[:40], body[:40]))
    assert checked > 120 and wrong == [], wrong


@pytest.mark.slow
def test_no_marker_splits_a_word_or_stands_in_code(large):
    with zipfile.ZipFile(large.epub) as archive:
        documents = [archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xhtml")]
    inside = []
    for document in documents:
        for match in re.finditer(r'<span epub:type="pagebreak"[^>]*></span>', document):
            before, after = document[match.start() - 1], document[match.end():match.end() + 1]
            if before.isalnum() and after.isalnum():
                inside.append(document[match.start() - 20:match.end() + 20])
            opened = document.rfind("<code", 0, match.start())
            if opened >= 0 and document.rfind("</code>", opened, match.start()) < 0:
                inside.append(document[opened:match.end() + 20])
    assert inside == []


@pytest.mark.slow
def test_page_list_nav_and_metadata(large):
    with zipfile.ZipFile(large.epub) as archive:
        nav = archive.read("EPUB/nav.xhtml").decode()
        opf = archive.read("EPUB/content.opf").decode()
    entries = re.findall(r'<li><a href="[^"#]+#page-([^"]+)">', nav)
    probe = PdfProbe(large.pdf)
    assert entries == probe.reader.page_labels, "the page-list runs in print order"
    assert 'epub:type="page-list"' in nav and 'role="doc-pagelist"' in nav
    assert "<meta property=\"pageBreakSource\">" in opf
    assert ">printPageNumbers<" in opf and ">pageNavigation<" in opf


def test_an_epub_built_alone_has_no_page_list(make_book, tmp_path):
    from folio import build

    root = make_book({"01.md": "# One\n\nText.\n"})
    epub = build(root, tmp_path, ("epub",)).outputs["epub"]
    with zipfile.ZipFile(epub) as archive:
        assert "page-list" not in archive.read("EPUB/nav.xhtml").decode()
        assert "pageBreakSource" not in archive.read("EPUB/content.opf").decode()


def test_markers_go_before_the_counted_character():
    document = "<body><header>Title</header><p>ab <em>cd</em> e&amp;f gh</p></body>"
    marked = insert_markers(document, [(2, "7"), (5, "8")], "</header>")
    assert marked == ('<body><header>Title</header><p>ab <em><span epub:type="pagebreak" role="doc-pagebreak" id="page-7" aria-label="7"></span>cd</em>'
                      ' e&amp;<span epub:type="pagebreak" role="doc-pagebreak" id="page-8" aria-label="8"></span>f gh</p></body>')


def test_a_marker_due_inside_a_word_or_code_goes_before_it():
    document = "<body><header>T</header><p>it is modified and <code>git log</code> here</p></body>"
    marked = insert_markers(document, [(5, "7"), (17, "8")], "</header>")
    assert marked == ('<body><header>T</header><p>it is <span epub:type="pagebreak" role="doc-pagebreak" id="page-7" aria-label="7">'
                      '</span>modified and <span epub:type="pagebreak" role="doc-pagebreak" id="page-8" aria-label="8"></span>'
                      '<code>git log</code> here</p></body>')


def test_math_is_not_counted_and_a_listing_is_marked_between_its_lines():
    """Print shows math as a drawing: its MathML (and TeX annotation) has no letters on the page,
    so none are counted, and no marker goes inside it. A page that starts inside a code block
    is marked before the listing's line it starts with, not before the whole listing."""
    mark = '<span epub:type="pagebreak" role="doc-pagebreak" id="page-{}" aria-label="{}"></span>'.format
    math = '<math display="inline"><mi>x</mi><annotation encoding="application/x-tex">x^2</annotation></math>'
    document = (f'<body><header>T</header><p>ab {math} cd</p><pre><code><span class="line">one two</span>'
                '<span class="line">three four</span></code></pre></body>')
    marked = insert_markers(document, [(2, "7"), (10, "8")], "</header>")
    assert marked == (f'<body><header>T</header><p>ab {math} {mark(7, 7)}cd</p><pre><code><span class="line">one two</span>'
                      f'{mark(8, 8)}<span class="line">three four</span></code></pre></body>')
    assert count_between(document, "</header>", "</body>") == 19


def test_a_figure_s_caption_is_not_counted():
    """Print moves figures: their captions are counted on neither side (render/pagemarks.py)."""
    mark = '<span epub:type="pagebreak" role="doc-pagebreak" id="page-{}" aria-label="{}"></span>'.format
    figure = '<figure class="figure"><img src="a.jpg" alt="A"/><figcaption>Caption <figure><figcaption>in</figcaption></figure> words</figcaption></figure>'
    document = f"<body><header>T</header><p>ab</p>{figure}<p>cd ef</p></body>"
    marked = insert_markers(document, [(3, "7")], "</header>")
    assert marked == f"<body><header>T</header><p>ab</p>{figure}<p>{mark(7, 7)}cd ef</p></body>"  # (due before d: its word's start)
    assert count_between(document, "</header>", "</body>") == 6


def test_pages_without_text_take_the_next_pages_place():
    starts = [PageStart("i", None), PageStart("ii", None), PageStart("1", "chapter:a", 0), PageStart("2", "chapter:a", 300),
              PageStart("3", None), PageStart("4", "chapter:b", 0), PageStart("5", None)]
    assert markers_by_part(starts) == {"chapter:a": [(0, "i"), (0, "ii"), (0, "1"), (300, "2")],
                                       "chapter:b": [(0, "3"), (0, "4"), (10**12, "5")]}


@pytest.mark.slow
def test_the_epub_rendered_during_the_pdf_layout_is_the_epub_written_after_it(tmp_path):
    """A build of both formats renders the EPUB's documents while the PDF is laid out; the
    documents with "page N" are rendered again with the PDF's folios. The result must be the
    EPUB written from scratch after the PDF."""
    from conftest import SAMPLE

    from folio import build
    from folio.epub.writer import draft_epub, write_epub
    from folio.errors import Reporter
    from folio.pdf.writer import write_pdf
    from folio.pipeline import load_book

    together = build(SAMPLE, tmp_path / "together", ("pdf", "epub"), use_cache=False).outputs["epub"]
    book = load_book(SAMPLE)
    draft = draft_epub(book)
    assert draft.with_pages, "the sample book has a page reference (@page:), so a document waits for the PDF"
    pdf = write_pdf(book, tmp_path / "alone" / "book.pdf", Reporter())
    alone = write_epub(book, tmp_path / "alone" / "book.epub", Reporter(), pdf)
    assert together.read_bytes() == alone.read_bytes()
    with zipfile.ZipFile(alone) as archive:
        text = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xhtml"))
    label = pdf.labels[pdf.id_pages["fig:pipeline"]]
    assert f'#fig:pipeline">page {label}</a>' in text


def test_a_chapter_that_is_only_its_heading_has_its_own_page_marker(make_book, tmp_path):
    """A chapter with no text but its heading, in the middle and at the end of the book, and a
    heading whose raw <em> is never closed: each chapter's first page is marked in its own
    file, every page once, nothing after the end of a document, and EPUBCheck passes."""
    from conftest import epubcheck

    from folio import build

    root = make_book({"01.md": "# One\n\nText of one.\n", "02.md": "# Heading Only\n", "03.md": "# Open <em>emphasis\n\nText.\n",
                      "04.md": "# Last Heading\n"})
    result = build(root, tmp_path / "out", ("pdf", "epub"))
    report = epubcheck(result.outputs["epub"])
    assert (report["errors"], report["warnings"]) == (0, 0), report["messages"]
    probe = PdfProbe(result.outputs["pdf"])
    labels = probe.reader.page_labels
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        documents = {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xhtml")}
    marked = [m for d in documents.values() for m in re.findall(r'role="doc-pagebreak" id="page-([^"]+)"', d)]
    assert sorted(marked) == sorted(set(marked)) and len(marked) == len(labels)
    for name, document in documents.items():
        assert document.rstrip().endswith("</html>"), name
    for stem, title in (("02", "Heading Only"), ("04", "Last Heading")):
        page = next(i for i in range(probe.pages) if probe.text(i).startswith(title))  # its opening page, not the contents
        document = next(d for n, d in documents.items() if n.endswith(f"{stem}.xhtml"))
        assert f'id="page-{labels[page]}"' in document
    nav = next(d for n, d in documents.items() if n.endswith("nav.xhtml"))
    assert "Open <em>emphasis</em></a>" in nav
