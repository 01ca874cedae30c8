"""Documents inside documents -> what is wrong with them: SVG images, data: URLs, the CSS in both.

In: the bytes of an SVG file, a `data:` URL (from a style sheet or an SVG), or CSS
text found inside an SVG. Out: nothing when they are safe to ship; otherwise an
`EmbeddedError` saying what would break the promise that a book makes no outside
reference: an entity (in any encoding: the XML parser reads the declaration, not
the bytes), a script, an event handler, a `foreignObject`, an `xml-stylesheet`
instruction, an href or a CSS `url()`/`@import` naming anything but a fragment
of the same file or a `data:` URL, and a `data:` URL whose own content does so
(checked the same way, to a depth of `MAX_DEPTH`), or that holds something
other than an image or a font.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

MAX_PIXELS = 40_000_000  # 40 megapixels: a 300 dpi full-page photo is under 10
MAX_DEPTH = 4  # data: URLs inside data: URLs
RASTER_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
FONT_TYPES = ("font/", "application/font-", "application/x-font-", "application/vnd.ms-fontobject")


class EmbeddedError(ValueError):
    pass


def check_svg(data: bytes, depth: int = 0):  # type: ignore[no-untyped-def]
    """Parse and check an SVG; return its root element (lxml)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise EmbeddedError(f"the SVG is not well-formed XML: {exc}") from None
    dtd = root.getroottree().docinfo.internalDTD
    if (dtd is not None and list(dtd.entities())) or b"<!ENTITY" in data:
        raise EmbeddedError("the SVG declares entities, which folio refuses")
    for element in [*_before(root), *root.iter()]:
        if isinstance(element, etree._ProcessingInstruction) and element.target == "xml-stylesheet":
            raise EmbeddedError("the SVG loads a style sheet (<?xml-stylesheet?>), which folio refuses")
        if isinstance(element, etree._Entity):
            raise EmbeddedError("the SVG uses entities, which folio refuses")
        if not isinstance(element.tag, str):
            continue
        local = element.tag.rsplit("}", 1)[-1]
        if local in ("script", "foreignObject"):
            raise EmbeddedError(f"the SVG contains <{local}>, which folio refuses")
        if local == "style" and element.text:
            check_css(element.text, depth, "the SVG's <style>")
        for name, value in element.attrib.items():
            attribute = name.rsplit("}", 1)[-1]
            if attribute.startswith("on"):
                raise EmbeddedError(f"the SVG has an event handler ({attribute}=)")
            if attribute == "href":
                if value.strip().startswith("data:"):
                    check_data_url(value.strip(), depth + 1)
                elif not value.strip().startswith("#"):
                    raise EmbeddedError(f"the SVG refers to an outside resource ({value[:60]})")
            elif attribute == "style" or "url(" in value.lower() or "\\" in value:
                check_css(value, depth, f"the SVG's {attribute}= attribute", attribute)
    if not root.tag.endswith("svg"):
        raise EmbeddedError("not an SVG image")
    return root


def _before(root):  # type: ignore[no-untyped-def]
    """The nodes before the root element (processing instructions, comments)."""
    node = root.getprevious()
    while node is not None:
        yield node
        node = node.getprevious()


def check_css(text: str, depth: int, where: str, attribute: str = "") -> None:
    """CSS inside an SVG (a <style>, a style= or a presentation attribute such as fill=): no
    @import, and every url() a fragment or a safe data: URL."""
    import tinycss2

    if not attribute:
        nodes = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    elif attribute == "style":
        nodes = tinycss2.parse_blocks_contents(text)
    else:
        nodes = tinycss2.parse_component_value_list(text)
    for _node, url in css_references(nodes):
        if url is None:
            raise EmbeddedError(f"{where} has an @import, which folio refuses")
        url = url.strip()
        if url.startswith("data:"):
            check_data_url(url, depth + 1)
        elif not url.startswith("#"):
            raise EmbeddedError(f"{where} refers to an outside resource (url({url[:60]}))")


def css_references(nodes: Iterable[Any]) -> Iterator[tuple[Any, str | None]]:
    """Every @import (with None) and url() (with its text; "" for a url() function without a
    string) in CSS parsed by tinycss2, at any depth: what the CSS would load."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        kind = getattr(node, "type", "")
        if kind == "at-rule" and node.lower_at_keyword == "import":
            yield node, None
        elif kind == "url":
            yield node, node.value
        elif kind == "function" and node.lower_name == "url":
            yield node, next((t.value for t in node.arguments if t.type == "string"), "")
        for name in ("prelude", "content", "arguments", "value"):
            children = getattr(node, name, None)
            if isinstance(children, list):
                stack.extend(children)


def check_data_url(url: str, depth: int = 0) -> None:
    """A data: URL is safe when it holds a font, a raster image Pillow decodes within the pixel
    limit, or an SVG that passes `check_svg`."""
    if depth > MAX_DEPTH:
        raise EmbeddedError(f"data: URLs nested more than {MAX_DEPTH} deep")
    head, comma, body = url[5:].partition(",")
    if not comma:
        raise EmbeddedError("a data: URL without a comma is not a data: URL")
    params = [p.strip().lower() for p in head.split(";")]
    media = params[0] or "text/plain"
    try:
        raw = unquote_to_bytes(body)
        data = base64.b64decode(b"".join(raw.split()), validate=True) if "base64" in params[1:] else raw
    except (binascii.Error, ValueError):
        raise EmbeddedError(f"a data: URL of {media} whose base64 cannot be decoded") from None
    if media == "image/svg+xml":
        check_svg(data, depth)
    elif media.startswith(FONT_TYPES):
        return
    elif media.startswith("image/"):
        check_raster(io.BytesIO(data))
    else:
        raise EmbeddedError(f"a data: URL of {media}: only images and fonts may be embedded")


def check_raster(source) -> tuple[str, int, int]:  # type: ignore[no-untyped-def]
    """Decode a raster image fully (a path or a file object); return its media type and size."""
    from PIL import Image, ImageFile, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    # WeasyPrint turns this on for the whole process when imported; folio's check must see truncation.
    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(source) as image:
            fmt = image.format or ""
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise EmbeddedError(f"{width} x {height} pixels is more than the {MAX_PIXELS // 1_000_000} megapixel limit")
            image.load()  # decodes every byte: catches truncated files
    except EmbeddedError:
        raise
    except Image.DecompressionBombError:
        raise EmbeddedError(f"more than {MAX_PIXELS // 1_000_000} megapixels (a decompression bomb?)") from None
    except UnidentifiedImageError:
        raise EmbeddedError("not an image Pillow can read (use JPEG, PNG, GIF, WebP or SVG)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise EmbeddedError(f"the image is damaged: {exc}") from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    if fmt not in RASTER_TYPES:
        raise EmbeddedError(f"{fmt or 'this'} images are not supported (use JPEG, PNG, GIF, WebP or SVG)")
    return RASTER_TYPES[fmt], width, height
