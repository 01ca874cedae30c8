"""The command line: `folio build`, `folio --version`.

In: arguments and options. Out: calls to the API (`folio.build`), what the
author reads on the terminal, and the exit status: 0 built, 1 the book has
errors (each printed as ``path:line: message``, no traceback), 2 usage errors
(Click's own). Options default to None so they never override book.yaml;
heavy imports happen inside the commands.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import click

from folio.version import __version__

STAGE_NAMES = {"read": "reading chapters", "pdf": "laying out the PDF", "epub": "writing the EPUB", "html": "writing the HTML",
               "preflight": "preflight"}
PROFILE_NAMES = ("print", "proof", "kdp", "ingram", "screen")


class _ProgressBars:
    """A rich progress bar per stage, on a terminal only (colours come with it)."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 transient=False)
        self.tasks: dict[str, int] = {}

    def update(self, stage: str, done: int, total: int | None) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(STAGE_NAMES.get(stage, stage), total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)

    def __enter__(self) -> "_ProgressBars":
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _formats(value: str | None) -> tuple[str, ...]:
    if not value:
        return ("pdf", "epub")
    return tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="folio")
def main() -> None:
    """folio turns a book folder into a print-ready PDF and an EPUB 3."""


@main.command()
@click.argument("book", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: dist/ inside the book folder).")
@click.option("--to", "formats", default=None, metavar="FORMATS",
              help="Comma-separated formats: pdf, epub, html (default: pdf,epub).")
@click.option("--strict", is_flag=True, default=False, help="Fail (exit 1) when the build reports warnings.")
@click.option("--no-cache", is_flag=True, default=False,
              help="Build everything afresh: ignore and do not write the cache (chapters, laid-out parts, the last build's record).")
@click.option("-q", "--quiet", is_flag=True, default=False, help="Print only problems.")
@click.option("--timeout", type=click.IntRange(min=1), default=None, metavar="SECONDS",
              help="Stop the build (writing nothing) when it takes longer than this.")
@click.option("--profile", type=click.Choice(PROFILE_NAMES), default=None,
              help="PDF profile (default: book.yaml's, else print); kdp and ingram are preflighted.")
@click.option("--house", type=click.Path(path_type=Path), default=None, metavar="FOLDER",
              help="A house theme: a folder of styles/ (CSS, fonts) and templates/ set under the book's own (docs/catalogue.md).")
@click.option("-v", "--verbose", is_flag=True, default=False,
              help="Also print which of folio's WeasyPrint patches the layout workers use, and why any is off.")
def build(book: Path, out: Path | None, formats: str | None, strict: bool, no_cache: bool, quiet: bool, timeout: int | None,
          profile: str | None, house: Path | None, verbose: bool) -> None:
    """Build BOOK (a folder with book.yaml; default: the current folder)."""
    from folio.pipeline import FORMATS, time_limit
    from folio.pipeline import build as run_build

    wanted = _formats(formats)
    for fmt in wanted:
        if fmt not in FORMATS:
            raise click.BadParameter(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})", param_hint="--to")
    bars = _ProgressBars() if not quiet and sys.stderr.isatty() else None
    if bars:
        progress = bars.update
    elif not quiet:
        seen: set[str] = set()

        def progress(stage: str, _done: int, _total: int | None) -> None:
            if stage not in seen:
                seen.add(stage)
                click.echo(f"folio: {STAGE_NAMES.get(stage, stage)}", err=True)
    else:
        progress = None
    with _user_errors(book, summary=True), time_limit(timeout), (bars or _nothing()):
        result = run_build(book, out, wanted, use_cache=not no_cache, progress=progress, profile=profile,
                           skip_unchanged=not no_cache, house=house)
    for diagnostic in result.warnings:
        click.echo(_shown(book, diagnostic), err=True)
    _print_engine(result.engine, verbose)
    if not quiet:
        for fmt, path in result.outputs.items():
            click.echo(f"{'up to date' if result.up_to_date else 'wrote'} {path}")
    if result.preflight:
        _print_checks(result.preflight, result.profile, quiet)
    if strict and result.warnings:
        click.echo(f"folio: {len(result.warnings)} warning(s) and --strict", err=True)
        sys.exit(1)


