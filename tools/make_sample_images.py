"""Draw the sample book's cover and figures with Pillow (run once; outputs are committed).

In: nothing but the theme's fonts. Out: book/images/cover.jpg, pipeline.png, spread.png.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "styles" / "fonts"
OUT = ROOT / "book" / "images"


def font(size: int, style: str = "Regular") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / f"GentiumBookPlus-{style}.ttf"), size)


def centred(draw: ImageDraw.ImageDraw, y: int, text: str, face: ImageFont.FreeTypeFont, width: int, fill: str) -> None:
    box = draw.textbbox((0, 0), text, font=face)
    draw.text(((width - (box[2] - box[0])) / 2, y), text, font=face, fill=fill)


def cover() -> None:
    width, height = 1600, 2400
    image = Image.new("RGB", (width, height), "#1f3a4d")
    draw = ImageDraw.Draw(image)
    for i in range(14):  # a stack of page edges
        x0 = 420 + i * 12
        draw.rectangle([x0, 900 + i * 8, x0 + 640, 1500 + i * 8], outline="#e8dcc2", width=3)
    draw.rectangle([100, 100, width - 100, height - 100], outline="#c9a45c", width=6)
    centred(draw, 300, "Making Books", font(150), width, "#f4ecd8")
    centred(draw, 480, "with folio", font(110, "Italic"), width, "#f4ecd8")
    centred(draw, 1800, "A Short Guide from Manuscript to Print and EPUB", font(56, "Italic"), width, "#e8dcc2")
    centred(draw, 2050, "THE FOLIO AUTHORS", font(64), width, "#c9a45c")
    image.save(OUT / "cover.jpg", quality=88)


def pipeline() -> None:
    width, height = 1800, 700
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    boxes = [("book.yaml\nchapters/*.md\nimages/", 60), ("pandoc\nreader", 440), ("the Book\n(one IR)", 820), ("PDF\nWeasyPrint", 1260), ("EPUB\nEbookLib", 1260)]
    face = font(46)
    for index, (label, x) in enumerate(boxes):
        y = 230 if index < 3 else (90 if index == 3 else 400)
        draw.rounded_rectangle([x, y, x + 320, y + 220], radius=24, outline="black", width=4)
        draw.multiline_text((x + 160, y + 110), label, font=face, fill="black", anchor="mm", align="center")
    for x0, x1, y0, y1 in ((380, 440, 340, 340), (760, 820, 340, 340), (1140, 1260, 340, 200), (1140, 1260, 340, 510)):
        draw.line([x0, y0, x1, y1], fill="black", width=5)
        draw.polygon([(x1, y1), (x1 - 22, y1 - 12), (x1 - 22, y1 + 12)], fill="black")
    image.save(OUT / "pipeline.png", optimize=True)


def spread() -> None:
    width, height = 1600, 1100
    image = Image.new("RGB", (width, height), "#f2f2f2")
    draw = ImageDraw.Draw(image)
    for left in (True, False):
        x = 100 if left else 800
        draw.rectangle([x, 100, x + 700, 1000], fill="white", outline="black", width=3)
        inner, outer = (x + 560, x + 80) if left else (x + 140, x + 620)
        x0, x1 = (outer, inner) if left else (inner, outer)
        for line in range(22):
            draw.line([x0, 220 + line * 34, x1, 220 + line * 34], fill="#8a8a8a", width=6)
        draw.text((x + (80 if left else 620), 150), "12" if left else "13", font=font(36), fill="black", anchor="mm")
    draw.line([800, 100, 800, 1000], fill="black", width=5)
    draw.text((800, 1050), "gutter", font=font(40, "Italic"), fill="black", anchor="mm")
    image.save(OUT / "spread.png", optimize=True)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    cover()
    pipeline()
    spread()
