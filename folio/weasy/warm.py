"""The layout workers' server made warm: imported once by the forkserver, before any worker.

In: nothing (importing this module is the whole use: `pdf.pool.pool` names it in the
forkserver's preload list). Out: every worker forked afterwards starts with what its first
part would otherwise pay for (1.2-1.6 s on the large book's chapters, measured): the
modules a part imports, folio's patches of WeasyPrint installed (patches.py), the worker's font
configuration made, cffi's C types parsed and Pango's fonts opened by laying out and
drawing a one-line page. Nothing from a book is read here, and nothing is fetched: the
page uses only the fonts the system has.
"""

from __future__ import annotations

import logging


def warm() -> None:
    import os

    # fontTools dates the fonts WeasyPrint subsets with it (colour-emoji bitmaps: the head table's
    # "modified") from SOURCE_DATE_EPOCH, else from the clock: a fixed date when none is given, so
    # the same book gives the same PDF (dates the PDF shows come from the main process, not these)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    import weasyprint

    from folio.weasy import boxes, flow, patches, worker  # noqa: F401 - imported for the workers

    patches.install()
    font_config = worker.font_config()
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        html = '<p style="text-align: justify; hyphens: auto" lang="en">A page made to warm the layout workers.</p>'
        document = weasyprint.HTML(string=html, url_fetcher=_refuse).render(font_config=font_config)
        document.write_pdf()
    finally:
        logger.setLevel(level)


def _refuse(url: str, *args: object, **kwargs: object) -> dict:
    raise ValueError(f"folio's warm-up page fetches nothing ({url[:60]})")


try:
    warm()
except Exception:  # a warm-up that fails costs only time: the workers do it all again themselves
    pass
