"""Manuscripts as their authors wrote them (issue 18): raw HTML figures, image sizes and titles."""

from __future__ import annotations

import re
import zipfile

import pytest
from conftest import epub_document, epubcheck

from folio import build

pytestmark = pytest.mark.slow


def test_a_figure_written_in_raw_html_keeps_its_picture(make_book, tmp_path):
    """<figure><img><figcaption> and an inline <img> of a file in the book are packed and sized as
    Markdown images are (the author's width and title kept, in the EPUB and the PDF); a remote
    <img> is removed with a warning; a missing one is an error at its line."""
    from PIL import Image

    picture = tmp_path / "p.png"
    Image.new("RGB", (600, 300), "navy").save(picture)
    chapter = ('# One\n\n<figure>\n<img src="images/p.png" alt="A navy band." title="Navy" width="200">\n'
               "<figcaption>A figure in raw HTML.</figcaption>\n</figure>\n\n"
               'Inline <img src="images/p.png" alt="small" width="40"> and remote <img src="http://127.0.0.1:9/x.png" alt="r">.\n\n'
               "![Markdown, half width.](images/p.png){alt=\"Navy.\" width=50%}\n")
    root = make_book({"01.md": chapter}, extra={"images/p.png": picture.read_bytes()})
    result = build(root, tmp_path / "out", ("pdf", "epub"))
    assert [d.format() for d in result.diagnostics if d.code == "raw-html-removed"] == [
        "chapters/01.md:8: warning: removed <img> from raw HTML [raw-html-removed]"]
    report = epubcheck(result.outputs["epub"])
    assert (report["errors"], report["warnings"]) == (0, 0), report["messages"]
    text = epub_document(result.outputs["epub"])
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        assert "EPUB/images/p.png" in archive.namelist()
    images = re.findall(r"<img [^>]*>", text)
    assert images == ['<img src="images/p.png" alt="A navy band." title="Navy" style="width: 200px"/>',
                      '<img src="images/p.png" alt="small" style="width: 40px"/>',
                      '<img src="images/p.png" alt="Navy." style="width: 50%"/>']
    import pdfplumber

    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        widths = sorted(round(image["width"]) for page in pdf.pages for image in page.images)
        page_width = pdf.pages[0].width
    assert widths[:2] == [30, 150]  # 40 px and 200 px at 96 px an inch, in points
    assert 0.35 * page_width < widths[2] < 0.5 * page_width  # half the text block, which is narrower than the page
    (root / "chapters" / "01.md").write_text(chapter + '\n<img src="images/none.png" alt="gone">\n', encoding="utf-8")
    from folio.errors import FolioError

    with pytest.raises(FolioError) as caught:
        build(root, tmp_path / "out", ("epub",))
    assert [d.format() for d in caught.value.diagnostics] == ["chapters/01.md:12: image 'images/none.png' does not exist (looked for from the book folder and from chapters/)"]


def test_an_image_beside_its_chapter_in_a_subfolder_is_found(make_book, tmp_path):
    """A chapter in a folder of its own (source/basic/x/README.md, as on GitHub or GitBook) names
    its pictures from its folder (./img/a.png, ../shared/b.png); the book folder's paths still come
    first; a figure without alt= is warned about at its own line, not the chapter's first."""
    from conftest import png

    yaml = ("title: Subfolders\nlang: en\nidentifier: urn:uuid:0b5ff5f8-1a0e-4c53-9d4b-8f0f3f0d7d61\n"
            "chapters:\n  - source/basic/x/README.md\n")
    chapter = ("# Ex\n\nText.\n\n![A diagram.](./img/a.png)\n\n![Shared.](../shared/b.png){alt=\"b\"}\n\n"
               "![From the root.](images/c.png){alt=\"c\"}\n")
    root = make_book({}, yaml, extra={"source/basic/x/README.md": chapter, "source/basic/x/img/a.png": png(30, 20),
                                      "source/basic/shared/b.png": png(40, 20), "images/c.png": png(50, 20),
                                      "source/basic/x/images/c.png": png(60, 20)})
    result = build(root, tmp_path / "out", ("epub",))
    assert [d.format() for d in result.diagnostics if d.code == "figure-no-alt"] == [
        "source/basic/x/README.md:5: warning: figure 'figure-1' has no alt= text [figure-no-alt]"]
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        packed = {name.rsplit("/", 1)[-1]: len(archive.read(name)) for name in archive.namelist() if name.endswith(".png")}
    assert set(packed) == {"a.png", "b.png", "c.png"}
    assert packed["c.png"] == len(png(50, 20))  # the book folder's images/c.png, not the chapter folder's


