"""Image files -> checked `Asset`s (format, size, pixel count, safe SVG).

In: an image path already known to be inside the book. Out: an `Asset` with
its media type and pixel size, or an `ImageError` saying what is wrong with it
(missing, empty, truncated, undecodable, a decompression bomb, an SVG that
`embedded.check_svg` refuses).
"""

from __future__ import annotations

from pathlib import Path

from folio.model import Asset
from folio.source.embedded import RASTER_TYPES, EmbeddedError, check_raster, check_svg

MAX_IMAGE_BYTES = 50 * 1024 * 1024
MEDIA_TYPES = RASTER_TYPES  # the formats folio packs as they are


class ImageError(ValueError):
    pass


def checked_asset(key: str, path: Path) -> Asset:
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise ImageError(f"{size // 2**20} MB is more than the {MAX_IMAGE_BYTES // 2**20} MB limit for an image")
    data = path.read_bytes()
    if not data:
        raise ImageError("the file is empty")
    try:
        if path.suffix.lower() == ".svg" or data.lstrip()[:5] in (b"<?xml", b"<svg ", b"<svg>"):
            root = check_svg(data)
        else:
            media, width, height = check_raster(path)
            return Asset(key, path, media, width, height)
    except EmbeddedError as exc:
        raise ImageError(str(exc)) from None
    width = _svg_length(root.get("width"))
    height = _svg_length(root.get("height"))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if (not width or not height) and len(box) == 4:
        width, height = int(float(box[2])), int(float(box[3]))
    return Asset(key, path, "image/svg+xml", width, height)


def _svg_length(value: str | None) -> int:
    if not value:
        return 0
    digits = "".join(ch for ch in value if ch.isdigit() or ch == ".")
    try:
        return int(float(digits)) if digits and not value.endswith("%") else 0
    except ValueError:
        return 0
