"""Citations: folio's notes, in-text citations and bibliography equal pandoc's citeproc output."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree, html
from pdfprobe import PdfProbe

from folio import build, load_book
from folio.errors import FolioError, Reporter
from folio.source.cite import styles_folder
from folio.source.pandoc_run import pandoc_binary

DATA = Path(__file__).resolve().parent / "data" / "citations"
CHAPTERS = ["chapters/01-first.md", "chapters/02-second.md"]
STYLES = ["chicago-notes-bibliography", "chicago-notes-bibliography-subsequent-ibid", "chicago-author-date", "apa",
          "modern-language-association"]
XHTML = "{http://www.w3.org/1999/xhtml}"


def norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u21a9\ufe0e", "").replace("\u21a9", "").split())


def squash(text: str) -> str:
    """For PDF text: no spaces, no hyphens (line breaks and hyphenation differ from HTML)."""
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text.replace("\ufffe", ""))


def citation_book(tmp_path: Path, style: str, extra_yaml: str = "") -> Path:
    root = tmp_path / f"book-{re.sub(r'[^a-z0-9-]', '_', style)}"
    shutil.copytree(DATA, root)
    (root / "book.yaml").write_text(
        f"title: Citations\nlang: en-US\nidentifier: urn:x:citations\nbibliography: references.bib\ncsl: {style}\n{extra_yaml}"
        "chapters:\n" + "".join(f"  - {c}\n" for c in CHAPTERS), encoding="utf-8")
    return root


def pandoc_html(root: Path, style: str) -> etree._Element:
    """pandoc's own rendering of the same Markdown (the reference)."""
    out = subprocess.run(
        [pandoc_binary(), "-f", "markdown", "-t", "html", "--citeproc", "--csl", str(styles_folder() / f"{style}.csl"),
         "--bibliography", str(root / "references.bib"), "-M", "lang=en-US", "-M", "link-citations=true", *CHAPTERS],
        cwd=root, capture_output=True, check=True)
    return html.fromstring(out.stdout.decode("utf-8"))


def pandoc_parts(tree) -> tuple[list[str], list[str], dict[str, str]]:
    notes = [norm(li.text_content()) for li in tree.xpath('//section[@id="footnotes"]//li')]
    cites = [norm(s.text_content()) for s in tree.xpath('//span[@class="citation"]') if not s.xpath("ancestor::section[@id='footnotes']")]
    bibliography = {d.get("id"): norm(d.text_content()) for d in tree.xpath('//div[@id="refs"]/div')}
    return notes, cites, bibliography


def folio_parts(epub: Path) -> tuple[list[str], list[str], dict[str, str]]:
    notes, cites, bibliography = [], [], {}
    with zipfile.ZipFile(epub) as archive:
        spine = re.findall(rb'<itemref idref="([^"]+)"', archive.read("EPUB/content.opf"))
        manifest = dict(re.findall(rb'<item href="([^"]+)" id="([^"]+)"', archive.read("EPUB/content.opf")))
        by_id = {v: k for k, v in manifest.items()}
        for idref in spine:
            name = "EPUB/" + by_id[idref].decode()
            root = etree.fromstring(archive.read(name))
            for li in root.iter(f"{XHTML}li"):
                if li.get("class") == "note":
                    notes.append(norm("".join(li.itertext())))
            for span in root.iter(f"{XHTML}span"):
                if span.get("class") == "citation" and not span.xpath("ancestor::*[@class='note']"):
                    cites.append(norm("".join(span.itertext())))
            for div in root.iter(f"{XHTML}div"):
                if div.get("class") == "csl-entry":
                    bibliography[div.get("id")] = norm("".join(div.itertext()))
    return notes, cites, bibliography


