"""Unit tests of each stage, each building its input inline and running in well under a second:
sanitising, cross-references, rendering, the template context, labels per language,
profiles and page geometry, the page marks of the EPUB, the layout jobs' cache, the
hyphen limit and the preflight's checks on PDFs made here."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from conftest import write_book

from folio import load_book
from folio.config import load_config
from folio.errors import FolioError
from folio.language import labels, quotes_for
from folio.model import PageStart
from folio.pdf.profiles import KDP_PAGES, PROFILES, kdp_gutter, page_geometry
from folio.render.context import chapter_entry, metadata, split_title
from folio.render.pagemarks import (
    count_between,
    insert_at_start,
    insert_markers,
    markers_by_part,
)
from folio.render.renderer import Links, Renderer
from folio.source.sanitize import clean_keyvals, clean_raw, repair_fragment
from folio.weasy.jobs import PartCache, PartResult

# -- source: sanitising ---------------------------------------------------------------------

def test_raw_html_keeps_safe_markup_and_names_what_it_removed():
    kept, removed = clean_raw('<span class="x" onclick="steal()">hi</span><script>alert(1)</script>', block=False)
    assert kept == '<span class="x">hi</span>'  # the script's text goes with it
    assert set(removed) == {"onclick=", "<script>"}


def test_raw_html_refuses_script_urls_and_escapes_stray_markup():
    kept, removed = clean_raw('<a href="javascript:alert(1)">x</a> 3 < 4 & 5 > 2', block=False)
    assert kept == "<a>x</a> 3 &lt; 4 &amp; 5 &gt; 2"
    assert removed == ["javascript: URL"]


def test_div_and_span_attributes_keep_data_and_drop_handlers():
    kept, removed = clean_keyvals([["data-level", "2"], ["onload", "x()"], ["lang", "fr"], ["speaker", "Ann"], ["style", "x"],
                                   ["custom-style", "Quote"]])
    assert kept == [["data-level", "2"], ["lang", "fr"], ["data-speaker", "Ann"], ["data-custom-style", "Quote"]]
    assert removed == ["onload=", "style="]


def test_an_unbalanced_fragment_is_repaired():
    assert repair_fragment("<p>one <em>two</p><p>three</p>").count("</em>") == 1


# -- source -> render: a book read inline ------------------------------------------------------

@pytest.fixture(scope="module")
def small_book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stages") / "book"
    write_book(folder, {
        "01.md": "# The First {#first}\n\nSee @fig:map and @ch:second.[^n]\n\n![The map.](images/map.png){#fig:map}\n\n"
                 "[^n]: The \"note\".\n",
        "02.md": "# Chapter II: The Second {#second}\n\nText with 'quotes' and a [link](#first).\n",
    }, yaml="title: Stages\nauthor: [Ann Author, Bo Writer]\nlang: de-DE\nnumbering: chapter\nidentifier: urn:x:stages\n"
             "chapters:\n  - chapters/01.md\n  - chapters/02.md\n",
        extra={"images/map.png": _png()})
    return load_book(folder)


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_cross_references_get_labels_and_numbers(small_book):
    [figure] = small_book.figures
    assert figure.label == "1.1"  # numbering: chapter
    body = Renderer(small_book, Links(href=lambda i: f"#{i}", src=lambda k: k)).chapter_body(small_book.chapters[0])
    assert '<a class="xref" href="#fig:map">Abbildung 1.1</a>' in body  # in the book's language
    assert 'href="#second">Kapitel' in body


def test_the_renderer_writes_note_calls_figures_and_quotes_for_the_language(small_book):
    renderer = Renderer(small_book, Links(href=lambda i: f"#{i}", src=lambda k: f"img/{k}"))
    first, second = (renderer.chapter_body(c) for c in small_book.chapters)
    assert 'epub:type="noteref" role="doc-noteref"' in first
    assert '<figure id="fig:map"' in first and "img/images/map.png" in first and "<figcaption>" in first
    note = renderer.note_body(small_book.chapters[0], small_book.chapters[0].notes[0])
    assert "\u201enote\u201c" in note  # German quotation marks
    assert '<a href="#first">link</a>' in second


def test_the_template_context_splits_labelled_titles_and_joins_authors(small_book):
    renderer = Renderer(small_book, Links(href=lambda i: f"#{i}", src=lambda k: k))
    entry = chapter_entry(small_book.chapters[1], renderer)
    assert (entry["label"], entry["name_html"]) == ("Chapter II", "The Second")
    assert split_title("Plain title") == ("", "Plain title")
    meta = metadata(small_book)
    assert meta["title"] == "Stages" and "Ann Author" in meta["author_line"] and "Bo Writer" in meta["author_line"]


def test_labels_and_quotes_follow_the_language():
    assert labels("fr-CA")["contents"] == "Table des matières"
    assert labels("xx")["contents"] == "Contents"  # an unknown language falls back to English
    assert quotes_for("de-CH")[:2] == ("\u00ab", "\u00bb") and quotes_for("de-DE")[:2] == ("\u201e", "\u201c")


def test_a_book_yaml_error_names_its_line(tmp_path):
    write_book(tmp_path / "b", {"01.md": "# One\n"}, yaml="title: T\nlnag: en\nchapters:\n  - chapters/01.md\n  - chapters/01.md\n")
    with pytest.raises(FolioError) as caught:
        load_config(tmp_path / "b")
    assert [d.format() for d in caught.value.diagnostics] == [
        "book.yaml:2: unknown key 'lnag' (did you mean 'lang'?)", "book.yaml:5: chapter 'chapters/01.md' is listed twice (first at line 4)"]


# -- pdf: profiles and page geometry ------------------------------------------------------------

def test_kdp_gutter_grows_with_the_page_count():
    assert kdp_gutter(24) < kdp_gutter(400) < kdp_gutter(800)
    assert kdp_gutter(10_000) == kdp_gutter(KDP_PAGES[1] + 1)


def test_page_geometry_of_each_profile():
    trim = (6.0, 9.0)
    print_ = page_geometry(trim, PROFILES["print"], 300)
    kdp = page_geometry(trim, PROFILES["kdp"], 700)
    proof = page_geometry(trim, PROFILES["proof"], 300)
    assert print_["trim"] == {"width": 6.0, "height": 9.0}
    assert kdp["margins"]["inner"] >= kdp_gutter(700)
    assert proof["bleed"] > 0 and print_["bleed"] == 0
    assert page_geometry((5.0, 8.0), PROFILES["print"], 300)["margins"]["outer"] < print_["margins"]["outer"]


# -- render: the EPUB's page marks ----------------------------------------------------------------

def test_page_marks_land_before_the_counted_letter_and_at_a_section_start():
    doc = '<section id="c"><header>T</header><p>ab cd ef</p></section>'
    marked = insert_markers(doc, [(4, "2")], "</header>")
    assert 'aria-label="2"></span>ef' in marked
    assert count_between('<ol class="notes"><li>ab 12</li></ol>', '<ol class="notes"', "</ol>") == 4
    start = insert_at_start(doc, [(0, "1")], '<section id="c"')
    assert start.index('aria-label="1"') < start.index("<header>")
    assert markers_by_part([PageStart("1", "chapter:c", 0)]) == {"chapter:c": [(0, "1")]}


# -- weasy: the jobs' cache trusts nothing it cannot read -------------------------------------------

def test_the_part_cache_round_trips_and_ignores_damaged_entries(tmp_path):
    cache = PartCache(tmp_path)
    result = PartResult("k" * 64, b"%PDF-1.7 part", 3, anchors={"a": (1, 2.0, 3.0)}, starts=[("chapter:c", 0)])
    cache.put(result)
    again = cache.get("k" * 64)
    assert again is not None and again.pdf == result.pdf and again.anchors == {"a": (1, 2.0, 3.0)}
    meta = tmp_path / f"{'k' * 64}.json"
    meta.write_text(json.dumps({"key": "k" * 64}), encoding="utf-8")  # a record missing its fields
    assert cache.get("k" * 64) is None


def test_the_hyphen_limit_breaks_the_third_hyphenated_line_end(tmp_path):
    """In a process of its own (the patch is for layout workers): a narrow justified paragraph
    of long words has no three hyphenated line ends in a row with the limit, and has without."""
    script = """
