"""A publisher's catalogue on Dask: catalogue.yaml, a real scheduler and two real workers on
127.0.0.1, outputs equal to `folio build`'s byte for byte, a worker killed in the middle,
incremental rebuilds after a house theme's change, failures that stay with their book."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner
from conftest import CORPUS, SAMPLE, built, epubcheck_many, write_book

from folio import build
from folio.catalogue.run import build_catalogue
from folio.catalogue.spec import load_catalogue
from folio.cli import main

HOUSE_CSS = "/* Example Press */\nh1 { color: #8b0000; }\n"


def _house(folder: Path, css: str = HOUSE_CSS) -> Path:
    (folder / "styles").mkdir(parents=True, exist_ok=True)
    (folder / "styles" / "house.css").write_text(css, encoding="utf-8")
    return folder


def _small_book(folder: Path, title: str, paragraphs: int = 6) -> Path:
    text = "\n\n".join(f"Paragraph {n} of {title}, which says a little about the house and its books." for n in range(paragraphs))
    return write_book(folder, {"01-one.md": f"# One\n\n{text}\n", "02-two.md": f"# Two\n\n{text}\n"},
                      yaml=f"title: {title}\nauthor: [Ann Author]\nlang: en\nidentifier: urn:uuid:6a1b{len(title):04d}-1a0e-4c53-9d4b-8f0f3f0d7d2e\n"
                           "chapters:\n  - chapters/01-one.md\n  - chapters/02-two.md\n")


# -- catalogue.yaml -------------------------------------------------------------------------------

def test_every_problem_of_a_catalogue_is_named_at_its_line_and_column(tmp_path):
    _small_book(tmp_path / "books" / "a", "A")
    (tmp_path / "catalogue.yaml").write_text(
        "title: Spring\nprofiles: [print, kpd]\nformats: pdf\ntimeout: -3\ncolour: red\n"
        "books:\n  - books/*\n  - books/missing\n  - path: books/a\n    houze: x\n  - nothing/*\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["catalogue", "build", str(tmp_path / "catalogue.yaml")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert "catalogue.yaml:2:19: profiles: unknown 'kpd' (did you mean 'kdp'?) (choose from print, proof, kdp, ingram, screen)" in lines
    assert "catalogue.yaml:4:10: timeout: a whole number of seconds, 1 or more" in lines
    assert "catalogue.yaml:5:1: unknown key 'colour'" in lines
    assert "catalogue.yaml:8:5: books: 'books/missing' is not a book folder (it has no book.yaml)" in lines
    assert "catalogue.yaml:10:5: unknown key 'houze' of a book (did you mean 'house'?)" in lines
    assert "catalogue.yaml:11:5: books: 'nothing/*' names no folder with a book.yaml" in lines
    assert "catalogue.yaml:9:11: books: a is listed twice (first at line 7)" in lines
    assert "Traceback" not in result.output


def test_globs_books_of_the_same_name_and_their_own_settings(tmp_path):
    for series in ("spring", "autumn"):
        _small_book(tmp_path / series / "poems", series)
    _small_book(tmp_path / "other", "Other")
    _house(tmp_path / "house")
    (tmp_path / "catalogue.yaml").write_text(
        "house: house\nprofiles: [print, kdp]\noutput: out\nbooks:\n  - '*/poems'\n  - path: other\n    house: false\n    profiles: [screen]\n",
        encoding="utf-8")
    catalogue = load_catalogue(tmp_path / "catalogue.yaml")
    assert [(b.name, b.house is not None, b.profiles) for b in catalogue.books] == [
        ("autumn-poems", True, ("print", "kdp")), ("spring-poems", True, ("print", "kdp")), ("other", False, ("screen",))]
    assert catalogue.output == (tmp_path / "out").resolve() and catalogue.houses == ((tmp_path / "house").resolve(),)


def test_a_scheduler_that_cannot_be_reached_is_an_error_that_names_it(tmp_path, monkeypatch):
    import folio.catalogue.run

    monkeypatch.setattr(folio.catalogue.run, "CONNECT_TIMEOUT", "1s")
    _small_book(tmp_path / "a", "A")
    (tmp_path / "catalogue.yaml").write_text("books: [a]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["catalogue", "build", str(tmp_path / "catalogue.yaml"), "--scheduler", f"tcp://127.0.0.1:{_free_port()}"])
    assert result.exit_code == 1 and "--scheduler: cannot reach the Dask scheduler at tcp://127.0.0.1:" in result.output
    assert "Traceback" not in result.output


def test_a_book_s_build_takes_the_client_s_source_date_epoch_not_the_worker_s(monkeypatch):
    from folio.catalogue.task import TaskSpec, _environment

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1")  # the worker's
    spec = TaskSpec("book", "book", "print", ("pdf",), None, 60, False, None)
    assert "SOURCE_DATE_EPOCH" not in _environment(spec)
    assert _environment(TaskSpec(*list(spec.__dict__.values())[:-1], "1700000000"))["SOURCE_DATE_EPOCH"] == "1700000000"


def test_a_house_theme_s_style_sheets_come_first_and_are_checked_as_a_book_s(tmp_path):
    from folio.errors import Reporter
    from folio.source.styles import book_styles

    book = _small_book(tmp_path / "book", "Book")
    (book / "styles").mkdir()
    (book / "styles" / "own.css").write_text("p { margin: 0; }\n", encoding="utf-8")
    house = _house(tmp_path / "house", '@import "x.css";\nbody { background: url("../../secret.png"); }\n'
                                        '@font-face { font-family: H; src: url("fonts/h.ttf"); }\n')
    (house / "styles" / "fonts").mkdir()
    (house / "styles" / "fonts" / "h.ttf").write_bytes(b"\0")
    report = Reporter()
    styles = book_styles(book, report, house)
    assert [s.shown for s in styles] == ["house/styles/house.css", "styles/own.css"]
    assert [d.format() for d in report.items] == [
        "house/styles/house.css:1: @import is not allowed: list every style sheet in styles/ instead",
        "house/styles/house.css:2: url(): '../../secret.png' points outside the house theme folder"]
    assert [(r.key, r.path.name) for r in styles[0].resources] == [("_house/styles/fonts/h.ttf", "h.ttf")]
    assert 'url("../_house/styles/fonts/h.ttf")' in styles[0].epub_text


def test_a_house_theme_that_is_not_one_is_an_error(tmp_path):
    book = _small_book(tmp_path / "book", "Book")
    (tmp_path / "empty").mkdir()
    for house, message in ((tmp_path / "none", "no such house theme folder"), (tmp_path / "empty", "it has neither")):
        result = CliRunner().invoke(main, ["build", str(book), "--house", str(house), "-q"])
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


# -- on a real Dask cluster ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1, each in a process group of its own."""

    def __init__(self, folder: Path):
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        self.env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
        self.log = folder
        self.scheduler = self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", self.address.rsplit(":", 1)[1],
                                                   "--no-dashboard"])
        self.workers = {name: self._worker(name) for name in ("w1", "w2")}
        from distributed import Client

        self.client = Client(self.address, timeout="60s")
        self.client.wait_for_workers(2, timeout=120)

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.log / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=log, stderr=log, env=self.env, start_new_session=True)

    def _worker(self, name: str) -> subprocess.Popen:
        return self._start(name, ["worker", self.address, "--name", name, "--nthreads", "1", "--host", "127.0.0.1",
                                  "--memory-limit", "6GiB", "--no-dashboard"])

    def worker_running(self, fragment: str) -> str | None:
        """The name of the worker processing a task whose key holds `fragment`."""
        info = self.client.scheduler_info()["workers"]
        for address, keys in self.client.processing().items():
            if any(fragment in str(key) for key in keys):
                return info[address]["name"]
        return None

    def kill(self, name: str) -> None:
        os.killpg(self.workers[name].pid, signal.SIGKILL)  # the nanny and its worker: the worker dies for good
        self.workers[name].wait()

    def close(self) -> None:
        self.client.close()
        for process in [*self.workers.values(), self.scheduler]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = Cluster(tmp_path_factory.mktemp("dask"))
    yield running
    running.close()


