"""The catalogue of bad inputs: each gets its exact error, exit status 1, no traceback, dist/ untouched."""

from __future__ import annotations

import base64
import os

import pytest
from click.testing import CliRunner
from conftest import bomb_png, png

from folio.cli import main

YAML = "title: Bad Book\nidentifier: urn:x:bad\nlang: en-US\nchapters:\n  - chapters/01.md\n"
GOOD = "# One\n\nText.\n"


SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">{}</svg>'
INNER_REMOTE = base64.b64encode(SVG.format('<image href="http://127.0.0.1:9/x.png" width="5" height="5"/>').encode()).decode()
BOMB = base64.b64encode(bomb_png()).decode()
TOO_DEEP = ("block quotes, lists or other elements are nested more than 80 levels deep here "
            "(a list counts two, a table four): folio cannot lay this out")
BIB = "@book{known2000, author = {Known, Ann}, title = {Known}, publisher = {P}, year = {2000}}\n"

# id -> (files, exact expected error lines). "book.yaml" in files replaces YAML; chapters/01.md defaults to GOOD.
CASES: dict[str, tuple[dict[str, str | bytes], list[str]]] = {
    "yaml-malformed": ({"book.yaml": "title: T\nchapters: [chapters/01.md\nlang: en\n"},
                       ["book.yaml:3: invalid YAML: expected ',' or ']', but got ':'"]),
    "yaml-unknown-key": ({"book.yaml": YAML + "colour: blue\n"}, ["book.yaml:6: unknown key 'colour'"]),
    "yaml-misspelled-key": ({"book.yaml": YAML + "publsher: X\n"}, ["book.yaml:6: unknown key 'publsher' (did you mean 'publisher'?)"]),
    "yaml-wrong-type": ({"book.yaml": YAML + "subtitle: [a, b]\n"}, ["book.yaml:6: 'subtitle' must be a text, not a list"]),
    "yaml-wrong-bool": ({"book.yaml": YAML + "citations-per-chapter: often\n"}, ["book.yaml:6: 'citations-per-chapter' must be true or false"]),
    "yaml-alias": ({"book.yaml": "title: &t T\nsubtitle: *t\nchapters: [chapters/01.md]\n"},
                   ["book.yaml:1: YAML anchors and aliases (&name, *name) are not allowed"]),
    "yaml-python-tag": ({"book.yaml": "title: !!python/object/apply:os.system ['true']\nchapters: [chapters/01.md]\n"},
                        ["book.yaml:1: the YAML tag '!!python/object/apply:os.system' is not allowed"]),
    "yaml-not-mapping": ({"book.yaml": "- title\n- chapters\n"}, ["book.yaml:1: book.yaml must be a mapping of keys (title:, chapters:, ...)"]),
    "yaml-invalid-utf8": ({"book.yaml": b"title: Caf\xe9\nchapters: [chapters/01.md]\n"}, ["book.yaml:1: invalid UTF-8"]),
    "yaml-missing-title": ({"book.yaml": "chapters: [chapters/01.md]\n"}, ["book.yaml:1: required key 'title' is missing"]),
    "yaml-empty-chapters": ({"book.yaml": "title: T\nchapters: []\n"}, ["book.yaml:2: 'chapters' must be a list of chapter files"]),
    "yaml-bad-trim": ({"book.yaml": YAML + "trim: 100x100in\n"}, ["book.yaml:6: trim '100x100in' is outside 2 x 2 in to 20 x 30 in"]),
    "yaml-bad-date": ({"book.yaml": YAML + "date: 25/11/2026\n"}, ["book.yaml:6: date '25/11/2026' must be YYYY, YYYY-MM or YYYY-MM-DD"]),
    "yaml-bad-lang": ({"book.yaml": YAML.replace("en-US", "English")}, ["book.yaml:3: lang 'English' is not a BCP 47 tag like en-US"]),
    "yaml-bad-role": ({"book.yaml": "title: T\nchapters:\n  - file: chapters/01.md\n    role: appendix\n"},
                      ["book.yaml:4: unknown chapter role 'appendix': use frontmatter, bodymatter, backmatter"]),
    "yaml-unknown-lint-code": ({"book.yaml": YAML + "lint:\n  ignore: [note-unsued]\n"},
                               ["book.yaml:7: unknown warning code 'note-unsued' (did you mean 'note-unused'?)"]),
    "chapter-missing": ({"book.yaml": YAML + "  - chapters/02.md\n"}, ["book.yaml:6: chapter 'chapters/02.md' does not exist"]),
    "chapter-twice": ({"book.yaml": YAML + "  - chapters/01.md\n"}, ["book.yaml:6: chapter 'chapters/01.md' is listed twice (first at line 5)"]),
    "chapter-dotdot": ({"book.yaml": YAML + "  - ../outside.md\n"}, ["book.yaml:6: chapter '../outside.md' points outside the book folder"]),
    "chapter-absolute": ({"book.yaml": YAML + "  - /etc/hostname\n"},
                         ["book.yaml:6: chapter '/etc/hostname' is an absolute path; use a path relative to the book folder"]),
    "chapter-url": ({"book.yaml": YAML + "  - https://example.com/c.md\n"},
                    ["book.yaml:6: chapter 'https://example.com/c.md' is a URL; only files inside the book are allowed"]),
    "chapter-empty": ({"chapters/01.md": ""}, ["chapters/01.md:1: the chapter file is empty"]),
    "chapter-empty-file": ({"chapters/01.md": "\n\n"}, ["chapters/01.md:1: the chapter file is empty"]),
    "chapter-heading-without-text": ({"chapters/01.md": "# []{.empty}\n\nText.\n"}, ["chapters/01.md:1: the chapter's heading has no text"]),
    "chapter-invalid-utf8": ({"chapters/01.md": b"# One\n\nna\xefve\n"}, ["chapters/01.md:3:3: invalid UTF-8 (byte 0xef)"]),
    "chapter-nul": ({"chapters/01.md": "# One\n\nNUL\x00here\n"}, ["chapters/01.md:3:4: control character U+0000 in the text"]),
    "chapter-control": ({"chapters/01.md": "# One\n\nbell\x07\n"}, ["chapters/01.md:3:5: control character U+0007 in the text"]),
    "note-undefined": ({"chapters/01.md": "# One\n\nCalled[^x] here.\n"}, ["chapters/01.md:3: footnote [^x] is called but never defined"]),
    "link-missing-id": ({"chapters/01.md": "# One\n\n[see](#nowhere)\n"}, ["chapters/01.md:3: link to '#nowhere': no such id in the book"]),
    "link-chapter-file-missing-id": ({"chapters/01.md": "# One\n\n[see](01.md#nowhere)\n"},
                                     ["chapters/01.md:3: link to '01.md#nowhere': chapters/01.md has no id 'nowhere'"]),
    "image-missing": ({"chapters/01.md": "# One\n\n![Cap](images/none.png){alt=x}\n"},
                      ["chapters/01.md:3: image 'images/none.png' does not exist (looked for from the book folder and from chapters/)"]),
    "image-empty": ({"chapters/01.md": "# One\n\n![Cap](images/e.png){alt=x}\n", "images/e.png": b""},
                    ["chapters/01.md:3: image 'images/e.png': the file is empty"]),
    "image-truncated": ({"chapters/01.md": "# One\n\n![Cap](images/t.png){alt=x}\n", "images/t.png": png(300, 300)[:150]},
                        ["chapters/01.md:3: image 'images/t.png': the image is damaged: image file is truncated"]),
    "image-undecodable": ({"chapters/01.md": "# One\n\n![Cap](images/u.png){alt=x}\n", "images/u.png": b"this is text"},
                          ["chapters/01.md:3: image 'images/u.png': not an image Pillow can read (use JPEG, PNG, GIF, WebP or SVG)"]),
    "image-bomb": ({"chapters/01.md": "# One\n\n![Cap](images/b.png){alt=x}\n", "images/b.png": bomb_png()},
                   ["chapters/01.md:3: image 'images/b.png': more than 40 megapixels (a decompression bomb?)"]),
    "image-remote": ({"chapters/01.md": "# One\n\n![Cap](http://127.0.0.1:9/x.png){alt=x}\n"},
                     ["chapters/01.md:3: image 'http://127.0.0.1:9/x.png' is not a file in the book: remote and data: images are not fetched"]),
    "image-outside": ({"chapters/01.md": "# One\n\n![Cap](../x.png){alt=x}\n"}, ["chapters/01.md:3: image '../x.png' points outside the book folder (and from chapters/ it does not exist)"]),
    "image-absolute": ({"chapters/01.md": "# One\n\n![Cap](/etc/hostname){alt=x}\n"},
                       ["chapters/01.md:3: image '/etc/hostname' is an absolute path; use a path relative to the book folder"]),
    "svg-entity": ({"chapters/01.md": "# One\n\n![Cap](images/e.svg){alt=x}\n",
                    "images/e.svg": '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&x;</text></svg>'},
                   ["chapters/01.md:3: image 'images/e.svg': the SVG declares entities, which folio refuses"]),
    "svg-script": ({"chapters/01.md": "# One\n\n![Cap](images/s.svg){alt=x}\n",
                    "images/s.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'},
                   ["chapters/01.md:3: image 'images/s.svg': the SVG contains <script>, which folio refuses"]),
    "svg-remote-href": ({"chapters/01.md": "# One\n\n![Cap](images/r.svg){alt=x}\n",
                         "images/r.svg": '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image xlink:href="http://127.0.0.1:9/x.png"/></svg>'},
                        ["chapters/01.md:3: image 'images/r.svg': the SVG refers to an outside resource (http://127.0.0.1:9/x.png)"]),
    "svg-entity-utf16": ({"chapters/01.md": "# One\n\n![Cap](images/e.svg){alt=x}\n",
                          "images/e.svg": ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                           '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&x;</text></svg>').encode("utf-16")},
                         ["chapters/01.md:3: image 'images/e.svg': the SVG declares entities, which folio refuses"]),
    "svg-style-import": ({"chapters/01.md": "# One\n\n![Cap](images/s.svg){alt=x}\n",
                          "images/s.svg": SVG.format("<style>@import url(http://127.0.0.1:9/x.css);</style>")},
                         ["chapters/01.md:3: image 'images/s.svg': the SVG's <style> has an @import, which folio refuses"]),
    "svg-style-escaped-url": ({"chapters/01.md": "# One\n\n![Cap](images/s.svg){alt=x}\n",
                               "images/s.svg": SVG.format("<style>rect { fill: u\\72l(http://127.0.0.1:9/p.svg#g) }</style>")},
                              ["chapters/01.md:3: image 'images/s.svg': the SVG's <style> refers to an outside resource (url(http://127.0.0.1:9/p.svg#g))"]),
    "svg-style-attribute": ({"chapters/01.md": "# One\n\n![Cap](images/s.svg){alt=x}\n",
                             "images/s.svg": SVG.format('<rect style="fill: url(\'//127.0.0.1:9/p.svg#g\')" width="5" height="5"/>')},
                            ["chapters/01.md:3: image 'images/s.svg': the SVG's style= attribute refers to an outside resource (url(//127.0.0.1:9/p.svg#g))"]),
    "svg-presentation-url": ({"chapters/01.md": "# One\n\n![Cap](images/s.svg){alt=x}\n",
                              "images/s.svg": SVG.format('<rect fill="url(other.svg#g)" width="5" height="5"/>')},
                             ["chapters/01.md:3: image 'images/s.svg': the SVG's fill= attribute refers to an outside resource (url(other.svg#g))"]),
    "svg-xml-stylesheet": ({"chapters/01.md": "# One\n\n![Cap](images/s.svg){alt=x}\n",
                            "images/s.svg": '<?xml-stylesheet href="http://127.0.0.1:9/x.css"?>' + SVG.format("")},
                           ["chapters/01.md:3: image 'images/s.svg': the SVG loads a style sheet (<?xml-stylesheet?>), which folio refuses"]),
    "svg-data-url-hiding-remote": ({"chapters/01.md": "# One\n\n![Cap](images/s.svg){alt=x}\n",
                                    "images/s.svg": SVG.format(f'<image href="data:image/svg+xml;base64,{INNER_REMOTE}" width="5" height="5"/>')},
                                   ["chapters/01.md:3: image 'images/s.svg': the SVG refers to an outside resource (http://127.0.0.1:9/x.png)"]),
    "svg-data-url-html": ({"chapters/01.md": "# One\n\n![Cap](images/s.svg){alt=x}\n",
                           "images/s.svg": SVG.format('<image href="data:text/html,%3Cscript%3E%3C/script%3E" width="5" height="5"/>')},
                          ["chapters/01.md:3: image 'images/s.svg': a data: URL of text/html: only images and fonts may be embedded"]),
    "css-data-url-hiding-remote": ({"styles/x.css": f"p {{ color: red; }}\nbody {{ background: url(data:image/svg+xml;base64,{INNER_REMOTE}); }}\n"},
                                   ["styles/x.css:2: url(data:...): the SVG refers to an outside resource (http://127.0.0.1:9/x.png)"]),
    "css-data-url-bomb": ({"styles/x.css": f"body {{ background: url(data:image/png;base64,{BOMB}); }}\n"},
                          ["styles/x.css:1: url(data:...): more than 40 megapixels (a decompression bomb?)"]),
    "deep-quotes": ({"chapters/01.md": "# One\n\nText.\n\n" + "> " * 10_000 + "deep\n"}, [f"chapters/01.md:5: {TOO_DEEP}"]),
    "deep-quotes-json": ({"chapters/01.md": "# One\n\nText.\n\n" + "".join("> " * 60 + "\n" + "<div>\n" * 300 + "deep\n")},
                         [f"chapters/01.md:{5 + 1 + 300}: {TOO_DEEP}"]),
    "deep-lists-walked": ({"chapters/01.md": "# One\n\nText.\n\n" + "".join("  " * i + f"- item{i}\n" for i in range(100))},
                          [f"chapters/01.md:{5 + 39}: {TOO_DEEP}"]),
    "deep-brackets": ({"chapters/01.md": "# One\n\nText.\n\n" + "[" * 30 + "deep" + "]{.x}" * 30 + "\n"},
                      ["chapters/01.md:5: reading this chapter: pandoc needed more than 1024 MB of memory and was stopped "
                       "(brackets nested 30 deep here: pandoc's work grows exponentially with them)"]),
    "deep-lists": ({"chapters/01.md": "# One\n\nText.\n\n" + "".join("  " * i + f"- item{i}\n" for i in range(400))},
                   [f"chapters/01.md:{5 + 38}: {TOO_DEEP}"]),  # too deep for Python's JSON: found by a scan, at or before the limit
    "cover-not-image": ({"book.yaml": YAML + "cover-image: cover.txt\n", "cover.txt": "not a picture"},
                        ["book.yaml:6: cover-image: not an image Pillow can read (use JPEG, PNG, GIF, WebP or SVG)"]),
    "cover-missing": ({"book.yaml": YAML + "cover-image: images/cover.jpg\n"}, ["book.yaml:6: cover-image: 'images/cover.jpg' does not exist"]),
    "citation-unknown-key": ({"book.yaml": YAML + "bibliography: refs.bib\n", "refs.bib": BIB,
                              "chapters/01.md": "# One\n\nAs [@known2000] and [@smith2001, 4] say.\n"},
                             ["chapters/01.md:3: unknown citation key 'smith2001'"]),
    "citation-unknown-key-twice": ({"book.yaml": YAML + "bibliography: refs.bib\n", "refs.bib": BIB,
                                    "chapters/01.md": "# One\n\nAs [@smith2001] says.\n\nAnd again [@smith2001, 5].\n"},
                                   ["chapters/01.md:3: unknown citation key 'smith2001'", "chapters/01.md:5: unknown citation key 'smith2001'"]),
    "citation-no-bibliography": ({"chapters/01.md": "# One\n\nAs [@someone] said.\n"},
                                 ["chapters/01.md:3: citation '@someone' but book.yaml names no bibliography"]),
    "bibliography-broken-entry": ({"book.yaml": YAML + "bibliography: refs.bib\n", "refs.bib": BIB + "@book{broken,\n  title = {Unclosed\n",
                                   "chapters/01.md": "# One\n\nAs [@known2000].\n"}, None),
    "bibliography-crossref-cycle": ({"book.yaml": YAML + "bibliography: refs.bib\n", "refs.bib": "@book{a, title={A}, year={2000}, crossref={b}}\n"
                                     "@book{b, title={B}, year={2001}, crossref={c}}\n@book{c, title={C}, year={2002}, crossref={b}}\n",
                                     "chapters/01.md": "# One\n\nAs [@a].\n"},
                                    ["refs.bib:2: reading the bibliography: pandoc needed more than 1024 MB of memory and was stopped: "
                                     "the entries b -> c -> b name each other as their crossref"]),
    "bibliography-missing": ({"book.yaml": YAML + "bibliography: refs.bib\n"}, ["book.yaml:6: bibliography: 'refs.bib' does not exist"]),
    "bibliography-duplicate-key": ({"book.yaml": YAML + "bibliography: refs.bib\n", "refs.bib": BIB + BIB,
                                    "chapters/01.md": "# One\n\nAs [@known2000].\n"},
                                   ["refs.bib:2: duplicate bibliography key 'known2000' (also at refs.bib:1)"]),
    "csl-unknown": ({"book.yaml": YAML + "bibliography: refs.bib\ncsl: chicago-notes-bibliografy\n", "refs.bib": BIB,
                     "chapters/01.md": "# One\n\nAs [@known2000].\n"}, None),
    "css-remote": ({"styles/x.css": "p { color: red; }\nbody { background: url(http://127.0.0.1:9/bg.png); }\n"},
                   ["styles/x.css:2: url(http://127.0.0.1:9/bg.png) is not a file in the book: style sheets may not load remote or file: URLs"]),
    "css-import": ({"styles/x.css": "@import 'other.css';\n"},
                   ["styles/x.css:1: @import is not allowed: list every style sheet in styles/ instead"]),
    "css-file-url": ({"styles/x.css": "p { background: url(file:///etc/passwd); }\n"},
                     ["styles/x.css:1: url(file:///etc/passwd) is not a file in the book: style sheets may not load remote or file: URLs"]),
    "css-outside": ({"styles/x.css": "p { background: url(../../secret.png); }\n"},
                    ["styles/x.css:1: url(): '../../secret.png' points outside the book folder"]),
    "template-syntax": ({"templates/print/book.html": "<html>\n{% for x in %}\n</html>\n"},
                        ["templates/print/book.html:2: template error: Expected an expression, got 'end of statement block'"]),
}