def test_text_before_the_first_level_1_heading_is_a_chapter_titled_after_its_file(make_book, tmp_path):
    """A page whose text starts before its first level-1 heading (a tutorial that shows what a
    heading looks like halfway through) builds, as pandoc reads it: the text before is a chapter
    of its own, titled after the file, with the warning a file without a heading gets."""
    root = make_book({"intro-notes.md": "Text first.\n\n# One\n\nMore.\n"})
    result = build(root, tmp_path / "out", ("epub",))
    assert [d.format() for d in result.diagnostics if d.code == "chapter-untitled"] == [
        "chapters/intro-notes.md:1: warning: the chapter has no level-1 heading: it is titled 'Intro notes' after its file; "
        "start the file with '# Title' to choose the title [chapter-untitled]"]
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        nav = archive.read("EPUB/nav.xhtml").decode("utf-8")
    assert re.findall(r"<a [^>]*>([^<]+)</a>", nav)[:2] == ["Intro notes", "One"]


def test_a_task_list_has_boxes_not_bullets(make_book, tmp_path):
    root = make_book({"01.md": "# One\n\nTasks:\n\n- [ ] write the book\n- [x] find a publisher\n- an ordinary item\n"})
    result = build(root, tmp_path / "out", ("pdf", "epub"))
    assert not [d for d in result.diagnostics if "glyph" in d.message or ".notdef" in d.message]
    report = epubcheck(result.outputs["epub"])
    assert (report["errors"], report["warnings"]) == (0, 0), report["messages"]
    text = epub_document(result.outputs["epub"])
    assert '<li class="task"><span class="task-box" role="img" aria-label="Not done"></span>write the book</li>' in text
    assert '<li class="task done"><span class="task-box" role="img" aria-label="Done">&#10003;</span>find a publisher</li>' in text
    assert "\u2610" not in text and "\u2612" not in text and "<li>an ordinary item</li>" in text


MATH = ("Inline $\\alpha \\wedge \\omega$ and $x_i^2 + \\sqrt{y}$ in a line.\n\n"
        "$$\\frac{a}{b} = \\sum_{i=0}^{n} x_i$$\n\nAgain $\\alpha \\wedge \\omega$. " + "Words that fill the measure. " * 12 + "\n")


