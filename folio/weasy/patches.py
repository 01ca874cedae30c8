"""Every use of WeasyPrint's internals, in one table, each behind a probe.

In: the installed WeasyPrint, pydyf and Pango. Out: `install()` puts in place the
patches whose probe passes, in the process that calls it (only folio's layout workers
and their forkserver do: a program that imports folio as a library keeps WeasyPrint as
it is), and returns what is on and what is off, and why; `available(name)` says whether
a read of internals (the notes flow, the page boxes) may be used in this process.

A probe checks what its entry needs: each name it replaces or reads exists, and each
function whose code it copies or whose behaviour it relies on has the source it was
written against (a SHA-256 of `inspect.getsource`, taken from WeasyPrint 70.0), plus
any version condition of Pango. When a probe fails the entry stays off and the layout
uses WeasyPrint's own code: the same pages, more slowly, except for `hyphen-limit`,
whose fallback is the writer's own check (a paragraph with three hyphenated line ends
in a row is set again without hyphenation). `folio build -v` prints the table's state;
a build says once when anything is off. docs/architecture.md lists the entries.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import os
from dataclasses import dataclass, field
from typing import Any, Callable

# a probe that must fail, for the tests of each fallback (FOLIO_PROBES_FAIL=draw-text,boxes)
_FORCED_OFF = "FOLIO_PROBES_FAIL"


@dataclass(frozen=True)
class Entry:
    name: str
    does: str
    needs: tuple[str, ...]  # dotted names that must exist
    sources: dict[str, str] = field(default_factory=dict)  # dotted name -> the source's SHA-256 (16 hex digits)
    install: Callable[[], None] | None = None  # None: a read of internals, used where `available()` says so
    check: Callable[[], str | None] | None = None  # a further condition: the reason it fails, or None
    speedup: bool = True  # FOLIO_SPEEDUPS=off turns it off; False: it changes what is made (kept on)
    fallback: str = "WeasyPrint's own code: the same pages, more slowly"


def _speedups(name: str) -> Callable[[], None]:
    def install() -> None:
        from folio.weasy import speedups

        getattr(speedups, name)()

    return install


def _drawtext() -> None:
    from folio.weasy.drawtext import draw_text

    draw_text()


def _hyphen_limit() -> None:
    from folio.weasy.hyphens import install

    install()


def _hyphen_words() -> None:
    from folio.weasy.words import install

    install()


def _line_fit() -> None:
    from folio.weasy.linefit import install

    install()


def _cjk_justify() -> None:
    from folio.weasy.justify import install

    install()


def _pango_at_least(version: int, label: str) -> Callable[[], str | None]:
    def check() -> str | None:
        from weasyprint.text.ffi import pango

        found = pango.pango_version()
        return None if found >= version else f"Pango {found // 10000}.{found // 100 % 100} is older than {label}"

    return check


def _draw_text_check() -> str | None:
    from folio.weasy.drawtext import glyph_info_fields

    fields = glyph_info_fields()
    if fields != 5:
        return f"PangoGlyphInfo holds {fields} integers, not 5"
    return _pango_at_least(14802, "1.48.2")()


def _next_word_check() -> str | None:
    from folio.weasy.speedups import next_word_call_found

    return None if next_word_call_found() else "split_first_line does not try the next word where expected"


ENTRIES: tuple[Entry, ...] = (
    Entry("page-styles", "@page and margin-box styles computed once per set of matching page selectors",
          ("weasyprint.layout.page.set_page_type_computed_styles", "weasyprint.layout.page.PageType",
           "weasyprint.css.StyleFor._page_type_match"),
          {"weasyprint.layout.page.set_page_type_computed_styles": "4e68b396b35c4a06",
           "weasyprint.css.StyleFor.__init__": "b1e725a7552502aa",  # it sets _sheets, which the patch reads
           "weasyprint.css.StyleFor.add_page_declarations": "78e388ade2325011",
           "weasyprint.css.StyleFor._page_type_match": "e81e6a05201f0643"},
          _speedups("page_styles")),
    Entry("content-level", "content streams deflated at zlib level 6 instead of 9",
          ("pydyf.zlib",), install=_speedups("content_level")),
    Entry("array-types", "cffi's hb_codepoint_t[N] types parsed once, not for every N",
          ("weasyprint.pdf.fonts.ffi",), install=_speedups("array_types")),
    Entry("draw-text", "lines drawn from whole glyph arrays, and (Pango 1.50) from the layout they were laid out with",
          ("weasyprint.draw.text.draw_first_line", "weasyprint.text.line_break.Layout.deactivate",
           "weasyprint.text.line_break.Layout.reactivate", "weasyprint.layout.inline.add_word_spacing"),
          {"weasyprint.draw.text.draw_first_line": "1bb8eae6d88e71b1",
           "weasyprint.text.line_break.Layout.set_text": "fe23ca9937dbf520",
           "weasyprint.text.line_break.Layout.deactivate": "bfec3ec8406e1c82",
           "weasyprint.text.line_break.Layout.reactivate": "0b89ee097104b713",
           "weasyprint.layout.inline.add_word_spacing": "879516e71f1b80fa"},
          _drawtext, _draw_text_check),
    Entry("cjk-justify", "justified Chinese and Japanese lines stretched between their characters, not at their spaces alone",
          ("weasyprint.text.ffi.pango.pango_attr_letter_spacing_new", "weasyprint.layout.inline.count_expandable_spaces",
           "weasyprint.text.line_break.Layout.set_text"),
          {"weasyprint.layout.inline.count_expandable_spaces": "175fe6f42576ed38",
           "weasyprint.layout.inline.justify_line": "f83b21ff8793ba6b",
           "weasyprint.layout.inline.add_word_spacing": "879516e71f1b80fa",
           "weasyprint.text.line_break.Layout.set_text": "fe23ca9937dbf520"},
          _cjk_justify, speedup=False,
          fallback="Chinese and Japanese lines justified at their spaces only (a line without one is left ragged)"),
    Entry("layout-setup", "Pango context, font description and feature list made once per font configuration",
          ("weasyprint.text.line_break.Layout.setup", "weasyprint.text.fonts.FontConfiguration.add_font_face",
           "weasyprint.text.fonts.font_features", "weasyprint.text.fonts.get_font_description"),
          {"weasyprint.text.line_break.Layout.setup": "fb227a55094f41d4"},
          _speedups("layout_setup")),
    Entry("next-word", "no try at a next word that is half an em too wide for the line",
          ("weasyprint.text.line_break.split_first_line", "weasyprint.text.line_break.Layout.set_text"),
          {"weasyprint.text.line_break.split_first_line": "39ad1016863ca34d"},
          _speedups("next_word"), _next_word_check),
    Entry("hyphen-limit", "at most two hyphenated line ends in a row (hyphenate-limit-lines: 2), none across a recto's page turn",
          ("weasyprint.layout.block.iter_line_boxes", "weasyprint.layout.inline.split_first_line",
           "weasyprint.layout.LayoutContext.overflows_page"),
          {"weasyprint.layout.block.iter_line_boxes": "04aec48abfcad809",
           "weasyprint.layout.inline.split_first_line": "39ad1016863ca34d",
           "weasyprint.layout.page.make_page": "656f183328e8b1b5"},  # (it sets current_page, page_bottom)
          _hyphen_limit, speedup=False,
          fallback="a paragraph with three hyphenated line ends in a row, or a word broken across a recto's page turn, "
                   "is set again without hyphenation"),
    Entry("hyphen-words", "no hyphen in a word that begins with a capital (unless the book asks), the book's words broken as it "
          "writes them", ("weasyprint.text.line_break.pyphen", "weasyprint.text.line_break.split_first_line"),
          {"weasyprint.text.line_break.split_first_line": "39ad1016863ca34d"},
          _hyphen_words, speedup=False, fallback="every word hyphenated as pyphen would, capitalised ones and the book's list too"),
    Entry("line-fit", "a run of words that fits the line but for its trailing space is not cut after its first word",
          ("weasyprint.layout.inline.split_first_line", "weasyprint.text.line_break.create_layout",
           "weasyprint.text.line_break.line_size"),
          {"weasyprint.text.line_break.split_first_line": "39ad1016863ca34d"},
          _line_fit, speedup=False, fallback="WeasyPrint's lines: such a run's first word alone on a line"),
    Entry("notes-flow", "the notes laid out page by page, drawn in chunks, resumed after an edit to one note",
          ("weasyprint.DEFAULT_OPTIONS", "weasyprint.css.counters.CounterStyle", "weasyprint.document.DocumentMetadata",
           "weasyprint.document.Document._build_layout_context", "weasyprint.formatting_structure.build.build_formatting_structure",
           "weasyprint.html.get_html_metadata", "weasyprint.layout.initialize_page_maker", "weasyprint.layout.page.remake_page",
           "weasyprint.layout.layout_fixed_boxes", "weasyprint.layout.make_margin_boxes",
           "weasyprint.layout.background.layout_backgrounds", "weasyprint.document.Page"),
          {"weasyprint.layout.layout_document": "a5cbf437e99caf72",
           "weasyprint.layout.page.make_all_pages": "b5e4034894841caa",
           "weasyprint.layout.page.remake_page": "1ff09b2dffa17839",
           "weasyprint.layout.initialize_page_maker": "5bb3c878d722af53",
           "weasyprint.document.Document._build_layout_context": "2b072254ab89701b"},
          speedup=False, fallback="the notes laid out whole after every edit (the same pages, drawn in one piece)"),
    Entry("relayout", "a part laid out again from the pages a fix changes, the pages before and after them kept",
          ("weasyprint.DEFAULT_OPTIONS", "weasyprint.document.DocumentMetadata", "weasyprint.document.Page",
           "weasyprint.formatting_structure.build.build_formatting_structure", "weasyprint.html.get_html_metadata",
           "weasyprint.layout.layout_fixed_boxes", "weasyprint.layout.background.layout_backgrounds"),
          {"weasyprint.document.Document._render": "ebaceeb0fa8e79aa",
           "weasyprint.document.Document._build_layout_context": "2b072254ab89701b",
           "weasyprint.layout.layout_document": "a5cbf437e99caf72",
           "weasyprint.layout.page.make_all_pages": "b5e4034894841caa",
           "weasyprint.layout.page.remake_page": "1ff09b2dffa17839"},
          speedup=False, fallback="a part laid out whole again for each round of fixes (the same pages, more slowly)"),
    Entry("boxes", "page boxes read: the EPUB's print page-list, footnotes away from their call, stacked hyphens, "
          "folio proof's layout report",
          ("weasyprint.formatting_structure.boxes.FootnoteAreaBox", "weasyprint.formatting_structure.boxes.LineBox",
           "weasyprint.formatting_structure.boxes.MarginBox", "weasyprint.formatting_structure.boxes.TextBox"),
          {"weasyprint.document.Page.__init__": "56afceec729bf2c1"},
          speedup=False, fallback="no print page-list in the EPUB, no footnote or hyphen fixes, an empty layout report"),
    Entry("page-depth", "the blocks of a page whose text goes on overleaf moved so its last line ends on the page's "
          "last baseline (vertical justification: facing pages end on one line)",
          ("weasyprint.formatting_structure.boxes.BlockContainerBox", "weasyprint.formatting_structure.boxes.BlockLevelBox",
           "weasyprint.formatting_structure.boxes.FootnoteAreaBox", "weasyprint.formatting_structure.boxes.LineBox",
           "weasyprint.formatting_structure.boxes.Box.is_in_normal_flow", "weasyprint.formatting_structure.boxes.Box.descendants"),
          {"weasyprint.formatting_structure.boxes.Box.translate": "2e16dfbea8bd7d51",
           "weasyprint.document.Page.__init__": "56afceec729bf2c1"},
          speedup=False, fallback="pages end where WeasyPrint set them: facing pages may end on different lines"),
)
BY_NAME = {entry.name: entry for entry in ENTRIES}
_STATUS: dict[str, str] = {}  # name -> "on" or "off: why", once this process has probed


def _resolve(dotted: str) -> Any:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
            break
        except ImportError:
            continue
    else:
        raise AttributeError(dotted)
    for part in parts[cut:]:
        found = getattr(found, part)
    return found


def source_hash(dotted: str) -> str:
    return hashlib.sha256(inspect.getsource(_resolve(dotted)).encode("utf-8")).hexdigest()[:16]


def probe(entry: Entry) -> str | None:
    """Why `entry` cannot be used with the installed libraries, or None when it can."""
    if entry.name in os.environ.get(_FORCED_OFF, "").split(","):
        return f"turned off by {_FORCED_OFF}"
    if entry.speedup and not speedups_wanted():
        return "FOLIO_SPEEDUPS=off"
    try:
        for dotted in entry.needs:
            _resolve(dotted)
        for dotted, expected in entry.sources.items():
            if source_hash(dotted) != expected:
                return f"{dotted} is not the code it was written for"
        return entry.check() if entry.check else None
    except (AttributeError, ImportError, OSError, TypeError) as exc:
        return f"{type(exc).__name__}: {exc}"


def speedups_wanted() -> bool:
    return os.environ.get("FOLIO_SPEEDUPS", "on").lower() not in ("off", "0", "no")


def install() -> dict[str, str]:
    """Probe every entry once in this process and install the patches that pass; the state
    of each: "on" or "off: why". Call it in a layout worker only."""
    if not _STATUS:
        for entry in ENTRIES:
            reason = probe(entry)
            if reason is None and entry.install is not None:
                try:
                    entry.install()
                except Exception as exc:  # noqa: BLE001 - a patch that cannot be put in stays off
                    reason = f"{type(exc).__name__}: {exc}"
            _STATUS[entry.name] = "on" if reason is None else f"off: {reason}"
    return dict(_STATUS)


def status() -> dict[str, str]:
    """What `install()` did in this process; where it was never called (a layout run without
    worker processes), the patches are off and the reads of internals as their probes say."""
    if _STATUS:
        return dict(_STATUS)
    return {entry.name: "on" if entry.install is None and available(entry.name) else
            "off: no layout worker (the layout ran in the calling process, where WeasyPrint is left unpatched)"
            for entry in ENTRIES}


def available(name: str) -> bool:
    """Whether the read of internals `name` may be used here: as `install()` found it in a
    worker; elsewhere (the layout run in the build process) probed once on first use."""
    if name in _STATUS:
        return _STATUS[name] == "on"
    if name not in _READS:
        _READS[name] = probe(BY_NAME[name]) is None
    return _READS[name]


_READS: dict[str, bool] = {}


def describe(state: dict[str, str]) -> list[str]:
    """One line per entry, for `folio build -v`: name, on/off and why, what it does or what replaces it."""
    lines = []
    for entry in ENTRIES:
        value = state.get(entry.name, "off: unknown")
        what = entry.does if value == "on" else f"{value[5:]}; instead: {entry.fallback}"
        lines.append(f"{entry.name:<13} {'on' if value == 'on' else 'off':<3}  {what}")
    return lines
