"""book.yaml -> Config: every problem reported with its line, all at once."""

from __future__ import annotations

import pytest

from folio.config import TRIMS, load_config
from folio.errors import FolioError

CHAPTER = {"01.md": "# One\n\nText.\n"}


def messages(exc: FolioError) -> list[str]:
    return [d.format() for d in exc.diagnostics]


def test_valid_config_reads_every_key(make_book):
    root = make_book(CHAPTER, """\
        title: A Title
        subtitle: Sub
        author: Single Author
        translator: [T One, T Two]
        lang: fr-CA
        identifier: isbn:9780000000000
        date: 2023-05-08
        subject: [History]
        trim: 5.5 x 8.5 in
        chapters:
          - file: chapters/01.md
            role: frontmatter
        """)
    config = load_config(root)
    assert config.title == "A Title"
    assert config.author == ("Single Author",)
    assert config.translator == ("T One", "T Two")
    assert config.date == "2023-05-08"
    assert config.trim == TRIMS["5.5x8.5"]
    assert config.chapters[0].role == "frontmatter"
    assert config.chapters[0].line == 11


def test_unknown_key_names_its_line_and_suggests(make_book):
    root = make_book(CHAPTER, "title: T\nauthr: [X]\nchapters: [chapters/01.md]\n")
    with pytest.raises(FolioError) as caught:
        load_config(root)
    assert messages(caught.value) == ["book.yaml:2: unknown key 'authr' (did you mean 'author'?)"]


def test_all_problems_are_reported_together(make_book):
    root = make_book(CHAPTER, "titel: T\ndate: May 2020\nlang: 'english please'\nchapters:\n  - chapters/missing.md\n  - file: chapters/01.md\n    role: middle\n")
    with pytest.raises(FolioError) as caught:
        load_config(root)
    found = messages(caught.value)
    assert "book.yaml:1: unknown key 'titel' (did you mean 'title'?)" in found
    assert "book.yaml:2: date 'May 2020' must be YYYY, YYYY-MM or YYYY-MM-DD" in found
    assert "book.yaml:5: chapter 'chapters/missing.md' does not exist" in found
    assert "book.yaml:7: unknown chapter role 'middle': use frontmatter, bodymatter, backmatter" in found
    assert "book.yaml:1: required key 'title' is missing" in found
    assert any(m.startswith("book.yaml:3: lang 'english please'") for m in found)


@pytest.mark.parametrize("path, message", [
    ("../outside.md", "points outside the book folder"),
    ("/etc/passwd", "is an absolute path"),
    ("https://example.com/ch.md", "is a URL"),
])
def test_chapter_paths_must_stay_inside_the_book(make_book, path, message):
    root = make_book(CHAPTER, f"title: T\nchapters:\n  - {path}\n")
    with pytest.raises(FolioError) as caught:
        load_config(root)
    assert message in messages(caught.value)[0]
    assert messages(caught.value)[0].startswith("book.yaml:3: ")


