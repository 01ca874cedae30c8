"""One book of a catalogue, built in a process of its own: `python -m folio.catalogue.child SPEC`.

In: SPEC, a JSON file naming the book folder, an output folder, the formats, the profile,
the house theme, the time limit, whether to validate the EPUB, the file to write the result
to and the pid of the process that started this one. Out: the outputs in the output folder,
written by `folio.build` exactly as `folio build` writes them, and the result file: a JSON
object with the status (built, failed), the outputs' names, the diagnostics, the preflight
checks, the page and word counts, the seconds taken and EPUBCheck's and Ace's findings.

A process of its own, so that the task that started it (task.py) can stop it, and the
layout processes it starts, at a time or memory limit without touching the Dask worker;
and so that its time limit is folio's own (SIGALRM, in this process's main thread).
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any


def _die_with(parent: int) -> None:
    """Be killed when the process that started this one dies (a Dask worker killed with -9):
    Linux's PR_SET_PDEATHSIG; elsewhere nothing (the task's timeout still ends the book)."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)


def _validation(epub: Path) -> dict[str, Any]:
    """EPUBCheck's and Ace's findings on the EPUB: {validator: {"errors", "warnings", "findings"} or {"missing": why}}."""
    from folio.check.validators import ValidatorMissing, run_ace, run_epubcheck

    found: dict[str, Any] = {}
    for name, run in (("epubcheck", run_epubcheck), ("ace", run_ace)):
        try:
            findings = run(epub)
        except ValidatorMissing as exc:
            found[name] = {"missing": str(exc)}
            continue
        found[name] = {"errors": sum(f.severity == "error" for f in findings),
                       "warnings": sum(f.severity == "warning" for f in findings),
                       "findings": [f.format() for f in findings[:200]]}
    return found


def build_one(spec: dict[str, Any]) -> dict[str, Any]:
    """Build the book `spec` names; the result object (the module's docstring)."""
    import pypdf

    from folio.check.lint import stats
    from folio.errors import FolioError
    from folio.pipeline import build, time_limit

    started = time.perf_counter()
    outcome: dict[str, Any] = {"status": "built", "outputs": [], "diagnostics": [], "preflight": [], "pages": None, "words": None}
    try:
        with time_limit(spec.get("timeout")):
            result = build(spec["book"], spec["out"], tuple(spec["formats"]), profile=spec["profile"], house=spec.get("house"),
                           use_cache=False)
    except FolioError as exc:
        outcome.update(status="failed", diagnostics=[d.format() for d in exc.diagnostics])
        outcome["seconds"] = round(time.perf_counter() - started, 2)
        return outcome
    outcome["outputs"] = sorted(path.name for path in result.outputs.values())
    outcome["diagnostics"] = [d.format() for d in result.diagnostics]
    outcome["preflight"] = [{"name": c.name, "status": c.status, "detail": c.detail} for c in result.preflight]
    if any(c.status == "fail" for c in result.preflight):
        outcome["status"] = "failed"
    if result.book is not None:
        outcome["words"] = stats(result.book)[-1].words  # as `folio stats` counts them (notes in, CJK by character)
        outcome["title"] = result.book.config.title
    if "pdf" in result.outputs:
        outcome["pages"] = len(pypdf.PdfReader(str(result.outputs["pdf"])).pages)
    outcome["seconds"] = round(time.perf_counter() - started, 2)
    if spec.get("validate") and "epub" in result.outputs:
        outcome["validation"] = _validation(result.outputs["epub"])
        if any(v.get("errors") or v.get("warnings") for v in outcome["validation"].values()):
            outcome["status"] = "failed"
    return outcome


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    _die_with(spec["parent"])
    try:
        outcome = build_one(spec)
    except Exception as exc:  # noqa: BLE001 - a defect of folio's: reported in the book's row, the catalogue goes on
        outcome = {"status": "failed", "outputs": [], "diagnostics": [f"internal error: {type(exc).__name__}: {exc}"],
                   "traceback": traceback.format_exc()[-4000:]}
    Path(spec["result"]).write_text(json.dumps(outcome), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