def _print_engine(engine: dict[str, str], verbose: bool) -> None:
    """folio's patches of WeasyPrint in the layout workers: the table with -v; without it, one
    line when any is off (the build is slower; the pages are the same but where it says)."""
    if not engine:
        return
    from folio.weasy.patches import describe

    off = [name for name, state in engine.items() if state != "on"]
    if verbose:
        click.echo("folio: WeasyPrint in the layout workers:", err=True)
        for line in describe(engine):
            click.echo(f"  {line}", err=True)
    elif off:
        changes = " (hyphen-limit off: stacked hyphens are mended paragraph by paragraph instead)" if "hyphen-limit" in off else ""
        click.echo(f"folio: {len(off)} of folio's WeasyPrint patches are off ({', '.join(off)}): the build is slower"
                   f"{changes}; folio build -v says why", err=True)


def _print_checks(checks: list, profile: str, quiet: bool = False) -> None:
    """The preflight table; exit 1 when a check failed."""
    from folio.check.preflight import failed

    bad = failed(checks)
    for item in checks:
        if not quiet or item.status != "pass":
            click.echo(item.line(), err=bool(bad))
    if bad:
        click.echo(f"folio: preflight for {profile}: {len(bad)} check(s) failed; the PDF was written but the service will refuse it", err=True)
        sys.exit(1)


