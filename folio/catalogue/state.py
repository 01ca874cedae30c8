"""What the last catalogue build made: which books are still up to date.

In: the output root and, for each book and profile, its inputs' fingerprint (run.py). Out: whether
its outputs from the last catalogue build are still right (the same fingerprint, every
output still there with the SHA-256 it was written with), and the record of the last build
(OUTPUT/.folio-catalogue.json: per book and profile, the fingerprint, the outputs' digests
and the row of the report), written atomically.

The fingerprint is `folio build`'s own (uptodate.py: every file of the book folder, the house
theme's files, folio's theme and version, the formats, the profile): a house theme's change
changes the fingerprint of every book that uses it, and of no other. A book asked to be
validated whose last build was not is built (and validated) again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from folio.paths import atomic_write

RECORD = ".folio-catalogue.json"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class State:
    """The record of the last catalogue build in an output root."""

    def __init__(self, root: Path):
        self.root = root
        try:
            self.entries: dict[str, dict[str, Any]] = json.loads((root / RECORD).read_text(encoding="utf-8"))["books"]
        except (OSError, ValueError, KeyError, TypeError):
            self.entries = {}

    def unchanged(self, key: str, print_: str, folder: str, validate: bool = False) -> dict[str, Any] | None:
        """The last build's row of `key`, when its fingerprint is `print_`, its outputs (in
        root/`folder`) are still those it wrote and, if `validate`, it was validated; else None."""
        entry = self.entries.get(key)
        if not entry or entry.get("fingerprint") != print_ or entry.get("row", {}).get("status") != "built":
            return None
        if validate and not entry["row"].get("validation"):
            return None
        for name, sha in entry.get("outputs", {}).items():
            path = self.root / folder / name
            if not path.is_file() or digest(path.read_bytes()) != sha:
                return None
        return entry["row"]

    def remember(self, key: str, print_: str, outputs: dict[str, str], row: dict[str, Any]) -> None:
        self.entries[key] = {"fingerprint": print_, "outputs": outputs, "row": row}

    def forget(self, key: str) -> None:
        self.entries.pop(key, None)

    def save(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with atomic_write(self.root / RECORD) as tmp:
            tmp.write_text(json.dumps({"books": self.entries}, indent=1, sort_keys=True), encoding="utf-8")
