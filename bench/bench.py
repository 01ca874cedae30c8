"""folio against pandoc on the corpus, side by side, in one run.

In: the corpus books in ../shared/corpus (or paths given with --book). Out: for each
book and format, the median wall time, CPU time and peak memory of folio and of
pandoc over alternating runs, and their ratios (folio / pandoc); unless --no-scenarios,
folio's own builds (both formats at once; incremental after one sentence added to a
paragraph of the text, then to a note; nothing changed; folio check) against its cold
builds; each against issue 8's targets; a CSV in bench/results/.

    python bench/bench.py                    # the large book, 3 runs each, with the scenarios
    python bench/bench.py --books small,illustrated,large --runs 5
    python bench/bench.py --books none --synthetic 100k,300k,1M --runs 3 --plot

pandoc's EPUB is `pandoc -o book.epub`; its PDF is `--pdf-engine=weasyprint` (plain
HTML through WeasyPrint, without folio's book typography). folio's cold runs use
--no-cache. Memory is the peak of the summed proportional set size (PSS) of the
command and all its processes, sampled every 50 ms: shared pages count once, and a
tool that works in several processes is charged for all of them.

Time and memory are measured in separate runs (each tool alternately, for each
run: a timed run, then a memory run). Reading the PSS of a process tree costs
about 12 ms of CPU per sample for folio's five processes: sampled every 50 ms
during a timed run, it took a quarter of a core from a build that uses both
cores, and little from pandoc's route, which uses one. Timed runs read only
each process's CPU time (cheap).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
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


def _tree_pss(root: "psutil.Process", cpu: dict[int, float], memory: bool = True) -> float:
    """The summed PSS (MB) of a process and its descendants (0 unless `memory`); notes each
    one's CPU seconds in `cpu`."""
    import psutil

    total = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            if memory:
                total += process.memory_full_info().pss
            times = process.cpu_times()
            cpu[process.pid] = max(cpu.get(process.pid, 0.0), times.user + times.system)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return total / 2**20


