"""A layout resumed from the pages a rule changes (weasy/relayout.py) is the layout a whole
render with the rule gives, byte for byte; pages of one depth (weasy/depth.py).

Each runs in a process of its own: the layout workers' patches are installed there.
"""

from __future__ import annotations

import json
import subprocess
import sys

SETUP = r'''
import json, random, sys
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.css.counters import CounterStyle
from folio.weasy import patches, relayout, depth
from folio.weasy.boxes import page_box
from folio.weasy.setting import LOOSER, TIGHTER
assert patches.install()["relayout"] == "on"
rng = random.Random(7)
WORDS = ("the river flows past many ancient cities whose people tell of kings and wonders "
         "incomprehensible merchandise extraordinary circumstances").split()
parts, number = [], 0
for index in range(50):
    if index % 9 == 4:
        parts.append(f"<h2>Part {index}</h2>")
    if index % 13 == 7:
        parts.append("<blockquote><p>" + " ".join(rng.choice(WORDS) for _ in range(30)) + "</p></blockquote>")
    number += 1
    parts.append(f'<p data-p="{number}">' + " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 160))) + "</p>")
HTML = ('<html lang="en"><body><section class="chapter" id="c">' + "".join(parts) + "</section></body></html>")
CSS = """@page { size: 5in 7in; margin: 0.7in; }
p { margin: 0; text-indent: 1.2em; text-align: justify; hyphens: auto; widows: 2; orphans: 2; line-height: 1.35; }
h2 { margin: 1.2em 0 0.6em; break-after: avoid; font-size: 1.1em; } blockquote { margin: 0.8em 1.5em; }"""
fonts, counters = FontConfiguration(), CounterStyle()
sheets = [weasyprint.CSS(string=CSS, font_config=fonts, counter_style=counters)]
from weasyprint.urls import URLFetcher
fetcher = URLFetcher()

def render(extra=""):
    return relayout.render(HTML, "file:///", fetcher, sheets + ([weasyprint.CSS(string=extra, font_config=fonts)] if extra else []),
                           fonts, counters)
'''

RESUME = SETUP + r'''
base = render()
same = reused = 0
for trial in range(4):
    picks = rng.sample(range(1, number + 1), 2)
    style = [TIGHTER, LOOSER, "hyphens: manual", "break-before: page"][trial % 4]
    rules = "\n".join(f'[data-p="{n}"] {{ {style}; }}' for n in picks)
    whole = render(rules)
    found = relayout.pages_of(base, {str(n) for n in picks})
    again = relayout.render_again(base, HTML, sheets + [weasyprint.CSS(string=rules, font_config=fonts)], fonts, counters,
                                  list(found.values()))
    same += whole.write_pdf() == again.write_pdf() and len(whole.pages) == len(again.pages)
    first = min(min(pages) for pages in found.values())
    reused += first > 1 and again.folio_laid.boxes[0] is base.folio_laid.boxes[0]
try:  # a page break early on changes every page after it: not a rule that may change only its own
    relayout.render_again(base, HTML, sheets + [weasyprint.CSS(string='[data-p="3"] { break-before: page; }', font_config=fonts)],
                          fonts, counters, [relayout.pages_of(base, {"3"})["3"]], settle=True)
    unsettled = None
except relayout.Unsettled as error:
    unsettled = error.region
other = relayout.render_again(base, HTML.replace("river", "brook"), sheets, fonts, counters, [{1}])
print(json.dumps({"same": same, "reused": reused, "unsettled": unsettled, "other text": other is None, "pages": len(base.pages)}))
'''

DEPTH = SETUP + r'''
document = render()
pages = [depth._read(page_box(page)) for page in document.pages]
before = {}
for index in depth._going_on(pages):
    root = page_box(document.pages[index])
    line = depth._body_line(root)
    before[index] = (depth._target(root, line)[0] - depth._end(pages[index].blocks[-1], line), sum(depth._gaps(root.children[0])), line)
changed = depth.even_pages(document)
after = [depth._read(page_box(page)) for page in document.pages]
off = []
for index, (need, spaces, line) in before.items():
    root = page_box(document.pages[index])
    moved = depth._target(root, line)[0] - depth._end(after[index].blocks[-1], line)
    fits = abs(need) <= depth.LEEWAY or (spaces and -spaces * depth.SHRINK <= need <= spaces * depth.STRETCH)
    off.append([index, round(need, 2), round(moved, 2), bool(fits)])
print(json.dumps({"changed": changed, "pages": off}))
'''


def _run(script: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_layout_resumed_from_the_changed_pages_is_the_whole_layout():
    found = _run(RESUME)
    assert found["pages"] > 20
    assert found["same"] == 4, found  # the PDF of each resumed layout is the whole layout's, byte for byte
    assert found["reused"] >= 2, found  # and the pages before the change were not laid out again
    assert found["unsettled"] == 0  # a rule that changes the pages after its own is told
    assert found["other text"]  # another HTML is laid out whole


def test_pages_whose_text_goes_on_end_on_one_baseline():
    """Every page that goes on overleaf and whose spaces can take up the difference ends its last
    line on the text block's last baseline; one that cannot is left as it was."""
    found = _run(DEPTH)
    assert found["changed"] >= 3, found
    fitting = [page for page in found["pages"] if page[3]]
    assert len(fitting) >= 3, found
    for index, need, moved, fits in found["pages"]:
        if fits:
            assert abs(moved) < 0.01, (index, need, moved)
        else:
            assert moved == need, (index, need, moved)