import sys, weasyprint
from folio.weasy import patches
from folio.weasy.boxes import stacked_hyphens
if sys.argv[1] == "on":
    assert patches.install()["hyphen-limit"] == "on"
words = " ".join(["internationalisation incomprehensibilities electroencephalographically"] * 12)
html = f'<p data-p="1" lang="en" style="width: 9em; text-align: justify; hyphens: auto">{words}</p>'
print(len(stacked_hyphens(weasyprint.HTML(string=html).render())))
"""
    counts = {}
    for state in ("on", "off"):
        done = subprocess.run([sys.executable, "-c", script, state], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        counts[state] = int(done.stdout.strip())
    assert counts["on"] == 0 and counts["off"] >= 1  # (a paragraph split over two pages counts on each)


def test_a_run_that_fits_but_for_its_trailing_space_is_not_cut_after_its_first_word():
    """In a process of its own: a run of words before a marked number, in a line exactly as wide as
    the words (its trailing space does not fit), stays on one line with the line-fit patch; without
    it WeasyPrint sets its first word alone ("Euxine", then "Sea at the place..." in the large book)."""
    script = """
import os, sys, weasyprint
from weasyprint.formatting_structure.boxes import LineBox, TextBox
from folio.weasy import patches
print(patches.install()["line-fit"], file=sys.stderr)
run = "Euxine Sea at the place where the Milesians have their settlement of Istria."
probe = weasyprint.HTML(string=f'<span style="font-size: 14px">{run}</span>').render()
width = max(b.width for b in probe.pages[0]._page_box.descendants() if isinstance(b, LineBox))
html = (f'<p lang="en" style="width: {width + 0.5}px; font-size: 14px; hyphens: auto">{run} '
        '<span id="n">34.</span> Now the Ister, since it flows through land which is inhabited.</p>')
