"""Chapters -> Book: source errors at their line, ids, notes, figures, links, assets, raw HTML."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from folio import load_book
from folio.config import load_config
from folio.errors import FolioError, Reporter
from folio.source.pandoc_ast import iter_inlines, stringify
from folio.source.read import AstCache, read_chapters


def png(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, "PNG")
    return buffer.getvalue()


def errors_of(root) -> list[str]:
    with pytest.raises(FolioError) as caught:
        load_book(root)
    return [d.format() for d in caught.value.diagnostics]


def test_invalid_utf8_names_line_and_column(make_book):
    root = make_book({"01.md": "# One\n\nok\n"})
    (root / "chapters" / "01.md").write_bytes(b"# One\n\nbad \xff byte\n")
    assert errors_of(root) == ["chapters/01.md:3:5: invalid UTF-8 (byte 0xff)"]


def test_control_character_is_an_error(make_book):
    root = make_book({"01.md": "# One\n\nnul \x00 here\n"})
    assert errors_of(root) == ["chapters/01.md:3:5: control character U+0000 in the text"]


def test_notes_are_numbered_per_chapter_and_replaced_by_calls(make_book):
    root = make_book({
        "01.md": "# One[^t]\n\nA[^a] b^[inline] c[^b].\n\n[^t]: In title.\n[^a]: First.\n[^b]: Second\n\n    para two.\n",
        "02.md": "# Two\n\nAgain[^a].\n\n[^a]: Restart.\n",
    })
    book = load_book(root)
    one, two = book.chapters
    assert [n.number for n in one.notes] == [1, 2, 3, 4]
    assert [len(n.blocks) for n in one.notes] == [1, 1, 1, 2]
    assert [n.number for n in two.notes] == [1]
    assert one.notes[0].id == "one-note-1" and one.notes[0].ref_id == "one-noteref-1"
    assert two.notes[0].id == "two-note-1"


def test_undefined_and_unused_footnotes_are_reported(make_book):
    root = make_book({"01.md": "# One\n\nCalled[^missing] here.\n\nText.\n\n[^orphan]: Never called.\n"})
    assert errors_of(root) == ["chapters/01.md:3: footnote [^missing] is called but never defined"]
    root = make_book({"01.md": "# One\n\nText.\n\n[^orphan]: Never called.\n"})
    report = Reporter()
    load_book(root, report=report)
    assert [d.format() for d in report.warnings] == [
        "chapters/01.md:5: warning: footnote [^orphan] is defined but never called; its text is not printed [note-unused]"
    ]


def test_duplicate_explicit_ids_are_warnings_and_the_later_ones_are_renamed(make_book):
    """As pandoc does: every duplicate is named at its line, links go to the first, and the book stays valid."""
    root = make_book({"01.md": "# One {#same}\n\nx [to it](#same)\n",
                      "02.md": '# Two\n\n[anchor]{#same}\n\n<hr id="same" /><p id="same">again</p>\n'})
    report = Reporter()
    book = load_book(root, report=report)
    assert [d.format() for d in report.items if d.code == "id-duplicate"] == [
        "chapters/02.md:3: warning: duplicate id 'same' (first at chapters/01.md:1): links to it go to the first; this one is "
        "renamed 'same-2' [id-duplicate]",
        "chapters/02.md:5: warning: duplicate id 'same' (first at chapters/01.md:1): links to it go to the first; this one is "
        "renamed 'same-3' [id-duplicate]",
        "chapters/02.md:5: warning: duplicate id 'same' (first at chapters/01.md:1): links to it go to the first; this one is "
        "renamed 'same-4' [id-duplicate]"]
    assert book.chapters[0].id == "same" and book.id_chapter["same"] == 0
    assert {"same-2", "same-3", "same-4"} <= book.chapters[1].ids
    markup = str(book.chapters[1].blocks)
    assert "'same-2'" in markup and 'id="same-3"' in markup and 'id="same-4"' in markup


def test_generated_heading_ids_are_unique_across_the_book(make_book):
    root = make_book({"01.md": "# One\n\n## Notes\n\nx\n", "02.md": "# Two\n\n## Notes\n\ny\n"})
    book = load_book(root)
    assert [h.id for c in book.chapters for h in c.headings] == ["notes", "notes-1"]
    assert book.id_chapter["notes-1"] == 1


def test_links_resolve_across_chapters_and_missing_ids_are_errors(make_book):
    root = make_book({"01.md": "# One\n\nSee [two](#sec-two).\n", "02.md": "# Two\n\n## Sec {#sec-two}\n\nBack to [nowhere](#nope).\n"})
    assert errors_of(root) == ["chapters/02.md:5: link to '#nope': no such id in the book"]


def _links(book) -> dict[str, str]:
    """Each link's text -> its target, across the book."""

    found = {}
    for chapter in book.chapters:
        for node in iter_inlines(chapter.blocks):
            if node["t"] == "Link":
                found[stringify(node["c"][1])] = node["c"][2][0]
    return found


