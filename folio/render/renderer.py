"""Book AST -> HTML fragments, and the Jinja environment of the theme.

In: the `Book` (read only) and, per output, two functions: where an id lives
(``href``) and where an image is (``src``). Out: well-formed XHTML fragments
(valid HTML5 too) for chapter bodies, titles and notes, which the print and
EPUB templates place; and `theme_environment`, the Jinja environment in which
a book's own templates/ shadow the default theme's.

Every element carries the markup print and EPUB both need: note calls with
``epub:type="noteref" role="doc-noteref"``, figures as ``<figure>`` with alt
text and ``<figcaption>``, scene breaks, verse lines.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from html import escape
from typing import Any, Callable

from folio.language import quotes_for
from folio.language.words import numbered
from folio.model import EQUATION_CLASS, Book, Chapter, Figure, Note
from folio.render.code import code_block
from folio.render.sizes import MIN_PPI, too_coarse
from folio.source.pandoc_ast import stringify
from folio.source.sanitize import repair_fragment

LONG_WORD = 30  # characters: a longer word or code span may break anywhere (styles/base.css, .folio-long)
LIST_TYPES = {"LowerAlpha": "a", "UpperAlpha": "A", "LowerRoman": "i", "UpperRoman": "I"}
LIST_STYLES = {"LowerAlpha": "lower-alpha", "UpperAlpha": "upper-alpha", "LowerRoman": "lower-roman", "UpperRoman": "upper-roman"}
_LENGTH = re.compile(r"\d+(?:\.\d+)?(?:px|%|in|cm|mm|em|pt)?")  # {width=50%} and <img width="200">
ALIGN = {"AlignLeft": "left", "AlignRight": "right", "AlignCenter": "center"}
# classes of fenced divs -> (epub:type, DPUB-ARIA role) of the same meaning
_FIRST_LINE = re.compile(r'(?:\s*<(?:blockquote|div(?! class="line"))\b[^>]*>)*\s*(?:<p(?: [^>]*)?>|<div class="line">)')
_LAST_P = re.compile(r"<p((?:\s[^>]*)?>)(?!.*<p[\s>])", re.S)  # the last paragraph's opening tag
DIV_SEMANTICS = {"epigraph": ("epigraph", "doc-epigraph"), "dedication": ("dedication", "doc-dedication"),
                 "pullquote": ("pullquote", "doc-pullquote")}


def esc(text: str) -> str:
    return escape(text, quote=True)


@dataclass
class Links:
    """Where things are in one output: the href of an id, the src of an image asset."""

    href: Callable[[str], str]
    src: Callable[[str], str]
    sized: bool = True  # write width/height attributes on images (EPUB: yes; print: the CSS decides)
    # "see page N": print lets CSS write the number (target-counter); elsewhere the printed
    # folio of an id when a PDF was made (EPUB page-list), else None and the link names its target
    page_of: Callable[[str], str | None] | None = None
    print_pages: bool = False
    footnotes: bool = False  # notes set in the text where they are called (print, float: footnote)
    # print: the largest box a figure's image may fill (text width, height, inches); images are
    # never enlarged past 150 pixels an inch, so they print sharp enough for a print service
    print_box: tuple[float, float] | None = None


class Renderer:
    """Renders pandoc AST nodes to XHTML for one output."""

    def __init__(self, book: Book, links: Links):
        self.book = book
        self.links = links
        self.quotes = quotes_for(book.config.lang)
        self.words = book.config.words
        self.code_dir = ' dir="ltr"' if book.config.direction == "rtl" else ""  # code runs left to right
        self.chapter: Chapter | None = None
        self._in_link = False  # HTML forbids a link inside a link: an inner one is rendered as its text
        self._plain = False  # rendering for contents and nav: note calls are left out
        self._paragraphs = 0
        self.block_handlers: dict[str, Callable[[Any], str]] = {
            "Para": self._para,
            "Plain": self.inlines,
            "Header": self._header,
            "BlockQuote": lambda c: f"<blockquote>\n{self.blocks(c)}</blockquote>\n",
            "LineBlock": self._line_block,
            "CodeBlock": self._code_block,
            "RawBlock": lambda c: c[1] + "\n",
            "OrderedList": self._ordered_list,
            "BulletList": self._bullet_list,
            "DefinitionList": self._definition_list,
            "HorizontalRule": lambda c: '<hr class="scene-break"/>\n',
            "Table": self._table,
            "Figure": self._figure,
            "Div": self._div,
        }
        self.inline_handlers: dict[str, Callable[[Any], str]] = {
            "Str": esc,
            "Space": lambda c: " ",
            "SoftBreak": lambda c: "\n",
            "LineBreak": lambda c: "<br/>",
            "Emph": lambda c: f"<em>{self.inlines(c)}</em>",
            "Strong": lambda c: f"<strong>{self.inlines(c)}</strong>",
            "Underline": lambda c: f"<u>{self.inlines(c)}</u>",
            "Strikeout": lambda c: f"<del>{self.inlines(c)}</del>",
            "Superscript": lambda c: f"<sup>{self.inlines(c)}</sup>",
            "Subscript": lambda c: f"<sub>{self.inlines(c)}</sub>",
            "SmallCaps": lambda c: f'<span class="smallcaps">{self.inlines(c)}</span>',
            "Quoted": self._quoted,
            "Cite": lambda c: f'<span class="citation">{self.inlines(c[1])}</span>',
            "Code": lambda c: f"<code{self.attrs(c[0], ('folio-long',) if len(c[1]) > LONG_WORD else ())}{self.code_dir}>{esc(c[1])}</code>",
            "Math": self._math,
            "RawInline": lambda c: c[1],
            "Link": self._link,
            "Image": self._image,
            "NoteRef": self._note_ref,
            "Span": self._span,
        }

    # -- entry points -------------------------------------------------------

    def chapter_body(self, chapter: Chapter) -> str:
        self.chapter = chapter
        html = self.blocks(chapter.blocks)
        return repair_fragment(html) if chapter.has_raw_html else html

    def chapter_title(self, chapter: Chapter, with_notes: bool = True) -> str:
        """The title as HTML; plain (no note calls, no links) for contents, nav and running heads."""
        self.chapter = chapter
        html = self.inlines(chapter.title) if with_notes else self.plain_inlines(chapter.title)
        return repair_fragment(html) if chapter.has_raw_html and "<" in html else html  # an unclosed <em> in a heading

    def plain_inlines(self, inlines: list[dict[str, Any]]) -> str:
        """Inlines for a place that is itself a link (contents, nav): no note calls, links as text."""
        self._in_link, self._plain = True, True
        try:
            return self.inlines(inlines)
        finally:
            self._in_link, self._plain = False, False

    def note_body(self, chapter: Chapter, note: Note, backlink: str = "", lead: str = "") -> str:
        """A note's blocks: `lead` markup opens its first paragraph, `backlink` ends its last."""
        self.chapter = chapter
        html = self.blocks(note.blocks).rstrip()
        if lead:
            # the number opens the first line: of the first paragraph (print numbers them: <p data-p="12">), also when
            # it stands in a quotation, or of the first line of verse the note opens with
            opening = _FIRST_LINE.match(html)
            html = html[:opening.end()] + lead + html[opening.end():] if opening else f"<p>{lead}</p>\n{html}"
        if backlink:
            if html.endswith("</p>"):
                html = html[: -len("</p>")] + f" {backlink}</p>"
            else:
                html += f"\n<p>{backlink}</p>"
        return repair_fragment(html) if chapter.has_raw_html else html

    def figure_caption(self, figure: Figure) -> str:
        return self.inlines(figure.caption)

    # -- generic ------------------------------------------------------------

    def blocks(self, blocks: list[dict[str, Any]]) -> str:
        return "".join(self.block_handlers[b["t"]](b.get("c")) for b in blocks)

    def inlines(self, inlines: list[dict[str, Any]]) -> str:
        """Runs of words, spaces and soft breaks are joined and escaped at once (most of a book)."""
        handlers = self.inline_handlers
        out: list[str] = []
        run: list[str] = []
        for node in inlines:
            kind = node["t"]
            if kind == "Str":
                if len(node["c"]) > LONG_WORD:  # may break anywhere rather than run off the page
                    if run:
                        out.append(esc("".join(run)))
                        run = []
                    out.append(f'<span class="folio-long">{esc(node["c"])}</span>')
                else:
                    run.append(node["c"])
            elif kind == "Space":
                run.append(" ")
            elif kind == "SoftBreak":
                run.append("\n")
            else:
                if run:
                    out.append(esc("".join(run)))
                    run = []
                out.append(handlers[kind](node.get("c")))
        if run:
            out.append(esc("".join(run)))
        return "".join(out)

    def attrs(self, attr: list[Any], extra_classes: tuple[str, ...] = ()) -> str:
        ident, classes, keyvals = attr
        out = []
        if ident and not self._plain:  # contents and nav repeat text whose ids live in the chapter
            out.append(f' id="{esc(ident)}"')
        classes = [*extra_classes, *classes]
        if classes:
            out.append(f' class="{esc(" ".join(classes))}"')
        for key, value in keyvals:
            if key in ("lang", "title", "dir") or key.startswith("data-"):
                out.append(f' {key}="{esc(value)}"')
                if key == "lang":
                    out.append(f' xml:lang="{esc(value)}"')
        return "".join(out)

    # -- blocks -------------------------------------------------------------

    def _numbered(self) -> str:
        """print: every paragraph and list item is numbered, so the PDF writer can re-set one
        (stacked hyphens, a chapter's last lines set tighter or looser)."""
        if not self.links.print_pages:
            return ""
        self._paragraphs += 1
        return f' data-p="{self._paragraphs}"'

    def _para(self, c: list[Any]) -> str:
        attrs = self._numbered()
        if self.links.footnotes and self.chapter is not None:
            # footnotes: the paragraph names the notes it calls, so the PDF writer can move it
            notes = [self.chapter.notes[n["c"] - 1].id for n in c if n["t"] == "NoteRef"]
            if notes:
                attrs += f' data-notes="{esc(" ".join(notes))}"'
        return f"<p{attrs}>{self.inlines(c)}</p>\n"

    def _header(self, c: list[Any]) -> str:
        level, attr, inlines = c
        level = min(max(level, 2), 6)
        return f"<h{level}{self.attrs(attr)}>{self.inlines(inlines)}</h{level}>\n"

    def _line_block(self, lines: list[list[Any]]) -> str:
        out = ['<div class="verse">\n']
        for line in lines:
            text = self.inlines(line)
            if not stringify(line).strip():
                out.append('<div class="line stanza-break">\u00a0</div>\n')
            else:
                out.append(f'<div class="line">{text}</div>\n')
        out.append("</div>\n")
        return "".join(out)

    def _code_block(self, c: list[Any]) -> str:
        (ident, classes, keyvals), code = c
        return code_block(code, ident, classes, keyvals, self.code_dir)

    def _bullet_list(self, items: list[Any]) -> str:
        """<ul>; a task list's items (`- [ ]`, `- [x]`, which pandoc reads as ☐ and ☒) as boxes,
        empty or ticked, that say what they are to a screen reader."""
        out = []
        for blocks in items:
            first = blocks[0] if blocks and blocks[0]["t"] in ("Plain", "Para") else None
            box = first["c"][0]["c"] if first and len(first["c"]) > 1 and first["c"][0]["t"] == "Str" and first["c"][1]["t"] == "Space" else ""
            if box in ("\u2610", "\u2612"):
                done = box == "\u2612"
                rest = [{"t": first["t"], "c": first["c"][2:]}, *blocks[1:]]
                mark = (f'<span class="task-box" role="img" aria-label="{self.words["done" if done else "not-done"]}">'
                        f'{"&#10003;" if done else ""}</span>')
                body = self.blocks(rest)
                body = re.sub(r"^(<p[^>]*>)?", lambda m: (m[1] or "") + mark, body, count=1)
                out.append(f'<li class="task{" done" if done else ""}"{self._numbered()}>{body}</li>\n')
            else:
                out.append(f"<li{self._numbered()}>{self.blocks(blocks)}</li>\n")
        return "<ul>\n" + "".join(out) + "</ul>\n"

    def _ordered_list(self, c: list[Any]) -> str:
        """<ol> with the markers as written: `start` and `type` for reading systems, and for the
        PDF (WeasyPrint reads those attributes only as presentational hints, which folio leaves
        off) a class naming the counter style (styles/base.css) and the start as a counter reset."""
        (start, style, delim), items = c
        attrs = ""
        if start != 1:
            attrs += f' start="{start}" style="counter-reset: list-item {start}; counter-increment: list-item -1"'
        if style["t"] in LIST_TYPES:
            attrs += f' type="{LIST_TYPES[style["t"]]}"'
        kind = LIST_STYLES.get(style["t"], "decimal")
        marker = {"OneParen": "-paren", "TwoParens": "-parens"}.get(delim["t"], "")
        if kind != "decimal" or marker:
            attrs += f' class="folio-list-{kind}{marker}"'
        return f"<ol{attrs}>\n" + "".join(f"<li{self._numbered()}>{self.blocks(i)}</li>\n" for i in items) + "</ol>\n"

    def _definition_list(self, items: list[Any]) -> str:
        out = ["<dl>\n"]
        for term, definitions in items:
            out.append(f"<dt{self._numbered()}>{self.inlines(term)}</dt>\n")
            for definition in definitions:
                out.append(f"<dd{self._numbered()}>{self.blocks(definition)}</dd>\n")
        out.append("</dl>\n")
        return "".join(out)

    def _table(self, c: list[Any]) -> str:
        attr, caption, colspecs, head, bodies, foot = c
        out = [f"<table{self.attrs(attr)}>\n"]
        if caption[1]:
            table = next((t for t in self.chapter.tables if t.id == attr[0]), None) if self.chapter else None
            label = f'<span class="table-label">{esc(numbered(self.words["table"], table.label))}.</span> ' if table and table.label else ""
            out.append(f"<caption>{label}{self.blocks(caption[1])}</caption>\n")
        widths = [spec[1].get("c") if spec[1]["t"] == "ColWidth" else None for spec in colspecs]
        if any(widths):
            out.append("<colgroup>")
            for width in widths:
                out.append(f'<col style="width: {width * 100:.1f}%"/>' if width else "<col/>")
            out.append("</colgroup>\n")
        aligns = [ALIGN.get(spec[0]["t"]) for spec in colspecs]
        if head[1]:
            out.append("<thead>\n" + self._rows(head[1], aligns, "th") + "</thead>\n")
        for body in bodies:
            _battr, row_head_columns, intermediate, rows = body
            out.append("<tbody>\n" + self._rows(intermediate, aligns, "th") + self._rows(rows, aligns, "td", row_head_columns) + "</tbody>\n")
        if foot[1]:
            out.append("<tfoot>\n" + self._rows(foot[1], aligns, "td") + "</tfoot>\n")
        out.append("</table>\n")
        return "".join(out)

    def _rows(self, rows: list[Any], aligns: list[str | None], tag: str, head_columns: int = 0) -> str:
        out = []
        for row_attr, cells in rows:
            out.append(f"<tr{self.attrs(row_attr)}>")
            column = 0
            for index, (cell_attr, align, rowspan, colspan, blocks) in enumerate(cells):
                cell_tag = "th" if index < head_columns else tag
                alignment = ALIGN.get(align["t"]) or (aligns[column] if column < len(aligns) else None)
                extra = f' class="align-{alignment}"' if alignment else ""
                if rowspan > 1:
                    extra += f' rowspan="{rowspan}"'
                if colspan > 1:
                    extra += f' colspan="{colspan}"'
                if cell_tag == "th" and tag == "th":
                    extra += ' scope="col"'
                elif cell_tag == "th":
                    extra += ' scope="row"'
                out.append(f"<{cell_tag}{extra}>{self.blocks(blocks)}</{cell_tag}>")
                column += colspan
            out.append("</tr>\n")
        return "".join(out)

    def _figure(self, c: list[Any]) -> str:
        attr, caption, body = c
        figure = next((f for f in self.chapter.figures if f.id == attr[0]), None) if self.chapter else None
        if figure is None:  # a figure that is not an image: render what it holds
            caption_html = self.blocks(caption[1]) if caption[1] else ""
            return f"<figure{self.attrs(attr)}>\n{self.blocks(body)}<figcaption>{caption_html}</figcaption>\n</figure>\n"
        image = next((node for block in body if block["t"] in ("Plain", "Para") for node in block["c"] if node["t"] == "Image"), None)
        size = self._sized(image["c"][0][2] if image else [], figure.asset)
        credit = f'<span class="credit">{esc(figure.credit)}</span>' if figure.credit else ""
        caption_html = self.figure_caption(figure)
        if figure.label:
            caption_html = f'<span class="figure-label">{esc(numbered(self.words["figure"], figure.label))}.</span> ' + caption_html
        placement = f' data-placement="{figure.placement}"' if figure.placement and self.links.print_pages else ""
        return (
            f'<figure{self.attrs(attr, ("figure",))}{placement}>\n'
            f'<img src="{esc(self.links.src(figure.asset))}" alt="{esc(figure.alt)}"{size}/>\n'
            f'<figcaption><span class="caption">{caption_html}</span>{" " + credit if credit else ""}</figcaption>\n'
            "</figure>\n"
        )

    def _div(self, c: list[Any]) -> str:
        attr, blocks = c
        semantic = next((DIV_SEMANTICS[k] for k in attr[1] if k in DIV_SEMANTICS), None)
        extra = f' epub:type="{semantic[0]}" role="{semantic[1]}"' if semantic else ""
        body = self.blocks(blocks)
        if "epigraph" in attr[1] and len(blocks) > 1 and blocks[-1]["t"] == "Para" and blocks[-1]["c"][:1] and \
                blocks[-1]["c"][0]["t"] == "Str" and blocks[-1]["c"][0]["c"][:1] in ("\u2014", "\u2015", "\u2013"):
            body = _LAST_P.sub(r'<p class="attribution"\1', body)  # "— Author": the epigraph's attribution, set to the right
        return f"<div{self.attrs(attr)}{extra}>\n{body}</div>\n"

    # -- inlines ------------------------------------------------------------

    def _quoted(self, c: list[Any]) -> str:
        kind, inlines = c
        open_double, close_double, open_single, close_single = self.quotes
        if kind["t"] == "DoubleQuote":
            return f"{open_double}{self.inlines(inlines)}{close_double}"
        return f"{open_single}{self.inlines(inlines)}{close_single}"

    def _link(self, c: list[Any]) -> str:
        attr, inlines, (url, title) = c
        if self._in_link or not url:
            return self.inlines(inlines)
        self._in_link = True
        try:
            text = self.inlines(inlines)
        finally:
            self._in_link = False
        href = self.links.href(url[1:]) if url.startswith("#") else url
        title_attr = f' title="{esc(title)}"' if title else ""
        return f'<a{self.attrs(attr)} href="{esc(href)}"{title_attr}>{text}</a>'

    def _image(self, c: list[Any]) -> str:
        attr, alt, (key, title) = c
        if not key:
            return ""
        size = self._sized(attr[2], key)
        titled = f' title="{esc(title)}"' if title and title != "fig:" else ""
        # alt= in the attributes wins (a picture without a caption, described: ![](sign.svg){alt="Signature of ..."})
        text = dict(attr[2]).get("alt") or stringify(alt).strip()
        return f'<img{self.attrs(attr)} src="{esc(self.links.src(key))}" alt="{esc(text)}"{titled}{size}/>'

    def _math(self, c: list[Any]) -> str:
        """TeX math: MathML in the EPUB and HTML, its SVG drawing in print (source/equations.py)."""
        kind, tex = c[0]["t"], c[1]
        equation = self.book.equations.get((kind, tex))
        display = "display" if kind == "DisplayMath" else "inline"
        if equation is None:  # (an expression that could not be typeset is an error: no output is written)
            return f'<span class="math {display}">{esc(tex)}</span>'
        if not self.links.print_pages:
            return f'<span class="math {display}">{equation.mathml}</span>'
        source = "data:image/svg+xml;base64," + base64.b64encode(equation.svg.encode("utf-8")).decode("ascii")
        return (f'<span class="math {display}"><img src="{source}" alt="{esc(tex)}" style="width: {equation.width:.3f}em; '
                f'height: {equation.height:.3f}em; vertical-align: -{equation.depth:.3f}em"/></span>')

    def _sized(self, keyvals: list[list[str]], key: str) -> str:
        """The author's width and height ({width=50%}, <img width="200">) when given, else `_size`;
        in print with image-resolution: shrink, a width that would print the image under 150 ppi
        gives way to 150 ppi (render/sizes.py; the PDF writer warns of it)."""
        if self.links.print_box and self.book.config.image_resolution == "shrink":
            asset = self.book.assets.get(key)
            if asset is not None and too_coarse(asset, dict(keyvals), self.links.print_box[0]):
                return f' style="width: {asset.width / MIN_PPI:.3f}in"'
        given = [f"{name}: {value + 'px' if value.isdigit() else value}" for name, value in keyvals
                 if name in ("width", "height") and _LENGTH.fullmatch(value)]
        return f' style="{"; ".join(given)}"' if given else self._size(key)

    def _size(self, key: str) -> str:
        asset = self.book.assets.get(key)
        if asset is not None and asset.width and self.links.print_box and asset.media_type != "image/svg+xml":
            box_w, box_h = self.links.print_box
            scale = min(1 / MIN_PRINT_PPI, box_w / asset.width, box_h / asset.height)
            return f' style="width: {asset.width * scale:.3f}in; height: {asset.height * scale:.3f}in"'
        if not self.links.sized or asset is None or not asset.width:
            return ""
        return f' width="{asset.width}" height="{asset.height}"'

    def _note_ref(self, number: int) -> str:
        note = self.chapter.notes[number - 1]
        if self._plain:
            return ""
        if self.links.footnotes and not self._in_link:
            # WeasyPrint moves the element to the foot of the page and leaves its call here;
            # block markup inside a paragraph would end the paragraph, so blocks become spans, and
            # the white space around them goes (a line break before the first one set the note's
            # number on a line of its own).
            body = _BLOCK_TAG.sub(lambda m: f'<{m[1]}span data-b="{m[2]}"{m[3]}>' if not m[1] else "</span>", self.blocks(note.blocks))
            return f'<span class="footnote" id="{esc(note.id)}">{body.strip()}</span>'

        # print: a word joiner before the number binds the call to the word before it, so a call
        # never starts a line (it is no glyph: the text layer reads the number alone)
        shown = f"\u2060{number}" if self.links.print_pages else str(number)
        if self._in_link:
            return f'<sup class="noteref" id="{esc(note.ref_id)}">{shown}</sup>'
        return (
            f'<a class="noteref" id="{esc(note.ref_id)}" href="{esc(self.links.href(note.id))}" '
            f'epub:type="noteref" role="doc-noteref">{shown}</a>'
        )

    def _span(self, c: list[Any]) -> str:
        attr, inlines = c
        if "xref" in attr[1]:
            return self._xref(dict(attr[2]))
        if EQUATION_CLASS in attr[1] and not self._plain:  # numbered display math, then its number
            number = dict(attr[2]).get("data-number", "")
            return (f'<span class="{EQUATION_CLASS}" id="{esc(attr[0])}">{self.inlines(inlines)}'
                    f'<span class="folio-equation-number">({esc(number)})</span></span>')
        if self._plain:
            return self.inlines(inlines)
        return f"<span{self.attrs(attr)}>{self.inlines(inlines)}</span>"


    def _xref(self, keys: dict[str, str]) -> str:
        """A resolved cross-reference (xref.py): "Figure 2.3" or "page 42", linked."""
        label = esc(keys.get("data-label", ""))
        target = keys.get("data-target")
        if target is None:  # not resolved: the build has already failed with its error
            return label
        after = ""  # what a page reference prints after the number ("第{}页": 页)
        if keys.get("data-kind") == "page":
            word = self.words["page"]
            if self.links.print_pages:  # the number is the page's, from CSS (target-counter), between the word's parts
                front = self.book.chapters[self.book.id_chapter[target]].role == "frontmatter" if target in self.book.id_chapter else False
                before, after = word.split("{}", 1) if "{}" in word else (word + " ", "")
                text, extra = esc(before), f' class="xref page-ref{" roman" if front else ""}"'
            else:
                folio = self.links.page_of(target) if self.links.page_of else None
                text, extra = (esc(numbered(word, folio)) if folio else label), ' class="xref"'
        else:
            text, extra = label, ' class="xref"'
        if self._plain or self._in_link:
            return text
        return f'<a{extra} href="{esc(self.links.href(target))}">{text}</a>{esc(after)}'


MIN_PRINT_PPI = MIN_PPI
_BLOCK_TAG = re.compile(r"\s*<(/?)(p|blockquote|ul|ol|li|div|pre|h[1-6]|table|thead|tbody|tfoot|tr|td|th|dl|dt|dd|figure|figcaption|caption)\b([^>]*)>\s*")