@pytest.mark.parametrize("style", STYLES)
def test_notes_citations_and_bibliography_equal_pandoc(tmp_path, style):
    root = citation_book(tmp_path, style)
    result = build(root, tmp_path / "out", ("pdf", "epub"), use_cache=False)
    expected_notes, expected_cites, expected_bib = pandoc_parts(pandoc_html(root, style))
    notes, cites, bibliography = folio_parts(result.outputs["epub"])
    assert len(expected_bib) >= 30
    assert bibliography == expected_bib
    assert notes == expected_notes
    if not expected_notes or style.endswith("author-date") or style in ("apa", "modern-language-association"):
        # in-text styles: each citation's text, in order (citations inside notes excluded)
        assert [c for c in cites if c] == [c for c in expected_cites if c]
    probe = PdfProbe(result.outputs["pdf"])
    pdf_text = squash(" ".join(probe.text(i) for i in range(probe.pages)))
    for entry in [*expected_bib.values(), *expected_notes]:
        assert squash(entry) in pdf_text, entry
    assert [d.code for d in result.warnings] == ["citation-unused"]
    assert "uncited2000" in result.warnings[0].message and result.warnings[0].path == "references.bib"


def test_ibid_and_note_numbering_with_the_authors_notes(tmp_path):
    root = citation_book(tmp_path, "chicago-notes-bibliography-subsequent-ibid")
    book = load_book(root)
    first = book.chapters[0]
    texts = [norm(" ".join(_strings(n.blocks))) for n in first.notes]
    assert texts[0].startswith("Sven Steenberg, Vlasov")
    assert texts[1] == "Ibid., 207."
    assert texts[2] == "Ibid."
    assert texts[3] == "Ibid., 208."
    own = next(t for t in texts if t.startswith("The author’s own note"))
    assert texts.index(own) == 8, "the author's note is numbered among the citation notes in reading order"
    assert len(first.notes) == 14


def _strings(blocks) -> list[str]:
    from folio.source.pandoc_ast import stringify

    return [stringify(blocks)]


def test_citations_per_chapter_restart_full_forms(tmp_path):
    root = citation_book(tmp_path, "chicago-notes-bibliography", "citations-per-chapter: true\n")
    book = load_book(root)
    second = book.chapters[1]
    steenberg = next(norm(" ".join(_strings(n.blocks))) for n in second.notes if "Steenberg" in " ".join(_strings(n.blocks)))
    assert steenberg.startswith("Sven Steenberg, Vlasov, trans. Abe Farbstein")
    assert book.chapters[-1].generated and book.chapters[-1].id == "bibliography"


def test_nocite_all_lists_every_entry_without_warnings(tmp_path):
    root = citation_book(tmp_path, "apa", "nocite: ['*']\n")
    report = Reporter()
    book = load_book(root, report=report)
    assert report.warnings == []
    ids = {i for i in book.id_chapter if i.startswith("ref-")}
    assert "ref-uncited2000" in ids and len(ids) == 34


def test_bibliography_title_follows_the_style_and_can_be_set(tmp_path):
    assert load_book(citation_book(tmp_path, "apa")).chapters[-1].title_text == "References"
    assert load_book(citation_book(tmp_path, "chicago-notes-bibliography")).chapters[-1].title_text == "Bibliography"
    assert load_book(citation_book(tmp_path / "x", "apa", "bibliography-title: Works Cited\n")).chapters[-1].title_text == "Works Cited"


def errors_of(root) -> list[str]:
    with pytest.raises(FolioError) as caught:
        load_book(root)
    return [d.format() for d in caught.value.diagnostics]


def test_unknown_key_is_an_error_at_its_line(tmp_path):
    root = citation_book(tmp_path, "apa")
    (root / "chapters" / "02-second.md").write_text("# Two\n\nFine.\n\nBut [@smith2099, 4] is not there.\n")
    assert errors_of(root) == ["chapters/02-second.md:5: unknown citation key 'smith2099'"]


def test_unknown_style_suggests_names(tmp_path):
    root = citation_book(tmp_path, "chicago-notes-bibliografy")
    found = errors_of(root)
    assert found[0].startswith("book.yaml:5: unknown citation style 'chicago-notes-bibliografy' (did you mean 'chicago-notes-bibliography'")