def test_links_work_across_the_book_as_pandoc_reads_all_files_at_once(make_book):
    """Reference definitions in another chapter, implicit header references to a heading in
    this chapter or another (as a shortcut, a full reference, with emphasis in the heading),
    links to another chapter's file with or without an id: all become internal links; a
    bracket that matches only a line of code stays text; explicit definitions win."""
    root = make_book({
        "01.md": ("# One\n\nSee [the manual][man], [Options], [these options][Options], [Two], [The *Real* Thing],\n"
                  "[the basics](02.md), [setup](02.md#setup), [here](01.md#local) and [Not A Heading].\n\n"
                  "## Local\n\nText.\n\n```\n# Not A Heading\n```\n"),
        "02.md": "# Two\n\n## Options {#opts}\n\nText.\n\n## Setup {#setup}\n\n## The *Real* Thing\n\n[man]: https://example.org/manual\n",
    })
    book = load_book(root)
    links = _links(book)
    assert links == {"the manual": "https://example.org/manual", "Options": "#opts", "these options": "#opts", "Two": "#two",
                     "The Real Thing": "#the-real-thing", "the basics": "#two", "setup": "#setup", "here": "#local"}
    text = "".join(str(block) for block in book.chapters[0].blocks)
    assert "Not A Heading" in text and "folio-heading" not in text


def test_links_that_cannot_work_are_reported_everywhere_they_are(make_book):
    """An empty link and a link to a file that is no chapter are kept as text with a warning at
    each occurrence; a link to a missing id of a chapter file is an error, each one listed."""
    root = make_book({"01.md": "# One\n\n[empty]() and [a file](data.csv).\n\n[again]() and [x](02.md#nope) and [y](02.md#nada).\n",
                      "02.md": "# Two\n\nText.\n"})
    assert errors_of(root) == ["chapters/01.md:5: link to '02.md#nope': chapters/02.md has no id 'nope'",
                               "chapters/01.md:5: link to '02.md#nada': chapters/02.md has no id 'nada'"]
    (root / "chapters" / "01.md").write_text("# One\n\n[empty]() and [a file](data.csv).\n\n[again]().\n", encoding="utf-8")
    report = Reporter()
    load_book(root, report=report)
    assert [d.format() for d in report.items if d.code in ("link-empty", "link-not-in-book")] == [
        "chapters/01.md:3: warning: the link 'empty' has no target: it is kept as text [link-empty]",
        "chapters/01.md:3: warning: link to 'data.csv' is not a chapter of the book or a URL: it is kept as text (link to another "
        "chapter's file, to an id as #id, or to a full URL; or set base-url: in book.yaml to the book's web site to link it "
        "there) [link-not-in-book]",
        "chapters/01.md:5: warning: the link 'again' has no target: it is kept as text [link-empty]"]


