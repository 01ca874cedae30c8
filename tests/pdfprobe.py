"""Reading a built PDF back: pages, labels, printed folios, links, outline, fonts, text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pypdfium2

_FOLIO = re.compile(r"^(?:[ivxlcdm]+|\d+)$")


@dataclass
class Link:
    page: int
    dest: str


class PdfProbe:
    def __init__(self, path: Path):
        self.path = path
        self.reader = pypdf.PdfReader(str(path))
        self.pdfium = pypdfium2.PdfDocument(str(path))
        self.pages = len(self.reader.pages)
        self.dests = {name: self.reader.get_destination_page_number(dest) for name, dest in self.reader.named_destinations.items()}

    def text(self, index: int) -> str:
        page = self.pdfium[index]
        return page.get_textpage().get_text_range()

    def band_words(self, index: int, top: bool, height_pt: float = 54) -> list[str]:
        """Words in the top or bottom band of a page (where running heads and folios are)."""
        page = self.pdfium[index]
        width, height = page.get_size()
        textpage = page.get_textpage()
        if top:
            text = textpage.get_text_bounded(0, height - height_pt, width, height)
        else:
            text = textpage.get_text_bounded(0, 0, width, height_pt)
        return text.split()

    def printed_folio(self, index: int) -> str | None:
        for top in (True, False):
            for word in self.band_words(index, top):
                if _FOLIO.match(word):
                    return word
        return None

    def links(self) -> list[Link]:
        found = []
        for index, page in enumerate(self.reader.pages):
            for annot in page.get("/Annots", []) or []:
                annot = annot.get_object()
                if annot.get("/Subtype") == "/Link" and "/Dest" in annot:
                    found.append(Link(index, str(annot["/Dest"])))
        return found

    def outline_titles(self) -> list[str]:
        return [item.title for item in self.reader.outline if not isinstance(item, list)]

    def fonts(self) -> dict[str, bool]:
        """Font base name -> embedded."""
        fonts: dict[str, bool] = {}
        for page in self.reader.pages:
            resources = page.get("/Resources") or {}
            for font in (resources.get("/Font") or {}).values():
                font = font.get_object()
                descendants = font.get("/DescendantFonts")
                target = descendants[0].get_object() if descendants else font
                descriptor = target.get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor else {}
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts[str(font.get("/BaseFont"))] = embedded
        return fonts

    def is_empty(self, index: int) -> bool:
        page = self.reader.pages[index]
        has_images = bool(((page.get("/Resources") or {}).get("/XObject") or {}))
        return not self.text(index).strip() and not has_images
