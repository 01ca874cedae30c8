"""What WeasyPrint may read: regular files inside the allowed folders, and data: URLs.

In: the folders a layout may read (the book's and the theme's) and a list to note
refused URLs in. Out: a `weasyprint.urls.URLFetcher` (WeasyPrint's public fetcher
class) that serves those files and nothing else: no network, no other file, nothing
larger than `paths.MAX_FILE_BYTES`.
"""

from __future__ import annotations

import functools
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from folio.paths import MAX_FILE_BYTES, is_inside


@functools.lru_cache(maxsize=1)
def fetcher_class() -> Any:
    """The fetcher class, made once on first use (importing WeasyPrint takes half a second)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ContainedFetcher(URLFetcher):
        """Serves only files inside the allowed folders, and data: URLs."""

        def __init__(self, roots: list[Path], refused: list[str]):
            super().__init__(allowed_protocols={"file", "data"})
            self.roots = roots
            self.refused = refused

        def fetch(self, url: str, headers: Any = None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path))
                if is_inside(path, self.roots) and path.stat().st_size <= MAX_FILE_BYTES:
                    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})
            self.refused.append(url)
            raise ValueError(f"folio does not fetch {url[:100]}")

    return ContainedFetcher


def contained_fetcher(roots: list[Path], refused: list[str]) -> Any:
    return fetcher_class()(roots, refused)
