"""An image's printed size -> its resolution, and the images a book prints too coarsely.

In: a width an author asked for ({width=100%}, {width=3in}, <img width="200">) and the text
block's width; a built `Book`. Out: the width in inches that asks for; the images whose asked
width prints them under MIN_PPI pixels an inch, each with its chapter, asset, printed width and
resolution. The print renderer keeps the asked width, or, with `image-resolution: shrink` in
book.yaml, prints such an image at MIN_PPI instead; the PDF writer warns of each either way.
"""

from __future__ import annotations

import re
from typing import Any

from folio.model import Asset, Book, Chapter

MIN_PPI = 150
_WIDTH = re.compile(r"(\d+(?:\.\d+)?)(px|%|in|cm|mm|pt)?")
_INCHES = {"in": 1.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "pt": 1 / 72, "px": 1 / 96, None: 1 / 96}  # CSS units


def printed_width(value: str, text_width_in: float) -> float | None:
    """The inches a width asks for (a percentage is of the text block); None for an em width
    or an unreadable one."""
    match = _WIDTH.fullmatch(value.strip())
    if not match:
        return None
    number = float(match[1])
    return number / 100 * text_width_in if match[2] == "%" else number * _INCHES[match[2]]


def too_coarse(asset: Asset | None, keyvals: dict[str, str], text_width_in: float) -> float | None:
    """The printed width (inches) of an image whose asked width prints it under MIN_PPI, else None."""
    if asset is None or not asset.width or asset.media_type == "image/svg+xml" or "width" not in keyvals:
        return None
    inches = printed_width(keyvals["width"], text_width_in)
    return inches if inches and asset.width / inches < MIN_PPI - 0.5 else None


def coarse_images(book: Book, text_width_in: float) -> list[tuple[Chapter, Asset, float, int | None]]:
    """(chapter, asset, printed inches, source line) of each image whose asked width (the
    chapter's `asked_widths`, noted as it was read) prints it under MIN_PPI."""
    found = []
    for chapter in book.chapters:
        for key, asked, line in chapter.asked_widths:
            asset = book.assets.get(key)
            inches = too_coarse(asset, {"width": asked}, text_width_in)
            if inches is not None and asset is not None:
                found.append((chapter, asset, inches, line))
    return found


def describe(asset: Asset, inches: float) -> str:
    """The words the build's warning and the preflight share."""
    return (f"{asset.key} ({asset.width} × {asset.height} px) printed {inches:.2f} in wide at {asset.width / inches:.0f} ppi")


def report_coarse(book: Book, text_width_in: float, report: Any) -> None:
    """A warning at each coarse image's line: kept at its width (under MIN_PPI), or, with
    image-resolution: shrink, printed smaller."""
    shrink = book.config.image_resolution == "shrink"
    for chapter, asset, inches, line in coarse_images(book, text_width_in):
        if shrink:
            report.warn("image-low-resolution", chapter.source, line,
                        f"image {describe(asset, inches)} would be under {MIN_PPI} ppi: image-resolution: shrink prints it "
                        f"{asset.width / MIN_PPI:.2f} in wide instead")
        else:
            report.warn("image-low-resolution", chapter.source, line,
                        f"image {describe(asset, inches)}, under {MIN_PPI} ppi: give it more pixels, ask for a smaller width, or "
                        "set image-resolution: shrink in book.yaml to print it smaller")
