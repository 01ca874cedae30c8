"""The wheel holds the theme: a folio installed from it (not editable) builds a book.

The wheel is built from this checkout without build isolation (nothing is downloaded),
installed without its dependencies into a fresh virtual environment, which borrows the
dependencies from the test environment's site-packages by a plain path entry (so the
editable install of this checkout is not seen), and builds a book from `folio new`."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from pdfprobe import PdfProbe

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_a_folio_installed_from_its_wheel_builds_a_book(tmp_path):
    dist = tmp_path / "dist"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                           "-w", str(dist), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    [wheel] = dist.glob("folio-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    theme = {p.relative_to(ROOT).as_posix() for folder in ("templates", "styles") for p in (ROOT / folder).rglob("*") if p.is_file()}
    assert {f"folio/{name}" for name in theme} <= names  # every template, style sheet and font
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "folio").rglob("*.py")}
    assert modules <= names, sorted(modules - names)  # every module of every stage

    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    where = subprocess.run([str(python), "-c", "import folio, folio.theme as t; print(folio.__file__); print(t.DEFAULT_TEMPLATES)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout.split()
    assert all(Path(p).is_relative_to(site) for p in where), where  # the installed folio and its own theme

    folio = env_dir / "bin" / "folio"
    book = tmp_path / "mybook"
    subprocess.run([str(folio), "new", str(book), "--title", "Wheel Book", "--author", "A. Writer", "--lang", "en-US"],
                   check=True, capture_output=True, cwd=tmp_path)
    done = subprocess.run([str(folio), "build", str(book), "-q"], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    probe = PdfProbe(book / "dist" / "wheel-book.pdf")
    assert probe.pages >= 6
    assert any("Gentium" in name for name in probe.fonts())  # the bundled font came from the wheel
    assert (book / "dist" / "wheel-book.epub").stat().st_size > 1000
