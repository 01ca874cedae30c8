"""Fuzzing: generated chapters build to an EPUB that passes EPUBCheck, or fail with a clear error.

The books are built one by one, then EPUBCheck sees every EPUB in one Java process (a
Java start-up per book cost a minute).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import epubcheck_many, write_book
from fuzzbook import chapter
from hypothesis import HealthCheck, Phase, given, settings

from folio import build
from folio.errors import FolioError

pytestmark = pytest.mark.slow  # builds generated books and runs EPUBCheck on each

STATS = {"valid": 0, "clear-error": 0, "invalid": 0}
BUILT: list[tuple[Path, str, str]] = []  # (EPUB, first, second): checked together, in one EPUBCheck process
FOLDER = Path(tempfile.mkdtemp(prefix="folio-fuzz-"))


# A fixed seed in CI (derandomize), no shrinking (the failing input is printed as is).
# bench/fuzz.py runs the same property with many more examples.
@settings(max_examples=24, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
@given(chapter(), chapter())
def test_generated_books_build_or_fail_clearly(first, second):
    kind, detail = outcome(first, second)
    if kind != "built":  # a built book is counted when EPUBCheck has seen it
        STATS[kind] += 1
    assert kind != "invalid", detail


def test_every_generated_book_that_built_passes_epubcheck():
    """The EPUBs of the test above (which runs first), EPUBCheck'd in one Java process."""
    assert len(BUILT) >= 12, "most generated books build"
    try:
        verdicts, log = epubcheck_many([epub for epub, _, _ in BUILT])
        bad = [(first, second) for epub, first, second in BUILT if verdicts.get(str(epub)) != (0, 0, 0)]
        STATS["valid"] = len(BUILT) - len(bad)
        STATS["invalid"] += len(bad)
        assert not bad and len(verdicts) == len(BUILT), (log[-3000:], bad[:2])
    finally:
        shutil.rmtree(FOLDER, ignore_errors=True)


def outcome(first: str, second: str) -> tuple[str, object]:
    """'built' (EPUBCheck later), 'clear-error' (every error names a chapter or book.yaml) or 'invalid'."""
    folder = Path(tempfile.mkdtemp(prefix="book-", dir=FOLDER))
    root = write_book(folder / "book", {"01.md": first, "02.md": second})
    try:
        result = build(root, folder / "out", ("epub",), use_cache=False)
    except FolioError as exc:
        clear = bool(exc.diagnostics) and all(
            d.path in ("chapters/01.md", "chapters/02.md", "book.yaml") and d.message for d in exc.diagnostics)
        return ("clear-error" if clear else "invalid"), exc.diagnostics
    except Exception as exc:  # a crash is a bug: it counts against the rate
        return "invalid", repr(exc)
    BUILT.append((result.outputs["epub"], first, second))
    return "built", None
