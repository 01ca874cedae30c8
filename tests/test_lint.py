"""folio check (the manuscript lint) and folio stats."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from conftest import CORPUS
from PIL import Image

from folio.cli import main


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "PNG")
    return buffer.getvalue()


LONG = " ".join(["word"] * 401)
CHAPTER = f"""# One

Text with  two spaces and ![](images/a.png) an inline image.

#### Skipped a level

{LONG}

A note.[^long]

[^long]: {" ".join(["note"] * 351)}

[^unused]: Never called.

Described: ![](images/a.png){{alt="A blue square."}} (alt= is its text).
"""


def check(*args):
    return CliRunner().invoke(main, ["check", *args])


def test_lint_reports_each_finding_with_code_severity_and_place(make_book):
    root = make_book({"01.md": CHAPTER}, extra={"images/a.png": png()})
    result = check(str(root), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    found = {(f["code"], f["line"], f["column"], f["severity"]) for f in data["findings"]}
    assert ("typography-double-space", 3, 10, "warning") in found
    assert ("image-no-alt", 3, None, "warning") in found
    assert not [f for f in data["findings"] if f["code"] == "image-no-alt" and f["line"] != 3]  # ![](b.png){alt="..."} has it
    assert ("heading-level-skipped", 5, None, "warning") in found
    assert ("paragraph-long", 7, None, "warning") in found
    assert ("note-long", 11, None, "warning") in found
    assert ("note-unused", 13, None, "warning") in found
    assert data["errors"] == 0 and data["warnings"] == len(data["findings"]) == 6
    text = check(str(root))
    assert f"{root.as_posix()}/chapters/01.md:3:10: warning [typography-double-space] two or more spaces between words" in text.output


def test_lint_errors_strict_and_silencing(make_book):
    root = make_book({"01.md": "# One\n\nSee [x](#nowhere) and ![c](images/none.png){alt=x}.\n\nText  here.\n"})
    result = check(str(root), "--format", "json")
    assert result.exit_code == 1
    codes = [(f["code"], f["severity"], f["line"]) for f in json.loads(result.stdout)["findings"]]
    assert ("link-broken", "error", 3) in codes and ("image-missing", "error", 3) in codes
    assert ("typography-double-space", "warning", 5) in codes, "the lint goes on after errors"
    clean = make_book({"01.md": "# One\n\nText  here.\n"}, "title: T\nlint:\n  ignore: [typography-double-space]\nchapters: [chapters/01.md]\n")
    assert check(str(clean), "--strict").exit_code == 0
    noisy = make_book({"01.md": "# One\n\nText  here.\n"}, "title: T\nchapters: [chapters/01.md]\n")
    assert check(str(noisy)).exit_code == 0
    assert check(str(noisy), "--strict").exit_code == 1


def test_straight_quotes_outside_code_and_alt_text(make_book):
    root = make_book({"01.md": '# One\n\nA `"code"` span, curly "quotes", ![alt with "quotes"](images/a.png) and \\"escaped\\" ones.\n'},
                     extra={"images/a.png": png()})
    findings = json.loads(check(str(root), "--format", "json").stdout)["findings"]
    assert [f["code"] for f in findings] == ["typography-straight-quote"]


def test_stats_per_chapter_and_total(make_book):
    root = make_book({"01.md": "# One\n\nOne two three[^a].\n\n[^a]: Four five.\n", "02.md": "# Two\n\nSix seven.\n"})
    result = CliRunner().invoke(main, ["stats", str(root), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["file"], r["words"], r["words_text"], r["words_notes"], r["notes"]) for r in rows] == [
        ("chapters/01.md", 6, 4, 2, 1), ("chapters/02.md", 3, 3, 0, 0), ("total", 9, 7, 2, 1)]  # titles count
    table = CliRunner().invoke(main, ["stats", str(root)])
    assert "Total" in table.output and "words" in table.output


@pytest.mark.slow
def test_stats_of_the_corpus_agree_with_its_manifest():
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    for name in ("small", "large"):
        rows = json.loads(CliRunner().invoke(main, ["stats", str(CORPUS / name), "--format", "json"]).stdout)
        total = rows[-1]
        assert total["notes"] == manifest[name]["footnotes"]
        assert abs(total["words"] - manifest[name]["words"]) / manifest[name]["words"] < 0.002
        assert total["words_notes"] == manifest[name]["words_notes"]


def test_spaces_in_math_code_and_aligned_tables_are_not_double_spaces(make_book):
    """Only prose is checked: TeX and code keep their spaces, and simple and multiline tables
    align their columns with them; an escaped straight quote is found at its own line."""
    chapter = ("# One\n\nMath $a  \\cdot  b$ and $$x  =  y$$ and `a  b`.\n\n"
               "  Right     Left\n  -------   ------\n  12        a\n\n"
               "-----------------\n  First   Second\n  ------  -------\n  a       b\n\n  c       d\n-----------------\n\n"
               "Prose  here.\n\nSaid \"this,\\\" then.\n")
    root = make_book({"01.md": chapter})
    data = json.loads(check(str(root), "--format", "json").stdout)
    assert sorted((f["code"], f["line"]) for f in data["findings"]) == [
        ("typography-double-space", 17), ("typography-straight-quote", 19)]