@main.command()
@click.argument("book", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--profile", type=click.Choice(PROFILE_NAMES), default=None, help="The profile to check against (default: book.yaml's).")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The PDF to check (default: the one folio build writes for the profile).")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="The build's output folder (default: dist/).")
@click.option("--build/--no-build", "rebuild", default=True, help="Build the PDF first when it is missing (default) or not.")
def preflight(book: Path, profile: str | None, pdf_path: Path | None, out: Path | None, rebuild: bool) -> None:
    """Read BOOK's built PDF back and check it against a print service (kdp, ingram)."""
    from folio.check.preflight import preflight as run_preflight
    from folio.config import load_config
    from folio.pipeline import build as run_build
    from folio.pipeline import slugify

    with _user_errors(book):
        config = load_config(book)
        profile = profile or config.profile
        if pdf_path is None:
            slug = slugify(config.title)
            pdf_path = (out or book / "dist") / (f"{slug}.pdf" if profile == "print" else f"{slug}-{profile}.pdf")
            if not pdf_path.is_file():
                if not rebuild:
                    raise click.ClickException(f"{pdf_path} does not exist: run folio build {book} --profile {profile}")
                click.echo(f"folio: building {pdf_path.name}", err=True)
                pdf_path = run_build(book, out, ("pdf",), profile=profile).outputs["pdf"]
    if not pdf_path.is_file():
        raise click.ClickException(f"{pdf_path} does not exist")
    click.echo(f"preflight of {pdf_path} for {profile}")
    _print_checks(run_preflight(pdf_path, config, profile), profile)


@main.command()
@click.argument("book", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Findings as text lines or JSON.")
@click.option("--strict", is_flag=True, default=False, help="Exit 1 on warnings too.")
@click.option("--validate", is_flag=True, default=False,
              help="Also build the EPUB and run EPUBCheck and Ace by DAISY (when installed) on it.")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --validate: where the EPUB is built (default: dist/ inside the book folder).")
@click.option("--no-ace", is_flag=True, default=False, help="With --validate: skip Ace.")
def check(book: Path, fmt: str, strict: bool, validate: bool, out: Path | None, no_ace: bool) -> None:
    """Check BOOK's manuscript without building it; --validate also checks the built EPUB."""
    import json

    from folio.check.lint import lint

    parsed, diagnostics = lint(book)
    findings: list[dict] = [{"path": d.path, "line": d.line, "column": d.column, "severity": d.severity, "code": d.code,
                             "message": d.message, "source": "folio"} for d in diagnostics]
    if validate and parsed is not None:
        findings += _validate(book, out, not no_ace, fmt)
    errors = sum(f["severity"] == "error" for f in findings)
    warnings = sum(f["severity"] == "warning" for f in findings)
    if fmt == "json":
        click.echo(json.dumps({"errors": errors, "warnings": warnings, "findings": findings}, indent=2, ensure_ascii=False))
    else:
        for f in findings:
            where = f["path"] + (f":{f['line']}" if f["line"] else "") + (f":{f['column']}" if f["line"] and f["column"] else "")
            click.echo(_in_book(book, f["path"], f"{where}: {f['severity']} [{f['code']}] {f['message']}"))
        click.echo(f"folio check: {errors} error(s), {warnings} warning(s)", err=True)
    if errors or (strict and warnings):
        sys.exit(1)


def _validate(book: Path, out: Path | None, ace: bool, fmt: str) -> list[dict]:
    from folio.check.validators import ValidatorMissing, locate, run_ace, run_epubcheck
    from folio.pipeline import build as run_build

    result = run_build(book, out, ("epub",))
    epub = result.outputs["epub"]
    found = []
    for name, run in [("EPUBCheck", run_epubcheck)] + ([("Ace", run_ace)] if ace else []):
        try:
            found += run(epub)
        except ValidatorMissing as exc:
            if name == "EPUBCheck":
                raise click.ClickException(str(exc)) from None
            if fmt == "text":
                click.echo(f"folio: Ace skipped: {exc}", err=True)
    return [{"path": item.path, "line": item.line, "column": None, "severity": item.finding.severity, "code": item.finding.rule,
             "message": item.finding.message, "source": item.finding.validator} for item in locate(found, result.book, epub)]


@main.command()
@click.argument("book", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output folder (default: dist/).")
@click.option("--width", type=click.IntRange(60, 600), default=150, help="Width of a page on the contact sheet, in pixels.")
def proof(book: Path, out: Path | None, width: int) -> None:
    """Build BOOK's proof PDF, contact sheets of its spreads and a report of layout problems."""
    from folio.check.proof import layout_report, spreads
    from folio.paths import atomic_write
    from folio.pipeline import build as run_build

    found: list = []
    with _user_errors(book):
        result = run_build(book, out, ("pdf",), profile="proof", facts=found)
    for diagnostic in result.warnings:
        click.echo(_shown(book, diagnostic), err=True)
    pdf = result.outputs["pdf"]
    sheets = spreads(pdf, pdf.with_name(pdf.stem + "-spreads"), width_px=width)
    report = pdf.with_name(pdf.stem + "-report.txt")
    lines = [p.format() for facts, folios in found for p in layout_report(facts, result.book, folios)]
    with atomic_write(report) as tmp:
        tmp.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    for line in lines:
        click.echo(line)
    click.echo(f"wrote {pdf}")
    for sheet in sheets:
        click.echo(f"wrote {sheet}")
    click.echo(f"wrote {report} ({len(lines)} layout problem{'s' if len(lines) != 1 else ''})")


@main.command()
@click.argument("book", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def stats(book: Path, fmt: str) -> None:
    """Words, notes, figures, citations, estimated pages and reading time of BOOK, per chapter."""
    import json

    from folio.check.lint import as_json
    from folio.check.lint import stats as book_stats
    from folio.pipeline import load_book

    with _user_errors(book):
        rows = book_stats(load_book(book))
    if fmt == "json":
        click.echo(json.dumps(as_json(rows), indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=rows[-1].title)
    for column, justify in (("chapter", "left"), ("words", "right"), ("notes", "right"), ("figures", "right"),
                            ("citations", "right"), ("pages", "right"), ("minutes", "right")):
        table.add_column(column, justify=justify)
    for row in rows:
        name = "Total" if row.file == "total" else row.title
        table.add_row(name, f"{row.words:,}", str(row.notes), str(row.figures), str(row.citations), f"{row.pages:g}", f"{row.minutes:g}",
                      end_section=row is rows[-2])
    Console(width=max(100, Console().width), highlight=False).print(table)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--title", default=None, help="The book's title (asked when not given and a terminal is attached).")
@click.option("--author", default=None, help="The author's name (asked likewise).")
@click.option("--lang", default=None, help="BCP 47 language tag, e.g. en-US, fr, de (default: en-US).")
def new(folder: Path, title: str | None, author: str | None, lang: str | None) -> None:
    """Create a new book in FOLDER (new or empty) that builds right away."""
    import datetime
    import re

    from folio.starter import create_book

    interactive = sys.stdin.isatty()
    title = title or (click.prompt("Title", default=folder.name.replace("-", " ").title()) if interactive else folder.name.replace("-", " ").title())
    author = author or (click.prompt("Author", default="Anonymous") if interactive else "Anonymous")
    lang = lang or (click.prompt("Language", default="en-US") if interactive else "en-US")
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", lang):
        raise click.BadParameter(f"'{lang}' is not a BCP 47 tag like en-US", param_hint="--lang")
    with _user_errors(None):
        create_book(folder, title, author, lang, datetime.date.today().year)
    click.echo(f"created {folder}/ with book.yaml, two chapters, references.bib and images/")
    click.echo(f"next: folio build {folder}")


@main.command()
@click.argument("book", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the preview is built (default: dist/ inside the book folder).")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, help="Port on 127.0.0.1 (0: any free port).")
@click.option("--no-pdf", is_flag=True, default=False, help="Do not rebuild the PDF (page view) in the background.")
def serve(book: Path, out: Path | None, port: int, no_pdf: bool) -> None:
    """Preview BOOK in a browser on 127.0.0.1; it rebuilds and reloads whenever a file changes."""
    from folio.config import load_config
    from folio.serve import serve as run_serve

    with _user_errors(book):
        load_config(book)
    run_serve(book, out or book / "dist", port, log=lambda line: click.echo(f"folio: {line}", err=False), pdf=not no_pdf)


main.add_command(serve, name="watch")


@main.group()
def catalogue() -> None:
    """Build a publisher's catalogue of books on a Dask cluster (docs/catalogue.md)."""


@catalogue.command(name="build")
@click.argument("catalogue_file", metavar="CATALOGUE", type=click.Path(path_type=Path))
@click.option("--scheduler", envvar="DASK_SCHEDULER_ADDRESS", default=None, metavar="ADDRESS",
              help="A running Dask scheduler (tcp://HOST:PORT; also DASK_SCHEDULER_ADDRESS) whose workers have folio; "
                   "default: a cluster on this machine.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Workers of the cluster on this machine (default: one per core).")
@click.option("--memory-limit", default=None, metavar="SIZE", help="Memory a book's build may use, e.g. 4GiB (default: the Dask worker's).")
@click.option("--timeout", type=click.IntRange(min=1), default=None, metavar="SECONDS", help="Time a book may take (default: the catalogue's).")
@click.option("--validate/--no-validate", default=None, help="Run EPUBCheck and Ace on every EPUB (default: the catalogue's).")
@click.option("--force", is_flag=True, default=False, help="Build every book, changed or not.")
@click.option("-q", "--quiet", is_flag=True, default=False, help="Print only failures and the summary.")
def catalogue_build(catalogue_file: Path, scheduler: str | None, workers: int | None, memory_limit: str | None, timeout: int | None,
                    validate: bool | None, force: bool, quiet: bool) -> None:
    """Build every book of CATALOGUE (a catalogue.yaml) that changed since its last build."""
    from folio.catalogue.run import build_catalogue
    from folio.catalogue.spec import load_catalogue

    console = _CatalogueProgress(quiet)
    with _user_errors(None):
        spec = load_catalogue(catalogue_file)
        limit = _bytes(memory_limit)
        with console:
            result = build_catalogue(spec, scheduler=scheduler, workers=workers, memory_limit=limit, timeout=timeout,
                                     validate=validate, force=force, progress=console.row, on_start=console.start)
    html_path = result.report[1] if result.report else spec.output
    counts = {status: sum(r["status"] == status for r in result.rows) for status in ("built", "unchanged", "failed")}
    click.echo(f"folio: {counts['built']} built, {counts['unchanged']} unchanged, {counts['failed']} failed in {result.seconds:.1f} s; "
               f"report: {html_path}", err=True)
    if result.failed:
        sys.exit(1)


def _bytes(size: str | None) -> int | None:
    if size is None:
        return None
    from dask.utils import parse_bytes

    from folio.errors import Diagnostic, FolioError

    try:
        return int(parse_bytes(size))
    except (ValueError, TypeError):
        raise FolioError(Diagnostic("--memory-limit", None, f"'{size}' is not a size (say 4GiB or 500MB)")) from None


class _CatalogueProgress:
    """A bar across the catalogue's books on a terminal (rich), else a line per book; failures always."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.bar, self.task = quiet, None, None
        if not quiet and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())

    def start(self, where: str, dashboard: str | None) -> None:
        if not self.quiet:
            click.echo(f"folio: building on {where}" + (f"; Dask dashboard: {dashboard}" if dashboard else ""), err=True)

    def row(self, row: dict, done: int, total: int) -> None:
        took = f" in {row['seconds']:.1f} s" if row.get("seconds") and row["status"] != "unchanged" else ""
        line = f"{row['name']} ({row['profile']}): {row['status']}{took}"
        if row["status"] == "failed":
            line += "".join(f"\n    {d}" for d in row.get("diagnostics", [])[:10])
        if self.bar is not None:
            if self.task is None:
                self.task = self.bar.add_task("books", total=total)
            self.bar.update(self.task, completed=done, description=f"{row['name'][:24]}")
            if row["status"] == "failed":
                self.bar.console.print(line, markup=False, highlight=False)
        elif not self.quiet or row["status"] == "failed":
            click.echo(f"folio: [{done}/{total}] {line}", err=True)

    def __enter__(self) -> "_CatalogueProgress":
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


@contextmanager
def _user_errors(book: Path | None, summary: bool = False) -> Iterator[None]:
    """The CLI's one handler of expected failures: a `FolioError` prints every diagnostic
    (`path:line: message`, relative to where the user stands) and exits 1, no traceback.
    Any other exception is a bug and shows its traceback."""
    from folio.errors import FolioError

    try:
        yield
    except FolioError as exc:
        for diagnostic in exc.diagnostics:
            click.echo(_shown(book, diagnostic) if book is not None else diagnostic.format(), err=True)
        if summary:
            count = len(exc.diagnostics)
            click.echo(f"folio: {count} error{'s' if count != 1 else ''}; nothing was written", err=True)
        sys.exit(1)


def _shown(book: Path, diagnostic) -> str:
    return _in_book(book, diagnostic.path, diagnostic.format())


def _in_book(book: Path, path: str, line: str) -> str:
    """Findings name files relative to the book; show them relative to where the user stands."""
    if book in (Path("."), Path("")) or Path(path).is_absolute() or path.startswith("-"):
        return line
    return f"{book.as_posix().rstrip('/')}/{line}"


def run() -> None:
    """The `folio` command: `main`, then an exit that does not free the book object by object.

    Tearing the interpreter down frees every node of every chapter one at a time: a tenth
    of a second for a large book, after the outputs are written. Once the command has
    finished (outputs renamed into place, messages printed), the layout workers are
    stopped and the process ends at once. Tests call `main` itself."""
    try:
        main()
        code: int = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            click.echo(exc.code, err=True)
    pool = sys.modules.get("folio.pdf.pool")
    if pool is not None:
        pool.shutdown(wait=code == 0)  # a failed or stopped build does not wait for parts it will not use
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
