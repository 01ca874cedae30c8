"""Running pandoc -> its output, or a `PandocLimit` saying which limit stopped it.

In: pandoc's arguments, its input bytes and how long it may take. Out: the
finished process (stdout, stderr, exit status). Every run is sandboxed
(`--sandbox`: pandoc opens no file and no URL it was not given) and has two
limits: time (the subprocess is killed) and memory (GHC's heap limit, `+RTS -M`,
which pandoc's manual recommends for untrusted input): some inputs make pandoc's
work grow exponentially, e.g. fourteen nested `[...]{.x}` spans take 2 GB and
eighteen 14 GB; a BibTeX `crossref` cycle grows without end.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache

HEAP_FLOOR_MB = 1024  # pandoc reads all 306,000 words of the large corpus book in 250 MB
HEAP_PER_INPUT_BYTE = 256  # what pandoc may use for each byte it is given, above the floor


class PandocLimit(RuntimeError):
    """pandoc was stopped: `what` is 'time' or 'memory'; the message says the limit."""

    def __init__(self, what: str, message: str):
        super().__init__(message)
        self.what = what


@lru_cache(maxsize=1)
def pandoc_binary() -> str:
    """The pandoc the `pypandoc-binary` wheel ships (the version folio pins): found in the
    package's folder without importing pypandoc, whose import (urllib.request, http.client,
    email) costs 50 ms of every build; else as pypandoc finds it."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        shipped = os.path.join(folder, "files", "pandoc")
        if os.access(shipped, os.X_OK):
            return shipped
    from pypandoc import get_pandoc_path

    return get_pandoc_path()


@lru_cache(maxsize=1)
def pandoc_version() -> str:
    out = subprocess.run([pandoc_binary(), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split("\n", 1)[0].split()[-1]


def heap_limit_mb(size: int) -> int:
    return HEAP_FLOOR_MB + size * HEAP_PER_INPUT_BYTE // 2**20


def run_pandoc(arguments: list[str], data: bytes, timeout: float, heap_mb: int | None = None) -> subprocess.CompletedProcess:
    """pandoc --sandbox with these arguments, given `data` on its standard input."""
    heap = heap_mb or heap_limit_mb(len(data))
    command = [pandoc_binary(), "--sandbox", *arguments, "+RTS", f"-M{heap}m", "-RTS"]
    try:
        proc = subprocess.run(command, input=data, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise PandocLimit("time", f"pandoc took more than {timeout:g} s and was stopped") from None
    if proc.returncode == 251 or b"Heap exhausted" in proc.stderr:
        raise PandocLimit("memory", f"pandoc needed more than {heap} MB of memory and was stopped")
    return proc
