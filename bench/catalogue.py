"""Catalogue throughput: books per minute with `folio catalogue build` on Dask, on this machine.

In: nothing (a synthetic catalogue of --books generated books of --words words each, and
the corpus books). Out: for each catalogue, books per minute built one `folio build` after
another, and by `folio catalogue build` on a LocalCluster of 1 and of 2 workers; the Dask
scheduler's own cost per task (no-op tasks); the bytes a book's outputs carry back to the
client, and how fast a worker hands them over; a CSV in bench/results/. Each book built by the
catalogue is compared byte for byte with its `folio build` one after another. docs/catalogue.md works out a 1,000-book catalogue from them.

    python bench/catalogue.py                   # 50 books of 5,000 words, and the corpus
    python bench/catalogue.py --books 20 --no-corpus
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synth import make_book  # noqa: E402

from folio.catalogue.run import build_catalogue  # noqa: E402
from folio.catalogue.spec import load_catalogue  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def _catalogue(folder: Path, books: list[Path]) -> Path:
    listed = "".join(f"  - {book}\n" for book in books)
    (folder / "catalogue.yaml").write_text(f"title: bench\noutput: out\nbooks:\n{listed}", encoding="utf-8")
    return folder / "catalogue.yaml"


def _name(catalogue, book: Path) -> str:
    return next(b.name for b in catalogue.books if b.folder == book.resolve())


def _one_after_another(books: list[Path], out: Path) -> float:
    """Seconds to build the books with `folio build`, one after another (each with its own layout workers)."""
    started = time.perf_counter()
    for book in books:
        subprocess.run([sys.executable, "-m", "folio.cli", "build", str(book), "-o", str(out / book.name), "--no-cache", "-q"],
                       check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - started


def _scheduler_cost(tasks: int = 2000) -> float:
    """Milliseconds of Dask's per-task overhead: no-op tasks through a LocalCluster of 2 workers."""
    from distributed import Client, LocalCluster, wait

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        client.submit(int, 0).result()
        started = time.perf_counter()
        wait(client.map(int, range(tasks), pure=False))
        return (time.perf_counter() - started) * 1000 / tasks


def _payload(megabytes: int) -> bytes:
    return bytes(megabytes * 2**20)


def _transfer_rate(megabytes: int = 20, rounds: int = 5) -> float:
    """MB/s of a task's result carried from a worker to the client (a book's outputs come back so)."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        client.submit(_payload, 1, pure=False).result()
        started = time.perf_counter()
        for _ in range(rounds):
            client.submit(_payload, megabytes, pure=False).result()
        return megabytes * rounds / (time.perf_counter() - started)


def main() -> None:  # long: one measurement after the other, printed as it goes
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=int, default=50)
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--sequential-sample", type=int, default=10, help="books timed one after another (their median extrapolated)")
    parser.add_argument("--no-corpus", action="store_true")
    args = parser.parse_args()
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    rows = []
    with tempfile.TemporaryDirectory(prefix="folio-bench-catalogue-") as tmp:
        work = Path(tmp)
        synthetic = [make_book(work / "books" / f"book-{n:03d}", args.words, seed=n) for n in range(1, args.books + 1)]
        catalogues = {f"synthetic {args.books} x {args.words // 1000}k words": synthetic}
        if not args.no_corpus:
            catalogues["corpus (sample, small, illustrated, large)"] = [ROOT / "book", *(CORPUS / n for n in ("small", "illustrated", "large"))]
        for label, books in catalogues.items():
            folder = work / label.split()[0]
            folder.mkdir()
            sample = books[: args.sequential_sample] if label.startswith("synthetic") else books
            seconds = _one_after_another(sample, folder / "alone") * len(books) / len(sample)
            rows.append({"catalogue": label, "how": "folio build, one after another", "workers": 1, "books": len(books),
                         "seconds": round(seconds, 1), "books_per_minute": round(len(books) * 60 / seconds, 1)})
            print(rows[-1], flush=True)
            catalogue = load_catalogue(_catalogue(folder, books))
            for workers in (1, 2):
                result = build_catalogue(catalogue, workers=workers, force=True)
                assert not result.failed, result.failed
                tasks = [r["seconds"] for r in result.rows]
                for book in sample:  # the same bytes as folio build of the book alone
                    for path in (folder / "alone" / book.name).glob("*.*"):
                        assert (catalogue.output / _name(catalogue, book) / path.name).read_bytes() == path.read_bytes(), path
                sizes = [sum((catalogue.output / p).stat().st_size for p in r["outputs"]) for r in result.rows]
                rows.append({"catalogue": label, "how": "folio catalogue build, LocalCluster", "workers": workers, "books": len(books),
                             "seconds": round(result.seconds, 1), "books_per_minute": round(len(books) * 60 / result.seconds, 1),
                             "task_median_s": round(statistics.median(tasks), 2), "output_mb_per_book": round(statistics.mean(sizes) / 2**20, 2)})
                print(rows[-1], flush=True)
    rows.append({"catalogue": "2000 no-op tasks", "how": "Dask scheduler overhead per task (ms)", "workers": 2,
                 "seconds": round(_scheduler_cost(), 3)})
    print(rows[-1], flush=True)
    rows.append({"catalogue": "5 results of 20 MB", "how": "worker -> client transfer (MB/s)", "workers": 1,
                 "seconds": round(_transfer_rate(), 1)})
    print(rows[-1], flush=True)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    target = results / f"catalogue-{time.strftime('%Y%m%d-%H%M%S')}.csv"
    fields = ["catalogue", "how", "workers", "books", "seconds", "books_per_minute", "task_median_s", "output_mb_per_book"]
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{platform.node()}: {os.cpu_count()} cores; wrote {target}")


if __name__ == "__main__":
    main()
