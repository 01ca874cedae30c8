"""Synthetic books for the scaling benchmark: N words with notes, figures, tables and citations.

In: a folder, a word count and a seed. Out: a book folder (book.yaml, chapters of about
20,000 words, a bibliography of 60 entries, one figure image) that folio and pandoc both
read. The same arguments always give the same book.
"""

from __future__ import annotations

import random
from pathlib import Path

WORDS = ("the of and to in that was he it with as his for on is by they at from this had not but all were which "
         "when their there one more who been upon so into said them what would my city king people after great Greeks "
         "Persians river sea land army ships temple oracle gold horses men women country island battle messenger "
         "Ionians Athenians Lacedemonians Egyptians gods sacrifice walls harbour tribute embassy").split()


def paragraph(rng: random.Random, words: int, note_every: int, state: dict) -> str:
    out = []
    for _ in range(words):
        out.append(rng.choice(WORDS))
        state["since_note"] += 1
        if state["since_note"] >= note_every:
            state["since_note"] = 0
            state["notes"] += 1
            if state["notes"] % 3 == 0:
                out[-1] += f" [@src{rng.randrange(60)}, {rng.randrange(1, 400)}]"
            else:
                out[-1] += f"^[{' '.join(rng.choice(WORDS) for _ in range(rng.randrange(8, 30)))}.]"
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def make_book(folder: Path, words: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    (folder / "chapters").mkdir(parents=True, exist_ok=True)
    (folder / "images").mkdir(exist_ok=True)
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 800), "#dddddd")
    ImageDraw.Draw(image).ellipse([200, 100, 1000, 700], outline="#555555", width=8)
    image.save(folder / "images" / "plate.png")
    bib = "".join(f"@book{{src{i}, author = {{Author{i}, Anne}}, title = {{A Work Numbered {i}}}, publisher = {{Press}}, "
                  f"location = {{London}}, year = {{{1800 + i}}}}}\n" for i in range(60))
    (folder / "references.bib").write_text(bib, encoding="utf-8")
    chapters = max(1, round(words / 20000))
    per_chapter = words // chapters
    state = {"since_note": 0, "notes": 0}
    files = []
    for c in range(1, chapters + 1):
        lines = [f"# Chapter {c}: The {rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {{#ch-{c}}}", ""]
        written = 0
        section = 0
        while written < per_chapter:
            if written // 4000 > section:
                section = written // 4000
                lines += [f"## Section {c}.{section} {{#s-{c}-{section}}}", ""]
            if written and written % 5000 < 130:
                lines += [f"![Plate {c}.{written // 5000}: {rng.choice(WORDS)} and {rng.choice(WORDS)}.](images/plate.png)"
                          f"{{#fig-{c}-{written} alt=\"A grey ellipse on a light ground.\"}}", ""]
            if written and written % 10000 < 130:
                lines += ["| Year | Place | Men |", "|---:|:---|---:|"]
                lines += [f"| {rng.randrange(400, 600)} | {rng.choice(WORDS)} | {rng.randrange(100, 90000):,} |" for _ in range(5)]
                lines += [""]
            size = rng.randrange(60, 200)
            lines += [paragraph(rng, size, 180, state), ""]
            written += size
        name = f"chapters/{c:03d}.md"
        (folder / name).write_text("\n".join(lines), encoding="utf-8")
        files.append(name)
    (folder / "book.yaml").write_text(
        f"title: Synthetic Book of {words:,} Words\nauthor: [folio bench]\nlang: en-GB\nidentifier: urn:x:synthetic-{words}\n"
        "bibliography: references.bib\ncsl: chicago-notes-bibliography\nlint:\n  ignore: [citation-unused]\nchapters:\n"
        + "".join(f"  - {f}\n" for f in files), encoding="utf-8")
    return folder
