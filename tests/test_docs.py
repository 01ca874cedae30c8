"""The project's docs stay true to the code."""

from pathlib import Path

from folio.config import KEYS
from folio.errors import ERROR_CODES, WARNING_CODES

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_book_yaml_key_is_documented():
    text = (DOCS / "book-yaml.md").read_text(encoding="utf-8")
    assert [k for k in KEYS if f"`{k}`" not in text] == []


def test_every_warning_code_is_documented():
    text = (DOCS / "diagnostics.md").read_text(encoding="utf-8")
    assert [c for c in [*WARNING_CODES, *ERROR_CODES] if f"`{c}`" not in text] == []


def test_every_module_is_in_the_architecture_page():
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    package = Path(__file__).resolve().parent.parent / "folio"
    modules = [p.relative_to(package).as_posix() for p in package.rglob("*.py") if p.name != "__init__.py"]
    assert [m for m in modules if f"`{m}`" not in text] == []