def test_links_relative_to_the_book_s_web_site_become_full_links_with_base_url(make_book):
    """A book written for a web site links to /docs/x or page.html: with base-url they link there;
    pandoc's percent-escaped and reference links are found at their own lines."""
    root = make_book({"01.md": "# One\n\n[root](/docs/set up) and [rel](page.html#top).\n\n[ref][] and [Two](02.md).\n\n"
                               "[ref]: /bar/测?x=1\n", "02.md": "# Two\n\nText.\n"})
    report = Reporter()
    load_book(root, report=report)
    assert [(d.line, d.message.split(" is ")[0]) for d in report.items if d.code == "link-not-in-book"] == [
        (3, "link to '/docs/set%20up'"), (3, "link to 'page.html#top'"), (5, "link to '/bar/测?x=1'")]
    with (root / "book.yaml").open("a", encoding="utf-8") as config:
        config.write("base-url: https://example.org/guide/\n")
    report = Reporter()
    book = load_book(root, report=report)
    assert not [d for d in report.items if d.code == "link-not-in-book"]
    (root / "chapters" / "01.md").write_text("# One\n\n[site](/02/#two) and [page](02.html) and [gone](/09#x).\n", encoding="utf-8")
    (root / "book.yaml").write_text((root / "book.yaml").read_text(encoding="utf-8").replace("base-url: https://example.org/guide/\n", ""),
                                    encoding="utf-8")
    report = Reporter()
    pages = load_book(root, report=report)  # a chapter's page on the book's site (/02/, 02.html) is that chapter
    assert _links(pages) == {"site": "#two", "page": "#two"}
    assert [d.line for d in report.items if d.code == "link-not-in-book"] == [3]
    assert _links(book) == {"root": "https://example.org/docs/set%20up", "rel": "https://example.org/guide/page.html#top",
                     "ref": "https://example.org/bar/%E6%B5%8B?x=1", "Two": "#two"}


def test_a_chapter_without_a_heading_is_titled_after_its_file(make_book):
    """As pandoc would read it (text of the book); it is titled after its file, with a warning.
    A title block (% Title) with text after it and level-1 headings: the text is a chapter of its own."""
    root = make_book({"01.md": "# One\n\nText.\n", "pipe-tables.md": "Just text.\n",
                      "03.md": "% The Title Block\n% An Author\n\nIntroduction.\n\n# Headers\n\nText.\n"})
    report = Reporter()
    book = load_book(root, report=report)
    assert [c.title_text for c in book.chapters] == ["One", "Pipe tables", "The Title Block", "Headers"]
    assert [d.format() for d in report.items if d.code == "chapter-untitled"] == [
        "chapters/pipe-tables.md:1: warning: the chapter has no level-1 heading: it is titled 'Pipe tables' after its file; "
        "start the file with '# Title' to choose the title [chapter-untitled]"]


def test_a_file_with_several_level_one_headings_holds_several_chapters(make_book):
    """As pandoc reads it: each level-1 heading starts a chapter (a whole book in one file);
    a level-1 heading that begins every file is a series title, left out with a warning."""
    root = make_book({"01.md": "# One\n\ntext\n\n# Again {#again}\n\nmore\n\n## Section\n\n# Third\n"})
    book = load_book(root)
    assert [(c.title_text, c.id, c.source, c.index) for c in book.chapters] == [
        ("One", "one", "chapters/01.md", 0), ("Again", "again", "chapters/01.md", 1), ("Third", "third", "chapters/01.md", 2)]
    assert [h.text for h in book.chapters[1].headings] == ["Section"]
    assert len({c.slug for c in book.chapters}) == 3
    root = make_book({"01.md": "# My Series\n\n# First\n\nOne.\n", "02.md": "# My Series\n\n# Second\n\nTwo.\n"})
    report = Reporter()
    book = load_book(root, report=report)
    assert [c.title_text for c in book.chapters] == ["First", "Second"]
    assert [d.format() for d in report.items if d.code == "series-title"] == [
        f"chapters/0{n}.md:1: warning: 'My Series' is the first level-1 heading of 2 chapter files: folio takes it for a series "
        "title and leaves it out; delete this line from each file to say so [series-title]" for n in (1, 2)]


