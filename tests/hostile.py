"""The catalogue of hostile and malformed books (issue 17), read by tests/test_hostile.py.

Each case changes the book `folio new` makes: files written or replaced, links made,
book.yaml edited. It expects either an error (exit 1) whose first line names `where`
(`path:line`, relative to the book), or a correct build (exit 0). Tokens in the text are
filled in when the case is made:

  @CANARY@       the absolute path of a canary text file outside the book
  @CANARY_URI@   the same as a file: URL
  @CANARY_PNG@   a canary PNG outside the book (its text chunk holds the secret)
  @OUTSIDE@      the folder outside the book that holds the canaries
  @INNER_FILE@   base64 of an SVG whose image is the canary text file (for data: URLs)
  @SECRET@       the canary's secret text, which must appear in no output, message or cache
  @NET@          a URL on a local address (nothing may connect to it, or to anything)
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from conftest import bomb_png, png

NET = "http://127.0.0.1:9"
CHAPTER = "chapters/01-first-chapter.md"
HEAD = "# The First Chapter {#first-chapter}\n\n"


@dataclass
class Case:
    id: str
    kind: str  # the class of threat (docs/security.md)
    expect: str  # "error" or "ok"
    where: str | None = None  # the first error's "path:line" (or "path" where a file has no line)
    files: dict[str, str | bytes] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # path in the book -> link target (tokens allowed)
    yaml: list[tuple[str, str]] = field(default_factory=list)  # replacements in book.yaml; ("", text) appends
    args: tuple[str, ...] = ()
    ship_cache: bool = False  # plant a forged cache and build record in out/ before the build


def chapter(body: str) -> dict[str, str]:
    return {CHAPTER: HEAD + body}


SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">{}</svg>'
FIGURE = "![A picture.](images/{}){{alt=\"A picture.\"}}\n"


def svg_case(id: str, kind: str, inner: str | bytes, expect: str = "error") -> Case:
    data = inner if isinstance(inner, bytes) else SVG.format(inner)
    return Case(id, kind, expect, f"{CHAPTER}:3" if expect == "error" else None,
                files={**chapter(FIGURE.format("x.svg")), "images/x.svg": data})


def css_case(id: str, kind: str, css: str, line: int = 1, expect: str = "error") -> Case:
    return Case(id, kind, expect, f"styles/x.css:{line}" if expect == "error" else None, files={"styles/x.css": css})


def raw_case(id: str, kind: str, markup: str) -> Case:
    """Raw HTML folio cleans (a warning at its line) and builds without."""
    return Case(id, kind, "ok", files=chapter(f"Before.\n\n{markup}\n\nAfter.\n"))


INNER_REMOTE = base64.b64encode(SVG.format(f'<image xlink:href="{NET}/x.png" width="5" height="5"/>').encode()).decode()
UTF16_ENTITY = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE svg [<!ENTITY x SYSTEM "@CANARY_URI@">]>'
                '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&x;</text></svg>')
DEPENDENT_CSL = ('<?xml version="1.0" encoding="utf-8"?>\n<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">\n'
                 '<info><title>Dependent</title><id>x</id><link href="{}" rel="independent-parent"/>'
                 '<updated>2020-01-01T00:00:00+00:00</updated></info>\n</style>\n')
BIB_EVIL = ("@book{knuth1984, title = {The TeXbook \\href{@CANARY_URI@}{here} <script>alert(1)</script>},\n"
            "  author = {Knuth, Donald E.}, year = {1984}, publisher = {\\href{javascript:alert(1)}{Addison}}}\n")
TEMPLATE_HEAD = "<!DOCTYPE html>\n"

CASES: list[Case] = [
    # -- reading outside the book: every way a book names a file ---------------------------------
    Case("chapter-absolute", "outside", "error", "book.yaml:23", yaml=[("  - chapters/01-first-chapter.md", "  - @OUTSIDE@/canary.md")]),
    Case("chapter-dotdot", "outside", "error", "book.yaml:23", yaml=[("  - chapters/01-first-chapter.md", "  - ../outside/canary.md")]),
    Case("chapter-deep-dotdot", "outside", "error", "book.yaml:23",
         yaml=[("  - chapters/01-first-chapter.md", "  - chapters/../../outside/canary.md")]),
    Case("chapter-symlink", "outside", "error", "book.yaml:23", links={CHAPTER: "@OUTSIDE@/canary.md"}),
    Case("chapter-folder-symlink", "outside", "error", "book.yaml:21", links={"chapters": "@OUTSIDE@"},
         yaml=[("chapters/00-preface.md", "chapters/canary.md"), ("  - chapters/01-first-chapter.md\n", "")]),
    Case("chapter-fifo", "outside", "error", "book.yaml:23", files={"fifo": "FIFO"},
         yaml=[("  - chapters/01-first-chapter.md", "  - fifo")]),
    Case("chapter-missing", "outside", "error", "book.yaml:23", yaml=[("  - chapters/01-first-chapter.md", "  - chapters/none.md")]),
    Case("image-absolute", "outside", "error", f"{CHAPTER}:3", files=chapter("![A picture.](@CANARY_PNG@){alt=x}\n")),
    Case("image-dotdot", "outside", "error", f"{CHAPTER}:3", files=chapter("![A picture.](../outside/canary.png){alt=x}\n")),
    Case("image-symlink", "outside", "error", f"{CHAPTER}:3", files=chapter(FIGURE.format("s.png")),
         links={"images/s.png": "@CANARY_PNG@"}),
    Case("image-file-url", "outside", "error", f"{CHAPTER}:3", files=chapter("![A picture.](@CANARY_URI@){alt=x}\n")),
    Case("cover-dotdot", "outside", "error", "book.yaml:13", yaml=[("cover-image: images/cover.png", "cover-image: ../outside/canary.png")]),
    Case("cover-symlink", "outside", "error", "book.yaml:13", links={"images/cover.png": "@CANARY_PNG@"}),
    Case("bibliography-absolute", "outside", "error", "book.yaml:14", yaml=[("bibliography: references.bib", "bibliography: @OUTSIDE@/canary.bib")]),
    Case("bibliography-symlink", "outside", "error", "book.yaml:14", links={"references.bib": "@OUTSIDE@/canary.bib"}),
    Case("csl-absolute", "outside", "error", "book.yaml:15", yaml=[("csl: chicago-notes-bibliography", "csl: @OUTSIDE@/canary.csl")]),
    Case("csl-dotdot", "outside", "error", "book.yaml:15", yaml=[("csl: chicago-notes-bibliography", "csl: ../outside/canary.csl")]),
    Case("csl-symlink", "outside", "error", "book.yaml:15", links={"style.csl": "@OUTSIDE@/canary.csl"},
         yaml=[("csl: chicago-notes-bibliography", "csl: style.csl")]),
    Case("csl-dependent-file-parent", "outside", "error", "style.csl:3", files={"style.csl": DEPENDENT_CSL.format("@CANARY_URI@")},
         yaml=[("csl: chicago-notes-bibliography", "csl: style.csl")]),
    css_case("css-file-url", "outside", "p { background: url(@CANARY_URI@); }\n"),
    css_case("css-dotdot", "outside", "p { background: url(../../outside/canary.png); }\n"),
    css_case("css-absolute", "outside", "p { background: url(@CANARY_PNG@); }\n"),
    css_case("css-import", "outside", "@import url(@CANARY_URI@);\n"),
    css_case("css-import-escaped", "outside", "@\\69mport '@CANARY_URI@';\n"),
    css_case("css-url-escaped", "outside", "p { background: u\\72l(@CANARY_URI@); }\n"),
    css_case("css-font-face", "outside", "p { color: red; }\n@font-face { font-family: X; src: url(@CANARY_URI@); }\n", line=2),
    css_case("css-data-svg-file", "outside", "p { background: url(data:image/svg+xml;base64,@INNER_FILE@); }\n"),
    Case("css-symlink", "outside", "error", "styles/x.css", links={"styles/x.css": "@OUTSIDE@/canary.css"}),
    Case("font-symlink", "outside", "error", "styles/x.css:1", files={"styles/x.css": "@font-face { font-family: X; src: url(f.ttf); }\n"},
         links={"styles/f.ttf": "@OUTSIDE@/canary.txt"}),
    Case("templates-symlink", "outside", "error", "templates", links={"templates": "@OUTSIDE@/templates"}),
    Case("template-include-absolute", "outside", "error", "templates/print/book.html:2",
         files={"templates/print/book.html": TEMPLATE_HEAD + '{% include "@CANARY@" %}\n'}),
    Case("template-include-dotdot", "outside", "error", "templates/print/book.html:2",
         files={"templates/print/book.html": TEMPLATE_HEAD + '{% include "../../outside/canary.txt" %}\n'}),
    Case("template-file-symlink", "outside", "error", "templates/print/book.html", links={"templates/print/book.html": "@CANARY@"}),
    Case("link-file-url", "outside", "ok", files=chapter("A [link](@CANARY_URI@) to a file.\n")),
    raw_case("raw-img-file", "outside", '<img src="@CANARY_URI@" alt="x">'),
    raw_case("raw-iframe-file", "outside", '<iframe src="@CANARY_URI@"></iframe>'),
    raw_case("raw-link-stylesheet", "outside", '<link rel="stylesheet" href="@CANARY_URI@">'),
    raw_case("raw-attachment", "outside", '<a rel="attachment" href="@CANARY_URI@">file</a>'),
    raw_case("raw-object", "outside", '<object data="@CANARY_URI@"></object>'),
    raw_case("raw-style-import", "outside", "<style>@import url(@CANARY_URI@);</style>"),
    raw_case("raw-style-attribute", "outside", '<p style="background: url(@CANARY_URI@)">styled</p>'),
    svg_case("svg-file-href", "outside", '<image xlink:href="@CANARY_URI@" width="5" height="5"/>'),
    svg_case("svg-entity", "outside", ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "@CANARY_URI@">]>' + SVG.format("<text>&x;</text>")).encode()),
    svg_case("svg-entity-utf16", "outside", UTF16_ENTITY.encode("utf-16")),
    svg_case("svg-style-import-file", "outside", "<style>@import url(@CANARY_URI@);</style>"),
    svg_case("svg-data-hiding-file", "outside", '<image href="data:image/svg+xml;base64,@INNER_FILE@" width="5" height="5"/>'),
    svg_case("svg-xml-stylesheet", "outside", ('<?xml-stylesheet href="@CANARY_URI@"?>' + SVG.format("")).encode()),
    svg_case("svg-use-other-file", "outside", '<use href="../outside/canary.svg#x"/>'),
    svg_case("svg-fill-file", "outside", '<rect fill="url(@CANARY_URI@#g)" width="5" height="5"/>'),
    Case("bibliography-fields-markup", "outside", "ok", files={"references.bib": BIB_EVIL}),
    Case("dist-symlink", "outside", "error", "dist", links={"dist": "@OUTSIDE@/dist"}, args=("--no-output-option",)),
    # -- the network: every way a book names a remote resource -----------------------------------
    Case("image-remote", "network", "error", f"{CHAPTER}:3", files=chapter(f"![A picture.]({NET}/x.png){{alt=x}}\n")),
    Case("image-protocol-relative", "network", "error", f"{CHAPTER}:3", files=chapter("![A picture.](//127.0.0.1:9/x.png){alt=x}\n")),
    Case("cover-remote", "network", "error", "book.yaml:13", yaml=[("cover-image: images/cover.png", f"cover-image: {NET}/c.png")]),
    Case("bibliography-remote", "network", "error", "book.yaml:14", yaml=[("bibliography: references.bib", f"bibliography: {NET}/r.bib")]),
    Case("csl-remote", "network", "error", "book.yaml:15", yaml=[("csl: chicago-notes-bibliography", f"csl: {NET}/s.csl")]),
    Case("csl-dependent-remote-parent", "network", "error", "style.csl:3", files={"style.csl": DEPENDENT_CSL.format(f"{NET}/p.csl")},
         yaml=[("csl: chicago-notes-bibliography", "csl: style.csl")]),
    css_case("css-remote-url", "network", f"p {{ background: url({NET}/bg.png); }}\n"),
    css_case("css-remote-import", "network", f"@import url({NET}/x.css);\n"),
    css_case("css-remote-font", "network", f"@font-face {{ font-family: X; src: url({NET}/f.woff2); }}\n"),
    css_case("css-protocol-relative", "network", "p { background: url(//127.0.0.1:9/bg.png); }\n"),
    css_case("css-data-svg-remote", "network", f"p {{ background: url(data:image/svg+xml;base64,{INNER_REMOTE}); }}\n"),
    raw_case("raw-img-remote", "network", f'<img src="{NET}/x.png" alt="x">'),
    raw_case("raw-video-remote", "network", f'<video src="{NET}/v.mp4"></video>'),
    raw_case("raw-audio-source", "network", f'<audio><source src="{NET}/a.mp3"></audio>'),
    raw_case("raw-script-remote", "network", f'<script src="{NET}/x.js"></script>'),
    raw_case("raw-srcset", "network", f'<picture><source srcset="{NET}/x.png"></picture>'),
    raw_case("raw-meta-refresh", "network", f'<meta http-equiv="refresh" content="0; url={NET}/">'),
    raw_case("raw-base-href", "network", f'<base href="{NET}/">'),
    raw_case("raw-embed", "network", f'<embed src="{NET}/x.swf">'),
    svg_case("svg-remote-href", "network", f'<image xlink:href="{NET}/x.png" width="5" height="5"/>'),
    svg_case("svg-style-import-remote", "network", f"<style>@import url({NET}/x.css);</style>"),
    svg_case("svg-style-escaped-remote", "network", f"<style>rect {{ fill: u\\72l({NET}/p.svg#g) }}</style>"),
    svg_case("svg-data-hiding-remote", "network", f'<image href="data:image/svg+xml;base64,{INNER_REMOTE}" width="5" height="5"/>'),
    Case("link-remote", "network", "ok", files=chapter(f"An ordinary [link]({NET}/page) stays a link; nothing fetches it.\n")),
    # -- code execution ---------------------------------------------------------------------------------
    Case("yaml-python-apply", "code", "error", "book.yaml:24", yaml=[("", "subtitle: !!python/object/apply:os.system ['touch @OUTSIDE@/pwned']\n")]),
    Case("yaml-python-name", "code", "error", "book.yaml:24", yaml=[("", "subtitle: !!python/name:os.system\n")]),
    Case("yaml-billion-laughs", "code", "error", "book.yaml:24", yaml=[("", 'x: &a ["lol","lol"]\ny: &b [*a,*a,*a]\n')]),
    Case("template-globals", "code", "error", "templates/print/book.html:2",
         files={"templates/print/book.html": TEMPLATE_HEAD + "{{ cycler.__init__.__globals__.os.popen('cat @CANARY@').read() }}\n"}),
    Case("template-mro", "code", "error", "templates/print/book.html:2",
         files={"templates/print/book.html": TEMPLATE_HEAD + "{{ ''.__class__.__mro__[1].__subclasses__() }}\n"}),
    Case("template-lipsum-globals", "code", "error", "templates/epub/chapter.xhtml:1",
         files={"templates/epub/chapter.xhtml": "{{ lipsum.__globals__['os'].listdir('/') }}\n"}),
    Case("template-mutates-data", "code", "error", "templates/print/book.html:2",
         files={"templates/print/book.html": TEMPLATE_HEAD + "{{ meta.update({'title': 'x'}) }}\n"}),
    raw_case("raw-script", "code", "<script>document.title = 'x'</script>"),
    raw_case("raw-onclick", "code", '<p onclick="alert(1)">click</p>'),
    raw_case("raw-javascript-link", "code", '<a href="javascript:alert(1)">x</a>'),
    raw_case("raw-form", "code", '<form action="/x"><input name="q"></form>'),
    Case("markdown-javascript-link", "code", "ok", files=chapter("A [link](javascript:alert(1)) in Markdown.\n")),
    svg_case("svg-script", "code", "<script>alert(1)</script>"),
    svg_case("svg-onload", "code", '<rect onload="alert(1)" width="5" height="5"/>'),
    svg_case("svg-foreign-object", "code", "<foreignObject><p>x</p></foreignObject>"),
    # -- book.yaml that would crash ----------------------------------------------------------------
    Case("yaml-complex-key", "yaml", "error", "book.yaml:24", yaml=[("", "? [a, b]\n: c\n")]),
    Case("yaml-deep-nesting", "yaml", "error", "book.yaml:24", yaml=[("", "subject: " + "[" * 500 + "]" * 500 + "\n")]),
    Case("yaml-control-character", "yaml", "error", "book.yaml:24", yaml=[("", 'subtitle: "a\\x01b"\n')]),
    Case("yaml-lone-surrogate", "yaml", "error", "book.yaml:24", yaml=[("", 'subtitle: "a\\ud800b"\n')]),
    Case("yaml-duplicate-file", "yaml", "error", "book.yaml:24",
         yaml=[("  - chapters/01-first-chapter.md", "  - file: chapters/01-first-chapter.md\n    file: chapters/00-preface.md")]),
    Case("yaml-february-30", "yaml", "error", "book.yaml:9", yaml=[("date: 2026", "date: 2026-02-30")]),
    Case("yaml-year-2200", "yaml", "ok", yaml=[("date: 2026", "date: 2200-01-01")]),  # a real date; the EPUB's zip dates are clamped
    Case("yaml-invalid-utf8", "yaml", "error", "book.yaml:2", files={"book.yaml": b"# x\ntitle: Caf\xe9\nchapters: [chapters/01-first-chapter.md]\n"}),
    Case("yaml-not-a-mapping", "yaml", "error", "book.yaml:1", files={"book.yaml": "- a\n- b\n"}),
    Case("yaml-tab-indent", "yaml", "error", "book.yaml:25", yaml=[("", "lint:\n\tignore: [x]\n")]),
    # -- citation styles and bibliographies --------------------------------------------------------
    Case("csl-not-xml", "citations", "error", "style.csl:1", files={"style.csl": "not xml at all"},
         yaml=[("csl: chicago-notes-bibliography", "csl: style.csl")]),
    Case("csl-entities", "citations", "error", "style.csl:1",
         files={"style.csl": '<?xml version="1.0"?><!DOCTYPE style [<!ENTITY x SYSTEM "@CANARY_URI@">]>'
                             '<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" class="in-text"><info><title>&x;</title></info>'
                             '<citation><layout><text variable="title"/></layout></citation></style>'},
         yaml=[("csl: chicago-notes-bibliography", "csl: style.csl")]),
    Case("csl-no-citation", "citations", "error", "style.csl:1",
         files={"style.csl": '<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" class="in-text"><info><title>x</title></info></style>'},
         yaml=[("csl: chicago-notes-bibliography", "csl: style.csl")]),
    Case("csl-name-with-slash", "citations", "error", "book.yaml:15", yaml=[("csl: chicago-notes-bibliography", "csl: a/b")]),
    Case("bibliography-crossref-cycle", "limits", "error", "references.bib:1",
         files={"references.bib": "@book{knuth1984, title={A}, year={2000}, crossref={b}}\n@book{b, title={B}, year={2001}, crossref={knuth1984}}\n"}),
    Case("bibliography-broken", "citations", "error", "references.bib", files={"references.bib": "@book{knuth1984,\n  title = {Unclosed\n"}),
    Case("bibliography-not-utf8", "citations", "error", "references.bib:1", files={"references.bib": b"@book{knuth1984, title={Caf\xe9}}\n"}),
    Case("bibliography-yaml", "citations", "ok", files={"references.yaml": "references:\n- id: knuth1984\n  type: book\n  title: The TeXbook\n"
                                                                          "  author:\n  - family: Knuth\n    given: Donald\n  issued: 1984\n"},
         yaml=[("bibliography: references.bib", "bibliography: references.yaml")]),
    # -- limits: depth, size, time, memory ---------------------------------------------------------
    Case("deep-quotes", "limits", "error", f"{CHAPTER}:3", files=chapter("> " * 10_000 + "deep\n")),
    Case("deep-lists", "limits", "error", f"{CHAPTER}:41", files=chapter("".join("  " * i + f"- item{i}\n" for i in range(400)))),
    Case("deep-divs", "limits", "error", f"{CHAPTER}:3", files=chapter("<div>" * 200 + "deep" + "</div>" * 200 + "\n")),
    Case("long-word", "limits", "ok", files=chapter("Before " + "x" * 10_000 + " after.\n")),
    Case("tiny-trim-long-title", "limits", "ok", yaml=[("trim: 6x9", "trim: 2in x 2in"), ('title: "Hostile"', 'title: "Incomprehensibilities Extraordinarily"')]),
    Case("huge-table", "limits", "ok", files=chapter("| " + " | ".join(f"c{i}" for i in range(40)) + " |\n|" + "---|" * 40 + "\n| "
                                                     + " | ".join("x" for _ in range(40)) + " |\n")),
    Case("many-notes", "limits", "ok", files=chapter("".join(f"Text.[^n{i}]\n\n" for i in range(300)) + "".join(f"[^n{i}]: Note {i}.\n" for i in range(300)))),
    # -- ids and names that meet folio's own ---------------------------------------------------------
    Case("id-folio-notes", "names", "error", f"{CHAPTER}:3", files=chapter("## Notes {#folio-notes}\n")),
    Case("id-page-number", "names", "error", f"{CHAPTER}:3", files=chapter("## Page {#page-1}\n")),
    Case("id-front", "names", "error", "chapters/02.md:1", files={"chapters/02.md": "# Front {#front}\n\nText.\n"},
         yaml=[("  - chapters/01-first-chapter.md", "  - chapters/01-first-chapter.md\n  - chapters/02.md")]),
    Case("id-front-span", "names", "ok", files=chapter("A [span]{#front} may be called front: only a chapter may not.\n")),
    Case("chapter-titled-notes", "names", "ok", files={CHAPTER: "# Notes {#first-chapter}\n\nA chapter called Notes.\n"}),
    Case("chapter-file-nav", "names", "ok", files={"chapters/nav.md": "# Nav\n\nA chapter in nav.md.\n"},
         yaml=[("  - chapters/01-first-chapter.md", "  - chapters/01-first-chapter.md\n  - chapters/nav.md")]),
    Case("chapter-file-cover", "names", "ok", files={"chapters/cover.md": "# Cover Story\n\nA chapter in cover.md.\n"},
         yaml=[("  - chapters/01-first-chapter.md", "  - chapters/01-first-chapter.md\n  - chapters/cover.md")]),
    Case("image-named-content-opf", "names", "error", f"{CHAPTER}:3", files={**chapter("![A picture.](content.opf){alt=x}\n"), "content.opf": png()}),
    Case("images-folding-together", "names", "ok",
         files={**chapter(FIGURE.format("a%20b.png") + "\n" + FIGURE.format("a-b.png")), "images/a b.png": png(9, 9), "images/a-b.png": png(7, 7)}),
    # -- chapters that are odd but legal ------------------------------------------------------------
    Case("chapter-only-heading", "structure", "ok", files={CHAPTER: "# Only a Heading {#first-chapter}\n"}),
    Case("chapter-cr-line-ends", "structure", "ok", files={CHAPTER: HEAD.replace("\n", "\r") + "One line.\rTwo lines.\r"}),
    Case("chapter-crlf-line-ends", "structure", "ok", files={CHAPTER: HEAD.replace("\n", "\r\n") + "One line.\r\nTwo lines.\r\n"}),
    Case("title-unclosed-tag", "structure", "ok", files={CHAPTER: "# Open <em>emphasis {#first-chapter}\n\nText.\n"}),
    Case("chapter-empty", "structure", "error", f"{CHAPTER}:1", files={CHAPTER: ""}),
    Case("chapter-invalid-utf8", "structure", "error", f"{CHAPTER}:3", files={CHAPTER: HEAD.encode() + b"Caf\xe9\n"}),
    Case("chapter-control-character", "structure", "error", f"{CHAPTER}:3", files={CHAPTER: HEAD + "a\x01b\n"}),
    Case("raw-unbalanced-html", "structure", "ok", files=chapter("<div><p>open\n\n</span></section>text\n")),
    Case("raw-duplicate-ids", "structure", "ok", files=chapter('<span id="dup">a</span> and <span id="dup2">b</span>\n')),
    # -- malicious images -------------------------------------------------------------------------------
    Case("image-truncated", "images", "error", f"{CHAPTER}:3", files={**chapter(FIGURE.format("t.png")), "images/t.png": png(200, 200)[:300]}),
    Case("image-bomb", "images", "error", f"{CHAPTER}:3", files={**chapter(FIGURE.format("b.png")), "images/b.png": bomb_png()}),
    Case("image-empty", "images", "error", f"{CHAPTER}:3", files={**chapter(FIGURE.format("e.png")), "images/e.png": b""}),
    Case("image-not-an-image", "images", "error", f"{CHAPTER}:3", files={**chapter(FIGURE.format("n.png")), "images/n.png": b"GIF89a not really"}),
    Case("cover-bomb", "images", "error", "book.yaml:13", files={"images/cover.png": bomb_png()}),
    svg_case("svg-not-xml", "images", "<svg"),
    svg_case("svg-good", "images", '<rect fill="url(#g)" width="5" height="5"/><linearGradient id="g"/>', expect="ok"),
    # -- a shipped or forged cache ----------------------------------------------------------------------
    Case("shipped-forged-cache", "cache", "ok", ship_cache=True),
    # -- the output folder ------------------------------------------------------------------------------
    Case("dist-stale-lookalike", "output", "ok", files={"dist/.folio-tmp.keep.txt": "not a temporary of folio's: kept"}, args=("--no-output-option",)),
]
