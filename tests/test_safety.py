"""Containment: WeasyPrint fetches only files inside the book and theme folders; nothing leaks."""

from __future__ import annotations

import zipfile

import pytest

from folio import build
from folio.errors import FolioError
from folio.writers.pdf import _fetcher_class


def test_fetcher_serves_only_files_inside_the_allowed_folders(tmp_path):
    inside = tmp_path / "book"
    inside.mkdir()
    (inside / "ok.css").write_text("p {}")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    (inside / "link.css").symlink_to(secret)
    refused: list[str] = []
    fetcher = _fetcher_class()([inside], refused)
    assert fetcher.fetch((inside / "ok.css").as_uri()).read() == b"p {}"
    for url in (secret.as_uri(), (inside / "link.css").as_uri(), "http://127.0.0.1:9/x.png", "https://example.com/a.css",
                "ftp://example.com/x", (inside / "missing.css").as_uri()):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(refused) == 6
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


def test_book_css_cannot_reach_outside_files_or_the_network(make_book, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-BYTES")
    css = f'@font-face {{ font-family: X; src: url("{secret.as_uri()}"); }}\np {{ background: url("{secret.as_uri()}"); }}\n'
    root = make_book({"01.md": "# One\n\nText.\n"}, extra={"styles/evil.css": css})
    with pytest.raises(FolioError) as caught:
        build(root, tmp_path / "out", ("epub",))
    assert "styles/evil.css:1: style sheets may not import or load remote files" in str(caught.value)
    result = build(root, tmp_path / "out", ("pdf",))
    assert b"TOP-SECRET-BYTES" not in result.outputs["pdf"].read_bytes()
    assert any("refused to fetch" in d.message for d in result.warnings)


def test_links_in_html_are_not_attachments(make_book, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("ATTACHED-SECRET")
    root = make_book({"01.md": f'# One\n\n<a rel="attachment" href="{secret.as_uri()}">x</a>\n'})
    result = build(root, tmp_path / "out", ("pdf", "epub"))
    assert b"ATTACHED-SECRET" not in result.outputs["pdf"].read_bytes()
    assert b"/EmbeddedFile" not in result.outputs["pdf"].read_bytes()
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        assert all(b"ATTACHED-SECRET" not in archive.read(n) for n in archive.namelist())
