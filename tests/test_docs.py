"""The project's docs stay true to the code."""

import dataclasses
from pathlib import Path

from folio.config import OPTIONS, SCHEMA, Config, markdown
from folio.errors import ERROR_CODES, WARNING_CODES

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_book_yaml_key_is_documented():
    text = (DOCS / "book-yaml.md").read_text(encoding="utf-8")
    assert [k for k in OPTIONS if f"`{k}`" not in text] == []
    assert text == markdown(), "docs/book-yaml.md is generated: python -m folio.config > docs/book-yaml.md"


def test_every_option_is_a_config_field_with_the_same_default():
    fields = {f.name: f for f in dataclasses.fields(Config)}
    for option in SCHEMA:
        assert option.field in fields, option.key
        declared = fields[option.field].default
        if declared is not dataclasses.MISSING:
            assert option.default == declared, option.key


def test_every_warning_code_is_documented():
    text = (DOCS / "diagnostics.md").read_text(encoding="utf-8")
    assert [c for c in [*WARNING_CODES, *ERROR_CODES] if f"`{c}`" not in text] == []


def test_every_module_is_in_the_architecture_page():
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    package = Path(__file__).resolve().parent.parent / "folio"
    modules = [p.relative_to(package).as_posix() for p in package.rglob("*.py") if p.name != "__init__.py"]
    assert [m for m in modules if f"`{m}`" not in text] == []
