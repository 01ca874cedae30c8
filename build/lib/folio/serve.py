"""`folio serve`: a live preview -> build, serve on 127.0.0.1, rebuild on every save.

In: a book folder, an output folder and a port. Out: an HTTP server bound to
127.0.0.1 only (requests with any Host other than localhost are refused) that
serves the book as one HTML page (the reading view), the PDF rebuilt in the
background after each change (the page view, /book.pdf), a page of the current
diagnostics, and an event stream that tells the open page to reload after each rebuild. A watcher
(watchfiles) rebuilds when anything in the book folder changes; the chapter
cache means only edited chapters are read again. A build error is shown in the
page and the server keeps running. The reload script exists only in the
preview, never in an output.
"""

from __future__ import annotations

import html
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from folio.errors import Diagnostic, FolioError
from folio.pipeline import build

ALLOWED_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
RELOAD_SCRIPT = """<script>
(function () {{
  var source = new EventSource("/events?since={version}");
  source.onmessage = function (event) {{ if (event.data !== "{version}") {{ location.reload(); }} }};
}})();
</script>"""


@dataclass
class PreviewState:
    """What the server shows: the latest page or error, and a version bumped by each rebuild."""

    version: int = 0
    page: bytes = b""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    failed: bool = False
    seconds: float = 0.0
    changed: threading.Condition = field(default_factory=threading.Condition)


class Preview:
    def __init__(self, root: Path, out: Path, log: Callable[[str], None] = print, pdf: bool = True):
        self.root = root.resolve()
        self.out = out.resolve()
        self.state = PreviewState()
        self.log = log
        self.lock = threading.Lock()
        self.pdf_enabled = pdf
        self.pdf_path: Path | None = None  # the last good PDF (the paged view)
        self.pdf_version = 0
        self._pdf_wanted = threading.Event()
        if pdf:
            threading.Thread(target=self._pdf_worker, daemon=True).start()

    def _pdf_worker(self) -> None:
        """Builds the PDF after each change, one build at a time, always for the latest text."""
        while True:
            self._pdf_wanted.wait()
            self._pdf_wanted.clear()
            try:
                result = build(self.root, self.out, ("pdf",))
                self.pdf_path = result.outputs["pdf"]
                self.pdf_version += 1
            except FolioError:
                pass  # the HTML preview shows the errors
            except Exception as exc:  # noqa: BLE001 - a PDF failure must not stop the preview
                self.log(f"the PDF could not be built: {exc}")

    def rebuild(self) -> None:
        with self.lock:
            started = time.perf_counter()
            try:
                result = build(self.root, self.out, ("html",))
                page = result.outputs["html"].read_bytes()
                diagnostics, failed = result.diagnostics, False
            except FolioError as exc:
                page, diagnostics, failed = b"", exc.diagnostics, True
            seconds = time.perf_counter() - started
            with self.state.changed:
                self.state.version += 1
                self.state.page = page
                self.state.diagnostics = diagnostics
                self.state.failed = failed
                self.state.seconds = seconds
                self.state.changed.notify_all()
            self.log(f"rebuilt in {seconds:.1f} s" + (f": {len(diagnostics)} error(s)" if failed else ""))
            if self.pdf_enabled and not failed:
                self._pdf_wanted.set()

    def page(self) -> bytes:
        state = self.state
        script = RELOAD_SCRIPT.format(version=state.version).encode("utf-8")
        if state.failed:
            return self.diagnostics_page(script, "The book has errors")
        notes = []
        if self.pdf_enabled:
            notes.append('<a href="/book.pdf">the PDF (page view, rebuilt after each change)</a>')
        if state.diagnostics:
            notes.append(f'{len(state.diagnostics)} warning(s): <a href="/diagnostics">see the list</a>')
        banner = (f'<p style="background:#eef3f7;padding:0.5em;font-family:sans-serif;font-size:0.9em">'
                  f'{" · ".join(notes)}</p>').encode("utf-8") if notes else b""
        return state.page.replace(b"<body>", b"<body>" + banner, 1).replace(b"</body>", script + b"</body>", 1)

    def diagnostics_page(self, script: bytes, heading: str = "Diagnostics") -> bytes:
        items = "".join(f"<li><code>{html.escape(d.format())}</code></li>" for d in self.state.diagnostics) or "<li>None.</li>"
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/><title>{heading}</title></head>'
                f'<body style="font-family:sans-serif;max-width:50em;margin:2em auto"><h1>{heading}</h1><ul>{items}</ul>'
                f'<p><a href="/">Back to the book</a></p>').encode("utf-8") + script + b"</body></html>"

    def wait_for_change(self, since: int, timeout: float) -> int:
        with self.state.changed:
            self.state.changed.wait_for(lambda: self.state.version != since, timeout=timeout)
            return self.state.version

    def watch(self, stop: threading.Event) -> None:
        from watchfiles import watch

        def interesting(_change: object, path: str) -> bool:
            resolved = Path(path).resolve()
            return not (resolved == self.out or self.out in resolved.parents or "/." in path.replace(str(self.root), ""))

        for _changes in watch(self.root, watch_filter=interesting, stop_event=stop, debounce=200, step=50):
            self.rebuild()


def make_handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0] if not (self.headers.get("Host") or "").startswith("[") \
                else (self.headers.get("Host") or "").split("]")[0] + "]"
            if host not in ALLOWED_HOSTS:
                self.send(403, b"folio serve answers only on localhost\n", "text/plain")
                return
            path, _, query = self.path.partition("?")
            if path == "/":
                self.send(200, preview.page(), "text/html; charset=utf-8")
            elif path == "/diagnostics":
                script = RELOAD_SCRIPT.format(version=preview.state.version).encode("utf-8")
                self.send(200, preview.diagnostics_page(script), "text/html; charset=utf-8")
            elif path == "/book.pdf":
                if preview.pdf_path is None or not preview.pdf_path.is_file():
                    self.send(503, b"the PDF is being built; reload in a few seconds\n", "text/plain")
                else:
                    self.send(200, preview.pdf_path.read_bytes(), "application/pdf")
            elif path == "/status":
                state = preview.state
                body = json.dumps({"version": state.version, "failed": state.failed, "seconds": round(state.seconds, 3),
                                   "pdf_version": preview.pdf_version, "diagnostics": [d.format() for d in state.diagnostics]})
                self.send(200, body.encode("utf-8"), "application/json")
            elif path == "/events":
                since = int(query.partition("since=")[2] or 0) if query.partition("since=")[2].isdigit() else 0
                version = preview.wait_for_change(since, timeout=25)
                self.send(200, f"retry: 500\ndata: {version}\n\n".encode("utf-8"), "text/event-stream")
            else:
                self.send(404, b"not found\n", "text/plain")

        def send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def serve(root: Path, out: Path, port: int, log: Callable[[str], None] = print, pdf: bool = True) -> None:
    """Build, then serve and watch until interrupted."""
    preview = Preview(root, out, log, pdf)
    preview.rebuild()
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(preview))
    server.daemon_threads = True
    stop = threading.Event()
    watcher = threading.Thread(target=preview.watch, args=(stop,), daemon=True)
    watcher.start()
    log(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