def make(tmp_path, files):
    root = tmp_path / "book"
    (root / "chapters").mkdir(parents=True)
    contents = {"book.yaml": YAML, "chapters/01.md": GOOD, **files}
    for name, content in contents.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


SLOW = {"deep-brackets", "bibliography-crossref-cycle"}  # pandoc fills its 1 GB heap first (7 s each)


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c in SLOW else c for c in sorted(CASES)])
def test_bad_input_gets_its_exact_error(tmp_path, case):
    files, expected = CASES[case]
    root = make(tmp_path, files)
    out = tmp_path / "dist"
    out.mkdir()
    previous = {"bad-book.pdf": b"%PDF-previous", "bad-book.epub": b"PK-previous"}
    for name, data in previous.items():
        (out / name).write_bytes(data)
    result = CliRunner().invoke(main, ["build", str(root), "-o", str(out), "--to", "pdf,epub"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    errors = [line.removeprefix(f"{root.as_posix()}/") for line in result.output.splitlines() if not line.startswith("folio:") and ": warning:" not in line]
    if expected is None:  # the message comes from pandoc or a list of names: its place and gist are checked
        assert len(errors) == 1 and errors[0].split(":")[0] in ("refs.bib", "book.yaml"), errors
    else:
        assert errors == expected
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == previous


def test_the_catalogue_has_at_least_forty_cases():
    assert len(CASES) >= 40


def test_fifo_as_a_chapter(tmp_path):
    root = make(tmp_path, {"book.yaml": YAML + "  - chapters/pipe.md\n"})
    os.mkfifo(root / "chapters" / "pipe.md")
    result = CliRunner().invoke(main, ["build", str(root), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"{root.as_posix()}/book.yaml:6: chapter 'chapters/pipe.md' is not a regular file" in result.output


def test_symlinked_image_pointing_out(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(png())
    root = make(tmp_path, {"chapters/01.md": "# One\n\n![Cap](images/link.png){alt=x}\n"})
    (root / "images").mkdir()
    (root / "images" / "link.png").symlink_to(secret)
    result = CliRunner().invoke(main, ["build", str(root), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "chapters/01.md:3: image 'images/link.png' points outside the book folder" in result.output


@pytest.mark.parametrize("markdown, removed", [
    ('<script>alert(1)</script>\n', "<script>"),
    ('<p onclick="steal()">Hi</p>\n', "onclick="),
    ('<p><a href="javascript:alert(1)">x</a></p>\n', "javascript: URL"),
    ('<iframe src="https://example.com"></iframe>\n', "<iframe>"),
    ('<form action="https://example.com"><input name="q"/></form>\n', "<form>"),
    ('<p><img src="http://127.0.0.1:9/x.png" alt="x"/></p>\n', "<img>"),
])
def test_raw_html_removals_are_warnings_that_strict_turns_into_failures(tmp_path, markdown, removed):
    root = make(tmp_path, {"chapters/01.md": f"# One\n\nText.\n\n{markdown}"})
    lenient = CliRunner().invoke(main, ["build", str(root), "-o", str(tmp_path / "a"), "--to", "epub"])
    assert lenient.exit_code == 0, lenient.output
    assert "chapters/01.md:5: warning: removed" in lenient.output and removed in lenient.output
    strict = CliRunner().invoke(main, ["build", str(root), "-o", str(tmp_path / "b"), "--to", "epub", "--strict"])
    assert strict.exit_code == 1
