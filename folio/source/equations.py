"""Every TeX expression of the book -> MathML for the EPUB and an SVG picture for the PDF.

In: the (kind, TeX) of each Math node of the book (kind: InlineMath or DisplayMath), with
the chapter and line each first stands at. Out: an `Equation` per expression, or an error
at its line for one that cannot be typeset; drawings are kept in a cache file between builds
(about 11 ms an expression to draw). Before that, `label_equations` finds display
math given an id as pandoc-crossref writes it (`$$ E = mc^2 $$ {#eq:energy}`) and wraps it
in a Span of class folio-equation with that id, which xref.py numbers and `@eq:energy`
refers to.

pandoc's own converter (texmath, the one `pandoc --mathml` uses) makes the MathML, in one
pandoc run for the whole book; its `<annotation>` keeps the TeX, for accessibility and
for reading systems without MathML. WeasyPrint does not lay out MathML, so ziamath (its
STIX Two Math font, no TeX installation) draws the same MathML as an SVG, which the PDF
places on the baseline of the text for inline math and centred for display math.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from folio.errors import Reporter
from folio.model import EQUATION_CLASS, Chapter, Equation, NumberedEquation
from folio.paths import write_bytes_atomic
from folio.sealed import seal, unseal
from folio.source.pandoc_run import PandocLimit, pandoc_version, run_pandoc

SIZE = 20.0  # ziamath's font size: the SVG's units are 1/SIZE em
_PARAGRAPH_RE = re.compile(r"<p>(.*?)</p>", re.S)
_SEMANTICS_RE = re.compile(r"</?semantics>|<annotation\b[^>]*>.*?</annotation>", re.S)
_VIEWBOX_RE = re.compile(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"')
TIMEOUT = 120  # seconds for the whole book's math
_REASON_RE = re.compile(r"Could not convert TeX math .*?\n *\^\n(.*?)(?=\n\S|\Z)", re.S)  # pandoc's warning: the caret, then why
_INFIX = {"over": "\\frac{{{}}}{{{}}}", "choose": "\\binom{{{}}}{{{}}}", "atop": "\\begin{{matrix}}{}\\\\{}\\end{{matrix}}"}
_CONTROL_RE = re.compile(r"\\([A-Za-z]+|.)")
_LABEL_RE = re.compile(r"\{#(eq:[^\s{}]+)\}")


@dataclass
class Found:
    kind: str
    tex: str
    chapter: Chapter


def typeset(found: list[Found], report: Reporter, cache: Path | None = None) -> dict[tuple[str, str], Equation]:
    """MathML and SVG for each distinct expression; an error at its line for each that fails.
    With `cache` (a file), expressions typeset by an earlier build are taken from it, and it is
    rewritten with this build's expressions only."""
    unique = list({(f.kind, f.tex): f for f in reversed(found)}.values())[::-1]  # the first place of each
    stored = _load(cache)
    keys = {(f.kind, f.tex): _key(f.kind, f.tex) for f in unique}
    equations = {place: Equation(*stored[key]) for place, key in keys.items() if key in stored}
    missing = [f for f in unique if (f.kind, f.tex) not in equations]
    if missing:
        equations |= _typeset(missing, report)
    if cache is not None and (missing or len(stored) != len(equations)):
        entries = {keys[place]: [e.mathml, e.svg, e.width, e.height, e.depth] for place, e in equations.items()}
        try:
            write_bytes_atomic(cache, seal(json.dumps(entries, sort_keys=True).encode("utf-8")))
        except OSError:
            pass  # a cache that cannot be written costs only time
    return equations


def _key(kind: str, tex: str) -> str:
    from importlib.metadata import version

    digest = hashlib.sha256()
    for part in (pandoc_version(), version("ziamath"), str(SIZE), kind, tex):
        digest.update(part.encode("utf-8") + b"\x00")
    return digest.hexdigest()