def measure(command: list[str], cwd: Path, memory: bool = False) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (all its processes, as last sampled) and, with `memory`,
    peak summed PSS (MB) of a command."""
    import threading

    import psutil

    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}"}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watched = psutil.Process(process.pid)
    peak = [0.0]
    cpu: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                peak[0] = max(peak[0], _tree_pss(watched, cpu, memory))
            except psutil.Error:
                pass
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{stderr.decode()[-2000:]}")
    return elapsed, sum(cpu.values()), peak[0]


def pandoc_command(book: Path, fmt: str, out: Path) -> list[str]:
    from pypandoc import get_pandoc_path

    config = yaml.safe_load((book / "book.yaml").read_text(encoding="utf-8"))
    files = [c if isinstance(c, str) else c["file"] for c in config["chapters"]]
    command = [get_pandoc_path(), "-f", "markdown", "--metadata-file", "book.yaml", "--resource-path", str(book), "-s"]
    if config.get("bibliography"):
        from folio.source.cite import STYLE_ALIASES, styles_folder

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


# Issue 8's targets: (what, limit, the ratio it bounds)
TARGETS = {
    ("epub", "time"): 0.5, ("pdf", "time"): 0.6, ("pdf", "memory"): 0.75,
    ("both", "time"): 1.0, ("edit", "time"): 0.25, ("edit-note", "time"): 0.25, ("unchanged", "time"): 0.05, ("check", "time"): 0.2,
}


def _verdict(kind: str, measure_name: str, ratio: float) -> str:
    limit = TARGETS.get((kind, measure_name))
    if limit is None:
        return ""
    return f"  target <= {limit:g}: {'met' if ratio <= limit else 'NOT met'}"


def _median(samples: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return tuple(statistics.median(s[i] for s in samples) for i in range(3))  # type: ignore[return-value]


def compare(name: str, book: Path, fmt: str, runs: int) -> dict:
    """folio and pandoc, alternating, cold."""
    samples: dict[str, list[tuple[float, float, float]]] = {"folio": [], "pandoc": []}
    for _ in range(runs):
        for tool, make in (("folio", folio_command), ("pandoc", pandoc_command)):
            timed = memory = (0.0, 0.0, 0.0)
            for sampled in (False, True):  # a timed run, then a memory run
                out = Path(tempfile.mkdtemp(prefix="folio-bench-"))
                try:
                    if sampled:
                        memory = measure(make(book, fmt, out), book, memory=True)
                    else:
                        timed = measure(make(book, fmt, out), book)
                finally:
                    shutil.rmtree(out, ignore_errors=True)
            samples[tool].append((timed[0], timed[1], memory[2]))
    medians = {t: _median(v) for t, v in samples.items()}
    for tool, (seconds, cpu, memory) in medians.items():
        print(f"{name:<12}{fmt:<10}{tool:<8}{seconds:>10.2f}{cpu:>10.2f}{memory:>10.0f}")
    time_ratio = medians["folio"][0] / medians["pandoc"][0]
    memory_ratio = medians["folio"][2] / medians["pandoc"][2]
    print(f"{name:<12}{fmt:<10}{'ratio':<8}{time_ratio:>10.2f}{'':>10}{memory_ratio:>10.2f}"
          f"   folio / pandoc, median of {runs}"
          + (f"{_verdict(fmt, 'time', time_ratio)}{_verdict(fmt, 'memory', memory_ratio)}" if name == "large" else ""))  # issue 8's targets are for it
    return {"book": name, "words": _words(book), "format": fmt, "runs": runs,
            "folio_s": round(medians["folio"][0], 3), "pandoc_s": round(medians["pandoc"][0], 3),
            "folio_cpu_s": round(medians["folio"][1], 3), "pandoc_cpu_s": round(medians["pandoc"][1], 3),
            "folio_mb": round(medians["folio"][2]), "pandoc_mb": round(medians["pandoc"][2]),
            "time_ratio": round(time_ratio, 3), "memory_ratio": round(memory_ratio, 3)}


def scenarios(name: str, book: Path, runs: int, cold: dict[str, float]) -> list[dict]:
    """folio's own builds against its cold ones: both formats at once, after a one-paragraph
    edit, with nothing changed, and folio check."""
    rows = []
    kinds = ("both", "edit", "edit-note", "unchanged", "check")
    samples: dict[str, list[tuple[float, float, float]]] = {k: [] for k in kinds}
    for _ in range(runs):
        work = Path(tempfile.mkdtemp(prefix="folio-bench-book-"))
        copy = work / "book"
        shutil.copytree(book, copy, ignore=shutil.ignore_patterns("dist"))
        out = work / "out"
        try:
            samples["both"].append(measure(folio_command(copy, "pdf,epub", out), copy))
            chapter = sorted((copy / "chapters").glob("*.md"))[len(list((copy / "chapters").glob("*.md"))) // 2]
            # the cache is warm: build once with it, then edit and rebuild
            measure([str(BIN / "folio"), "build", str(copy), "-o", str(out), "--to", "pdf,epub", "-q"], copy)
            for kind, is_note in (("edit", False), ("edit-note", True)):
                # one sentence more in the middle paragraph of the chapter's text, then in the middle note
                paragraphs = chapter.read_text(encoding="utf-8").split("\n\n")
                chosen = [i for i, p in enumerate(paragraphs) if p.startswith("[^") == is_note and p.strip()
                          and (is_note or p[0].isalnum() or p[0] in "\u201c\u2018\"'*_")]
                middle = chosen[len(chosen) // 2]
                paragraphs[middle] = paragraphs[middle].rstrip() + " And one sentence more, added by the benchmark."
                chapter.write_text("\n\n".join(paragraphs), encoding="utf-8")
                samples[kind].append(measure([str(BIN / "folio"), "build", str(copy), "-o", str(out), "--to", "pdf,epub", "-q"], copy))
            samples["unchanged"].append(measure([str(BIN / "folio"), "build", str(copy), "-o", str(out), "--to", "pdf,epub", "-q"], copy))
            check = [str(BIN / "folio"), "check", str(copy)]
            samples["check"].append(measure(check, copy))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    base = {"both": cold["epub"] + cold["pdf"]}
    both = _median(samples["both"])[0]
    for kind in kinds:
        seconds, cpu, _memory = _median(samples[kind])
        against = base["both"] if kind == "both" else both
        ratio = seconds / against
        what = "sum of the cold EPUB and PDF builds" if kind == "both" else "the cold build of both"
        print(f"{name:<12}{kind:<10}{'folio':<8}{seconds:>10.2f}{cpu:>10.2f}{'':>10}   {ratio:.2f} x {what}{_verdict(kind, 'time', ratio)}")
        rows.append({"book": name, "words": _words(book), "format": kind, "runs": runs, "folio_s": round(seconds, 3),
                     "pandoc_s": "", "folio_cpu_s": round(cpu, 3), "pandoc_cpu_s": "", "folio_mb": "", "pandoc_mb": "",
                     "time_ratio": round(ratio, 3), "memory_ratio": ""})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--books", default="large", help="corpus books, comma-separated (default: large)")
    parser.add_argument("--formats", default="epub,pdf", help="epub, pdf (default: both)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--synthetic", default="", help="synthetic books by word count, e.g. 100k,300k,1M")
    parser.add_argument("--no-scenarios", action="store_true", help="only folio against pandoc (no incremental, unchanged, check)")
    parser.add_argument("--plot", action="store_true", help="write bench/results/scaling.png (time and memory against words)")
    args = parser.parse_args()
    rows = []
    books: list[tuple[str, Path]] = [(n, (CORPUS / n).resolve()) for n in args.books.split(",") if n and n != "none"]
    scratch = Path(tempfile.mkdtemp(prefix="folio-synthetic-"))
    for size in filter(None, args.synthetic.split(",")):
        from synth import make_book

        words = int(float(size.lower().rstrip("km")) * (1_000_000 if size.lower().endswith("m") else 1_000))
        books.append((f"synth-{size}", make_book(scratch / size, words)))
    print(f"{os.cpu_count()} cores; {platform.platform()}; Python {platform.python_version()}")
    _print_engine(scratch)
    print(f"{'book':<12}{'build':<10}{'tool':<8}{'median s':>10}{'cpu s':>10}{'peak MB':>10}")
    for name, book in books:
        cold: dict[str, float] = {}
        for fmt in args.formats.split(","):
            row = compare(name, book, fmt, args.runs)
            cold[fmt] = row["folio_s"]
            rows.append(row)
        if not args.no_scenarios and not name.startswith("synth") and {"epub", "pdf"} <= set(cold):
            rows += scenarios(name, book, args.runs, cold)
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
        plot([r for r in rows if r["format"] in ("epub", "pdf")], results / "scaling.png")
        print(f"wrote {results / 'scaling.png'}")


def _print_engine(scratch: Path) -> None:
    """Which of folio's WeasyPrint patches the layout workers use (folio build -v on a new book):
    a probe that fails on this machine makes the PDF slower, and the ratios should say why."""
    folio = str(BIN / "folio")
    book = scratch / "engine-probe"
    subprocess.run([folio, "new", str(book), "--title", "Engine", "--author", "Bench", "--lang", "en"], capture_output=True, check=True)
    done = subprocess.run([folio, "build", str(book), "--to", "pdf", "--no-cache", "-q", "-v"], capture_output=True, text=True)
    print("\n".join(line for line in done.stderr.splitlines() if line.startswith(("folio: WeasyPrint", "  "))))


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
