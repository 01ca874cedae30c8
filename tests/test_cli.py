"""The command line, in process: exit codes, messages without tracebacks, outputs kept safe."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from folio import __version__
from folio.cli import main

GOOD = {"01.md": "# One\n\nHello[^1].\n\n[^1]: A note.\n"}


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_build_writes_pdf_and_epub_named_from_the_title(make_book, tmp_path):
    root = make_book(GOOD)
    result = run("build", str(root), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "test-book.pdf").read_bytes()[:5] == b"%PDF-"
    assert (tmp_path / "out" / "test-book.epub").read_bytes()[:2] == b"PK"
    assert not list((tmp_path / "out").glob(".*.tmp"))


def test_default_output_folder_is_dist_inside_the_book(make_book):
    root = make_book(GOOD)
    result = run("build", str(root), "--to", "epub", "-q")
    assert result.exit_code == 0, result.output
    assert (root / "dist" / "test-book.epub").is_file()
    assert result.stdout == ""


def test_html_output_is_self_contained(make_book, tmp_path):
    root = make_book(GOOD)
    result = run("build", str(root), "-o", str(tmp_path), "--to", "html")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "test-book.html").read_text(encoding="utf-8")
    assert "<style>" in html and "Hello" in html and 'href="#one-note-1"' in html


def test_user_error_exits_1_with_file_and_line_and_no_traceback(make_book, tmp_path):
    root = make_book({"01.md": "# One\n\nSee [x](#nowhere).\n"})
    result = run("build", str(root), "-o", str(tmp_path))
    assert result.exit_code == 1
    assert f"{root.as_posix()}/chapters/01.md:3: link to '#nowhere': no such id in the book" in result.output
    assert "Traceback" not in result.output
    assert "1 error; nothing was written" in result.output


def test_usage_errors_exit_2(make_book):
    root = make_book(GOOD)
    assert run("build", str(root), "--to", "docx").exit_code == 2
    assert run("build", str(root), "--bogus").exit_code == 2


def test_failed_build_leaves_the_last_good_outputs_untouched(make_book, tmp_path):
    root = make_book(GOOD)
    out = tmp_path / "out"
    assert run("build", str(root), "-o", str(out), "-q").exit_code == 0
    before = {p.name: digest(p) for p in out.iterdir() if p.is_file()}
    assert set(before) == {"test-book.pdf", "test-book.epub"}
    (root / "chapters" / "01.md").write_text("# One\n\n![missing](images/nope.png)\n")
    result = run("build", str(root), "-o", str(out), "-q")
    assert result.exit_code == 1
    assert {p.name: digest(p) for p in out.iterdir() if p.is_file()} == before


def test_strict_fails_on_warnings_after_building(make_book, tmp_path):
    root = make_book({"01.md": "# One\n\nText.\n\n[^unused]: never called\n"})
    result = run("build", str(root), "-o", str(tmp_path), "--to", "epub", "--strict")
    assert result.exit_code == 1
    assert "chapters/01.md:5: warning: footnote [^unused] is defined but never called" in result.output
    assert (tmp_path / "test-book.epub").is_file()
    assert run("build", str(root), "-o", str(tmp_path), "--to", "epub").exit_code == 0


def test_warnings_can_be_silenced_in_book_yaml(make_book, tmp_path):
    yaml = "title: T\nidentifier: urn:x:1\nlint:\n  ignore: [note-unused]\nchapters: [chapters/01.md]\n"
    root = make_book({"01.md": "# One\n\nText.\n\n[^unused]: never called\n"}, yaml)
    result = run("build", str(root), "-o", str(tmp_path), "--to", "epub", "--strict")
    assert result.exit_code == 0, result.output
    assert "warning:" not in result.output


def test_epub_needs_an_identifier(make_book, tmp_path):
    root = make_book(GOOD, "title: T\nchapters: [chapters/01.md]\n")
    result = run("build", str(root), "-o", str(tmp_path), "--to", "epub")
    assert result.exit_code == 1
    assert "an EPUB needs an identifier: add 'identifier: urn:uuid:" in result.output
    assert run("build", str(root), "-o", str(tmp_path), "--to", "pdf", "-q").exit_code == 0


def test_builds_are_byte_identical(make_book, tmp_path, monkeypatch):
    root = make_book(GOOD)
    for name in ("a", "b"):
        assert run("build", str(root), "-o", str(tmp_path / name), "--no-cache", "-q").exit_code == 0
    for output in ("test-book.pdf", "test-book.epub"):
        assert digest(tmp_path / "a" / output) == digest(tmp_path / "b" / output)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert run("build", str(root), "-o", str(tmp_path / "c"), "-q").exit_code == 0
    assert run("build", str(root), "-o", str(tmp_path / "d"), "-q").exit_code == 0
    assert digest(tmp_path / "c" / "test-book.pdf") == digest(tmp_path / "d" / "test-book.pdf")
    import zipfile

    with zipfile.ZipFile(tmp_path / "c" / "test-book.epub") as archive:
        assert b"<meta property=\"dcterms:modified\">2023-11-14T22:13:20Z</meta>" in archive.read("EPUB/content.opf")
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}


def test_book_templates_override_the_theme(make_book, tmp_path):
    template = '{% extends "default/print/book.html" %}{% block halftitle %}<section class="halftitle"><p class="halftitle-title">OVERRIDDEN</p></section>{% endblock %}'
    root = make_book(GOOD, extra={"templates/print/book.html": template, "styles/extra.css": "p { color: #123456; }"})
    result = run("build", str(root), "-o", str(tmp_path), "--to", "html")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "test-book.html").read_text(encoding="utf-8")
    assert "OVERRIDDEN" in html and "#123456" in html


def test_template_syntax_error_names_file_and_line(make_book, tmp_path):
    root = make_book(GOOD, extra={"templates/print/book.html": "line one\n{% if %}\n"})
    result = run("build", str(root), "-o", str(tmp_path), "--to", "pdf")
    assert result.exit_code == 1
    assert "templates/print/book.html:2:" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_check_runs_the_validators_and_reports_at_the_source(make_book, tmp_path):
    root = make_book({"01.md": "# One {#one}\n\n## Section {#sec}\n\nHello.\n"})
    result = run("check", str(root), "--validate", "--no-ace", "-o", str(tmp_path / "ok"))  # (Ace on clean books: test_catalogue)
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output
    template = (Path(__file__).resolve().parent.parent / "templates" / "epub" / "chapter.xhtml").read_text()
    broken = template.replace("{{ chapter.body|safe }}", '{{ chapter.body|safe }}<p><img src="nothing.png"/></p>')
    root = make_book({"01.md": "# One {#one}\n\n## Section {#sec}\n\nHello.\n"}, extra={"templates/epub/chapter.xhtml": broken})
    result = run("check", str(root), "--validate", "-o", str(tmp_path / "bad"))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if ": error [" in line]
    assert any("[RSC-007]" in line for line in lines), result.output
    assert any("[image-alt]" in line for line in lines), result.output
    assert all(line.startswith(f"{root.as_posix()}/chapters/01.md") for line in lines), lines


@pytest.mark.slow
def test_new_creates_a_book_that_builds_and_validates(tmp_path):
    from conftest import epubcheck

    folder = tmp_path / "mybook"
    result = run("new", str(folder), "--title", 'A "Quoted" Title', "--author", "Ann Author", "--lang", "en-GB")
    assert result.exit_code == 0, result.output
    assert {p.name for p in folder.iterdir()} == {"book.yaml", "chapters", "images", "references.bib"}
    built = run("build", str(folder), "-q")
    assert built.exit_code == 0, built.output
    report = epubcheck(folder / "dist" / "a-quoted-title.epub")
    assert report["messages"] == []
    from folio import load_book

    book = load_book(folder)
    assert book.config.title == 'A "Quoted" Title' and book.config.lang == "en-GB"
    assert book.figures and book.chapters[-1].generated  # a figure and a bibliography
    assert sum(len(c.notes) for c in book.chapters) == 2  # the footnote and the citation note
    again = run("new", str(folder), "--title", "X", "--author", "Y")
    assert again.exit_code == 1 and "folder exists and is not empty" in again.output


@pytest.mark.slow
def test_notes_and_links_in_headings_stay_out_of_the_nav(make_book, tmp_path):
    from conftest import epubcheck

    root = make_book({"01.md": "# One^[title note] and [a link](#sec) {#one}\n\n## Section^[a note] with [a link](#one) []{#anchor} [x]{#y} {#sec}\n\nText.\n"})
    result = run("build", str(root), "-o", str(tmp_path), "--to", "epub")
    assert result.exit_code == 0, result.output
    assert epubcheck(tmp_path / "test-book.epub")["messages"] == []


def test_progress_is_reported_per_stage(make_book, tmp_path):
    from folio import build

    calls = []
    root = make_book({"01.md": GOOD["01.md"], "02.md": "# Two\n\nMore.\n"})
    build(root, tmp_path, ("pdf", "epub"), progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert [c for c in calls if c[0] == "read"] == [("read", 1, 2), ("read", 2, 2)]
    pages = [c for c in calls if c[0] == "pdf"]
    assert pages and pages[-1][1] == pages[-1][2] >= 5 and [p[1] for p in pages] == sorted(p[1] for p in pages)
    assert calls[-1] == ("epub", 1, 1)


def _processes(wanted) -> list[int]:
    """The pids of the processes whose /proc stat fields (after the name: state, parent,
    group, ...) satisfy `wanted` (Linux)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if wanted(fields):
            found.append(int(stat.parent.name))
    return found


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    return _processes(lambda fields: int(fields[1]) == pid)


