"""A catalogue built on Dask: the client's side.

In: a `Catalogue` (spec.py), where to run (an embedded `LocalCluster` sized to the machine,
or the address of a running scheduler) and the limits. Out: every book's outputs written
atomically into the output root as its task returns them, the record of what was built
(state.py), the report (report.py, written at the end) and a `CatalogueResult` whose rows say how each book and
profile went: built, unchanged (its inputs did not change since the last catalogue build),
or failed, with why.

One Dask task per book and PDF profile (task.py); a book's first profile builds its EPUB
too, as `folio build` does (the EPUB's print page-list comes from that PDF). The largest
books go first. Dask runs a task again elsewhere when its worker dies (up to the scheduler's
`allowed-failures`, then the book has failed); a task's own failure is a row, never an
exception, so the other books go on.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from folio.catalogue.report import write_report
from folio.catalogue.spec import Catalogue, CatalogueBook
from folio.catalogue.state import State, digest
from folio.catalogue.task import TaskSpec, build_book
from folio.errors import Diagnostic, FolioError
from folio.paths import atomic_write
from folio.uptodate import folder_digest, inputs_digest, output_fingerprint, shared_digest

CONNECT_TIMEOUT = "10s"  # to reach a scheduler (Dask retries a refused connection until then)
Progress = Callable[[dict[str, Any], int, int], None]  # (a finished row, rows done, rows in all)


@dataclass
class Planned:
    book: CatalogueBook
    profile: str
    formats: tuple[str, ...]
    fingerprint: str
    validate: bool  # EPUBCheck and Ace on its EPUB

    @property
    def key(self) -> str:
        return f"{self.book.name}/{self.profile}"


@dataclass
class CatalogueResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    where: str = ""  # "LocalCluster, N workers" or the scheduler's address
    dashboard: str | None = None
    report: tuple[Path, Path] | None = None  # catalogue-report.json and .html

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [row for row in self.rows if row["status"] == "failed"]


def plan(catalogue: Catalogue, validate: bool | None) -> list[Planned]:
    """The tasks: per book, one per profile; the first builds the EPUB too. `validate` (the
    command line's) wins over a book's own `validate:`, which wins over the catalogue's."""
    planned = []
    shared = shared_digest()  # folio's theme and the fonts, read once for the catalogue; each house theme once
    houses = {house: folder_digest(house) for house in catalogue.houses}
    for book in catalogue.books:
        pdf = "pdf" in catalogue.formats
        wanted = next(v for v in (validate, book.validate, catalogue.validate) if v is not None)
        inputs = inputs_digest(book.folder, catalogue.output / book.name, book.house, shared,  # its files read once, for every profile
                               houses.get(book.house) if book.house else None)
        for index, profile in enumerate(book.profiles if pdf else book.profiles[:1]):
            formats = tuple(f for f in catalogue.formats if f == "pdf" or index == 0)
            planned.append(Planned(book, profile, formats, output_fingerprint(inputs, formats, profile), wanted and "epub" in formats))
    return planned


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*.md") if p.is_file())


def _client(scheduler: str | None, workers: int | None, memory_limit: int | None) -> tuple[Any, Any, str]:
    """A Dask client: of the scheduler at `scheduler`, else of a LocalCluster of `workers`
    single-threaded worker processes (default: one per core)."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout=CONNECT_TIMEOUT), None, scheduler
        except (OSError, TimeoutError, ValueError) as exc:
            raise FolioError(Diagnostic("--scheduler", None, f"cannot reach the Dask scheduler at {scheduler}: {exc}")) from None
    count = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, memory_limit=memory_limit or "auto",
                           dashboard_address=":0", silence_logs=logging.ERROR)
    return Client(cluster), cluster, f"LocalCluster, {count} worker{'s' if count > 1 else ''}"


def _dashboard(client: Any) -> str | None:
    """The Dask dashboard's address, when the scheduler serves one: its web server answers the
    page (a scheduler started with --no-dashboard, or without bokeh, still has a web server, for
    its health and metrics, but no dashboard)."""
    import urllib.error
    import urllib.request

    try:
        if "dashboard" not in client.scheduler_info().get("services", {}):
            return None
        link = client.dashboard_link
        with urllib.request.urlopen(link, timeout=2) as answer:
            return link if answer.status == 200 else None
    except (OSError, KeyError, AttributeError, ValueError, urllib.error.URLError):
        return None


def _row(planned: Planned, outcome: dict[str, Any]) -> dict[str, Any]:
    book = planned.book
    return {"name": book.name, "folder": str(book.folder), "profile": planned.profile, "formats": list(planned.formats),
            "house": str(book.house) if book.house else None, "status": outcome.get("status", "failed"),
            "title": outcome.get("title", book.name), "pages": outcome.get("pages"), "words": outcome.get("words"),
            "seconds": outcome.get("seconds"), "outputs": [f"{book.name}/{name}" for name in outcome.get("outputs", [])],
            "preflight": outcome.get("preflight", []), "validation": outcome.get("validation"),
            "diagnostics": outcome.get("diagnostics", []), "worker": outcome.get("worker"), "peak_memory": outcome.get("peak_memory")}


def _write(root: Path, planned: Planned, files: dict[str, bytes]) -> dict[str, str]:
    """Each output written atomically into root/BOOK/; their SHA-256 by name."""
    written = {}
    for name, data in sorted(files.items()):
        with atomic_write(root / planned.book.name / name) as tmp:
            tmp.write_bytes(data)
        written[name] = digest(data)
    return written


def build_catalogue(catalogue: Catalogue, *, scheduler: str | None = None, workers: int | None = None,  # long: one loop
                    memory_limit: int | None = None, timeout: int | None = None, validate: bool | None = None,
                    force: bool = False, progress: Progress | None = None, on_start: Callable[[str, str | None], None] | None = None,
                    ) -> CatalogueResult:
    """Build every book of `catalogue` that changed (all with `force`); the module's docstring."""
    from distributed import as_completed

    started = time.perf_counter()
    state = State(catalogue.output)
    tasks = plan(catalogue, validate)
    result = CatalogueResult()
    waiting: dict[Any, Planned] = {}
    todo = []
    for planned in tasks:
        row = None if force else state.unchanged(planned.key, planned.fingerprint, planned.book.name, planned.validate)
        if row is None:
            todo.append(planned)
            continue
        result.rows.append({**row, "status": "unchanged"})
        if progress:
            progress(result.rows[-1], len(result.rows), len(tasks))
    if todo:
        client, cluster, result.where = _client(scheduler, workers, memory_limit)
        try:
            result.dashboard = _dashboard(client)
            if on_start:
                on_start(result.where, result.dashboard)
            sizes = {p.book.folder: _size(p.book.folder) for p in todo}
            for planned in sorted(todo, key=lambda p: -sizes[p.book.folder]):
                spec = TaskSpec(str(planned.book.folder), planned.book.name, planned.profile, planned.formats,
                                str(planned.book.house) if planned.book.house else None, timeout or catalogue.timeout,
                                planned.validate, memory_limit, os.environ.get("SOURCE_DATE_EPOCH"))
                future = client.submit(build_book, spec, key=f"folio-{planned.book.name}-{planned.profile}-{uuid.uuid4().hex[:8]}",
                                       pure=False, priority=sizes[planned.book.folder])
                waiting[future] = planned
            for future in as_completed(list(waiting)):
                planned = waiting.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - KilledWorker (its worker died again and again), a lost scheduler
                    outcome = {"status": "failed", "diagnostics": [f"{planned.book.name}: the Dask task failed: {type(exc).__name__}: {exc}"]}
                files = outcome.pop("files", {})
                written = _write(catalogue.output, planned, files) if files else {}
                row = _row(planned, outcome)
                if row["status"] == "built":
                    state.remember(planned.key, planned.fingerprint, written, row)
                else:
                    state.forget(planned.key)
                state.save()
                result.rows.append(row)
                if progress:
                    progress(row, len(result.rows), len(tasks))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    order = {p.key: i for i, p in enumerate(tasks)}
    result.rows.sort(key=lambda r: order.get(f"{r['name']}/{r['profile']}", 0))
    result.seconds = time.perf_counter() - started
    state.save()
    result.report = write_report(catalogue, result.rows, result.seconds, result.where, result.dashboard)
    return result
