"""A book's own templates (docs/templates.md): an override that keeps the hooks builds with
parts layout, running heads, the notes part and the print page-list intact; one that drops
a hook is refused at its path, naming the hook, with no traceback."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import epubcheck, write_book
from pdfprobe import PdfProbe

import folio
from folio.cli import main
from folio.errors import FolioError
from folio.render.hooks import HOOKS
from folio.theme import DEFAULT_TEMPLATES


def _chapter(title: str, key: str) -> str:
    """Long enough for running heads on its rectos; forty notes, for a notes part of several pages."""
    paragraphs = [f"Paragraph {n} of the {key} chapter, which runs on for a while to fill its page.[^{key}{n}] " * 4
                  for n in range(40)]
    notes = [f"[^{key}{n}]: A note to paragraph {n}, " + "long enough to take two lines of the notes. " * 3 for n in range(40)]
    return f"# {title}\n\n" + "\n\n".join(paragraphs) + "\n\n" + "\n\n".join(notes) + "\n"


CHAPTERS = {"01-first.md": _chapter("The First Chapter", "first"), "02-second.md": _chapter("The Second Chapter", "second")}
OVERRIDABLE = ["print/book.html", "print/page.css", "epub/chapter.xhtml", "epub/notes.xhtml", "epub/nav.xhtml",
               "epub/titlepage.xhtml", "epub/cover.xhtml"]
# how each hook is dropped from a copy of the theme's template
DROPPED = {
    "chapter-section": ('<section class="chapter {{ chapter.role }}', '<section class="ch {{ chapter.role }}'),
    "chapter-head": ('<header class="chapter-head">', '<header class="head">'),
    "endnotes": ('<section class="endnotes" id="folio-notes">', '<section class="end-notes" id="folio-notes">'),
    "note-group": ('<section class="note-group">', '<section class="group">'),
    "notes-list": ('<ol class="notes" data-chapter="{{ group.chapter_id }}">', '<ol class="notes">'),
    "note": ('<li class="note">', "<li>"),
    "epub-chapter-section": ('<section id="{{ chapter.id }}"', '<section data-chapter="{{ chapter.id }}"'),
    "epub-chapter-head": ("</header>", "</div>"),
    "epub-notes-list": ('<ol class="notes"', '<ul class="notes"'),
}


def _book(tmp_path: Path, name: str, text: str) -> Path:
    return write_book(tmp_path / "book", CHAPTERS, extra={f"templates/{name}": text})


def _theme(name: str) -> str:
    return (DEFAULT_TEMPLATES / name).read_text(encoding="utf-8")


def test_every_hook_is_dropped_by_one_case():
    assert set(DROPPED) == set(HOOKS)


@pytest.mark.slow
def test_a_book_that_overrides_every_template_keeping_the_hooks_builds_intact(tmp_path):
    """Every template the book may override, overridden at once (each a copy of the theme's
    with a mark of its own): parts layout, running heads from the furniture, the notes part
    and the print page-list all work, and the EPUB passes EPUBCheck."""
    overrides = {}
    for name in OVERRIDABLE:
        text = _theme(name)
        mark = f"/* the book's own {name} */" if name.endswith(".css") else f"<!-- the book's own {name} -->"
        overrides[f"templates/{name}"] = text + "\n" + mark + "\n" if name.endswith(".css") else text.replace("</body>", mark + "\n</body>")
    book = write_book(tmp_path / "book", CHAPTERS, extra=overrides)
    result = folio.build(book, tmp_path / "out", ("pdf", "epub"), use_cache=False)
    assert [d.format() for d in result.warnings] == []
    probe = PdfProbe(result.outputs["pdf"])
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        nav = archive.read("EPUB/nav.xhtml").decode("utf-8")
        documents = "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xhtml"))
    for name in ("epub/chapter.xhtml", "epub/notes.xhtml", "epub/nav.xhtml", "epub/titlepage.xhtml"):
        assert f"<!-- the book's own {name} -->" in documents  # the book's templates were used
    assert 'epub:type="page-list"' in nav  # the print page-list found every part's pages
    assert len(re.findall(r'role="doc-pagebreak"', documents)) == probe.pages
    body = [i for i in range(probe.pages) if (probe.printed_folio(i) or "").isdigit()]
    heads = " ".join(" ".join(probe.band_words(i, top=True)) for i in body)
    assert "Second" in heads and "Notes" in heads  # running heads of a chapter part and of the notes part
    assert epubcheck(result.outputs["epub"])["messages"] == []


@pytest.mark.parametrize("hook", sorted(DROPPED))
def test_an_override_that_drops_a_hook_is_refused_at_its_path(tmp_path, hook):
    name = HOOKS[hook].template
    keep, drop = DROPPED[hook]
    text = _theme(name)
    assert keep in text
    book = _book(tmp_path, name, text.replace(keep, drop))
    formats = ("epub",) if name.startswith("epub/") else ("pdf",)
    with pytest.raises(FolioError) as caught:
        folio.build(book, tmp_path / "out", formats, use_cache=False)
    messages = [d.format() for d in caught.value.diagnostics]
    assert any(m.startswith(f"templates/{name}: the template leaves out the hook '{hook}'") for m in messages), messages
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.pdf"))


def test_the_command_line_says_so_without_a_traceback(tmp_path):
    keep, drop = DROPPED["chapter-section"]
    book = _book(tmp_path, "print/book.html", _theme("print/book.html").replace(keep, drop))
    result = CliRunner().invoke(main, ["build", str(book), "--to", "pdf", "--no-cache"])
    assert result.exit_code == 1
    assert "the template leaves out the hook 'chapter-section'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("theme", ["default", "classic"])
def test_the_epub_style_sheets_leave_the_reading_system_its_choices(theme):
    """A reading system's reader chooses the justification, the line height, the page margins
    and a night theme: the EPUB's style sheets set none of the first three on the body or
    its paragraphs, and no colour that would not turn with the theme (rules are currentColor)."""
    import re

    from folio.theme import theme_styles

    css = re.sub(r"/\*.*?\*/", "", "\n".join(p.read_text(encoding="utf-8") for p in theme_styles("epub", theme)), flags=re.S)
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    for selector, body in rules:
        names = {name.strip() for name in selector.split(",")}
        if names & {"html", "body", "p", ":root"}:
            assert not re.search(r"text-align\s*:\s*justify|line-height", body), (selector, body)
        if names & {"html", "body", ":root"}:  # the page's margins (a paragraph's own are the book's, as in Standard Ebooks)
            assert not re.search(r"(?<![-\w])(margin|padding)(-left|-right)?\s*:", body), (selector, body)
    assert not re.search(r"(?<![-\w])(black|white)(?![-\w])|#(?:000|fff)(?:000|fff)?\b", css, re.I)