def test_tex_math_is_mathml_in_the_epub_and_typeset_in_the_pdf(make_book, tmp_path):
    """MathML with the TeX as its alt text and annotation in the EPUB (EPUBCheck clean, the
    mathml property set); in the PDF a drawing per expression, inline ones on the baseline
    (below it by their depth), display ones centred; no raw TeX printed."""
    import pdfplumber

    root = make_book({"01.md": f"# One\n\n{MATH}"})
    result = build(root, tmp_path / "out", ("pdf", "epub"))
    report = epubcheck(result.outputs["epub"])
    assert (report["errors"], report["warnings"]) == (0, 0), report["messages"]
    text, opf = epub_document(result.outputs["epub"]), epub_document(result.outputs["epub"], "content.opf")
    assert text.count("<math ") == 4 and text.count('display="block"') == 1
    assert '<math alttext="\\alpha \\wedge \\omega" display="inline"' in text
    assert '<annotation encoding="application/x-tex">\\frac{a}{b} = \\sum_{i=0}^{n} x_i</annotation>' in text
    assert 'properties="mathml"' in opf
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        page = next(p for p in pdf.pages if "Inline" in (p.extract_text() or ""))
        glyphs = page.curves  # the drawings' glyphs are paths (WeasyPrint draws SVG as vectors)
        words = page.extract_words()
        text = page.extract_text()
    first = next(w for w in words if w["text"] == "Inline")
    after = next(w for w in words if w["text"] == "Again")
    assert "\\alpha" not in text and "frac" not in text and len(glyphs) >= 10
    on_first_line = [g for g in glyphs if g["top"] < first["bottom"] and g["bottom"] > first["top"]]
    assert on_first_line and all(first["x1"] < g["x0"] for g in on_first_line)  # inline, after "Inline", on its line
    display = [g for g in glyphs if first["bottom"] + 2 < g["top"] and g["bottom"] < after["top"] - 2]
    middle = (min(g["x0"] for g in display) + max(g["x1"] for g in display)) / 2
    block = [w for w in words if w["top"] >= after["top"] - 1 and w["text"] not in ("1", "2", "3")]  # a justified paragraph
    body = (min(w["x0"] for w in block) + max(w["x1"] for w in block)) / 2
    assert display and abs(middle - body) < 20  # display math: centred in the text block, on lines of its own


def test_equations_with_an_id_are_numbered_and_referenced(make_book, tmp_path):
    """pandoc-crossref's $$...$$ {#eq:id}: numbered per chapter (numbering: chapter) or through
    the book, the number at the right of its line in the PDF, level with the equation's middle;
    @eq:id prints "Equation (1.2)" linked to it in both outputs; an unknown one is an error."""
    import pdfplumber

    from folio.errors import FolioError

    one = ("# Energy\n\nThe relation\n\n$$ E = mc^2 $$ {#eq:energy}\n\nand a Gaussian\n\n"
           "$$ \\int_{-\\infty}^{\\infty} e^{-x^2}\\,dx = \\sqrt{\\pi}, $$ {#eq:gauss}\n\nSee @eq:gauss and [@eq:energy; @eq:ratio].\n")
    two = "# Ratios\n\n$$ \\varphi = \\frac{1 + \\sqrt{5}}{2} $$ {#eq:ratio}.\n\n$$ a^2 + b^2 = c^2 $$\n\nUnlike @eq:energy.\n"
    root = make_book({"01.md": one, "02.md": two})
    result = build(root, tmp_path / "out", ("pdf", "epub"))
    report = epubcheck(result.outputs["epub"])
    assert (report["errors"], report["warnings"]) == (0, 0), report["messages"]
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        first, second = (archive.read(f"EPUB/{n}.xhtml").decode() for n in ("01", "02"))
    assert re.findall(r'<span class="folio-equation" id="([^"]+)">', first + second) == ["eq:energy", "eq:gauss", "eq:ratio"]
    assert re.findall(r'folio-equation-number">([^<]+)<', first + second) == ["(1)", "(2)", "(3)"]
    assert '<a class="xref" href="01.xhtml#eq:gauss">Equation (2)</a>' in first
    assert '<a class="xref" href="01.xhtml#eq:energy">Equation (1)</a>' in second and ".</p>" in second
    (root / "book.yaml").write_text((root / "book.yaml").read_text(encoding="utf-8") + "numbering: chapter\n", encoding="utf-8")
    result = build(root, tmp_path / "out", ("pdf",))
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        page = next(p for p in pdf.pages if "Gaussian" in (p.extract_text() or ""))
        text, words, glyphs = page.extract_text(), page.extract_words(), page.curves
    assert "See Equation (1.2) and Equation (1.1), Equation (2.1)." in text.replace("\n", " ")
    number = next(w for w in words if w["text"] == "(1.2)")
    drawn = [g for g in glyphs if g["top"] > next(w for w in words if w["text"] == "Gaussian")["bottom"]
             and g["bottom"] < next(w for w in words if w["text"] == "See")["top"]]
    middle = (min(g["top"] for g in drawn) + max(g["bottom"] for g in drawn)) / 2
    assert max(g["x1"] for g in drawn) < number["x0"] and abs((number["top"] + number["bottom"]) / 2 - middle) < 3
    (root / "chapters" / "02.md").write_text("# Ratios\n\nNone: @eq:nowhere and @eq:ratio.\n", encoding="utf-8")
    with pytest.raises(FolioError) as caught:
        build(root, tmp_path / "out", ("epub",))
    assert [d.format() for d in caught.value.diagnostics] == [
        "chapters/01.md:11: cross-reference '@eq:ratio': no equation with id 'ratio' or 'eq:ratio'",
        "chapters/02.md:3: cross-reference '@eq:nowhere': no equation with id 'nowhere' or 'eq:nowhere'",
        "chapters/02.md:3: cross-reference '@eq:ratio': no equation with id 'ratio' or 'eq:ratio'"]