@pytest.mark.slow
def test_a_killed_build_leaves_no_layout_worker_behind(tmp_path):
    """A build killed outright (SIGKILL) cannot tell its layout workers to stop; they must
    notice and end, with the forkserver they keep alive."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import CORPUS

    build = subprocess.Popen([str(Path(sys.executable).parent / "folio"), "build", str(CORPUS / "large"), "-o", str(tmp_path),
                              "--to", "pdf", "--no-cache", "-q"])
    left: list[int] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and build.poll() is None:
        servers = _children(build.pid)
        left = servers + [w for s in servers for w in _children(s)]
        if len(left) >= 3:  # the forkserver and its workers
            break
        time.sleep(0.2)
    assert len(left) >= 3, "the build started its layout workers"
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in left):
        time.sleep(0.2)
    alive = [pid for pid in left if Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]]
    assert not alive, f"processes left behind by the killed build: {alive}"


def _group_alive(group: int) -> list[int]:
    """The live (not zombie) processes of a process group."""
    return _processes(lambda fields: int(fields[2]) == group and fields[0] != "Z")


@pytest.mark.slow
def test_the_folio_command_exits_with_its_status_after_printing_everything(make_book, tmp_path):
    """The installed `folio` ends the process at once after a command (cli.run): what the
    command printed must still come out, with the command's exit status, and the layout
    workers it started must be gone."""
    import subprocess
    import sys
    import time

    folio = str(Path(sys.executable).parent / "folio")
    root = make_book(GOOD)
    out = tmp_path / "out"
    build = subprocess.Popen([folio, "build", str(root), "-o", str(out), "--no-cache"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    stdout, stderr = build.communicate(timeout=300)
    assert build.returncode == 0, stderr
    assert f"wrote {out / 'test-book.pdf'}" in stdout and f"wrote {out / 'test-book.epub'}" in stdout
    deadline = time.monotonic() + 3  # the workers are stopped before the exit; the forkserver follows its parent
    while _group_alive(build.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group_alive(build.pid), "processes of the folio command outlived it"

    (root / "chapters" / "01.md").write_text("# One\n\nSee @nobody2001.\n", encoding="utf-8")
    failed = subprocess.run([folio, "build", str(root), "-o", str(out)], capture_output=True, text=True)
    assert failed.returncode == 1
    assert "nobody2001" in failed.stderr and "nothing was written" in failed.stderr and "Traceback" not in failed.stderr

    usage = subprocess.run([folio, "build", str(root), "--to", "docx"], capture_output=True, text=True)
    assert usage.returncode == 2 and "docx" in usage.stderr and "Traceback" not in usage.stderr


def test_importing_folio_does_not_load_the_pipeline():
    """`import folio` (every command starts with it) leaves the transform and writers to be
    imported while pandoc reads the chapters (pipeline.load_book)."""
    import subprocess
    import sys

    code = "import sys, folio.cli; print(sorted(m for m in sys.modules if m.startswith('folio.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "folio.transform" not in loaded and "folio.render" not in loaded and "folio.writers" not in loaded, loaded
    assert "folio.cli" in loaded


@pytest.mark.slow
def test_timeout_ends_the_build_and_its_workers_within_seconds(tmp_path):
    """--timeout stops the build mid-layout: the command exits 1 with the message within a few
    seconds, writes nothing, and leaves no layout worker behind."""
    import subprocess
    import sys
    import time

    from conftest import CORPUS

    started = time.monotonic()
    build = subprocess.Popen([str(Path(sys.executable).parent / "folio"), "build", str(CORPUS / "large"), "-o", str(tmp_path),
                              "--to", "pdf", "--no-cache", "-q", "--timeout", "3"], stderr=subprocess.PIPE, text=True)
    workers: list[int] = []
    while build.poll() is None and time.monotonic() - started < 60:
        servers = _children(build.pid)
        workers = workers or servers + [w for s in servers for w in _children(s)]
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    assert build.returncode == 1 and elapsed < 7, elapsed  # the limit, and a few seconds at most to stop
    assert "took longer than 3 s and was stopped" in build.stderr.read()
    assert not list(tmp_path.glob("*.pdf"))
    time.sleep(2)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]]
    assert not alive, f"workers left behind: {alive}"
