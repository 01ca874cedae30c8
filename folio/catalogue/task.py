"""The Dask task of one book and profile: the book built in a child process, its outputs as bytes.

In (on a Dask worker): a `TaskSpec`. Out: a dict, the child's result (child.py) with the
outputs' bytes under "files" ({file name: bytes}), or a failed result saying why: the time
limit, the memory limit, the child's crash. Nothing is written outside a temporary folder of
the worker's, removed before the task returns: the client writes the outputs (run.py), so a
worker killed in the middle leaves no half-written file, and Dask runs the task again on
another worker.

The child is watched: past the time limit (and the child's own, a few seconds earlier) or
when the resident memory of it and its layout processes passes the memory limit (the
catalogue's, else the Dask worker's own `memory_limit`: Dask measures the worker process
only, not the processes it starts), its whole process group is killed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

GRACE = 15  # seconds the child has, past its own time limit, to say so itself
POLL = 0.2  # seconds between two looks at the child


@dataclass(frozen=True)
class TaskSpec:
    book: str  # the book folder
    name: str  # its folder in the output root
    profile: str
    formats: tuple[str, ...]
    house: str | None
    timeout: int
    validate: bool
    memory_limit: int | None  # bytes; None: the worker's
    source_date_epoch: str | None = None  # the client's SOURCE_DATE_EPOCH: the same bytes on every worker


def _worker() -> Any:
    """The Dask worker this task runs on, or None."""
    try:
        from distributed import get_worker

        return get_worker()
    except (ImportError, ValueError):  # not on a Dask worker
        return None


def _environment(spec: TaskSpec) -> dict[str, str]:
    """The child's environment: the worker's, with this folio first on the module path (the
    child imports the folio the worker runs, installed or not) and the client's
    SOURCE_DATE_EPOCH (set or not), whatever the worker's."""
    import folio

    here = str(Path(folio.__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH", "")
    environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    if spec.source_date_epoch is not None:
        environment["SOURCE_DATE_EPOCH"] = spec.source_date_epoch
    return {**environment, "PYTHONPATH": here + (os.pathsep + path if path else "")}


def _tree_memory(pid: int) -> int:
    """The resident memory of a process and all its descendants, in bytes."""
    import psutil

    try:
        process = psutil.Process(pid)
        tree = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for member in tree:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _failed(spec: TaskSpec, why: str, seconds: float) -> dict[str, Any]:
    return {"status": "failed", "outputs": [], "diagnostics": [f"{spec.name}: {why}"], "files": {}, "seconds": round(seconds, 2)}


def build_book(spec: TaskSpec) -> dict[str, Any]:
    """Build one book and profile (the module's docstring)."""
    worker = _worker()
    limit = spec.memory_limit or (getattr(worker.memory_manager, "memory_limit", None) if worker is not None else None)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="folio-catalogue-") as folder:
        work = Path(folder)
        out, result = work / "out", work / "result.json"
        child_spec = {**asdict(spec), "out": str(out), "result": str(result), "parent": os.getpid()}
        (work / "spec.json").write_text(json.dumps(child_spec), encoding="utf-8")
        with open(work / "stderr.txt", "wb") as stderr:
            process = subprocess.Popen([sys.executable, "-m", "folio.catalogue.child", str(work / "spec.json")],
                                       stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr, start_new_session=True, cwd=folder,
                                       env=_environment(spec))
            peak = 0
            while process.poll() is None:
                time.sleep(POLL)
                elapsed = time.perf_counter() - started
                if elapsed > spec.timeout + GRACE:
                    _kill(process)
                    return _failed(spec, f"the build took longer than {spec.timeout} s and was stopped", elapsed)
                if limit:
                    peak = max(peak, _tree_memory(process.pid))
                    if peak > limit:
                        _kill(process)
                        return _failed(spec, f"the build used {peak / 2**20:.0f} MiB, more than the memory limit of "
                                             f"{limit / 2**20:.0f} MiB, and was stopped", elapsed)
        elapsed = time.perf_counter() - started
        if not result.is_file():
            tail = (work / "stderr.txt").read_text(encoding="utf-8", errors="replace")[-2000:].strip()
            return _failed(spec, f"the build process ended with status {process.returncode} and no result" +
                           (f": {tail}" if tail else ""), elapsed)
        outcome: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
        # (a book that failed its preflight or validation has outputs too: the report says why it failed)
        outcome["files"] = {name: (out / name).read_bytes() for name in outcome.get("outputs", [])}
        outcome["peak_memory"] = peak or None
        outcome["worker"] = worker.address if worker is not None else None
        return outcome
