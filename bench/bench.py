"""folio against pandoc on the corpus, side by side, in one run.

In: the corpus books in ../shared/corpus (or paths given with --book). Out: for each
book and format, the median wall time and peak memory of folio and of pandoc over
alternating runs, and their ratios (folio / pandoc); a CSV in bench/results/.

    python bench/bench.py                    # the large book, 3 runs each
    python bench/bench.py --books small,illustrated,large --runs 5
    python bench/bench.py --books none --synthetic 100k,300k,1M --runs 3 --plot

pandoc's EPUB is `pandoc -o book.epub`; its PDF is `--pdf-engine=weasyprint` (plain
HTML through WeasyPrint, without folio's book typography). folio runs with
--no-cache, so every run is cold.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
CORPUS = HERE.parent.parent / "shared" / "corpus"
BIN = Path(sys.executable).parent


def measure(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of a command and its children."""
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}"}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def pandoc_command(book: Path, fmt: str, out: Path) -> list[str]:
    from pypandoc import get_pandoc_path

    config = yaml.safe_load((book / "book.yaml").read_text(encoding="utf-8"))
    files = [c if isinstance(c, str) else c["file"] for c in config["chapters"]]
    command = [get_pandoc_path(), "-f", "markdown", "--metadata-file", "book.yaml", "--resource-path", str(book), "-s"]
    if config.get("bibliography"):
        from folio.cite import STYLE_ALIASES, styles_folder

        style = config.get("csl") or "chicago-notes-bibliography"
        if not style.endswith(".csl"):
            style = str(styles_folder() / f"{STYLE_ALIASES.get(style, style)}.csl")
        command += ["--citeproc", "--csl", style]
    if fmt == "pdf":
        command += ["--pdf-engine=weasyprint", "-o", str(out / "book.pdf")]
    else:
        command += ["-o", str(out / "book.epub")]
    return command + files


def folio_command(book: Path, fmt: str, out: Path) -> list[str]:
    return [str(BIN / "folio"), "build", str(book), "-o", str(out), "--to", fmt, "--no-cache", "-q"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--books", default="large", help="corpus books, comma-separated (default: large)")
    parser.add_argument("--formats", default="epub,pdf", help="epub, pdf (default: both)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--synthetic", default="", help="synthetic books by word count, e.g. 100k,300k,1M")
    parser.add_argument("--plot", action="store_true", help="write bench/results/scaling.png (time and memory against words)")
    args = parser.parse_args()
    rows = []
    books: list[tuple[str, Path]] = [(n, (CORPUS / n).resolve()) for n in args.books.split(",") if n and n != "none"]
    scratch = Path(tempfile.mkdtemp(prefix="folio-synthetic-"))
    for size in filter(None, args.synthetic.split(",")):
        from synth import make_book

        words = int(float(size.lower().rstrip("km")) * (1_000_000 if size.lower().endswith("m") else 1_000))
        books.append((f"synth-{size}", make_book(scratch / size, words)))
    print(f"{'book':<12}{'format':<7}{'tool':<7}{'median s':>10}{'peak MB':>10}")
    for name, book in books:
        for fmt in args.formats.split(","):
            samples: dict[str, list[tuple[float, float]]] = {"folio": [], "pandoc": []}
            for _ in range(args.runs):
                for tool, make in (("folio", folio_command), ("pandoc", pandoc_command)):
                    out = Path(tempfile.mkdtemp(prefix="folio-bench-"))
                    try:
                        samples[tool].append(measure(make(book, fmt, out), book))
                    finally:
                        shutil.rmtree(out, ignore_errors=True)
            medians = {t: (statistics.median(s[0] for s in v), statistics.median(s[1] for s in v)) for t, v in samples.items()}
            for tool, (seconds, memory) in medians.items():
                print(f"{name:<12}{fmt:<7}{tool:<7}{seconds:>10.2f}{memory:>10.0f}")
            time_ratio = medians["folio"][0] / medians["pandoc"][0]
            memory_ratio = medians["folio"][1] / medians["pandoc"][1]
            print(f"{name:<12}{fmt:<7}{'ratio':<7}{time_ratio:>10.2f}{memory_ratio:>10.2f}   (folio / pandoc, median of {args.runs})")
            rows.append({"book": name, "words": _words(book), "format": fmt, "runs": args.runs,
                         "folio_s": round(medians["folio"][0], 3), "pandoc_s": round(medians["pandoc"][0], 3),
                         "folio_mb": round(medians["folio"][1]), "pandoc_mb": round(medians["pandoc"][1]),
                         "time_ratio": round(time_ratio, 3), "memory_ratio": round(memory_ratio, 3)})
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    target = results / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.csv"
    with target.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {target}")
    shutil.rmtree(scratch, ignore_errors=True)
    if args.plot:
        plot(rows, results / "scaling.png")
        print(f"wrote {results / 'scaling.png'}")


def _words(book: Path) -> int:
    return sum(len(p.read_text(encoding="utf-8").split()) for p in (book / "chapters").glob("*.md"))


def plot(rows: list[dict], target: Path) -> None:
    """Time and peak memory against words, folio beside pandoc, one line per tool and format."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (times, memory) = plt.subplots(1, 2, figsize=(11, 4.2))
    for fmt, style in (("epub", "--"), ("pdf", "-")):
        chosen = sorted((r for r in rows if r["format"] == fmt), key=lambda r: r["words"])
        if not chosen:
            continue
        words = [r["words"] / 1000 for r in chosen]
        for tool, colour in (("folio", "#1f5f8b"), ("pandoc", "#b5651d")):
            times.plot(words, [r[f"{tool}_s"] for r in chosen], style, color=colour, marker="o", label=f"{tool} {fmt.upper()}")
            memory.plot(words, [r[f"{tool}_mb"] for r in chosen], style, color=colour, marker="o", label=f"{tool} {fmt.upper()}")
    times.set(xlabel="thousand words", ylabel="median wall time (s)", title="Build time")
    memory.set(xlabel="thousand words", ylabel="peak memory (MB)", title="Peak memory")
    for axes in (times, memory):
        axes.grid(alpha=0.3)
        axes.legend()
    figure.tight_layout()
    figure.savefig(target, dpi=120)


if __name__ == "__main__":
    main()