def _outputs(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.suffix in (".pdf", ".epub")}


@pytest.mark.slow
def test_a_catalogue_on_a_dask_cluster_survives_a_killed_worker_validates_and_rebuilds_what_a_theme_change_touches(
        cluster, tmp_path, tmp_path_factory):
    """Six books (the sample, the small and the illustrated corpus books, validated by the
    catalogue; three generated ones with the house theme, `validate: false`, their EPUBs checked
    afterwards in one EPUBCheck run): each output equal byte for byte to `folio build` of the
    book alone; the worker building the illustrated book is killed with -9 in the middle, and
    Dask builds it on the other; no temporary file is left in the output root; EPUBCheck and Ace
    find nothing in any EPUB (for the three corpus books, this is their validation: their EPUBs
    are the session's builds, byte for byte). Then the house theme changes: exactly the three
    books that use it are built again, the others are unchanged. (The large book's EPUB is
    validated in test_outputs.py; bench/catalogue.py builds it in a catalogue too and compares.)"""
    house = _house(tmp_path / "house")
    generated = [_small_book(tmp_path / "books" / name, name.title()) for name in ("alpha", "beta", "gamma")]
    (tmp_path / "catalogue.yaml").write_text(
        "title: Test press\noutput: out\nhouse: house\nvalidate: true\nbooks:\n  - path: books/*\n    validate: false\n"
        + "".join(f"  - path: {path}\n    house: false\n" for path in (SAMPLE, CORPUS / "small", CORPUS / "illustrated")),
        encoding="utf-8")
    catalogue = load_catalogue(tmp_path / "catalogue.yaml")
    references = {name: built(name, tmp_path_factory) for name in ("sample", "small", "illustrated")}  # before the clock starts
    killed: list[str] = []

    def kill_the_illustrated_book_s_worker() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            name = cluster.worker_running("folio-illustrated-")
            if name:
                time.sleep(3)  # in the middle of its layout
                cluster.kill(name)
                killed.append(name)
                return
            time.sleep(0.1)

    killer = threading.Thread(target=kill_the_illustrated_book_s_worker)
    killer.start()
    result = build_catalogue(catalogue, scheduler=cluster.address)
    killer.join()
    assert killed, "the illustrated book's task was never seen running"
    assert [(r["name"], r["status"], r["diagnostics"]) for r in result.rows if r["status"] != "built"] == []
    assert len(result.rows) == 6 and all(r["worker"] for r in result.rows)
    for row in result.rows:
        found = {name: (v["errors"], v["warnings"], v["findings"]) for name, v in (row["validation"] or {}).items()}
        expected = {"epubcheck": (0, 0, []), "ace": (0, 0, [])} if row["name"] in ("book", "small", "illustrated") else {}
        assert found == expected, (row["name"], found)  # (the generated books: `validate: false`)
    out = catalogue.output
    assert not [p for p in out.rglob("*") if p.name.startswith(".folio-tmp")]
    for name, reference in references.items():
        folder = out / ("book" if name == "sample" else name)
        assert _outputs(folder) == {reference.pdf.name: reference.pdf.read_bytes(), reference.epub.name: reference.epub.read_bytes()}
    for book in generated:
        alone = build(book, tmp_path / "alone" / book.name, house=house, use_cache=False)
        assert _outputs(out / book.name) == {p.name: p.read_bytes() for p in alone.outputs.values()}
    verdicts, log = epubcheck_many([out / book.name / f"{book.name}.epub" for book in generated])  # (one Java for the three)
    assert sorted(verdicts.values()) == [(0, 0, 0)] * 3, log[-2000:]
    assert result.dashboard is None  # (the scheduler runs without one: none is printed)
    with zipfile.ZipFile(out / "alpha" / "alpha.epub") as epub:
        assert HOUSE_CSS in epub.read("EPUB/css/book.css").decode("utf-8")  # the house theme's sheet
    with pdfplumber.open(out / "alpha" / "alpha.pdf") as pdf:  # and in print: the chapter titles in the house's red
        colours = {tuple(round(v, 2) for v in c["non_stroking_color"]) for page in pdf.pages for c in page.chars if c["size"] > 14}
    assert (0.55, 0.0, 0.0) in colours, colours
    report = json.loads((out / "catalogue-report.json").read_text(encoding="utf-8"))
    assert report["counts"] == {"built": 6, "unchanged": 0, "failed": 0}
    assert all(row["pages"] and row["words"] for row in report["books"])
    html = (out / "catalogue-report.html").read_text(encoding="utf-8")
    assert html.count('<td class="status built">') == 6 and 'href="illustrated/we.pdf"' in html and "<script" not in html

    _house(house, HOUSE_CSS + "p { hyphens: manual; }\n")
    again = build_catalogue(catalogue, scheduler=cluster.address)
    assert sorted((r["name"], r["status"]) for r in again.rows) == [
        ("alpha", "built"), ("beta", "built"), ("book", "unchanged"), ("gamma", "built"), ("illustrated", "unchanged"),
        ("small", "unchanged")]