def test_symlink_pointing_out_is_refused(make_book, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n")
    root = make_book(CHAPTER, "title: T\nchapters: [chapters/link.md]\n")
    (root / "chapters" / "link.md").symlink_to(secret)
    with pytest.raises(FolioError) as caught:
        load_config(root)
    assert "points outside the book folder" in messages(caught.value)[0]


def test_chapter_listed_twice(make_book):
    root = make_book(CHAPTER, "title: T\nchapters:\n  - chapters/01.md\n  - chapters/01.md\n")
    with pytest.raises(FolioError) as caught:
        load_config(root)
    assert messages(caught.value) == ["book.yaml:4: chapter 'chapters/01.md' is listed twice (first at line 3)"]


def test_yaml_anchors_and_python_tags_are_refused(make_book):
    root = make_book(CHAPTER, "title: &t T\nsubtitle: *t\nchapters: [chapters/01.md]\n")
    with pytest.raises(FolioError) as caught:
        load_config(root)
    assert "anchors and aliases" in messages(caught.value)[0]
    root = make_book(CHAPTER, "title: !!python/object/apply:os.system ['echo hi']\nchapters: [chapters/01.md]\n")
    with pytest.raises(FolioError) as caught:
        load_config(root)
    assert messages(caught.value)[0].startswith("book.yaml:1: ")


def test_malformed_yaml_names_the_line(make_book):
    root = make_book(CHAPTER, "title: T\nchapters: [chapters/01.md\nlang: en\n")
    with pytest.raises(FolioError) as caught:
        load_config(root)
    assert messages(caught.value)[0].startswith("book.yaml:3: invalid YAML")


def test_wrong_types(make_book):
    root = make_book(CHAPTER, "title: [a, b]\nchapters: chapters/01.md\ntrim: huge\n")
    with pytest.raises(FolioError) as caught:
        load_config(root)
    found = messages(caught.value)
    assert "book.yaml:1: 'title' must be a text, not a list" in found
    assert "book.yaml:2: 'chapters' must be a list of chapter files" in found
    assert any(m.startswith("book.yaml:3: unknown trim 'huge'") for m in found)


def test_custom_trim_in_millimetres(make_book):
    root = make_book(CHAPTER, "title: T\ntrim: 150mm x 220mm\nchapters: [chapters/01.md]\n")
    width, height = load_config(root).trim
    assert width == pytest.approx(150 / 25.4, abs=1e-3)
    assert height == pytest.approx(220 / 25.4, abs=1e-3)


def test_not_a_book_folder(tmp_path):
    with pytest.raises(FolioError) as caught:
        load_config(tmp_path)
    assert "book.yaml is missing" in messages(caught.value)[0]


@pytest.mark.parametrize("text, expected", [
    ("? [a, b]\n: 1\ntitle: T\nchapters: [chapters/01.md]\n", "book.yaml:1: a key must be a plain word, not a list or a mapping"),
    ('title: "T\\u0001x"\nchapters: [chapters/01.md]\n', "book.yaml:1: 'title': the control character U+0001 is not allowed"),
    ('title: "T\\ud800"\nchapters: [chapters/01.md]\n', "book.yaml:1: 'title': the lone surrogate U+D800 is not a character"),
    ("title: T\nchapters:\n  - file: chapters/01.md\n    file: chapters/01.md\n", "book.yaml:4: chapter key 'file' appears twice (first at line 3)"),
    ("title: T\ndate: 2024-02-30\nchapters: [chapters/01.md]\n", "book.yaml:2: invalid value '2024-02-30': day is out of range for month"),
    ("title: T\nchapters: [chapters/01.md]\nsubject: " + "[" * 3000 + "]" * 3000 + "\n", "book.yaml:3: lists and mappings nested more than 20 deep"),
    ("title: T\nchapters: [chapters/01.md]\nlint: {? [x]: 1}\n", "book.yaml:3: a key must be a plain word, not a list or a mapping"),
])
def test_malformed_yaml_is_an_error_at_its_line_never_a_traceback(tmp_path, text, expected):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "01.md").write_text("# One\n", encoding="utf-8")
    (tmp_path / "book.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(FolioError) as caught:
        load_config(tmp_path)
    assert [d.format() for d in caught.value.diagnostics] == [expected]


@pytest.mark.parametrize("date", ["1925-05-01", "2200-01-01"])
def test_any_publication_date_builds_an_epub(make_book, tmp_path, date):
    """The EPUB's zip entries carry the book's date as their time, within the years a zip can
    hold (1980 to 2107); the package keeps the date as written."""
    import zipfile

    from folio import build

    yaml = f"title: T\nlang: en\nidentifier: urn:x:t\ndate: {date}\nchapters:\n  - chapters/01.md\n"
    epub = build(make_book({"01.md": "# One\n\nText.\n"}, yaml=yaml), tmp_path / "out", ("epub",)).outputs["epub"]
    with zipfile.ZipFile(epub) as archive:
        years = {info.date_time[0] for info in archive.infolist()}
        opf = archive.read("EPUB/content.opf").decode("utf-8")
    assert years == {min(max(int(date[:4]), 1980), 2107)}
    assert f">{date}<" in opf
