"""Fuzzing: generated chapters build to an EPUB that passes EPUBCheck, or fail with a clear error."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import epubcheck, write_book
from fuzzbook import chapter
from hypothesis import HealthCheck, Phase, given, settings

from folio import build
from folio.errors import FolioError

pytestmark = pytest.mark.slow  # builds generated books and runs EPUBCheck on each

STATS = {"valid": 0, "clear-error": 0, "invalid": 0}


# A fixed seed in CI (derandomize), no shrinking (each example runs EPUBCheck; the failing input is printed as is).
# bench/fuzz.py runs the same property with many more examples.
@settings(max_examples=24, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
@given(chapter(), chapter())
def test_generated_books_build_valid_epubs_or_fail_clearly(first, second):
    kind, detail = outcome(first, second)
    STATS[kind] += 1
    assert kind != "invalid", detail


def outcome(first: str, second: str) -> tuple[str, object]:
    """'valid' (EPUBCheck 0/0), 'clear-error' (every error names a chapter or book.yaml) or 'invalid'."""
    folder = Path(tempfile.mkdtemp(prefix="folio-fuzz-"))
    try:
        root = write_book(folder / "book", {"01.md": first, "02.md": second})
        try:
            result = build(root, folder / "out", ("epub",), use_cache=False)
        except FolioError as exc:
            clear = bool(exc.diagnostics) and all(
                d.path in ("chapters/01.md", "chapters/02.md", "book.yaml") and d.message for d in exc.diagnostics)
            return ("clear-error" if clear else "invalid"), exc.diagnostics
        except Exception as exc:  # a crash is a bug: it counts against the rate
            return "invalid", repr(exc)
        report = epubcheck(result.outputs["epub"])
        return ("valid" if not report["messages"] else "invalid"), (report["messages"], first, second)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
