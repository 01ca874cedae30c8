"""folio/weasy/patches.py: every use of WeasyPrint's internals is probed, and a failed probe
gives the same pages more slowly, said once, never a traceback.

The fast tests run the probes against the installed WeasyPrint (all pass on the pinned
one) and against a WeasyPrint changed under them (each fails). The slow ones build a book
in a fresh `folio` process with one entry forced off (FOLIO_PROBES_FAIL) and compare every
page with a build that has them all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest
from conftest import write_book
from test_speedups import TRICKY, _decoded

from folio.weasy import patches
from folio.weasy.patches import BY_NAME, ENTRIES, probe

FOLIO = str(Path(sys.executable).parent / "folio")


@pytest.fixture(autouse=True)
def _speedups_wanted(monkeypatch):
    monkeypatch.delenv("FOLIO_SPEEDUPS", raising=False)
    monkeypatch.delenv("FOLIO_PROBES_FAIL", raising=False)
    assert not patches._STATUS, "no test installs the patches in the test process (they are for layout workers)"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_every_probe_passes_on_the_installed_weasyprint(entry):
    assert probe(entry) is None


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.sources], ids=lambda e: e.name)
def test_a_function_whose_code_changed_fails_its_probe(entry, monkeypatch):
    """A WeasyPrint whose copied or relied-on function is not the one the entry was written
    for (here: the same function behind a wrapper, as a new release would change it)."""
    dotted = next(iter(entry.sources))
    owner_name, _, attribute = dotted.rpartition(".")
    owner = patches._resolve(owner_name)
    original = getattr(owner, attribute)

    def changed(*args, **kwargs):
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, attribute, changed)
    reason = probe(entry)
    assert reason == f"{dotted} is not the code it was written for"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_a_missing_name_fails_its_probe(entry, monkeypatch):
    dotted = entry.needs[-1]
    owner_name, _, attribute = dotted.rpartition(".")
    monkeypatch.delattr(patches._resolve(owner_name), attribute)
    reason = probe(entry)
    assert reason is not None and attribute in reason


def test_speedups_off_leaves_the_features_on(monkeypatch):
    monkeypatch.setenv("FOLIO_SPEEDUPS", "off")
    assert {e.name: probe(e) for e in ENTRIES if e.speedup} == {e.name: "FOLIO_SPEEDUPS=off" for e in ENTRIES if e.speedup}
    assert all(probe(e) is None for e in ENTRIES if not e.speedup)


def test_the_table_says_what_is_off_and_what_replaces_it():
    state = {e.name: "on" for e in ENTRIES} | {"draw-text": "off: Pango 1.46 is older than 1.48.2"}
    lines = patches.describe(state)
    assert len(lines) == len(ENTRIES)
    [line] = [line for line in lines if line.startswith("draw-text")]
    assert "off" in line and "Pango 1.46" in line and BY_NAME["draw-text"].fallback in line


@pytest.mark.slow
def test_importing_and_building_with_folio_leaves_weasyprint_unpatched(tmp_path):
    """A program that calls folio.build() gets WeasyPrint as it is: the patches are
    installed in folio's layout workers only."""
    book = write_book(tmp_path / "book", {"01.md": "# One\n\nA paragraph of text.\n"})
    script = f"""
import json, folio
from folio.weasy import patches
result = folio.build({str(book)!r}, {str(tmp_path / 'out')!r}, ("pdf",), use_cache=False)
changed = [e.name for e in patches.ENTRIES for dotted, digest in e.sources.items() if patches.source_hash(dotted) != digest]
print(json.dumps({{"changed": changed, "engine": result.engine}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["changed"] == []  # this process's WeasyPrint is untouched
    assert set(report["engine"].values()) == {"on"}  # and the workers' has every patch


def _build(book: Path, out: Path, forced_off: str = "", formats: str = "pdf") -> subprocess.CompletedProcess:
    env = {**os.environ, "FOLIO_PROBES_FAIL": forced_off}
    return subprocess.run([FOLIO, "build", str(book), "-o", str(out), "--to", formats, "--no-cache"],
                          env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The TRICKY book (notes, a table, a glyph no font has) built with every entry on."""
    folder = tmp_path_factory.mktemp("probes")
    book = write_book(folder / "book", {"01.md": TRICKY, "02.md": "# Two\n\nMore text, and a note.[^a]\n\n[^a]: A note.\n"})
    done = _build(book, folder / "all", formats="pdf,epub")
    assert done.returncode == 0, done.stderr
    return book, folder


# each entry that changes what is made alone; the speed-ups (the same pages by design) all at once
CASES = [e.name for e in ENTRIES if not e.speedup] + [",".join(e.name for e in ENTRIES if e.speedup)]


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_a_failed_probe_gives_the_same_pages_said_once(reference, name, tmp_path):
    book, folder = reference
    done = _build(book, tmp_path / "off", name, formats="pdf,epub")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    said = [line for line in done.stderr.splitlines() if "WeasyPrint patches are off" in line]
    assert len(said) == 1 and all(f"{one}" in said[0] for one in name.split(",")), said
    [pdf] = (tmp_path / "off").glob("*.pdf")
    [old] = (folder / "all").glob("*.pdf")
    with pikepdf.open(old) as a, pikepdf.open(pdf) as b:
        if name in ("hyphen-limit", "hyphen-words", "page-depth"):  # their fallbacks set other pages: stacked hyphens
            assert len(b.pages) > 0  # mended paragraph by paragraph; capitalised words hyphenated; pages of uneven depth
        else:
            assert _decoded(a) == _decoded(b)
    [epub] = (tmp_path / "off").glob("*.epub")
    with zipfile.ZipFile(epub) as archive:
        nav = archive.read("EPUB/nav.xhtml").decode("utf-8")
    assert ('epub:type="page-list"' in nav) == (name != "boxes")  # no page boxes read: no print page-list
