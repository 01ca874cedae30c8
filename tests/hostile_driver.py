"""Run every case of the hostile catalogue in this one process and write what each did.

In: a JSON spec (the cases' folders; test_hostile.py makes them) and the path of the JSON
results to write. Out: per case, the exit code, everything printed, and the traceback of
any exception that was not a clean exit. test_hostile.py starts this in a network
namespace, under strace (every connect() noted) and a memory limit; running the cases
in one process keeps the catalogue's time down (one start-up, one set of layout workers).
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback

from click.testing import CliRunner

from folio.cli import main


def run(spec_path: str, results_path: str) -> None:
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    results = {}
    for case in spec["cases"]:
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


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2])
