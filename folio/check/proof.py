"""Proofing: a report of layout problems and a contact sheet of spreads.

In (`layout_report`): the laid-out WeasyPrint document of a build, the `Book` and
the printed folio of every page. Out: `Problem`s, each with its page, the source
file and line it comes from, and a few words of the text: widows and orphans,
overfull lines, more than two hyphenated line ends in a row, a heading alone at
the foot of a page, white space (a page whose text stops more than a fifth of the
text block above its foot while its chapter goes on: before a figure that did not
fit, as a rule), a chapter's last page with fewer than four lines, a name or an
address hyphenated at a line's end, a word hyphenated across a recto's page turn,
facing pages that end on different lines (an uneven spread), a running head on two
lines, a figure more than a page away from its first mention, a footnote on a page
without its call.

In (`spreads`): a PDF. Out: PNG contact sheets of the pages as they face each
other in the bound book (the first page alone on the right, then versos left and
rectos right), cropped to the trim, with each page's folio underneath.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from folio.model import Book
from folio.weasy.facts import LayoutFacts


@dataclass
class Problem:
    kind: str
    page: str
    source: str
    line: int | None
    text: str

    def format(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"page {self.page:>5}  {self.kind:<17} {where}: {self.text}"


def _words(text: str) -> str:
    return " ".join(text.split())[:60]


def _source_line(book: Book, chapter_id: str | None, text: str) -> tuple[str, int | None]:
    chapter = next((c for c in book.chapters if c.id == chapter_id), None)
    if chapter is None:
        return "book.yaml", None
    words = re.findall(r"[^\W\d_]{3,}", text)
    for size in (6, 4, 2, 1):  # the longest run of the paragraph's words found on one line
        for start in range(0, max(1, len(words) - size + 1), max(1, size)):
            pattern = r"\W+".join(re.escape(w) for w in words[start:start + size])
            if not pattern:
                continue
            match = re.search(pattern, chapter.text)
            if match:
                return chapter.source, chapter.text.count("\n", 0, match.start()) + 1
    return chapter.source, None


def layout_report(facts: LayoutFacts, book: Book, folios: list[str]) -> list[Problem]:
    """The problems of a proof build's layout, each at its page and source line."""
    problems: list[Problem] = []
    for raw in facts.problems:
        source, line = _source_line(book, raw.chapter, raw.text)
        problems.append(Problem(raw.kind, folios[raw.page], source, line, raw.detail + _words(raw.text)))
    for figure in book.figures:
        page = facts.anchor_pages.get(figure.id)
        mention = facts.mention_pages.get(figure.id)
        if page is not None and mention is not None and abs(page - mention) > 1:
            chapter = book.chapters[book.id_chapter[figure.id]]
            problems.append(Problem("figure far away", folios[page], chapter.source, chapter.line_of(figure.id),
                                    f"figure '{figure.id}' is on page {folios[page]}, first mentioned on page {folios[mention]}"))
    for note, page in facts.orphans:
        chapter = book.chapters[book.id_chapter[note]] if note in book.id_chapter else None
        problems.append(Problem("orphan note", folios[page], chapter.source if chapter else "book.yaml", None,
                                f"note '{note}' is not on the page of its call"))
    return problems


def spreads(pdf_path: Path, target_stem: Path, width_px: int = 150, per_sheet: int = 40) -> list[Path]:
    """Contact sheets of facing pages: `target_stem`-01.png, -02.png, ... (40 spreads a sheet)."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    from folio.paths import atomic_write

    document = pdfium.PdfDocument(str(pdf_path))
    count = len(document)
    labels = _labels(pdf_path, count)
    thumbnails = []
    for index in range(count):
        page = document[index]
        media = page.get_mediabox()
        trim = page.get_trimbox()
        crop = (trim[0] - media[0], trim[1] - media[1], media[2] - trim[2], media[3] - trim[3])
        scale = width_px / (trim[2] - trim[0])
        image = page.render(scale=scale, crop=crop).to_pil().convert("RGB")
        thumbnails.append(image)
        page.close()
    document.close()
    # page 1 is a recto alone; then (2, 3), (4, 5), ...: versos left, rectos right
    pairs: list[tuple[int | None, int | None]] = [(None, 0)] + [(i, i + 1 if i + 1 < count else None) for i in range(1, count, 2)]
    page_w = thumbnails[0].width
    page_h = thumbnails[0].height
    gap, label_h, columns = 18, 16, 5
    written = []
    for sheet_start in range(0, len(pairs), per_sheet):
        chunk = pairs[sheet_start:sheet_start + per_sheet]
        rows = (len(chunk) + columns - 1) // columns
        sheet = Image.new("RGB", (columns * (2 * page_w + gap) + gap, rows * (page_h + label_h + gap) + gap), (200, 200, 200))
        draw = ImageDraw.Draw(sheet)
        for n, (left, right) in enumerate(chunk):
            x = gap + (n % columns) * (2 * page_w + gap)
            y = gap + (n // columns) * (page_h + label_h + gap)
            for side, index in enumerate((left, right)):
                if index is None:
                    continue
                sheet.paste(thumbnails[index], (x + side * page_w, y))
                draw.text((x + side * page_w + page_w // 2 - 8, y + page_h + 2), labels[index], fill=(0, 0, 0))
            draw.line([(x + page_w, y), (x + page_w, y + page_h)], fill=(120, 120, 120))  # the spine
        target = target_stem.parent / f"{target_stem.name}-{sheet_start // per_sheet + 1:02d}.png"
        with atomic_write(target) as tmp:
            sheet.save(tmp, format="PNG", optimize=False)
        written.append(target)
    return written


def _labels(pdf_path: Path, count: int) -> list[str]:
    import pypdf

    reader = pypdf.PdfReader(str(pdf_path))
    return list(reader.page_labels) if reader.page_labels else [str(i + 1) for i in range(count)]
