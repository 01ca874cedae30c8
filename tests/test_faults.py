"""Faults of the machine, not the book: a full disk, a read-only output folder, an output that
fails after another was written. Each is an error naming the file, without a traceback, and
every earlier output is left byte for byte as it was, with no temporary behind.

The disk and the folder are real: the build runs in a user and mount namespace (`unshare`,
from util-linux) over a small tmpfs or a read-only bind mount of the output folder."""

from __future__ import annotations

import errno
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_book

from folio import build
from folio.errors import FolioError

pytestmark = pytest.mark.slow

FOLIO = str(Path(sys.executable).parent / "folio")


def _book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "book", {"01.md": "# One\n\nText of the first build.\n"})


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _in_namespace(script: str) -> subprocess.CompletedProcess:
    assert shutil.which("unshare"), "util-linux's unshare is needed (scripts/setup.sh --test installs it)"
    return subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-euc", script],
                          capture_output=True, text=True, timeout=300)


def _edit(book: Path) -> None:
    chapter = book / "chapters" / "01.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nAn edit the failed build would have shipped.\n", encoding="utf-8")


@pytest.mark.parametrize("fault", ["full disk", "read-only folder"])
def test_a_fault_while_writing_names_the_file_and_keeps_the_last_outputs(tmp_path, fault):
    book = _book(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    # the first build and the second run on one filesystem mounted over the output folder
    first = f'"{FOLIO}" build "{book}" -o "{out}" --no-cache'
    if fault == "full disk":
        fill = f'head -c $(( $(stat -f -c "%a * %S" "{out}") - 8192 )) /dev/zero > "{out}/filler" || true'
        fault_setup = f'mount -t tmpfs -o size=2m tmpfs "{out}" && {first} && sha256sum "{out}"/*.pdf "{out}"/*.epub > "{tmp_path}/before" && {fill}'
    else:
        fault_setup = f'{first} && sha256sum "{out}"/*.pdf "{out}"/*.epub > "{tmp_path}/before" && mount --bind "{out}" "{out}" && mount -o remount,bind,ro "{out}"'
    script = (f'{fault_setup}\n'
              f'printf "\\nAn edit the failed build would have shipped.\\n" >> "{book}/chapters/01.md"\n'
              f'set +e; "{FOLIO}" build "{book}" -o "{out}" --no-cache 2> "{tmp_path}/stderr"; echo $? > "{tmp_path}/code"; set -e\n'
              f'sha256sum "{out}"/*.pdf "{out}"/*.epub > "{tmp_path}/after"; ls -A "{out}" > "{tmp_path}/listing"')
    done = _in_namespace(script)
    assert done.returncode == 0, done.stderr
    stderr = (tmp_path / "stderr").read_text()
    assert (tmp_path / "code").read_text().strip() == "1", stderr
    assert "Traceback" not in stderr
    cause = "No space left on device" if fault == "full disk" else "Read-only file system"
    assert f"cannot write this file: {cause}; no output was replaced" in stderr, stderr
    assert str(out) in stderr  # the file is named
    assert (tmp_path / "after").read_text() == (tmp_path / "before").read_text()
    assert not [n for n in (tmp_path / "listing").read_text().split() if n.startswith(".folio-tmp.")]


def test_an_output_that_fails_after_another_was_written_replaces_neither(tmp_path, monkeypatch):
    """The PDF is written, then the EPUB fails: the PDF of the last build stays, not the new one."""
    book = _book(tmp_path)
    out = tmp_path / "out"
    build(book, out, ("pdf", "epub"))
    before = _digests(out)
    _edit(book)
    from folio.epub import writer

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "test-book.epub"))

    monkeypatch.setattr(writer, "write_epub", full)
    with pytest.raises(FolioError) as caught:
        build(book, out, ("pdf", "epub"))
    assert [d.format() for d in caught.value.diagnostics] == [
        f"{out / 'test-book.epub'}: cannot write this file: No space left on device; no output was replaced"]
    assert _digests(out) == before
    assert not list(out.glob(".folio-tmp.*"))
