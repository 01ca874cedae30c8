"""Hypothesis strategies for Markdown chapters, shared by the fuzz test and bench/fuzz.py."""

from __future__ import annotations

from hypothesis import strategies as st

SCRIPTS = [
    "Latin àéîõü ß æ œ", "Ελληνικά ἀρχὴ λόγος", "Кириллица щука", "العربية كتاب", "עברית ספר", "हिन्दी पुस्तक",
    "中文书籍", "日本語の本", "한국어 책", "ไทย หนังสือ", "Tiếng Việt sách", "emoji 📚✨", "math ∑∫√∞≠",
]
RAW = [
    "<span class=\"x\">raw span</span>", "<b>bold</b>", "<script>alert(1)</script>", "<div onclick=\"x()\">div</div>",
    "<iframe src=\"https://example.com\"></iframe>", "<br>", "<em>unclosed", "</p>", "<!-- comment -->",
    "<table><tr><td>cell</td></tr></table>", "<a href=\"javascript:alert(1)\">js</a>", "<sup>sup</sup>", "<img src=x>",
    "<form><input></form>", "<details><summary>s</summary>d</details>",
]

words = st.sampled_from(["alpha", "beta", "gamma", "delta", "book", "page", "note", "verse", "*emph*", "**strong**",
                         "`code`", "\"quoted\"", "--", "---", "...", "[span]{.sc}", "H~2~O", "x^2^", "[]{#a}"])
script_text = st.sampled_from(SCRIPTS)


@st.composite
def sentence(draw) -> str:
    parts = draw(st.lists(st.one_of(words, script_text), min_size=1, max_size=8))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), "^[an inline note with *emphasis*]")
    if draw(st.integers(0, 4)) == 0:
        parts.append(draw(st.sampled_from(RAW)))
    if draw(st.integers(0, 5)) == 0:
        parts.append("*emphasis that runs\nacross a line*")
    return " ".join(parts)


@st.composite
def block(draw, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["para", "para", "list", "olist", "quote", "table", "lines", "code", "heading", "raw", "empty", "deflist", "div"]))
    if kind == "para":
        return draw(sentence()) + "."
    if kind in ("list", "olist") and depth < 3:
        items = draw(st.lists(st.one_of(sentence(), st.just("")), min_size=1, max_size=4))
        marker = "-" if kind == "list" else "1."
        out = []
        for item in items:
            out.append(f"{marker} {item}")
            if depth < 2 and draw(st.booleans()):
                nested = draw(block(depth + 1))
                out.append("\n".join("    " + line for line in nested.splitlines()))
        return "\n".join(out)
    if kind == "quote":
        return "> " + draw(sentence())
    if kind == "table":
        cells = [draw(sentence()).replace("|", " ").replace("\n", " ") for _ in range(4)]
        note = "^[a note inside a table]" if draw(st.booleans()) else ""
        return f"| A | B |\n|---|---|\n| {cells[0]}{note} | {cells[1]} |\n| {cells[2]} | {cells[3]} |"
    if kind == "lines":
        return "\n".join(f"| {draw(sentence())}".replace("\n", " ") for _ in range(draw(st.integers(1, 3))))
    if kind == "code":
        return "```\n" + draw(sentence()) + "\n<not html> & stuff\n```"
    if kind == "heading":
        return "#" * draw(st.integers(2, 4)) + " " + draw(sentence()).replace("\n", " ")
    if kind == "raw":
        return draw(st.sampled_from(RAW))
    if kind == "deflist":
        return f"{draw(words)}\n:   {draw(sentence())}"
    if kind == "div":
        return f"::: {{.epigraph}}\n{draw(sentence())}\n:::"
    return draw(st.sampled_from(["**", "[]()", "- ", "> ", "``", "***", "<>"]))


@st.composite
def chapter(draw) -> str:
    title = draw(st.one_of(words, script_text)).replace("*", "").replace("`", "") or "Title"
    blocks = draw(st.lists(block(), min_size=1, max_size=8))
    notes = ""
    if draw(st.booleans()):
        blocks.append("A paragraph with a note.[^n]")
        notes = "\n\n[^n]: The note, with **strong** text.\n\n    And a second paragraph."
    return f"# {title}\n\n" + "\n\n".join(blocks) + notes + "\n"