def test_style_aliases_and_local_csl_files(tmp_path):
    root = citation_book(tmp_path, "chicago-note-bibliography")
    assert load_book(root).chapters[-1].title_text == "Bibliography"
    root = citation_book(tmp_path / "local", "styles/mine.csl")
    (root / "styles").mkdir()
    shutil.copy(styles_folder() / "apa.csl", root / "styles" / "mine.csl")
    assert load_book(root).chapters[-1].title_text == "References"
    root = citation_book(tmp_path / "outside", "../apa.csl")
    assert errors_of(root)[0].startswith("book.yaml:5: csl: '../apa.csl' points outside the book folder")


def test_duplicate_key_and_broken_bibliography(tmp_path):
    root = citation_book(tmp_path, "apa")
    bib = root / "references.bib"
    bib.write_text(bib.read_text() + "\n@book{steenberg1970, title = {Again}, year = {1999}}\n")
    found = errors_of(root)
    assert len(found) == 1 and found[0].startswith("references.bib:") and "duplicate bibliography key 'steenberg1970'" in found[0]
    root = citation_book(tmp_path / "broken", "apa")
    (root / "references.bib").write_text("@book{ok2000, title = {Fine}, year = {2000}}\n\n@book{broken,\n  title = {Unclosed\n")
    found = errors_of(root)
    assert found and found[0].startswith("references.bib:")


def test_citation_without_bibliography(make_book):
    root = make_book({"01.md": "# One\n\nAs [@someone] said.\n"})
    assert errors_of(root) == ["chapters/01.md:3: citation '@someone' but book.yaml names no bibliography"]


@pytest.mark.slow
@pytest.mark.parametrize("style", ["chicago-notes-bibliography", "apa", "ieee"])
def test_citation_books_pass_epubcheck_and_link_to_the_bibliography(tmp_path, style):
    from conftest import ace, epubcheck

    root = citation_book(tmp_path, style)
    result = build(root, tmp_path / "out", ("pdf", "epub"), use_cache=False)
    report = epubcheck(result.outputs["epub"])
    assert report["messages"] == [] and (report["errors"], report["warnings"]) == (0, 0)
    assert ace(result.outputs["epub"]) == []
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        opf = archive.read("EPUB/content.opf").decode()
        nav = archive.read("EPUB/nav.xhtml").decode()
        bibliography = archive.read("EPUB/bibliography.xhtml").decode()
    assert 'epub:type="bibliography"' in bibliography and 'role="doc-bibliography"' in bibliography
    assert 'epub:type="bibliography" href="bibliography.xhtml"' in nav
    assert "bibliography.xhtml" in opf
    probe = PdfProbe(result.outputs["pdf"])
    to_entries = [link for link in probe.links() if link.dest.startswith("ref-")]
    assert len(to_entries) >= 30
    bibliography_page = probe.dests["bibliography"]
    assert all(probe.dests[link.dest] >= bibliography_page for link in to_entries)
    if style == "chicago-notes-bibliography":  # a note is not one long link: only the work's title is
        with zipfile.ZipFile(result.outputs["epub"]) as archive:
            notes = "".join(archive.read(n).decode() for n in archive.namelist() if "notes" in n and n.endswith(".xhtml"))
        links = re.findall(r'<a href="bibliography.xhtml#ref-[^"]*">(.*?)</a>', notes)
        assert len(links) >= 10 and all(re.fullmatch(r"<em>[^<]*</em>|<span>[“‘][^<]*</span>", text) for text in links), links


CSL = "http://purl.org/net/xbiblio/csl"
BAD_STYLES = {
    "not-xml": ("this is not <xml", "bad.csl:1: not a CSL style: the XML is not well-formed"),
    "a-locale": (f'<?xml version="1.0"?>\n<locale xmlns="{CSL}" version="1.0" xml:lang="en-US"/>\n',
                 "bad.csl:2: not a CSL style: the root element is <locale>"),
    "dependent": (f'<?xml version="1.0"?>\n<style xmlns="{CSL}" version="1.0" class="note">\n<info><title>x</title>\n'
                  '<link href="http://www.zotero.org/styles/apa" rel="independent-parent"/></info>\n</style>\n',
                  "bad.csl:4: a dependent CSL style: folio does not fetch its parent"),
    "no-citation": (f'<?xml version="1.0"?>\n<style xmlns="{CSL}" version="1.0" class="note">\n<info><title>x</title></info>\n</style>\n',
                    "bad.csl:2: not a usable CSL style: it has no <citation> element"),
    "citeproc-refuses": (f'<?xml version="1.0"?>\n<style xmlns="{CSL}" version="1.0" class="note">\n<info><title>x</title></info>\n'
                         '<citation><layout><text variable="title"/></layout></citation>\n'
                         '<bibliography><layout><text variable="title"/><foo/></layout></bibliography>\n</style>\n',
                         "bad.csl: the citations could not be formatted: CiteprocParseError"),
}