def _load(cache: Path | None) -> dict[str, list[Any]]:
    if cache is None:
        return {}
    try:
        opened = unseal(cache.read_bytes())  # a cache the book shipped, or one cut short, is not ours
        entries = json.loads(opened) if opened is not None else {}
        return {k: v for k, v in entries.items() if isinstance(v, list) and len(v) == 5}
    except (OSError, ValueError, AttributeError):
        return {}


def _typeset(unique: list[Found], report: Reporter) -> dict[tuple[str, str], Equation]:
    document = {"pandoc-api-version": [1, 23, 1, 1], "meta": {},
                "blocks": [{"t": "Para", "c": [{"t": "Math", "c": [{"t": f.kind}, infix_fractions(f.tex)]}]} for f in unique]}
    try:
        proc = run_pandoc(["-f", "json", "-t", "html5", "--mathml", "--wrap=none"], json.dumps(document).encode("utf-8"), TIMEOUT)
    except PandocLimit as exc:
        report.error(unique[0].chapter.source, None, f"typesetting the book's math: {exc}")
        return {}
    paragraphs = _PARAGRAPH_RE.findall(proc.stdout.decode("utf-8"))
    reasons = iter(_REASON_RE.findall(proc.stderr.decode("utf-8", "replace")))  # one per expression texmath could not read
    equations: dict[tuple[str, str], Equation] = {}
    for item, markup in zip(unique, paragraphs):
        where = (item.chapter.source, item.chapter.line_of(item.tex[:40]))
        if not markup.startswith("<math"):
            reason = " ".join(next(reasons, "").split("expecting")[0].split()) or "pandoc reads it as plain text"
            report.error(*where, f"TeX math that cannot be typeset: ${item.tex[:80]}$ ({reason})")
            continue
        try:
            equations[item.kind, item.tex] = _drawn(markup, item.tex)
        except Exception as exc:  # noqa: BLE001 - ziamath raises what its parser meets
            report.error(*where, f"TeX math that cannot be drawn for print: ${item.tex[:80]}$ ({type(exc).__name__}: {exc})")
    return equations


def _drawn(mathml: str, tex: str) -> Equation:
    with warnings.catch_warnings():  # ziamath 0.13 loads its font with pkg_resources, which warns of its own deprecation
        warnings.simplefilter("ignore", DeprecationWarning)
        import ziamath

    quiet = logging.root.manager.disable  # ziamath logs to the root logger, for every element it skips

    logging.disable(logging.WARNING)
    try:
        svg = ziamath.Math(_SEMANTICS_RE.sub("", mathml), size=SIZE).svg()
    finally:
        logging.disable(quiet)
    box = _VIEWBOX_RE.search(svg)
    if box is None:
        raise ValueError("the drawing has no size")
    _x, top, width, height = (float(v) for v in box.groups())
    depth = height + top  # below the baseline (the viewBox's y runs from -ascent)
    mathml = mathml.replace("<math ", f'<math alttext="{html.escape(" ".join(tex.split()))}" ', 1)
    return Equation(mathml, svg, width / SIZE, height / SIZE, max(depth, 0.0) / SIZE)


def math_nodes(chapter: Chapter, nodes: list[dict[str, Any]]) -> list[Found]:
    return [Found(node["c"][0]["t"], node["c"][1], chapter) for node in nodes]


def label_equations(chapter: Chapter) -> None:
    """Display math followed by `{#eq:id}` in its paragraph: the Math wrapped in a Span with that
    id (the attribute's text removed), listed in `chapter.equations` in reading order. Only a
    chapter whose text has "{#eq:" is walked."""
    if "{#eq:" not in chapter.text:
        return
    stack: list[Any] = [chapter.blocks]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
            continue
        if not isinstance(item, dict):
            continue
        if item.get("t") in ("Para", "Plain"):
            _label_in(item["c"], chapter)
        if "c" in item and item.get("t") not in ("Str", "Code", "CodeBlock", "RawBlock", "RawInline", "Math"):
            stack.append(item["c"])  # notes hold paragraphs too


