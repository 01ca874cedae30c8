# The two commands of the README's Quick start, and a few more.
.PHONY: book test check setup bench clean

book:            ## build book/ into dist/ (sets everything up first)
	scripts/setup.sh
	.venv/bin/python build.py

test:            ## run the whole test suite (installs what the tests need first)
	scripts/setup.sh --test
	.venv/bin/python -m pytest

check:           ## the fast tier: every test not marked slow (unit tests of each stage, no whole-book builds)
	scripts/setup.sh --test
	.venv/bin/python -m pytest -m "not slow" -q

bench:           ## folio against pandoc on the corpus
	scripts/setup.sh --test
	.venv/bin/python -m pip install -q -e ".[bench]"
	.venv/bin/python bench/bench.py

clean:
	rm -rf dist .pytest_cache
