"""folio: a book folder (Markdown, bibliography, images) -> print PDF and EPUB 3.

The public API is `load_book` and `build`; `folio.cli` is the command line.
The pipeline is imported when one of them is first used: a build starts reading
chapters before the modules it needs later are loaded (pipeline.py).
"""

from __future__ import annotations

from typing import Any

from folio.version import __version__

__all__ = ["BuildResult", "__version__", "build", "load_book"]


def __getattr__(name: str) -> Any:
    if name in ("BuildResult", "build", "load_book"):
        from folio import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'folio' has no attribute {name!r}")