def test_figures_take_alt_and_credit(make_book):
    root = make_book(
        {"01.md": '# One\n\n![A *caption*.](images/a.png){#fig:a alt="What it shows" credit="Photo: Me"}\n\n![Caption only](images/a.png)\n\n![](images/a.png)\n'},
        extra={"images/a.png": png()},
    )
    report = Reporter()
    book = load_book(root, report=report)
    first, second = book.chapters[0].figures
    assert (first.id, first.alt, first.credit, first.number) == ("fig:a", "What it shows", "Photo: Me", 1)
    assert (second.alt, second.number) == ("", 2)
    assert [d.code for d in report.warnings] == ["figure-no-alt"]
    asset = book.assets["images/a.png"]
    assert (asset.media_type, asset.width, asset.height) == ("image/png", 40, 30)


@pytest.mark.parametrize("target, message", [
    ("images/missing.png", "image 'images/missing.png' does not exist"),
    ("../outside.png", "image '../outside.png' points outside the book folder"),
    ("https://example.com/x.png", "image 'https://example.com/x.png' is not a file in the book"),
    ("images/empty.png", "image 'images/empty.png': the file is empty"),
    ("images/text.png", "image 'images/text.png': not an image Pillow can read"),
    ("images/truncated.png", "image 'images/truncated.png': the image is damaged"),
])
def test_bad_images_are_errors_with_their_line(make_book, target, message):
    root = make_book({"01.md": f"# One\n\nText.\n\n![Cap]({target}){{alt=x}}\n"},
                     extra={"images/empty.png": b"", "images/text.png": b"hello", "images/truncated.png": png(200, 200)[:120]})
    found = errors_of(root)
    assert len(found) == 1
    assert found[0].startswith(f"chapters/01.md:5: {message}")


def test_svg_with_script_is_refused(make_book):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
    root = make_book({"01.md": "# One\n\n![Cap](images/x.svg){alt=x}\n"}, extra={"images/x.svg": svg})
    assert errors_of(root) == ["chapters/01.md:3: image 'images/x.svg': the SVG contains <script>, which folio refuses"]


def test_raw_html_is_sanitised_and_reported(make_book):
    root = make_book({"01.md": '# One\n\n<div class="box" onclick="evil()">safe <script>bad()</script></div>\n\n<p>Keep <b>this</b></p>\n\nInline <span class="x" onmouseover="y()">span</span> and <iframe src="https://x"></iframe>.\n\n[link](javascript:alert(1))\n'})
    report = Reporter()
    book = load_book(root, report=report)
    from folio.render.renderer import Links, Renderer

    html = Renderer(book, Links(href=lambda i: f"#{i}", src=lambda k: k)).chapter_body(book.chapters[0])
    assert "onclick" not in html and "onmouseover" not in html and "script" not in html
    assert "iframe" not in html and "javascript" not in html
    assert "<b>this</b>" in html and 'class="box"' in html
    assert {d.code for d in report.warnings} == {"raw-html-removed"}
    assert len(report.warnings) >= 3


def test_ast_cache_is_used_on_the_second_read(make_book, tmp_path, monkeypatch):
    root = make_book({"01.md": "# One\n\nText.\n"})
    config = load_config(root)
    first, _ = read_chapters(config, tmp_path / "cache")
    assert list((tmp_path / "cache").glob("*.json"))

    def no_pandoc(*args, **kwargs):
        raise AssertionError("pandoc ran although the chapter was cached")

    monkeypatch.setattr("folio.source.read.parse_markdown", no_pandoc)
    second, _ = read_chapters(config, tmp_path / "cache")
    assert second[0][1] == first[0][1]
    (root / "chapters" / "01.md").write_text("# One\n\nChanged.\n")
    with pytest.raises(AssertionError, match="pandoc ran"):
        read_chapters(config, tmp_path / "cache")
    assert AstCache(None).get("anything") is None


