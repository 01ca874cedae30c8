"""Code blocks (issue 18): highlighted with Pygments, numbered lines, never hyphenated."""

from __future__ import annotations

import re

import pytest
from conftest import epub_document, epubcheck

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
    assert code_block("x < y", "", [], []) == '<pre class="folio-short"><code><span class="line">x &lt; y</span></code></pre>\n'
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
    chapter = epub_document(result.outputs["epub"])
    assert chapter.count('class="hl-') >= 8 and 'style="counter-reset: line 4"' in chapter
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        hyphens = [c for page in pdf.pages for c in page.chars if "Mono" in c["fontname"] and c["text"] in "\u2010\u00ad"]
    assert "5 int main(void) { return 0; }" in text and hyphens == []


@pytest.mark.slow
def test_a_line_too_long_for_the_page_wraps_with_an_arrow_on_each_continued_row(make_book, tmp_path):
    """The arrow is drawn (a picture, not text: the code reads back unchanged) in the margin of
    each continued row, plain or highlighted, numbered or not, and nowhere else."""
    import pdfplumber
    import pypdfium2

    long = "curl -fsSL https://example.org/install/a/long/path/script.sh | sudo bash -s -- --prefix=/opt/tool --with-all --verbose=yes"
    body = (f"```\nshort line\n{long}\nnext\n```\n\n```{{.python .numberLines}}\ndef f(x):\n"
            f"    return 'a long string that runs on and on and on and on and on' + str(x) + 'more text to go over the end'\nprint(f(1))\n```\n")
    root = make_book({"01.md": f"# One\n\n{body}"})
    result = build(root, tmp_path / "out", ("pdf",))
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        index, page = next((i, p) for i, p in enumerate(pdf.pages) if "short line" in (p.extract_text() or ""))
        text = page.extract_text()
        rows: dict[int, list[dict]] = {}
        for word in page.extract_words(extra_attrs=["fontname"]):
            if "Mono" in word["fontname"]:
                rows.setdefault(round(word["top"]), []).append(word)
    assert "".join(long.split()) in "".join(text.split()) and "\u21aa" not in text  # the code's text is unchanged
    image = pypdfium2.PdfDocument(str(result.outputs["pdf"]))[index].render(scale=2).to_pil().convert("L")
    marked, numbered = {}, set()
    for top, words in sorted(rows.items()):
        code = "".join(w["text"] for w in sorted(words, key=lambda w: w["x0"]) if not w["text"].isdigit())[:10]
        if any(w["text"].isdigit() for w in words):  # a numbered line's first row: its number is in the margin
            numbered.add(code)
            continue
        text_start = min(w["x0"] for w in words)
        band = image.crop((int((text_start - 11) * 2), int(top * 2), int((text_start - 1) * 2), int((top + 7) * 2)))
        marked[code] = band.getextrema()[0] < 160
    first_rows = {"shortline", "curl-fsSLh", "next"}
    assert numbered == {"deff(x):", "return'alo", "print(f(1)"}
    assert set(marked) > first_rows and len(marked) >= 5, list(marked.items())
    assert {row: (row not in first_rows) for row in marked} == marked
