"""Containment: WeasyPrint fetches only files inside the book and theme folders; nothing leaks."""

from __future__ import annotations

import zipfile

import pytest

from folio import build
from folio.errors import FolioError
from folio.weasy.fetcher import contained_fetcher


def test_fetcher_serves_only_files_inside_the_allowed_folders(tmp_path):
    inside = tmp_path / "book"
    inside.mkdir()
    (inside / "ok.css").write_text("p {}")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    (inside / "link.css").symlink_to(secret)
    refused: list[str] = []
    fetcher = contained_fetcher([inside], refused)
    assert fetcher.fetch((inside / "ok.css").as_uri()).read() == b"p {}"
    for url in (secret.as_uri(), (inside / "link.css").as_uri(), "http://127.0.0.1:9/x.png", "https://example.com/a.css",
                "ftp://example.com/x", (inside / "missing.css").as_uri()):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(refused) == 6
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


def test_book_css_cannot_reach_outside_files_or_the_network(make_book, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-BYTES")
    css = f'@font-face {{ font-family: X; src: url("{secret.as_uri()}"); }}\np {{ background: url("{secret.as_uri()}"); }}\n'
    root = make_book({"01.md": "# One\n\nText.\n"}, extra={"styles/evil.css": css})
    for formats in (("epub",), ("pdf",), ("html",)):
        with pytest.raises(FolioError) as caught:
            build(root, tmp_path / "out", formats)
        messages = [d.format() for d in caught.value.diagnostics]
        assert messages == [f"styles/evil.css:{line}: url({secret.as_uri()[:60]}) is not a file in the book: style sheets may not load remote or file: URLs"
                            for line in (1, 2)]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.pdf"))


def test_links_in_html_are_not_attachments(make_book, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("ATTACHED-SECRET")
    root = make_book({"01.md": f'# One\n\n<a rel="attachment" href="{secret.as_uri()}">x</a>\n'})
    result = build(root, tmp_path / "out", ("pdf", "epub"))
    assert b"ATTACHED-SECRET" not in result.outputs["pdf"].read_bytes()
    assert b"/EmbeddedFile" not in result.outputs["pdf"].read_bytes()
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        assert all(b"ATTACHED-SECRET" not in archive.read(n) for n in archive.namelist())


# -- a canary server and a secret file, referenced in every way a book can ------------------

import hashlib
import http.server
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from folio.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent


class Canary:
    def __init__(self):
        self.hits: list[str] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                canary.hits.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"canary")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def canary():
    server = Canary()
    yield server
    server.close()


def test_nothing_reaches_the_network_or_leaks_a_secret_file(make_book, tmp_path, canary):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CANARY-BYTES")
    url, file_url = canary.url, secret.as_uri()
    chapter = f"""# One

Text with a [plain link]({url}/link) and raw HTML: <span style="background: url({url}/style.png)">styled</span>.

<img src="{url}/raw.png" alt="x"/>

<iframe src="{url}/frame"></iframe>

<script src="{url}/script.js"></script>

<link rel="stylesheet" href="{url}/sheet.css"/>

<object data="{file_url}"></object>

<video poster="{url}/poster.png" src="{url}/v.mp4"></video>

<a rel="attachment" href="{file_url}">attach</a>

As [@canary2020] says.
"""
    bib = f"@online{{canary2020, author = {{Bird, Canary}}, title = {{Song}}, url = {{{url}/bib}}, year = {{2020}}}}\n"
    print_template = ('{% extends "default/print/book.html" %}{% block halftitle %}'
                      f'<link rel="stylesheet" href="{url}/t.css"/><link rel="attachment" href="{file_url}"/>'
                      f'<img src="{url}/t.png" alt=""/><img src="{file_url}" alt=""/>'
                      '<section class="halftitle"><p class="halftitle-title">T</p></section>{% endblock %}')
    yaml = "title: Canary\nidentifier: urn:x:c\nbibliography: refs.bib\nchapters: [chapters/01.md]\n"
    root = make_book({"01.md": chapter}, yaml, extra={"refs.bib": bib, "templates/print/book.html": print_template})
    result = CliRunner().invoke(cli, ["build", str(root), "-o", str(tmp_path / "out"), "--to", "pdf,epub,html"])
    assert result.exit_code == 0, result.output
    for output in (tmp_path / "out").glob("canary.*"):
        data = output.read_bytes()
        assert b"SECRET-CANARY-BYTES" not in data
        if output.suffix == ".epub":
            import zipfile

            with zipfile.ZipFile(output) as archive:
                assert all(b"SECRET-CANARY-BYTES" not in archive.read(n) for n in archive.namelist())
    # the ways that are errors: refused before anything is fetched
    refused = {
        "image": {"chapters/01.md": f"# One\n\n![x]({url}/md.png){{alt=x}}\n"},
        "file-image": {"chapters/01.md": f"# One\n\n![x]({file_url}){{alt=x}}\n"},
        "css": {"styles/a.css": f"p {{ background: url({url}/css.png); }}\n"},
        "css-import": {"styles/a.css": f"@import url({url}/imp.css);\n"},
        "css-file": {"styles/a.css": f"@font-face {{ font-family: X; src: url({file_url}); }}\n"},
        "svg": {"chapters/01.md": "# One\n\n![x](images/a.svg){alt=x}\n",
                "images/a.svg": f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="{url}/svg.png"/></svg>'},
        "cover": {"book.yaml": f"title: C\nidentifier: urn:x:c\ncover-image: {url}/cover.jpg\nchapters: [chapters/01.md]\n"},
        "csl": {"book.yaml": f"title: C\nidentifier: urn:x:c\nbibliography: refs.bib\ncsl: {url}/style.csl\nchapters: [chapters/01.md]\n",
                "refs.bib": bib, "chapters/01.md": "# One\n\n[@canary2020]\n"},
        "bibliography": {"book.yaml": f"title: C\nidentifier: urn:x:c\nbibliography: {file_url}\nchapters: [chapters/01.md]\n"},
    }
    for name, files in refused.items():
        book = tmp_path / f"refused-{name}"
        (book / "chapters").mkdir(parents=True)
        (book / "book.yaml").write_text("title: C\nidentifier: urn:x:c\nchapters: [chapters/01.md]\n")
        (book / "chapters" / "01.md").write_text("# One\n\nText.\n")
        for path, content in files.items():
            (book / path).parent.mkdir(parents=True, exist_ok=True)
            (book / path).write_text(content)
        outcome = CliRunner().invoke(cli, ["build", str(book), "-o", str(tmp_path / f"out-{name}")])
        assert outcome.exit_code == 1, (name, outcome.output)
    assert canary.hits == []


# -- killing builds --------------------------------------------------------------------------

def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_a_killed_build_never_damages_the_last_good_outputs(tmp_path):
    import zipfile

    import pypdf

    book = tmp_path / "book"
    shutil.copytree(ROOT / "book", book, ignore=shutil.ignore_patterns("dist"))
    out = tmp_path / "dist"
    folio = [sys.executable, "-m", "folio.cli", "build", str(book), "-o", str(out), "-q", "--no-cache"]
    subprocess.run(folio, check=True, capture_output=True)
    outputs = [out / "making-books-with-folio.pdf", out / "making-books-with-folio.epub"]
    old = {p.name: digest(p) for p in outputs}
    chapter = book / "chapters" / "02-writing-chapters.md"
    chapter.write_text(chapter.read_text() + "\nA new closing paragraph, so that a finished build writes different bytes.\n")
    new: dict[str, str] = {}
    for delay in (0.3, 0.8, 1.5, 2.2, 3.0):  # (a cold build of the sample takes about 3.5 s: every stage)
        process = subprocess.Popen(folio, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for path in outputs:
            state = digest(path)
            assert state in (old[path.name], new.get(path.name, state)), f"{path.name} changed after a kill at {delay} s"
            if state != old[path.name]:
                new[path.name] = state
            if path.suffix == ".pdf":
                assert len(pypdf.PdfReader(str(path)).pages) > 10
            else:
                with zipfile.ZipFile(path) as archive:
                    assert archive.testzip() is None
    subprocess.run(folio, check=True, capture_output=True)
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert {p.name: digest(p) for p in outputs} != old


# -- issue 17: templates run sandboxed, the fetcher's roots, style names ----------------------

@pytest.mark.parametrize("payload", [
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ meta.__class__.__init__.__globals__ }}",
    "{% set x = words.update({'contents': 'pwned'}) %}{{ x }}",
])
def test_a_book_template_cannot_reach_python_or_change_its_data(make_book, tmp_path, payload):
    """The book's templates run in Jinja's immutable sandbox: walking to Python's internals or
    calling a method that changes the data is a template error at its file and line."""
    from folio.theme import DEFAULT_TEMPLATES

    page = (DEFAULT_TEMPLATES / "epub" / "titlepage.xhtml").read_text(encoding="utf-8")
    evil = page.replace("</body>", f"<p>{payload}</p>\n</body>")
    root = make_book({"01.md": "# One\n\nText.\n"}, extra={"templates/epub/titlepage.xhtml": evil})
    with pytest.raises(FolioError) as caught:
        build(root, tmp_path / "out", ("epub",))
    [message] = [d.format() for d in caught.value.diagnostics]
    line = evil[: evil.index(payload)].count("\n") + 1
    assert message.startswith(f"templates/epub/titlepage.xhtml:{line}: template error:"), message
    assert "is unsafe" in message and "uid=0" not in message and not list((tmp_path / "out").glob("*.epub")), message


def test_a_templates_folder_linked_to_elsewhere_is_refused(make_book, tmp_path):
    elsewhere = tmp_path / "elsewhere" / "epub"
    elsewhere.mkdir(parents=True)
    (elsewhere / "titlepage.xhtml").write_text("<p>not the book's</p>", encoding="utf-8")
    root = make_book({"01.md": "# One\n\nText.\n"})
    (root / "templates").symlink_to(elsewhere.parent, target_is_directory=True)
    with pytest.raises(FolioError) as caught:
        build(root, tmp_path / "out", ("epub",))
    assert [d.format() for d in caught.value.diagnostics] == ["templates: the book's templates/ folder points outside the book folder"]


def test_the_pdf_may_read_the_theme_styles_but_not_the_rest_of_the_installation(make_book, tmp_path):
    """The layout's allowed folders are the book and the theme's styles/ (its fonts), not the
    folder above it (a checkout's .git, an installation's Python files)."""
    from folio.theme import DEFAULT_STYLES, THEME_ROOT

    refused: list[str] = []
    roots = [make_book({"01.md": "# One\n"}), DEFAULT_STYLES]
    fetcher = contained_fetcher(roots, refused)
    assert fetcher.fetch((DEFAULT_STYLES / "base.css").as_uri()).read()
    for outside in (THEME_ROOT / "pyproject.toml", THEME_ROOT / "folio" / "__init__.py", THEME_ROOT / "__init__.py"):
        if outside.is_file():
            with pytest.raises(ValueError):
                fetcher.fetch(outside.as_uri())
    assert refused


@pytest.mark.parametrize("name", ["../../../../etc/hostname", "/etc/hostname", "apa/../../x", "APA Style"])
def test_a_style_name_is_never_a_path(make_book, tmp_path, name):
    yaml = (f"title: T\nlang: en\nidentifier: urn:x:t\nbibliography: refs.bib\ncsl: \"{name}\"\n"
            "chapters:\n  - chapters/01.md\n")
    root = make_book({"01.md": "# One\n\nAs @a says.\n"}, yaml=yaml, extra={"refs.bib": "@book{a, title={A}, author={B}, year={2000}}\n"})
    with pytest.raises(FolioError) as caught:
        build(root, tmp_path / "out", ("epub",))
    [message] = [d.format() for d in caught.value.diagnostics]
    assert message.startswith("book.yaml:5: csl:") and "bundled style name" in message


def test_a_dist_link_inside_the_book_is_never_followed(make_book, tmp_path):
    """A book that ships `dist` as a link to a folder elsewhere: folio refuses to write (or
    clean up) there, and says how to choose another folder; -o names any folder."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    keep = elsewhere / ".precious.tmp"
    keep.write_text("not folio's", encoding="utf-8")
    root = make_book({"01.md": "# One\n\nText.\n"})
    (root / "dist").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(FolioError) as caught:
        build(root, None, ("epub",))
    [message] = [d.format() for d in caught.value.diagnostics]
    assert message.startswith("dist: the output folder is reached through a link inside the book")
    assert sorted(p.name for p in elsewhere.iterdir()) == [".precious.tmp"]
    with pytest.raises(FolioError):
        build(root, root / "dist" / "sub", ("epub",))  # nor through it to a folder below
    assert build(root, tmp_path / "chosen", ("epub",)).outputs["epub"].is_file()  # -o anywhere


def test_only_folio_temporaries_are_cleaned_up(make_book, tmp_path):
    from folio.paths import TEMPORARY_PREFIX

    root = make_book({"01.md": "# One\n\nText.\n"})
    out = tmp_path / "out"
    out.mkdir()
    stale = out / f"{TEMPORARY_PREFIX}book.epub.abc123.tmp"
    stale.write_bytes(b"left by a killed build")
    theirs = out / ".notes.tmp"
    theirs.write_text("the author's own file", encoding="utf-8")
    build(root, out, ("epub",))
    assert not stale.exists() and theirs.exists()


@pytest.mark.parametrize("css, expected", [
    ('@\\69mport "http://127.0.0.1:9/x.css";\np { color: red; }\n', "styles/book.css:1: @import is not allowed (here written with CSS escapes)"),
    ("p { background: u\\72l(http://127.0.0.1:9/x.png); }\n",
     "styles/book.css:1: url(http://127.0.0.1:9/x.png) is written with CSS escapes: write it plainly, as a file in the book"),
])
def test_css_escapes_do_not_hide_an_import_or_a_remote_url(make_book, tmp_path, css, expected):
    """As a CSS parser reads them, `@\\69mport` is @import and `u\\72l(` is url(: the book's
    style sheet is refused at its line, and nothing reaches an output."""
    root = make_book({"01.md": "# One\n\nText.\n"}, extra={"styles/book.css": css})
    with pytest.raises(FolioError) as caught:
        build(root, tmp_path / "out", ("epub",))
    assert expected in [d.format() for d in caught.value.diagnostics]