def test_tex_that_cannot_be_typeset_is_an_error_at_its_line(make_book, tmp_path):
    from folio.errors import FolioError

    root = make_book({"01.md": "# One\n\nGood $x^2$ and bad $\\frac{a}{$ here.\n\nAnd $$\\begin{matrix} a \\end{matrix$$\n"})
    with pytest.raises(FolioError) as caught:
        build(root, tmp_path / "out", ("epub",))
    assert [d.format() for d in caught.value.diagnostics] == [
        "chapters/01.md:3: TeX math that cannot be typeset: $\\frac{a}{$ (unexpected eof)",
        "chapters/01.md:5: TeX math that cannot be typeset: $\\begin{matrix} a \\end{matrix$ (unexpected eof)"]


def test_urls_and_addresses_break_without_a_hyphen(make_book, tmp_path):
    import pdfplumber

    url = "https://example.org/documentation/configuration/representationalism/internationalization.html"
    email = "someone.with.a.very.long.address@example-institution.org"
    root = make_book({"01.md": f"# One\n\nSee <{url}> and write to <{email}> about internationalization considerations.\n"})
    result = build(root, tmp_path / "out", ("pdf",))
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        text = "".join((page.extract_text() or "").replace("\n", "") for page in pdf.pages)
    assert url in text and email in text  # whole, with no hyphen added where a line broke


def test_the_list_of_illustrations_gives_short_captions(make_book, tmp_path):
    """A figure's entry in the list of illustrations is its short-caption=, else its caption's
    first sentence (an initial or an abbreviation does not end it), not the whole caption."""
    from conftest import png

    from folio.render.context import first_sentence

    assert first_sentence("Col. Lindbergh and C. A. Smith in St. Louis. The crowd, later.") == "Col. Lindbergh and C. A. Smith in St. Louis"
    assert first_sentence("“We.” The plane.") == "“We.”" and first_sentence("One sentence.") == "One sentence"
    chapter = ("# One\n\n![Lindbergh at San Diego. He flew east the next day, alone.](images/a.png){alt=\"A man.\"}\n\n"
               "![The Spirit of St. Louis over the field, 1927.](images/a.png){alt=\"A plane.\" short-caption=\"The plane\"}\n")
    yaml = ("title: Lists\nlang: en\nidentifier: urn:uuid:0b5ff5f8-1a0e-4c53-9d4b-8f0f3f0d7d62\nlists: [figures]\n"
            "chapters:\n  - chapters/01.md\n")
    root = make_book({"01.md": chapter}, yaml, extra={"images/a.png": png()})
    result = build(root, tmp_path / "out", ("epub",))
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        text = "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xhtml"))
    listed = re.findall(r'<li[^>]*><a href="[^"]*#figure-\d">(.*?)</a>', text)
    assert [re.sub(r"<[^>]+>", "", entry) for entry in listed] == ["Lindbergh at San Diego", "The plane"], listed  # (unnumbered: book.yaml numbering is off)