@pytest.mark.slow
def test_a_failing_book_a_late_one_and_a_greedy_one_fail_alone_and_the_catalogue_exits_non_zero(cluster, tmp_path):
    """On the same cluster, through the command line: a book with an error (reported with its
    file and line), one over the time limit, and, with a memory limit, the large book over it;
    the small books around them are built, and `folio catalogue build` exits 1."""
    _small_book(tmp_path / "good", "Good")
    broken = _small_book(tmp_path / "broken", "Broken")
    (broken / "chapters" / "02-two.md").write_text("# Two\n\nSee @missing-key and [a link](#nowhere).\n", encoding="utf-8")
    (tmp_path / "catalogue.yaml").write_text(
        f"output: out\ntimeout: 1\nbooks:\n  - good\n  - broken\n  - {CORPUS / 'small'}\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["catalogue", "build", str(tmp_path / "catalogue.yaml"), "--scheduler", cluster.address, "--timeout", "3"])
    assert result.exit_code == 1, result.output
    report = json.loads((tmp_path / "out" / "catalogue-report.json").read_text(encoding="utf-8"))
    rows = {row["name"]: row for row in report["books"]}
    assert rows["good"]["status"] == "built" and rows["broken"]["status"] == "failed" and rows["small"]["status"] == "failed"
    assert any("chapters/02-two.md:3" in d for d in rows["broken"]["diagnostics"]), rows["broken"]["diagnostics"]
    assert any("took longer than 3 s" in d for d in rows["small"]["diagnostics"]), rows["small"]["diagnostics"]
    assert "Traceback" not in result.output and "broken (print): failed" in result.output

    (tmp_path / "catalogue.yaml").write_text(f"output: out2\nbooks:\n  - good\n  - {CORPUS / 'large'}\n", encoding="utf-8")
    greedy = build_catalogue(load_catalogue(tmp_path / "catalogue.yaml"), scheduler=cluster.address, memory_limit=450 * 2**20)
    rows = {row["name"]: row for row in greedy.rows}
    assert rows["good"]["status"] == "built" and rows["large"]["status"] == "failed"
    assert any("more than the memory limit of 450 MiB" in d for d in rows["large"]["diagnostics"]), rows["large"]["diagnostics"]
