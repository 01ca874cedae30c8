"""Whether a build would change nothing: a fingerprint of every input, kept with the outputs.

In: the book folder, the output folder, the formats and profile asked for. Out: the
fingerprint (a SHA-256 over the content of every file of the book folder outside its
outputs and hidden folders, folio's theme files, a house theme's files, folio's version, the formats, the
profile, SOURCE_DATE_EPOCH and the state of the system's font folders), and the record
of the last build made with it (out/.folio-cache/build.json: the outputs with their
SHA-256 and the build's diagnostics). `folio build` skips a build whose fingerprint and
outputs match the record, and repeats its warnings. Contents are hashed, not dates, so a
touched file does not rebuild and a changed one always does (the font folders excepted:
their dates say a font was installed).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from folio.errors import Diagnostic
from folio.paths import TEMPORARY_PREFIX, atomic_write
from folio.sealed import seal, unseal
from folio.theme import DEFAULT_STYLES, DEFAULT_TEMPLATES
from folio.version import __version__

RECORD = Path(".folio-cache") / "build.json"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fingerprint(root: Path, out: Path, formats: tuple[str, ...], profile: str | None, house: Path | None = None) -> str:
    return output_fingerprint(inputs_digest(root, out, house), formats, profile)


def output_fingerprint(inputs: str, formats: tuple[str, ...], profile: str | None) -> str:
    """The fingerprint of one build of inputs whose `inputs_digest` is `inputs` (a catalogue
    reads a book's files once for all its profiles)."""
    settings = f"{__version__}|{','.join(formats)}|{profile}|{os.environ.get('SOURCE_DATE_EPOCH', '')}|{inputs}"
    return hashlib.sha256(settings.encode()).hexdigest()


def inputs_digest(root: Path, out: Path, house: Path | None = None, shared: str | None = None, house_digest: str | None = None) -> str:
    """A SHA-256 over every input of a build but its settings: the book's files (outside `out`
    and its dist/), what book.yaml names, a house theme's files and the `shared_digest`. A
    catalogue passes `shared` and `house_digest`, computed once for all its books."""
    total = hashlib.sha256()
    total.update(folder_digest(root, {out.resolve(), (root / "dist").resolve()}).encode())
    for path in _named_in_book_yaml(root):  # and what book.yaml names inside hidden folders
        total.update(f"{path}\0{_digest(path) if path.is_file() else '-'}\0".encode())
    if house is not None:
        total.update(f"[house]{house_digest or folder_digest(house)}".encode())
    total.update((shared or shared_digest()).encode())
    return total.hexdigest()


def shared_digest() -> str:
    """What every book's build reads besides its own files: folio's theme and the font folders' state."""
    return hashlib.sha256("|".join([folder_digest(DEFAULT_TEMPLATES), folder_digest(DEFAULT_STYLES), _installed_fonts()]).encode()).hexdigest()


def folder_digest(base: Path, skipped: set[Path] | None = None) -> str:
    """A SHA-256 over the names and contents of the files in a folder, hidden files too (a chapter
    may be called .draft.md), not in hidden folders, in `skipped` or left by an atomic write."""
    total = hashlib.sha256()
    for folder, dirs, files in os.walk(base):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() not in (skipped or set()))
        for name in sorted(files):
            path = here / name
            if name.startswith(TEMPORARY_PREFIX) or not path.is_file():
                continue
            total.update(f"{path.relative_to(base).as_posix()}\0{_digest(path)}\0".encode())
    return total.hexdigest()


FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


def _installed_fonts() -> str:
    """The state of the system's font folders (each folder's modification time: installing or
    removing a font changes its folder's): a book whose warning said to install a font for a
    script is built again once it is installed (2 ms)."""
    state = []
    for base in FONT_FOLDERS:
        for folder, dirs, _files in os.walk(os.path.expanduser(base)):
            dirs.sort()
            state.append(f"{folder}\0{os.stat(folder).st_mtime_ns}")
    return "\n".join(state)


def _named_in_book_yaml(root: Path) -> list[Path]:
    """The files book.yaml names (chapters, bibliographies, the cover, a CSL file), wherever they
    are; none when book.yaml has errors (the build then reports them and writes nothing)."""
    from folio.config import load_config
    from folio.errors import FolioError

    try:
        config = load_config(root)
    except FolioError:
        return []
    named = [entry.path for entry in config.chapters] + list(config.bibliography)
    named += [config.cover_image] if config.cover_image else []
    named += [root / config.csl] if config.csl.endswith(".csl") else []
    return sorted(named)


def unchanged(out: Path, key: str) -> tuple[dict[str, Path], list[Diagnostic]] | None:
    """The outputs and diagnostics of the last build if it had this fingerprint and its outputs are intact."""
    try:
        opened = unseal((out / RECORD).read_bytes())  # a record the book shipped is not ours (sealed.py)
        record = json.loads(opened) if opened is not None else {}
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("fingerprint") != key:
        return None
    outputs = {fmt: out / name for fmt, (name, _digest_) in record["outputs"].items()}
    for fmt, (name, digest) in record["outputs"].items():
        path = out / name
        if not path.is_file() or _digest(path) != digest:
            return None
    diagnostics = [Diagnostic(d["path"], d["line"], d["message"], d["severity"], d["code"], d.get("column")) for d in record["diagnostics"]]
    return outputs, diagnostics


def remember(out: Path, key: str, outputs: dict[str, Path], diagnostics: list[Diagnostic]) -> None:
    record = {
        "fingerprint": key,
        "outputs": {fmt: [path.name, _digest(path)] for fmt, path in outputs.items()},
        "diagnostics": [{"path": d.path, "line": d.line, "message": d.message, "severity": d.severity, "code": d.code,
                         "column": d.column} for d in diagnostics],
    }
    (out / RECORD).parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out / RECORD) as tmp:
        tmp.write_bytes(seal(json.dumps(record).encode("utf-8")))
