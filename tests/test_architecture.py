"""The tree keeps its architecture (docs/architecture.md): stages as layers with no import
circles (the import-linter contracts in pyproject.toml), no private name imported from
another module, small modules that say what goes in and what comes out, long functions
only with a reason written next to them."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "folio"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
REASON = re.compile(r"#\s*long:")  # on the def line or the line above it: why the function stays whole


def test_the_import_contracts_hold():
    done = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken." in done.stdout


def test_the_contracts_can_fail(tmp_path):
    """A layer importing one above it breaks the contract (the check is not vacuous)."""
    import grimp

    graph = grimp.build_graph("folio")
    assert graph.find_shortest_chain(importer="folio.pdf.writer", imported="folio.weasy.worker")  # a real edge is seen
    assert graph.find_shortest_chain(importer="folio.weasy", imported="folio.pdf") is None
    assert graph.find_shortest_chain(importer="folio.source", imported="folio.render") is None
    assert graph.find_shortest_chain(importer="folio.model", imported="folio.source") is None


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_module_shape(path):
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines()
    assert len(lines) <= MAX_MODULE_LINES, f"{path.name}: {len(lines)} lines; split it by what its parts hold"
    doc = ast.get_docstring(tree) or ""
    assert doc, "every module opens with a docstring"
    if path.name not in ("__init__.py", "version.py"):
        assert re.search(r"\bIn\b", doc) and re.search(r"\bOut\b", doc), "the docstring says what goes in and what comes out"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "folio":
            private = [a.name for a in node.names if a.name.startswith("_") and a.name != "__version__"]
            assert not private, f"line {node.lineno}: private names imported from {node.module}: {private}"
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            around = "\n".join(lines[max(0, node.lineno - 2):node.lineno])
            assert length <= MAX_FUNCTION_LINES or REASON.search(around), \
                f"{node.name} (line {node.lineno}) has {length} lines and no '# long:' reason next to it"
