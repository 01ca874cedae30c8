"""The layout workers: processes that run WeasyPrint, with folio's patches of it.

In: functions of folio.weasy.worker and their jobs. Out: futures of their results.
The workers are forked from a server that has imported WeasyPrint and installed the
patches that pass their probes (weasy/warm.py, weasy/patches.py); this process never
installs them. When no worker can start (a script that calls folio.build without
`if __name__ == "__main__":`, a system without forkserver) a job runs here, with
WeasyPrint as it is: slower, and said so by `engine_status`.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Callable

from folio.config import load_config
from folio.weasy import patches
from folio.weasy.worker import watch_build

_POOL: list[ProcessPoolExecutor | None] = []  # [None]: workers could not start, lay out here
_WARMING: list[threading.Thread] = []  # the thread starting the workers, until it is joined
_LANGUAGE: list[str | None] = [None]  # the language whose hyphenation patterns the workers load as they start
_ENGINE: list[Future] = []  # a worker's `patches.status()`


def pool() -> ProcessPoolExecutor:
    """The layout workers: one per core, forked from a server that has WeasyPrint loaded."""
    if not _POOL:
        # A failed or stopped build ends without waiting for its workers (`shutdown`); the queues'
        # semaphores are then removed by multiprocessing's resource tracker, which would print
        # a "leaked semaphore" warning for each build that failed. The tracker, started with the
        # pool, takes its warning filters from the environment.
        quiet = "ignore::UserWarning:multiprocessing.resource_tracker"
        os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), quiet]))
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["weasyprint", "folio.weasy.worker", "folio.weasy.warm"])  # imported once, not by each worker
        _POOL.append(ProcessPoolExecutor(max_workers=max(1, os.cpu_count() or 1), mp_context=context,
                                         initializer=watch_build, initargs=(os.getpid(), _LANGUAGE[0])))
    assert _POOL[0] is not None
    return _POOL[0]


def warm_up(root: Path | None = None) -> None:
    """Start the workers while the book is read. In a thread: starting the forkserver waits
    for it to import WeasyPrint (half a second), which the reading need not wait for. Each
    worker loads the hyphenation patterns of the language of the book at `root` as it starts."""
    def start() -> None:
        weasyprint_version()  # (0.1 s of reading package metadata, off the build's path)
        if root is not None and not _POOL:
            _LANGUAGE[0] = _book_language(root)
        _ENGINE.append(submit(patches.status))  # what the workers' WeasyPrint has of folio's patches
        for _ in range((os.cpu_count() or 1) - 1):
            submit(int)

    if not _WARMING and not _POOL:
        _WARMING.append(threading.Thread(target=start, daemon=True))
        _WARMING[0].start()


def _book_language(root: Path) -> str | None:
    """book.yaml's language, or None when it cannot be read: the build reads book.yaml again
    and reports what is wrong with it; this is only a warm-up."""
    try:
        return load_config(root).lang
    except Exception:  # noqa: BLE001 - reported by the build itself
        return None


@functools.lru_cache(maxsize=1)
def weasyprint_version() -> str:
    """The installed WeasyPrint's version (part of every part's cache key)."""
    from importlib.metadata import version

    return version("weasyprint")


def shutdown(wait: bool = True) -> None:
    """Stop the layout workers (when a build started them). With `wait`, until they have ended;
    without it (a build stopped by --timeout or an error), the parts they are laying out are
    not waited for: each worker ends itself within a second of this process (`watch_build`)."""
    if _WARMING:
        _WARMING.pop().join()
    if _POOL and _POOL[0] is not None:
        _POOL.pop().shutdown(wait=wait, cancel_futures=True)


def submit(function: Callable, *args: Any) -> Future:
    """Run on a worker; in this process when workers cannot start (a script that uses
    folio.build without `if __name__ == "__main__":`, or a system without forkserver)."""
    if _WARMING and _WARMING[0] is not threading.current_thread():
        _WARMING.pop().join()  # the pool is made once, by the warm-up
    if _POOL != [None]:
        try:
            return pool().submit(function, *args)
        except (RuntimeError, OSError, BrokenProcessPool):
            if _POOL and _POOL[0] is not None:
                _POOL[0].shutdown(wait=False, cancel_futures=True)
            _POOL[:] = [None]
    future: Future = Future()
    future.set_result(function(*args))
    return future


def engine_status() -> dict[str, str]:
    """Which of folio's patches the workers' WeasyPrint has ("on", or "off: why")."""
    if not _ENGINE:
        _ENGINE.append(submit(patches.status))
    try:
        return _ENGINE[0].result()
    except (BrokenProcessPool, RuntimeError, OSError):
        return patches.status()
