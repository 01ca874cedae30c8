"""Run every case of the hostile catalogue in this one process and write what each did.

In: a JSON spec (the cases' folders; test_hostile.py makes them) and the path of the JSON
results to write. Out: per case, the exit code, everything printed, and the traceback of
any exception that was not a clean exit. test_hostile.py starts this in a network
namespace, under strace (every connect() noted) and a memory limit; running the cases
in few processes keeps the catalogue's time down (one start-up, one set of layout workers
each): with `--jobs N`, N processes of this driver (traced too) take every Nth case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import traceback

from click.testing import CliRunner

from folio.cli import main


def run(spec_path: str, results_path: str, shard: int = 0, shards: int = 1) -> None:
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    results = {}
    for case in spec["cases"][shard::shards]:
        os.chdir(case["dir"])
        args = ["build", "book", "--to", "pdf,epub", "--timeout", "60"] + ([] if case["default_out"] else ["-o", "out"])
        started = time.monotonic()
        result = CliRunner().invoke(main, args)
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        results[case["id"]] = {
            "code": result.exit_code,
            "output": result.output,
            "traceback": "".join(traceback.format_exception(*result.exc_info)) if crashed and result.exc_info else "",
            "seconds": round(time.monotonic() - started, 2),
        }
        with open(results_path, "w", encoding="utf-8") as handle:  # after each case: a crash leaves the others' results
            json.dump(results, handle)


def run_in(jobs: int, spec_path: str, results_path: str) -> None:
    """Every case, in `jobs` processes side by side; their results merged into `results_path`."""
    parts = [f"{results_path}.{n}" for n in range(jobs)]
    drivers = [subprocess.Popen([sys.executable, __file__, spec_path, part, "--shard", f"{n}/{jobs}"]) for n, part in enumerate(parts)]
    for driver in drivers:
        driver.wait()
    results = {}
    for part in parts:
        if os.path.exists(part):
            with open(part, encoding="utf-8") as handle:
                results.update(json.load(handle))
    with open(results_path, "w", encoding="utf-8") as handle:
        json.dump(results, handle)


if __name__ == "__main__":
    if "--jobs" in sys.argv:
        run_in(int(sys.argv[sys.argv.index("--jobs") + 1]), sys.argv[1], sys.argv[2])
    elif "--shard" in sys.argv:
        index, count = sys.argv[sys.argv.index("--shard") + 1].split("/")
        run(sys.argv[1], sys.argv[2], int(index), int(count))
    else:
        run(sys.argv[1], sys.argv[2])