def _label_in(inlines: list[dict[str, Any]], chapter: Chapter) -> None:
    position = 0
    while position < len(inlines):
        node = inlines[position]
        if node["t"] == "Math" and node["c"][0]["t"] == "DisplayMath":
            after = position + 1
            while after < len(inlines) and inlines[after]["t"] in ("Space", "SoftBreak"):
                after += 1
            label = _LABEL_RE.match(inlines[after]["c"]) if after < len(inlines) and inlines[after]["t"] == "Str" else None
            if label:
                span = {"t": "Span", "c": [[label[1], [EQUATION_CLASS], []], [node]]}
                rest = inlines[after]["c"][label.end():]
                inlines[position:after + 1] = [span, *([{"t": "Str", "c": rest}] if rest else [])]
                chapter.equations.append(NumberedEquation(label[1], span))
        position += 1


def infix_fractions(tex: str) -> str:
    """Plain TeX's infix fractions, which MathJax and KaTeX read and pandoc's texmath does not
    (`{a \\over b}`, `n \\choose k`, `a \\atop b`), as the commands it reads (`\\frac{a}{b}`,
    `\\binom`, a one-column matrix): each splits the group it stands in (braces, `\\left` ...
    `\\right`, or the whole expression) into what comes before and after it."""
    if not any(f"\\{word}" in tex for word in _INFIX):
        return tex
    out, _ = _group(tex, 0, "")
    return out


def _group(tex: str, position: int, closing: str) -> tuple[str, int]:
    """The converted text from `position` to the end of its group (`closing`: "}", "right" for
    `\\left`, "end" for `\\begin{...}`), and the position of what closed it. An alignment's
    `&` and `\\\\` end the reach of an infix fraction as a group does (each cell has its own)."""
    pieces: list[str] = []
    start, split = 0, None  # where the current cell begins in pieces; its infix command

    def close_cell() -> None:
        nonlocal split
        if split is not None:
            index, word = split
            before, after = "".join(pieces[start:index]).strip(), "".join(pieces[index:]).strip()
            pieces[start:] = [_INFIX[word].format(before, after)]
            split = None

    while position < len(tex):
        char = tex[position]
        if char == "}" and closing == "}":
            break
        if char == "{":
            inner, position = _group(tex, position + 1, "}")
            pieces.append("{" + inner + "}")
            position += 1
            continue
        control = _CONTROL_RE.match(tex, position) if char == "\\" else None
        if control is None:
            if char == "&":
                close_cell()
                pieces.append(char)
                start = len(pieces)
            else:
                pieces.append(char)
            position += 1
            continue
        word = control[1]
        if word == closing and closing in ("right", "end"):
            break
        position = control.end()
        if word == "\\":  # a new row, with its spacing (\\[6pt]) if given
            close_cell()
            spacing = tex[position:tex.find("]", position) + 1] if tex[position:position + 1] == "[" and "]" in tex[position:] else ""
            pieces.append(control[0] + spacing)
            position += len(spacing)
            start = len(pieces)
        elif word in ("left", "begin"):  # a group of its own: \left( ... \right), \begin{env} ... \end{env}
            opening = _CONTROL_RE.match(tex, position) if tex[position:position + 1] == "\\" else None
            head = opening[0] if opening else tex[position:position + 1]
            if word == "begin" and head == "{":
                head = tex[position:tex.find("}", position) + 1 or len(tex)]
            inner, position = _group(tex, position + len(head), "right" if word == "left" else "end")
            shut = _CONTROL_RE.match(tex, position)
            end = shut.end() if shut else position
            tail_control = _CONTROL_RE.match(tex, end) if tex[end:end + 1] == "\\" else None
            tail = tail_control[0] if tail_control else tex[end:end + 1]
            if word == "begin" and tail == "{":
                tail = tex[end:tex.find("}", end) + 1 or len(tex)]
            pieces.append(f"\\{word}{head}{inner}\\{'right' if word == 'left' else 'end'}{tail}")
            position = end + len(tail)
        elif word in _INFIX and split is None:
            split = (len(pieces), word)
        else:
            pieces.append(control[0])
    close_cell()
    return "".join(pieces), position
