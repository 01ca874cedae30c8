"""Code blocks (issue 18): highlighted with Pygments, numbered lines, never hyphenated."""

from __future__ import annotations

import re
import zipfile

import pytest
from conftest import epubcheck

from folio import build
from folio.render.code import code_block


def test_a_known_language_is_highlighted_line_by_line():
    html = code_block('def greet(name):\n    """Hi."""  # note\n    return 42\n', "", ["python"], [])
    assert html.startswith('<pre class="sourceCode folio-short"><code class="language-python">')
    lines = re.findall(r'<span class="line">(.*?)</span>(?=<span class="line">|</code>)', html)
    assert len(lines) == 4  # the last line is empty
    assert '<span class="hl-kw">def</span>' in lines[0] and '<span class="hl-fu">greet</span>' in lines[0]
    assert '<span class="hl-co"># note</span>' in lines[1] and '<span class="hl-st">' in lines[1]
    assert '<span class="hl-kw">return</span>' in lines[2] and '<span class="hl-dv">42</span>' in lines[2]


def test_numbered_lines_start_where_asked_and_unknown_languages_stay_plain():
    html = code_block("a\nb", "code-1", ["numberLines", "nosuchlanguage"], [["startFrom", "10"]])
    assert html == ('<pre id="code-1" class="numberLines folio-short" style="counter-reset: line 9"><code class="language-nosuchlanguage">'
                    '<span class="line">a</span><span class="line">b</span></code></pre>\n')
    assert code_block("x < y", "", [], []) == '<pre class="folio-short"><code>x &lt; y</code></pre>\n'
    long_listing = "\n".join("x" for _ in range(20))
    assert "folio-short" not in code_block(long_listing, "", ["python"], [])


def test_the_text_of_the_code_is_kept_exactly():
    source = 'if a<b and c>"d":\n\tpass  # tab\n\n\nend = "é"'
    html = code_block(source, "", ["python"], [])
    text = re.sub(r"<[^>]+>", "", html.replace('</span><span class="line">', "\n")).replace("&#8203;", "")
    import html as htmllib

    assert htmllib.unescape(text).strip("\n") == source


@pytest.mark.slow
def test_highlighted_code_passes_epubcheck_and_prints_unhyphenated(make_book, tmp_path):
    import pdfplumber

    body = ("```python\nimport os\n\ndef configuration_considerations(representationalism):\n"
            "    return os.environ['EDITOR'] + 'internationalization'  # characteristically\n```\n\n"
            "```{.c .numberLines startFrom=\"5\"}\nint main(void) { return 0; }\n```\n")
    root = make_book({"01.md": f"# One\n\n{body}"})
    result = build(root, tmp_path / "out", ("pdf", "epub"))
    report = epubcheck(result.outputs["epub"])
    assert (report["errors"], report["warnings"]) == (0, 0), report["messages"]
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        chapter = next(archive.read(n).decode() for n in archive.namelist() if n.endswith("01.xhtml"))
    assert chapter.count('class="hl-') >= 8 and 'style="counter-reset: line 4"' in chapter
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        hyphens = [c for page in pdf.pages for c in page.chars if "Mono" in c["fontname"] and c["text"] in "\u2010\u00ad"]
    assert "5 int main(void) { return 0; }" in text and hyphens == []