def test_truncated_images_are_caught_even_after_weasyprint_is_imported(make_book):
    import weasyprint  # noqa: F401  (it sets Pillow's LOAD_TRUNCATED_IMAGES for the process)
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    root = make_book({"01.md": "# One\n\n![Cap](images/t.png){alt=x}\n"}, extra={"images/t.png": png(200, 200)[:120]})
    assert errors_of(root)[0].startswith("chapters/01.md:3: image 'images/t.png': the image is damaged")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_every_kind_of_line_end_reads_the_same(make_book, newline):
    """A chapter saved with old Mac (CR) or Windows (CR LF) line ends reads as with LF: its
    paragraphs stay paragraphs (a lone CR made the whole chapter its title)."""
    text = "# One\n\nFirst paragraph.\n\nSecond paragraph, with a note.[^a]\n\n[^a]: The note.\n"
    plain = load_book(make_book({"01.md": text}))
    other = load_book(make_book({"01.md": text.replace("\n", newline)}))
    assert [c.title_text for c in other.chapters] == ["One"]
    assert other.chapters[0].blocks == plain.chapters[0].blocks
    assert len(other.chapters[0].notes) == 1


@pytest.mark.parametrize("written, where", [("folio-notes", "section"), ("page-1", "section"), ("page-iv", "section"),
                                            ("notes", "chapter"), ("front", "chapter")])
def test_an_id_folio_makes_itself_is_refused_at_its_line(make_book, written, where):
    text = (f"# One\n\nText.\n\n## A section {{#{written}}}\n\nMore.\n" if where == "section"
            else f"# One {{#{written}}}\n\nText.\n")
    with pytest.raises(FolioError) as caught:
        load_book(make_book({"01.md": text}))
    [message] = [d.format() for d in caught.value.diagnostics]
    line = 5 if where == "section" else 1
    assert message.startswith(f"chapters/01.md:{line}: the id '{written}' is one folio makes itself"), message


def test_a_section_may_be_called_notes(make_book):
    """Only a chapter's id can meet the print part of the notes; a section's may be 'notes'."""
    book = load_book(make_book({"01.md": "# One\n\n## Notes {#notes}\n\nText.\n"}))
    assert [h.id for h in book.chapters[0].headings][-1] == "notes"


def test_headings_named_like_folio_s_ids_get_other_ids(make_book):
    """A chapter titled "Notes", sections "Page 1" and "Folio notes" get ids that cannot meet the
    notes part, a page marker or the theme's ids (they were printed twice, or the contents
    jumped to the wrong place)."""
    book = load_book(make_book({"01.md": "# Notes\n\nText.\n\n## Page 1\n\nMore.\n\n## Folio notes\n\nEnd.\n",
                                "02.md": "# Front\n\nText.\n"}))
    sections = [h.id for h in book.chapters[0].headings if h.text in ("Page 1", "Folio notes")]
    assert [book.chapters[0].id, *sections, book.chapters[1].id] == ["id-notes", "id-page-1", "id-folio-notes", "id-front"]


def test_images_whose_names_fold_together_keep_their_own_pictures(make_book, tmp_path):
    """`a b.png` and `a-b.png` (and `Map.png` beside `map.png`) were one name in the outputs,
    and one picture was shown twice; each keeps its own now, in both outputs."""
    import io
    import zipfile

    from PIL import Image

    from folio import build

    def png(colour):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), colour).save(buffer, "PNG")
        return buffer.getvalue()

    text = ("# One\n\n![Red.](images/a b.png)\n\n![Blue.](images/a-b.png)\n\n"
            "![Green.](images/Map.png)\n\n![Black.](images/map.png)\n")
    root = make_book({"01.md": text}, extra={"images/a b.png": png("red"), "images/a-b.png": png("blue"),
                                             "images/Map.png": png("green"), "images/map.png": png("black")})
    book = load_book(root)
    assert len({a.key.casefold() for a in book.assets.values()}) == 4
    assert len({a.path for a in book.assets.values()}) == 4
    epub = build(root, tmp_path / "out", ("epub",)).outputs["epub"]
    with zipfile.ZipFile(epub) as archive:
        pictures = {n: archive.read(n) for n in archive.namelist() if n.endswith(".png") and "cover" not in n}
    assert len(pictures) == 4 and len(set(pictures.values())) == 4


