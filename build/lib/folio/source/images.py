"""Image files -> checked `Asset`s (format, size, pixel count, safe SVG).

In: an image path already known to be inside the book. Out: an `Asset` with
its media type and pixel size, or an `ImageError` saying what is wrong with it
(missing, empty, truncated, undecodable, a decompression bomb, an SVG with
scripts or external entities).
"""

from __future__ import annotations

from pathlib import Path

from folio.model import Asset

MAX_PIXELS = 40_000_000  # 40 megapixels: a 300 dpi full-page photo is under 10
MAX_IMAGE_BYTES = 50 * 1024 * 1024
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


class ImageError(ValueError):
    pass


def checked_asset(key: str, path: Path) -> Asset:
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise ImageError(f"{size // 2**20} MB is more than the {MAX_IMAGE_BYTES // 2**20} MB limit for an image")
    data = path.read_bytes()
    if not data:
        raise ImageError("the file is empty")
    if path.suffix.lower() == ".svg" or data.lstrip()[:5] in (b"<?xml", b"<svg ", b"<svg>"):
        return _svg_asset(key, path, data)
    from PIL import Image, ImageFile, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    # WeasyPrint turns this on for the whole process when imported; folio's check must see truncation.
    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(path) as image:
            fmt = image.format or ""
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageError(f"{width} x {height} pixels is more than the {MAX_PIXELS // 1_000_000} megapixel limit")
            image.load()  # decodes every byte: catches truncated files
    except ImageError:
        raise
    except Image.DecompressionBombError:
        raise ImageError(f"more than {MAX_PIXELS // 1_000_000} megapixels (a decompression bomb?)") from None
    except UnidentifiedImageError:
        raise ImageError("not an image Pillow can read (use JPEG, PNG, GIF, WebP or SVG)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"the image is damaged: {exc}") from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    if fmt not in MEDIA_TYPES:
        raise ImageError(f"{fmt or 'this'} images are not supported (use JPEG, PNG, GIF, WebP or SVG)")
    return Asset(key, path, MEDIA_TYPES[fmt], width, height)


def _svg_asset(key: str, path: Path, data: bytes) -> Asset:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ImageError(f"the SVG is not well-formed XML: {exc}") from None
    if b"<!ENTITY" in data:
        raise ImageError("the SVG declares entities, which folio refuses")
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag.rsplit("}", 1)[-1] in ("script", "foreignObject"):
            raise ImageError(f"the SVG contains <{tag.rsplit('}', 1)[-1]}>, which folio refuses")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1]
            if local.startswith("on"):
                raise ImageError(f"the SVG has an event handler ({local}=)")
            if local == "href" and not value.startswith(("#", "data:")):
                raise ImageError(f"the SVG refers to an outside resource ({value[:60]})")
    if not root.tag.endswith("svg"):
        raise ImageError("not an SVG image")
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