@pytest.mark.parametrize("case", sorted(BAD_STYLES))
def test_a_bad_csl_file_is_an_error_at_its_line_without_a_traceback(tmp_path, case):
    from click.testing import CliRunner

    from folio.cli import main

    text, expected = BAD_STYLES[case]
    root = citation_book(tmp_path, "bad.csl")
    (root / "bad.csl").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(root), "--to", "epub", "--no-cache"])
    assert result.exit_code == 1
    assert f"{root.as_posix()}/{expected}" in result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_citeproc_that_takes_too_long_is_stopped_with_an_error(tmp_path, monkeypatch):
    from folio.source import cite

    monkeypatch.setattr(cite, "CITEPROC_TIMEOUT", 0.001)
    with pytest.raises(FolioError) as caught:
        load_book(citation_book(tmp_path, "apa"))
    messages = [d.format() for d in caught.value.diagnostics]
    assert any("pandoc took more than 0.001 s and was stopped" in m for m in messages), messages


def test_a_csl_yaml_bibliography_is_read(tmp_path):
    """references.yaml (CSL YAML, as pandoc's manual shows it), listed in the docs, builds."""
    root = citation_book(tmp_path, "apa")
    (root / "references.yaml").write_text(
        "references:\n- id: knuth1984\n  type: book\n  author:\n  - family: Knuth\n    given: Donald E.\n"
        "  title: The TeXbook\n  issued:\n    date-parts:\n    - [1984]\n  publisher: Addison-Wesley\n", encoding="utf-8")
    (root / "book.yaml").write_text((root / "book.yaml").read_text().replace("bibliography: references.bib", "bibliography: references.yaml"))
    for chapter in (root / "chapters").glob("*.md"):
        chapter.write_text("# A chapter\n\nAs Knuth says [@knuth1984, 97].\n", encoding="utf-8")
    epub = build(root, tmp_path / "out", ("epub",)).outputs["epub"]
    with zipfile.ZipFile(epub) as archive:
        text = " ".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xhtml"))
    assert "The TeXbook" in text and "Addison-Wesley" in text


@pytest.mark.parametrize("style", ["chicago-notes-bibliography", "apa"])
def test_markup_in_a_bibliography_entry_is_cleaned_and_reported_at_the_entry(tmp_path, style):
    """A BibTeX entry whose fields carry a javascript: link (\\href), HTML and raw LaTeX: the link
    is kept as its text, the rest as text, in the notes, the text and the bibliography, and one
    warning names the entry's line."""
    root = citation_book(tmp_path, style)
    bib = root / "references.bib"
    before = bib.read_text(encoding="utf-8")
    line = before.count("\n") + 2
    bib.write_text(before + "\n@book{evil2001,\n  title = {Evil <script>alert(1)</script> \\href{javascript:alert(2)}{Here}},\n"
                   "  author = {Bad, Guy}, year = {2001},\n  publisher = {\\href{file:///etc/passwd}{Press}}\n}\n", encoding="utf-8")
    chapter = root / CHAPTERS[0]
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nAnd [@evil2001] too.\n", encoding="utf-8")
    result = build(root, tmp_path / "out", ("epub",))
    warnings = [d.format() for d in result.diagnostics if d.code == "raw-html-removed"]
    assert warnings == [f"references.bib:{line}: warning: removed a file: link, a javascript: link from bibliography entry 'evil2001' [raw-html-removed]"]
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        text = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".xhtml"))
    assert b"javascript:" not in text and b"file:" not in text and b"<script" not in text
    assert b"Press" in text and b"alert(1)" in text  # the link kept as its text; the HTML as text
