"""folio: a book folder (Markdown, bibliography, images) -> print PDF and EPUB 3.

The public API is `load_book` and `build`; `folio.cli` is the command line.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .pipeline import BuildResult, build, load_book  # noqa: E402

__all__ = ["BuildResult", "__version__", "build", "load_book"]