def test_epub_file_names_never_meet_the_package_s_own(make_book, tmp_path):
    """A chapter file called nav.md (or cover.md, notes-x.md) gets another EPUB file name (it was
    lost behind the nav); an image named like a package file (content.opf) is an error."""
    import io
    import zipfile

    from PIL import Image

    from folio import build

    yaml = ("title: Names\nlang: en\nidentifier: urn:x:n\nchapters:\n  - chapters/nav.md\n  - chapters/cover.md\n"
            "  - chapters/notes-one.md\n  - chapters/one.md\n")
    root = make_book({"nav.md": "# Nav\n\nThe nav chapter.\n", "cover.md": "# Cover\n\nThe cover chapter.\n",
                      "notes-one.md": "# Notes on one\n\nText.\n", "one.md": "# One\n\nNoted.[^a]\n\n[^a]: A note.\n"}, yaml=yaml)
    book = load_book(root)
    assert [c.slug for c in book.chapters] == ["chapter-nav", "chapter-cover", "chapter-notes-one", "one"]
    epub = build(root, tmp_path / "out", ("epub",)).outputs["epub"]
    with zipfile.ZipFile(epub) as archive:
        names = archive.namelist()
        text = " ".join(archive.read(n).decode() for n in names if n.endswith(".xhtml"))
    assert len(names) == len(set(names)) and "The nav chapter." in text and "The cover chapter." in text

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, "PNG")
    bad = make_book({"01.md": "# One\n\n![A picture.](content.opf)\n"}, extra={"content.opf": buffer.getvalue()})
    with pytest.raises(FolioError) as caught:
        load_book(bad)
    [message] = [d.format() for d in caught.value.diagnostics]
    assert message.startswith("chapters/01.md:3: image 'content.opf' has the name of a kind of file the EPUB itself is made of")


def test_every_occurrence_of_a_mistake_is_listed_at_its_own_line(make_book):
    """A missing image used twice and an unknown key cited twice: four errors, each at its line,
    in one build; a heading with an apostrophe is found at its line, not line 1."""
    root = make_book({"01.md": "# One\n\n![A.](images/none.png){alt=x}\n\nText.\n\n![B.](images/none.png){alt=x}\n",
                      "02.md": "# Two\n\n#### Don't skip\n"})
    assert errors_of(root) == ["chapters/01.md:3: image 'images/none.png' does not exist (looked for from the book folder and from chapters/)",
                               "chapters/01.md:7: image 'images/none.png' does not exist (looked for from the book folder and from chapters/)"]
    report = Reporter()
    (root / "chapters" / "01.md").write_text("# One\n\nText.\n", encoding="utf-8")
    load_book(root, report=report)
    assert [d.format() for d in report.items if d.code == "heading-level-skipped"] == [
        "chapters/02.md:3: warning: heading 'Don’t skip' is level 4 after level 1 [heading-level-skipped]"]


def test_ids_written_in_raw_html_are_checked_and_can_be_linked_to(make_book):
    root = make_book({"01.md": '# One\n\n<span id="here">a</span> and [back](#here).\n\n<div id="page-3">reserved</div>\n',
                      "02.md": '# Two\n\n<p id="here">again</p>\n'})
    assert errors_of(root) == ["chapters/01.md:5: the id 'page-3' is one folio makes itself (for the print parts, the notes or "
                               "the page markers): choose another"]
    (root / "chapters" / "02.md").write_text("# Two\n\nText.\n", encoding="utf-8")
    (root / "chapters" / "01.md").write_text('# One\n\n<span id="here">a</span> and [back](#here).\n', encoding="utf-8")
    assert load_book(root).id_chapter["here"] == 0


