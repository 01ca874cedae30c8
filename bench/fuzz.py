"""A longer fuzz run than CI's: generated books must build valid EPUBs or fail with clear errors.

    .venv/bin/python bench/fuzz.py --examples 300 [--seed N]

Prints the valid rate and every input that produced anything else (a crash, an
EPUB that EPUBCheck rejects, or an error that names no source file).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzzbook import chapter  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st
from conftest import epubcheck_many  # noqa: E402
from test_fuzz import BUILT, outcome  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    counts = {"valid": 0, "clear-error": 0, "invalid": 0}
    failures = []

    @settings(max_examples=args.examples, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck),
              database=None, derandomize=args.seed is None)
    @given(chapter(), chapter(), st.just(None))
    def run(first, second, _):
        kind, detail = outcome(first, second)
        if kind != "built":  # EPUBCheck'd all together below
            counts[kind] += 1
        if kind == "invalid":
            failures.append(detail)

    if args.seed is not None:
        from hypothesis import seed

        run = seed(args.seed)(run)
    run()
    verdicts, _log = epubcheck_many([epub for epub, _, _ in BUILT])
    for epub, first, second in BUILT:
        valid = verdicts.get(str(epub)) == (0, 0, 0)
        counts["valid" if valid else "invalid"] += 1
        if not valid:
            failures.append((verdicts.get(str(epub)), first, second))
    total = sum(counts.values())
    print(f"{total} generated books: {counts['valid']} valid, {counts['clear-error']} clear errors, {counts['invalid']} invalid "
          f"({100 * (total - counts['invalid']) / total:.1f}% valid or clear)")
    for detail in failures:
        print("INVALID:", detail)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
