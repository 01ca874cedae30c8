"""What a PDF build gives back besides the file: its page map.

In: nothing; the type. Out: `PdfResult`: the path, the page count, the printed folio of
every page, the page of every id and where each page's text starts (for the EPUB's
page-list), the page geometry and the profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from folio.model import PageStart


@dataclass
class PdfResult:
    path: Path
    pages: int
    labels: list[str]  # the printed folio of every page ("" for none printed)
    id_pages: dict[str, int] = field(default_factory=dict)  # id -> page index (0-based)
    body_start: int = 0
    starts: list[PageStart] = field(default_factory=list)  # where each page's text begins (pagemap.py)
    geometry: dict[str, Any] = field(default_factory=dict)  # trim, margins, bleed (profiles.page_geometry)
    profile: str = "print"
