"""pandoc's own Markdown reader tests built as a book (issue 18), against pandoc's HTML of them.

The files are pandoc's, verbatim (tests/data/pandoc-suite/README.md); the book makes only
the changes the issue allows: unknown citation keys replaced, duplicate ids made unique.
Measured: the share of pandoc's words found in folio's EPUB, the number of MathML
expressions, EPUBCheck, and no hyphen inside code in the PDF.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from conftest import epubcheck

from folio import build
from folio.source.pandoc_run import pandoc_binary

pytestmark = pytest.mark.slow

SUITE = Path(__file__).parent / "data" / "pandoc-suite"
CHAPTERS = ["testsuite.md", "markdown-reader-more.md", "tables.md", "pipe-tables.md", "markdown-citations.md"]


def _book(tmp_path: Path) -> Path:
    root = tmp_path / "suite"
    shutil.copytree(SUITE, root, ignore=shutil.ignore_patterns("README.md", "COPYING.md"))
    edits = {"markdown-reader-more.md": [("@mapreduce", "@item1"),
                                         ('> ## Header attributes inside block quote {#foobar', '> ## Header attributes inside block quote {#foobar2')],
             "markdown-citations.md": [("@nonexistent", "@item2")]}
    for name, pairs in edits.items():
        path = root / "chapters" / name
        text = path.read_text(encoding="utf-8")
        for old, new in pairs:
            assert old in text
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    suite = root / "chapters" / "testsuite.md"
    seen: list[int] = []

    def unique(match: re.Match[str]) -> str:  # the source writes id="bar" three times
        seen.append(1)
        return match[0] if len(seen) == 1 else match[0].replace('"bar"', f'"bar{len(seen)}"')

    suite.write_text(re.sub(r'<hr class="foo" id="bar"', unique, suite.read_text(encoding="utf-8")), encoding="utf-8")
    (root / "book.yaml").write_text(
        "title: Pandoc Reader Tests\nauthor: [John MacFarlane]\nlang: en-US\nidentifier: urn:uuid:0c4f3b7e-8a2d-4b6e-9f1a-3d5e7c9b1a20\n"
        "bibliography: biblio.bib\ncsl: chicago-author-date\nchapters:\n" + "".join(f"  - chapters/{c}\n" for c in CHAPTERS), encoding="utf-8")
    return root


def _words(markup: str) -> Counter:
    markup = re.sub(r"<annotation[^>]*>.*?</annotation>", " ", markup, flags=re.S)
    return Counter(re.findall(r"\w+", html.unescape(re.sub(r"<[^>]+>", " ", markup))))


def test_pandoc_s_reader_tests_build_as_a_book_with_pandoc_s_words_and_math(tmp_path):
    import pdfplumber

    root = _book(tmp_path)
    result = build(root, tmp_path / "out", ("pdf", "epub"))
    reference = subprocess.run([pandoc_binary(), "-f", "markdown", "-t", "html5", "--mathml", "--citeproc", "--bibliography", "biblio.bib",
                                *[f"chapters/{c}" for c in CHAPTERS]], cwd=root, capture_output=True, check=True).stdout.decode("utf-8")
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        ours = "".join(archive.read(n).decode("utf-8") for n in sorted(archive.namelist()) if n.endswith(".xhtml") and "nav" not in n)
    theirs, mine = _words(reference), _words(ours)
    found = 1 - sum((theirs - mine).values()) / sum(theirs.values())
    # 98.9 % measured: the rest is a later file's title block, which pandoc reading all files at
    # once prints as a paragraph and folio takes as that chapter's title, and citation wording
    assert found >= 0.985, (found, (theirs - mine).most_common(20))
    assert ours.count("<math ") == reference.count("<math ") == 10
    report = epubcheck(result.outputs["epub"])
    assert (report["errors"], report["warnings"]) == (0, 0), report["messages"]
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        hyphens = [c for page in pdf.pages for c in page.chars if "Mono" in c["fontname"] and c["text"] in "\u2010\u00ad"]
    assert hyphens == []
