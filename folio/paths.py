"""Containment and atomic writes: how folio touches the file system.

In: a root folder (the book or the theme) and a path an author wrote.
Out: a resolved `Path` guaranteed to be a regular file inside the root, or an
error message saying why not; and `atomic_write`, which replaces an output file
only once its new content is complete.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

TEMPORARY_PREFIX = ".folio-tmp."  # atomic_write's temporaries, the only files clean_stale_temporaries removes
MAX_FILE_BYTES = 200 * 1024 * 1024  # no book input (image, chapter, font) is larger


class ContainmentError(ValueError):
    """A path that leaves its root, is not a regular file, or does not exist; `kind` says
    which: "outside", "missing" or "refused" (a URL, an absolute path, not a readable file)."""

    def __init__(self, message: str, kind: str = "refused"):
        super().__init__(message)
        self.kind = kind


def contained(root: Path, relative: str, *, must_exist: bool = True) -> Path:
    """Resolve `relative` against `root`; refuse anything that leaves `root`.

    Symlinks are resolved first, so a link pointing outside the root is refused
    like ``../``. Absolute paths and URLs are refused outright.
    """
    if not relative or not relative.strip():
        raise ContainmentError("empty path")
    if "\x00" in relative:
        raise ContainmentError(f"path {relative!r} contains a NUL character")
    parts = urlsplit(relative)
    if parts.scheme and len(parts.scheme) > 1:  # one letter would be a Windows drive
        raise ContainmentError(f"'{relative}' is a URL; only files inside the book are allowed")
    if os.path.isabs(relative) or relative.startswith("~"):
        raise ContainmentError(f"'{relative}' is an absolute path; use a path relative to the book folder")
    root = root.resolve()
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise ContainmentError(f"'{relative}' points outside the book folder", "outside")
    if must_exist:
        try:
            mode = target.stat().st_mode
        except FileNotFoundError:
            raise ContainmentError(f"'{relative}' does not exist", "missing") from None
        except OSError as exc:
            raise ContainmentError(f"'{relative}' cannot be read: {exc.strerror}") from None
        if not stat.S_ISREG(mode):
            raise ContainmentError(f"'{relative}' is not a regular file")
        if target.stat().st_size > MAX_FILE_BYTES:
            raise ContainmentError(f"'{relative}' is larger than {MAX_FILE_BYTES // 2**20} MB")
    return target


def is_inside(path: Path, roots: list[Path]) -> bool:
    """True when the resolved `path` is a regular file below one of `roots`."""
    try:
        resolved = path.resolve()
        if not stat.S_ISREG(resolved.stat().st_mode):
            return False
    except OSError:
        return False
    return any(r == resolved or r in resolved.parents for r in (root.resolve() for root in roots))


@contextmanager
def atomic_write(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it into place on success.

    On any failure (or a kill) the previous `target` is untouched; a stray
    temporary file from a killed build is named ``.folio-tmp.<name>.*.tmp`` and removed by
    `clean_stale_temporaries` at the next build.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f"{TEMPORARY_PREFIX}{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        if exc.filename is None:  # a write() that failed (a full disk) names no file: this is the one
            exc.filename = str(target)
        raise
    finally:
        if tmp.exists():
            tmp.unlink()


def shown_name(path: Path) -> str:
    """A path as the user knows it: a temporary (`.folio-tmp.book.pdf.x1y2.tmp`, made by
    atomic_write or StagedOutputs, perhaps inside another) shown as the file it stands for."""
    name = path.name
    while name.startswith(TEMPORARY_PREFIX) and name.endswith(".tmp"):
        name = name[len(TEMPORARY_PREFIX):].rsplit(".", 2)[0]
    return str(path.with_name(name))


class StagedOutputs:
    """A build's outputs, each written first to a temporary beside its final name, then all
    renamed into place together by `commit` once every one is written. A build that fails
    (or is killed) before `commit` leaves every earlier output as it was, never some
    replaced and some not: `discard` (or the next build's `clean_stale_temporaries`)
    removes the temporaries."""

    def __init__(self) -> None:
        self.staged: dict[Path, Path] = {}  # final -> temporary

    def path(self, final: Path) -> Path:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"{TEMPORARY_PREFIX}{final.name}.", suffix=".tmp", dir=final.parent)
        os.close(fd)
        self.staged[final] = Path(name)
        return Path(name)

    def commit(self) -> dict[Path, Path]:
        """Rename every temporary into place; return temporary -> final."""
        moved = {}
        for final, temporary in self.staged.items():
            os.replace(temporary, final)
            moved[temporary] = final
        self.staged.clear()
        return moved

    def discard(self) -> None:
        for temporary in self.staged.values():
            temporary.unlink(missing_ok=True)
        self.staged.clear()


def write_bytes_atomic(target: Path, data: bytes) -> None:
    with atomic_write(target) as tmp:
        tmp.write_bytes(data)


def clean_stale_temporaries(folder: Path) -> None:
    """Remove temporary files a killed build left in an output folder."""
    if not folder.is_dir():
        return
    for stray in folder.glob(f"{TEMPORARY_PREFIX}*.tmp"):  # only what atomic_write names so
        if stray.is_file() and not stray.is_symlink():
            stray.unlink(missing_ok=True)
