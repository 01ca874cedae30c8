"""The hostile catalogue (tests/hostile.py), run as a new user's machine would meet it.

Every case is a book made by `folio new` and changed one way. All of them are built by one
driver process (tests/hostile_driver.py) that runs in a network namespace of its own
(`unshare --net`: nothing can leave the machine) under `strace -e trace=connect` (every
attempt to connect is noted, even one that would fail) and a memory limit, each build
with `--timeout 60`. Outside every book lie canary files holding a secret; the books name
them every way a book can. Then:

- every case ends in an error naming its file and line (exit 1, no traceback), or in a
  build whose EPUB passes EPUBCheck with no error and no warning and whose PDF reads back;
- after every failing case the last good outputs are byte for byte as they were, with no
  temporary left beside them;
- the secret appears in no output (PDF streams and EPUB members read decompressed), no
  cache file and no message;
- no connect() to any address but a local socket was made.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdf
import pytest
from conftest import epubcheck_many
from hostile import CASES, CHAPTER, SVG, Case
from PIL import Image, PngImagePlugin

from folio.source.cite import styles_folder

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
FOLIO = str(Path(sys.executable).parent / "folio")
SECRET = f"FOLIO-CANARY-{secrets.token_hex(8)}"
OUTPUTS = ("hostile.pdf", "hostile.epub")
MEMORY = 8 << 30  # bytes of data a process of the run may have (pandoc stops itself at 1 GB)


@dataclass
class Run:
    top: Path
    results: dict[str, dict]
    good: dict[str, str]  # output name -> SHA-256 of the last good build
    epubcheck: dict[str, tuple[int, int, int]]  # EPUB path -> (errors, warnings, fatal)
    epubcheck_log: str
    connects: list[str]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fill(value: str | bytes, tokens: dict[str, str]) -> str | bytes:
    for token, text in tokens.items():
        value = value.replace(token, text) if isinstance(value, str) else value.replace(token.encode(), text.encode())
    return value


def _canaries(outside: Path) -> None:
    outside.mkdir()
    (outside / "canary.txt").write_text(SECRET, encoding="utf-8")
    (outside / "canary.md").write_text(f"# Canary\n\n{SECRET}\n", encoding="utf-8")
    (outside / "canary.css").write_text(f"p::after {{ content: '{SECRET}'; }}\n", encoding="utf-8")
    (outside / "canary.bib").write_text(f"@book{{knuth1984, title = {{{SECRET}}}, author = {{X, Y}}, year = {{2000}}}}\n", encoding="utf-8")
    (outside / "canary.svg").write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><text id="x">{SECRET}</text></svg>')
    style = (styles_folder() / "chicago-notes-bibliography.csl").read_text(encoding="utf-8")
    (outside / "canary.csl").write_text(style.replace("<layout", f'<layout prefix="{SECRET} "', 1), encoding="utf-8")
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET)
    Image.new("RGB", (40, 30), "red").save(outside / "canary.png", pnginfo=info)
    (outside / "templates" / "print").mkdir(parents=True)
    (outside / "templates" / "print" / "book.html").write_text(f"<html><body>{SECRET}</body></html>", encoding="utf-8")
    (outside / "dist").mkdir()


def _make_case(case: Case, base: Path, good: Path, folder: Path, tokens: dict[str, str]) -> dict:
    book = folder / "book"
    shutil.copytree(base, book)
    yaml = (book / "book.yaml").read_text(encoding="utf-8")
    for old, new in case.yaml:
        new = str(_fill(new, tokens))
        if old:
            assert old in yaml, (case.id, old)
            yaml = yaml.replace(old, new, 1)
        else:
            yaml += new
    (book / "book.yaml").write_text(yaml, encoding="utf-8")
    for name, content in case.files.items():
        path = book / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content == "FIFO":
            os.mkfifo(path)
        elif isinstance(content, bytes) and content[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: filled as text
            path.write_bytes(str(_fill(content.decode("utf-16"), tokens)).encode("utf-16"))
        else:
            path.write_bytes(_fill(content.encode("utf-8") if isinstance(content, str) else content, tokens))
    for name, target in case.links.items():
        path = book / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(str(_fill(target, tokens)))
    default_out = "--no-output-option" in case.args
    out = (tokens["@OUTSIDE@"] + "/dist") if "dist" in case.links else (book / "dist" if default_out else folder / "out")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUTS:  # the last good outputs, which a failing build must leave as they are
        shutil.copy2(good / name, out / name)
    if case.ship_cache:  # the good build's cache, each sealed file changed as a forger would
        shutil.copytree(good / ".folio-cache", out / ".folio-cache")
        for path in (out / ".folio-cache").rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                path.write_bytes(data.replace(b'"Write"', f'"{SECRET}"'.encode()).replace(b"The First Chapter", SECRET.encode()[:17]))
        for path in good.glob(".folio-build*"):
            shutil.copy2(path, out / path.name)
    return {"id": case.id, "dir": str(folder), "default_out": default_out, "out": str(out)}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    assert shutil.which("unshare") and shutil.which("strace") and shutil.which("prlimit"), \
        "the catalogue needs util-linux (unshare, prlimit) and strace: scripts/setup.sh --test installs them"
    top = tmp_path_factory.mktemp("hostile")
    outside = top / "outside"
    _canaries(outside)
    base, good = top / "base", top / "good"
    subprocess.run([FOLIO, "new", str(base), "--title", "Hostile", "--author", "Ann Author", "--lang", "en-US"],
                   check=True, capture_output=True)
    subprocess.run([FOLIO, "build", str(base), "-o", str(good)], check=True, capture_output=True)
    tokens = {"@CANARY_URI@": (outside / "canary.txt").as_uri(), "@CANARY_PNG@": str(outside / "canary.png"),
              "@CANARY@": str(outside / "canary.txt"), "@OUTSIDE@": str(outside), "@SECRET@": SECRET}
    inner = SVG.format(f'<image xlink:href="{tokens["@CANARY_URI@"]}" width="5" height="5"/>')
    tokens["@INNER_FILE@"] = base64.b64encode(inner.encode()).decode()
    cases = [_make_case(case, base, good, top / "cases" / case.id, tokens) for case in CASES]
    spec, results, log = top / "spec.json", top / "results.json", top / "connect.log"
    spec.write_text(json.dumps({"cases": cases}), encoding="utf-8")
    done = subprocess.run(["unshare", "--user", "--map-root-user", "--net",
                           "strace", "-f", "--seccomp-bpf", "-qq", "-e", "trace=connect", "-o", str(log),
                           "prlimit", f"--data={MEMORY}", sys.executable, str(HERE / "hostile_driver.py"), str(spec), str(results),
                           "--jobs", "2"],  # (two drivers side by side: a case mostly waits on one core)
                          capture_output=True, text=True, timeout=1500, cwd=top, env={**os.environ, "PYTHONPATH": str(HERE)})
    assert results.is_file(), done.stderr[-3000:]
    outcome = json.loads(results.read_text(encoding="utf-8"))
    assert done.returncode == 0 and len(outcome) == len(CASES), done.stderr[-3000:]
    epubs = [Path(c["out"]) / "hostile.epub" for c in cases if outcome[c["id"]]["code"] == 0]
    broken = top / "broken.epub"  # the check must be able to fail: an EPUB without its package document
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
    verdicts, epubcheck_log = epubcheck_many([*epubs, broken])
    assert verdicts.get(str(broken), (0, 0, 0))[0] + verdicts.get(str(broken), (0, 0, 0))[2] > 0, epubcheck_log[-2000:]
    connects = [line for line in log.read_text().splitlines() if "connect(" in line and "AF_UNIX" not in line]
    return Run(top, outcome, {name: _digest(good / name) for name in OUTPUTS}, verdicts, epubcheck_log, connects)


def test_the_catalogue_covers_the_classes_with_at_least_a_hundred_cases():
    assert len(CASES) >= 100 and len({c.id for c in CASES}) == len(CASES)
    security = (HERE.parent / "docs" / "security.md").read_text(encoding="utf-8")
    for kind in sorted({c.kind for c in CASES}):
        assert f"`{kind}`" in security, f"docs/security.md does not list the catalogue's class {kind}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_ends_in_an_error_at_its_line_or_a_correct_book(run, case):
    result = run.results[case.id]
    output = result["output"]
    assert not result["traceback"] and "Traceback" not in output, result["traceback"] or output
    folder = run.top / "cases" / case.id
    out = Path(json.loads((run.top / "spec.json").read_text())["cases"][[c.id for c in CASES].index(case.id)]["out"])
    if case.expect == "error":
        assert result["code"] == 1, output
        errors = [line for line in output.splitlines() if not line.startswith("folio:") and ": warning:" not in line]
        assert errors, output
        assert errors[0].startswith(f"book/{case.where}:"), f"expected book/{case.where}: first, got:\n{output}"
        for line in errors:
            assert re.match(r"^(book/[^:\s]+|--timeout)(:\d+)*: \S", line), f"an error without its place: {line}"
        assert {name: _digest(out / name) for name in OUTPUTS} == run.good, "a failed build changed the last good outputs"
        assert not list(out.glob(".folio-tmp.*.tmp")), "a failed build left a temporary"
    else:
        assert result["code"] == 0, output
        epub = out / "hostile.epub"
        errors, warnings, fatal = run.epubcheck[str(epub)]
        assert (errors, warnings, fatal) == (0, 0, 0), [l for l in run.epubcheck_log.splitlines() if str(epub) in l][:10]
        assert len(pypdf.PdfReader(out / "hostile.pdf").pages) > 0
        assert not list(out.glob(".folio-tmp.*.tmp"))
    if case.id == "dist-stale-lookalike":
        assert (folder / "book" / "dist" / ".folio-tmp.keep.txt").read_text() == "not a temporary of folio's: kept"


def _holds_secret(path: Path) -> bool:
    data = path.read_bytes()
    if SECRET.encode() in data:
        return True
    if data[:2] == b"PK":
        with zipfile.ZipFile(path) as archive:
            return any(SECRET.encode() in archive.read(name) for name in archive.namelist())
    if data[:5] == b"%PDF-":
        with pikepdf.open(path) as pdf:
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Stream):
                    try:
                        if SECRET.encode() in obj.read_bytes():
                            return True
                    except pikepdf.PdfError:
                        continue
    return False


def test_the_secret_is_in_no_output_cache_or_message(run):
    holding = []
    for folder in [*(run.top / "cases").iterdir(), run.top / "outside" / "dist"]:
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink() and "book" not in path.relative_to(folder).parts[:1] or \
                    path.is_file() and not path.is_symlink() and path.relative_to(folder).parts[:2] == ("book", "dist"):
                if _holds_secret(path):
                    holding.append(str(path.relative_to(run.top)))
    assert holding == []
    assert [case for case, result in run.results.items() if SECRET in result["output"]] == []
    assert not (run.top / "outside" / "pwned").exists()
    assert not list((run.top / "outside" / "dist").iterdir()) or \
        {p.name for p in (run.top / "outside" / "dist").iterdir()} == set(OUTPUTS)  # the linked dist: only what was put there


def test_no_case_connects_to_anything(run):
    assert run.connects == []
    assert any(c.kind == "network" for c in CASES)


def test_the_chapter_of_the_new_book_is_where_the_cases_expect_it(tmp_path):
    """The cases name lines of `folio new`'s book: fail here first if it changes."""
    from folio.starter import create_book

    create_book(tmp_path / "b", "Hostile", "Ann Author", "en-US", 2026)
    assert (tmp_path / "b" / CHAPTER).read_text(encoding="utf-8").startswith("# The First Chapter {#first-chapter}\n\n")
    lines = (tmp_path / "b" / "book.yaml").read_text(encoding="utf-8").splitlines()
    assert (lines[8], lines[12], lines[13], lines[14], lines[22]) == (
        "date: 2026", "cover-image: images/cover.png", "bibliography: references.bib",
        "csl: chicago-notes-bibliography       # or apa, modern-language-association, ... or a .csl file in the book",
        "  - chapters/01-first-chapter.md")


def test_the_watches_can_see_what_they_watch_for(tmp_path):
    """The secret is found inside a deflated EPUB member and a compressed PDF stream, and a
    connect() made in the namespace is in strace's log."""
    epub = tmp_path / "a.epub"
    with zipfile.ZipFile(epub, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("EPUB/x.xhtml", f"<p>{SECRET}</p>" * 50)
    pdf = tmp_path / "a.pdf"
    with pikepdf.new() as document:
        document.add_blank_page()
        document.pages[0].Contents = document.make_stream(f"BT ({SECRET}) Tj ET".encode() * 20)
        document.save(pdf, compress_streams=True)
    assert SECRET.encode() not in pdf.read_bytes() and _holds_secret(pdf) and _holds_secret(epub)
    log = tmp_path / "connect.log"
    subprocess.run(["unshare", "--user", "--map-root-user", "--net", "strace", "-f", "--seccomp-bpf", "-qq", "-e", "trace=connect",
                    "-o", str(log), sys.executable, "-c", "import socket\ntry: socket.create_connection(('127.0.0.1', 9), 1)\nexcept OSError: pass"],
                   check=True, timeout=60)
    assert [line for line in log.read_text().splitlines() if "connect(" in line and "AF_INET" in line]