def test_a_chapter_s_metadata_block_is_merged_into_the_book_s(make_book):
    """A YAML block or % title block at the top of a chapter: its title and byline are the
    chapter's, the rest goes to the book (book.yaml wins, then the later chapter, as pandoc);
    every value not used is a warning at its line, none is dropped in silence."""
    one = ("---\ntitle: The First\nauthor: Ann Author\nlang: fr\ndate: 2021-03-04\npublisher: Small Press\n"
           "geometry: margin=1in\nfontsize: 12pt\ntrim: 5x8\nreference-section-title: Works Cited\n"
           "bibliography: refs.bib\nnocite: '@a'\n---\n\nText of the first.\n")
    two = "% The Second\n% Guest Writer\n% July 17, 2006\n\nText of the second.\n\n---\npublisher: Later Press\n---\n"
    root = make_book({"one.md": one, "two.md": two},
                     extra={"refs.bib": "@book{a, author={A, B}, title={T}, publisher={P}, year={2000}}\n"})
    report = Reporter()
    book = load_book(root, report=report)
    assert sorted(d.format() for d in report.items if d.code == "chapter-metadata") == [
        "chapters/one.md:4: warning: 'lang' here differs from book.yaml's (line 3): book.yaml's is used; delete it here "
        "[chapter-metadata]",
        "chapters/one.md:8: warning: metadata folio does not use, ignored: fontsize, geometry (folio's settings are in "
        "book.yaml: docs/book-yaml.md) [chapter-metadata]",
        "chapters/one.md:9: warning: 'trim' is set in book.yaml, not in a chapter's metadata: it is ignored here [chapter-metadata]",
        "chapters/two.md:3: warning: date 'July 17, 2006' must be YYYY, YYYY-MM or YYYY-MM-DD: this chapter's value is not "
        "used [chapter-metadata]",
        "chapters/two.md:8: warning: 'publisher' here differs from chapters/one.md's: this later one is used, as pandoc does "
        "[chapter-metadata]"]
    config = book.config
    assert (config.lang, config.date, config.publisher, config.author) == ("en-US", "2021-03-04", "Later Press", ("Ann Author",))
    assert (config.bibliography_title, config.nocite, [p.name for p in config.bibliography]) == ("Works Cited", ("a",), ["refs.bib"])
    assert [(c.title_text, c.byline) for c in book.chapters[:2]] == [("The First", ""), ("The Second", "Guest Writer")]
    assert book.chapters[-1].title_text == "Works Cited"


def test_example_lists_number_through_the_book_as_pandoc_reads_all_files(make_book):
    """(@) items count on from chapter to chapter and (@label) is known in every chapter,
    exactly as pandoc numbers them given the files together; line numbers are unchanged."""
    import json
    import subprocess

    from folio.source.pandoc_run import pandoc_binary

    one = "# A\n\n(@) one\n(@good) two\n\nAs (@good) shows.\n\n```\n(@) not an item\n```\n"
    two = "# B\n\n(@) three\n(@) four\n\nSee (@good) and @good, and (@bad).\n\n(@bad) five\n\nA [^n] note.\n\n[^n]: In a note, @bad.\n"
    root = make_book({"01.md": one, "02.md": two})
    report = Reporter()
    book = load_book(root, report=report)

    def shape(blocks: list) -> list:
        return [(b["c"][0][0], [stringify(item).strip() for item in b["c"][1]]) if b["t"] == "OrderedList" else stringify([b]).strip()
                for b in blocks if b["t"] in ("OrderedList", "Para")]

    ours = shape(book.chapters[0].blocks) + shape(book.chapters[1].blocks)
    theirs = json.loads(subprocess.run([pandoc_binary(), "-t", "json", "chapters/01.md", "chapters/02.md"], cwd=root,
                                       capture_output=True, check=True).stdout)
    assert ours == shape(theirs["blocks"]) == [(1, ["one", "two"]), "As (2) shows.", (3, ["three", "four"]),
                                              "See (2) and 2, and (5).", (5, ["five"]), "A  note."]
    assert stringify(book.chapters[1].notes[0].blocks).strip() == "In a note, 5."
    assert not report.items


