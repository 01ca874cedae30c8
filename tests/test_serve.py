"""folio serve, tried for real: headless Chromium watches the page reload after an edit."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import CORPUS

pytestmark = pytest.mark.slow  # starts the preview server and a browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def server(tmp_path):
    book = tmp_path / "we"
    shutil.copytree(CORPUS / "illustrated", book)
    for path in [book, *book.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    process = subprocess.Popen([sys.executable, "-u", "-m", "folio.cli", "serve", str(book), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and url is None:
        line = process.stdout.readline()
        if "serving http://" in line:
            url = line.split("serving ", 1)[1].split()[0]
    assert url, "the server did not start"
    yield book, url, process
    process.terminate()
    process.wait(timeout=10)


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_serve_binds_to_localhost_only_and_refuses_other_hosts(server):
    _book, url, _process = server
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url, headers={"Host": "evil.example"}))
    assert refused.value.code == 403
    with urllib.request.urlopen(url + "status") as response:
        assert b'"failed": false' in response.read()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # the page view: the PDF built in the background
        try:
            with urllib.request.urlopen(url + "book.pdf") as response:
                assert response.read(5) == b"%PDF-"
                break
        except urllib.error.HTTPError as pending:
            assert pending.code == 503
            time.sleep(1)
    else:
        raise AssertionError("the PDF was not served")


def test_an_edit_shows_in_the_browser_and_errors_are_shown_in_the_page(server):
    from playwright.sync_api import sync_playwright

    book, url, process = server
    chapter = book / "chapters" / "03-chapter-1.md"
    original = chapter.read_text(encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url)
        assert "Boyhood and Early Flights" in page.inner_text("body")
        started = time.monotonic()
        chapter.write_text(original.replace("\n\n", "\n\nFOLIO-LIVE-EDIT-MARKER in a new paragraph.\n\n", 1), encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('FOLIO-LIVE-EDIT-MARKER')", timeout=20_000)
        print(f"edit visible after {time.monotonic() - started:.1f} s")
        chapter.write_text(original + "\nA link to [nowhere](#no-such-place).\n", encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('The book has errors')", timeout=20_000)
        assert "link to '#no-such-place': no such id in the book" in page.inner_text("body")
        assert process.poll() is None, "the server keeps running after an error"
        chapter.write_text(original, encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('Boyhood and Early Flights')", timeout=20_000)
        assert "FOLIO-LIVE-EDIT-MARKER" not in page.inner_text("body")
        browser.close()
