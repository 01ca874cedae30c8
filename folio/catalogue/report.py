"""A catalogue build's report: catalogue-report.json and a static catalogue-report.html.

In: the `Catalogue` and how its build went (run.py: a row per book and profile, the seconds,
where it ran, the dashboard's address). Out: the two files in the output
root, written atomically. The HTML is one page with its style inside, no script and no
request to anything: a table of the books (status, pages, words, build time, preflight,
EPUBCheck and Ace, links to the outputs beside it, each book's diagnostics), opened from
the disk as it is.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Any

import jinja2

from folio.catalogue.spec import Catalogue
from folio.paths import atomic_write
from folio.version import __version__

JSON_NAME, HTML_NAME = "catalogue-report.json", "catalogue-report.html"


def _validation(row: dict[str, Any], name: str) -> dict[str, Any] | None:
    return (row.get("validation") or {}).get(name)


def report_data(catalogue: Catalogue, rows: list[dict[str, Any]], seconds: float, where: str, dashboard: str | None) -> dict[str, Any]:
    counts = {status: sum(r["status"] == status for r in rows) for status in ("built", "unchanged", "failed")}
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    when = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc) if epoch.isdigit() else datetime.datetime.now(datetime.timezone.utc)
    return {"title": catalogue.title, "catalogue": str(catalogue.path), "output": str(catalogue.output), "folio": __version__,
            "finished": when.strftime("%Y-%m-%d %H:%M UTC"), "seconds": round(seconds, 1), "where": where,
            "dashboard": dashboard, "counts": counts, "books": rows}


def write_report(catalogue: Catalogue, rows: list[dict[str, Any]], seconds: float, where: str = "",
                 dashboard: str | None = None) -> tuple[Path, Path]:
    data = report_data(catalogue, rows, seconds, where, dashboard)
    catalogue.output.mkdir(parents=True, exist_ok=True)
    json_path, html_path = catalogue.output / JSON_NAME, catalogue.output / HTML_NAME
    with atomic_write(json_path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["validation"] = _validation
    html = env.get_template("report.html").render(**data)
    with atomic_write(html_path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return json_path, html_path