def test_typeset_math_is_kept_between_builds_and_a_foreign_cache_is_ignored(tmp_path, monkeypatch):
    """Drawing an expression costs ~11 ms: a second build takes them from the cache file, which
    holds only the last build's expressions; a file not sealed by folio is not trusted."""
    from folio.model import Chapter
    from folio.source import equations

    chapter = Chapter(index=0, role="bodymatter", source="x.md", text="$x^2$ $y$")
    found = [equations.Found("InlineMath", "x^2", chapter), equations.Found("InlineMath", "y", chapter)]
    cache = tmp_path / "math.json"
    first = equations.typeset(found, Reporter(), cache)
    assert set(first) == {("InlineMath", "x^2"), ("InlineMath", "y")}
    monkeypatch.setattr(equations, "_typeset", lambda *a: pytest.fail("typeset again"))
    assert equations.typeset(found, Reporter(), cache) == first
    assert equations.typeset(found[:1], Reporter(), cache) == {("InlineMath", "x^2"): first[("InlineMath", "x^2")]}
    monkeypatch.undo()
    cache.write_text('{"' + equations._key("InlineMath", "x^2") + '": ["<math>forged</math>", "<svg/>", 1, 1, 0]}', encoding="utf-8")
    assert equations.typeset(found[:1], Reporter(), cache)[("InlineMath", "x^2")].mathml == first[("InlineMath", "x^2")].mathml


@pytest.mark.parametrize("tex, read", [
    (r"x = {1 \over z}", r"x = {\frac{1}{z}}"),
    (r"1 \over z", r"\frac{1}{z}"),
    (r"{ {u \over z} \over {1 \over z}}", r"{\frac{{\frac{u}{z}}}{{\frac{1}{z}}}}"),
    (r"\left( n \choose k \right)", r"\left(\binom{n}{k}\right)"),
    (r"\overline{x} \over 2", r"\frac{\overline{x}}{2}"),
    (r"a_{1 \over z} + x \overrightarrow{y}", r"a_{\frac{1}{z}} + x \overrightarrow{y}"),
    (r"\begin{pmatrix} x \over w \\[6pt] y & c_w \over v_w \end{pmatrix}",
     r"\begin{pmatrix}\frac{x}{w}\\[6pt] y &\frac{c_w}{v_w}\end{pmatrix}"),
    (r"\frac{a}{b}", r"\frac{a}{b}"),
])
def test_plain_tex_infix_fractions_are_read_as_mathjax_reads_them(tex, read):
    """\\over, \\choose and \\atop split their group (braces, \\left...\\right, an alignment cell)."""
    from folio.source.equations import infix_fractions

    assert infix_fractions(tex) == read


def test_math_pandoc_cannot_read_is_an_error_with_pandoc_s_reason(make_book):
    root = make_book({"01.md": "# One\n\nFine $x = {1 \\over z}$ but $\\genfrac{}{}{0pt}{}{a}{b}$.\n"})
    assert errors_of(root) == ["chapters/01.md:3: TeX math that cannot be typeset: $\\genfrac{}{}{0pt}{}{a}{b}$ (unexpected \"{\")"]


def test_a_file_of_metadata_only_is_the_book_s_metadata_not_a_chapter(make_book):
    """pandoc users list metadata.yml before the chapters: listed as a chapter in book.yaml, it
    gives the book its settings (an author as a map with a name), and is no chapter."""
    yaml = ("title: Essay\nlang: en-US\nchapters:\n  - metadata.yml\n  - chapters/one.md\n")
    root = make_book({"one.md": "Text without a heading.\n"}, yaml,
                     extra={"metadata.yml": "---\ntitle: Another Title\nauthor:\n- name: Henry Jones\n  affiliation: Marshall College\n"
                                            "date: 1936\n---\n"})
    report = Reporter()
    book = load_book(root, report=report)
    assert [c.title_text for c in book.chapters] == ["One"]
    assert (book.config.author, book.config.date) == (("Henry Jones",), "1936")
    assert [d.format() for d in report.items if d.code == "chapter-metadata"] == [
        "metadata.yml:2: warning: title 'Another Title' here differs from book.yaml's 'Essay' (line 1): book.yaml's is used "
        "[chapter-metadata]"]