doc = weasyprint.HTML(string=html).render()
lines = ["".join(t.text for t in b.descendants() if isinstance(t, TextBox)).strip()
         for b in doc.pages[0]._page_box.descendants() if isinstance(b, LineBox)]
print(lines[0])
"""
    firsts = {}
    for state in ("", "line-fit"):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "FOLIO_PROBES_FAIL": state})
        assert done.returncode == 0, done.stderr
        firsts[state] = done.stdout.strip()
    assert firsts[""] == "Euxine Sea at the place where the Milesians have their settlement of Istria.", firsts
    assert firsts["line-fit"] in ("Euxine", "Eux\u2010"), firsts  # WeasyPrint's own cut, which the patch mends


# -- check: the preflight reads PDFs back -----------------------------------------------------------

def _pdf(path: Path, size: tuple[float, float], pages: int) -> Path:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=size)
    pdf.save(path)
    return path


def test_preflight_page_size_and_count_checks_read_the_pdf(tmp_path):
    from folio.check.preflight import failed, preflight

    root = write_book(tmp_path / "b", {"01.md": "# One\n"})
    config = load_config(root)
    good = {c.name: c for c in preflight(_pdf(tmp_path / "good.pdf", (432, 648), 30), config, "kdp")}
    assert good["page size"].status == "pass"
    wrong = {c.name: c for c in preflight(_pdf(tmp_path / "wrong.pdf", (612, 792), 10), config, "kdp")}
    assert wrong["page size"].status == "fail" and wrong["page count"].status == "fail"
    assert "page count" in [c.name for c in failed(list(wrong.values()))]
