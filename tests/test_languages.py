"""Books in Chinese, Japanese, Arabic and Hebrew (issue 19): every character printed with a font
that has it, right-to-left books set and bound right to left, missing fonts reported per script.

The texts are public-domain excerpts: Lu Xun, 狂人日记 (1918); Akutagawa Ryūnosuke, 羅生門
(1915); Ibn al-Muqaffaʿ, كليلة ودمنة (8th century); Genesis 1:1-5 (the Hebrew Bible).
"""

from __future__ import annotations

import html
import itertools
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from conftest import epub_document, epubcheck

from folio import build, load_book
from folio.errors import Reporter
from folio.language import fonts
from folio.weasy import justify

ZH = ("# 一\n\n今天晚上，很好的月光。\n\n我不见他，已是三十多年；今天见了，精神分外爽快。才知道以前的三十多年，全是发昏；"
      "然而须十分小心。不然，那赵家的狗，何以看我两眼呢？\n\n我怕得有理。\n")
JA = ("# 羅生門\n\nある日の暮方の事である。一人の下人が、羅生門の下で雨やみを待っていた。\n\n"
      "広い門の下には、この男のほかに誰もいない。ただ、所々丹塗の剥げた、大きな円柱に、蟋蟀が一匹とまっている。"
      "羅生門が、朱雀大路にある以上は、この男のほかにも、雨やみをする市女笠や揉烏帽子が、もう二三人はありそうなものである。"
      "それが、この男のほかには誰もいない。\n")
AR = ("# باب الأسد والثور\n\nقال دبشليم الملك لبيدبا الفيلسوف وهو رأس البراهمة: اضرب لي مثل المتحابين يقطع بينهما الكذوب "
      "المحتال حتى يحملهما على العداوة والبغضاء. قال بيدبا: إذا ابتلي المتحابان بأن يدخل بينهما الكذوب المحتال لم يلبثا أن "
      "يتقاطعا ويتدابرا.\n\nومن أمثال ذلك أنه كان بأرض دستاوند رجل شيخ، وكان له ثلاثة بنين. فلما بلغوا أشدهم أسرفوا في مال "
      "أبيهم، ولم يكونوا احترفوا حرفة يكسبون لأنفسهم بها خيرا. فلامهم أبوهم ووعظهم على سوء فعلهم، وكان من قوله لهم: يا بني، "
      "إن صاحب الدنيا يطلب ثلاثة أمور لن يدركها إلا بأربعة أشياء.\n\nوفي سنة 750 كتب هذا الكتاب، انظر `print(\"hello\")`.\n")
HE = ("# בראשית\n\nבראשית ברא אלהים את השמים ואת הארץ. והארץ היתה תהו ובהו וחשך על פני תהום ורוח אלהים מרחפת על פני "
      "המים.\n\nויאמר אלהים יהי אור ויהי אור. וירא אלהים את האור כי טוב ויבדל אלהים בין האור ובין החשך. ויקרא אלהים "
      "לאור יום ולחשך קרא לילה ויהי ערב ויהי בקר יום אחד.\n")
SCRIPT = {"zh-Hans": (r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]", "Noto-Serif-CJK-SC"),
          "ja": (r"[\u4e00-\u9fff\u3040-\u30ff\u3000-\u303f]", "Noto-Serif-CJK-JP"),
          "ar": (r"[\u0600-\u06ff]", "Noto-Naskh-Arabic"), "he": (r"[\u0590-\u05ff]", "Noto-Serif-Hebrew")}


def _book(make_book, lang: str, text: str, title: str) -> Path:
    yaml = (f"title: {title}\nlang: {lang}\nidentifier: urn:uuid:0b5ff5f8-1a0e-4c53-9d4b-8f0f3f0d7d4{len(lang)}\n"
            "chapters:\n  - chapters/01.md\n")
    return make_book({"01.md": text}, yaml)


@pytest.mark.slow
@pytest.mark.parametrize("lang, text, title", [("zh-Hans", ZH, "狂人日记"), ("ja", JA, "羅生門"), ("ar", AR, "كليلة ودمنة"),
                                               ("he", HE, "בראשית")])
def test_every_character_is_printed_with_a_font_that_has_it(make_book, tmp_path, lang, text, title):
    """Every character of the script in the EPUB's chapter is in the PDF's text layer (a
    missing glyph gives nothing back), drawn with the script's font; EPUBCheck is clean."""
    import pdfplumber

    result = build(_book(make_book, lang, text, title), tmp_path / "out", ("pdf", "epub"))
    assert not [d for d in result.diagnostics if d.code in ("font-missing-glyph", "pdf-layout")], result.diagnostics
    pattern, font = SCRIPT[lang]
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        chapter = archive.read("EPUB/01.xhtml").decode("utf-8")
    wanted = re.findall(pattern, re.sub(r"<[^>]+>", "", chapter))
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        printed = [c for page in pdf.pages for c in page.chars if re.fullmatch(pattern, c["text"])]
    assert len(wanted) > 40
    assert Counter(c["text"] for c in printed) >= Counter(wanted), Counter(wanted) - Counter(c["text"] for c in printed)
    assert {c["fontname"].split("+")[-1] for c in printed} == {font}  # never a synthetic oblique or small capitals
    report = epubcheck(result.outputs["epub"])
    assert (report["errors"], report["warnings"]) == (0, 0), report["messages"]


@pytest.mark.slow
@pytest.mark.parametrize("lang, text, title", [("ar", AR, "كليلة ودمنة"), ("he", HE, "בראשית")])
def test_a_right_to_left_book_is_set_and_bound_right_to_left(make_book, tmp_path, lang, text, title):
    """dir="rtl" on every EPUB document and the spine's page-progression-direction; in the PDF
    the short lines that end paragraphs start at the right edge of the text block, code keeps
    its direction, and the gutter is on a recto's right."""
    import pdfplumber

    result = build(_book(make_book, lang, text, title), tmp_path / "out", ("pdf", "epub"))
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        opf = archive.read("EPUB/content.opf").decode("utf-8")
        documents = [archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xhtml")]
    assert 'page-progression-direction="rtl"' in opf
    assert all(re.search(r'<html [^>]*dir="rtl"', d) for d in documents)
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        page = next(p for p in pdf.pages if len(p.chars) > 200)  # the chapter's page
        rows = [(line["x0"], line["x1"]) for line in page.extract_text_lines(return_chars=True)
                if any(10 < c["size"] < 11 for c in line["chars"])]  # the text (10.5 pt), not the heading or the folio
        left, right = min(r[0] for r in rows), max(r[1] for r in rows)
        short = [r for r in rows if r[0] > left + 20]  # the lines that end a paragraph
        width = page.width
    assert short and sum(abs(r[1] - right) < 2 for r in short) / len(short) >= 0.9, (rows, right)
    if lang == "ar":
        assert 'print("hello")' in "".join(c["text"] for c in page.chars if "Mono" in c["fontname"])
    assert width - right < left  # a recto (page 1): the wider margin, the gutter, is on its right


# Lu Xun again, with Latin words in it (spaces a Latin-only justification would stretch)
ZH_MIXED = ("# 一\n\n我翻开历史一查，这历史没有年代，歪歪斜斜的每叶上都写着 Ren Yi Dao De 几个字。我横竖睡不着，仔细看了半夜，"
            "才从字缝里看出字来，满本都写着两个字是 Chi Ren！书上写着这许多字，佃户说了这许多话，却都笑吟吟的睁着怪眼看我。"
            "我也是人，他们想要吃我了！\n\n凡事总须研究，才会明白。古来时常吃人，我也还记得，可是不甚清楚。"
            "我翻开历史一查，这历史没有年代，歪歪斜斜的每叶上都写着几个字。我怕得有理。\n")


@pytest.mark.slow
@pytest.mark.parametrize("lang, text, paragraphs", [("zh-Hans", ZH_MIXED, 2), ("ja", JA, 2)])
def test_chinese_and_japanese_lines_are_justified_between_their_characters(make_book, tmp_path, lang, text, paragraphs):
    """Every line but a paragraph's last ends at the measure, the slack shared between the
    characters: no gap between two characters of a line is wider than a quarter em (WeasyPrint
    alone puts it all in the line's spaces, or leaves a line without one ragged)."""
    import pdfplumber

    result = build(_book(make_book, lang, text, "T"), tmp_path / "out", ("pdf",))
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        lines = [line["chars"] for page in pdf.pages for line in page.extract_text_lines(return_chars=True)
                 if 10 < line["chars"][0]["size"] < 11 and len(line["chars"]) > 3 and ". ." not in line["text"]]  # the text
    right = max(chars[-1]["x1"] for chars in lines)
    full = [chars for chars in lines if abs(chars[-1]["x1"] - right) < 0.5]
    assert len(lines) >= 6 and len(full) == len(lines) - paragraphs, [(c[0]["text"], right - c[-1]["x1"]) for c in lines]
    gaps = [(after["x0"] - before["x1"], before["text"] + after["text"]) for chars in full for before, after in itertools.pairwise(chars)]
    between = [gap for gap, pair in gaps if all(map(justify.CJK.match, pair))]
    assert len(between) > 100 and max(between) < 0.1 * 10.5, max(between)  # a tenth of an em at most
    assert max(gap for gap, _pair in gaps) < 0.4 * 10.5, max(gaps)  # a word space in a Latin run: as wide as in English


@pytest.mark.slow
def test_wrapped_chinese_lines_join_without_spaces_and_emoji_and_digits_keep_their_fonts(make_book, tmp_path):
    """A Chinese or Japanese paragraph wrapped in the source reads as one (no space where the
    line broke, pandoc's east_asian_line_breaks); an emoji is drawn with the emoji face, and the
    digits beside it with the text's font (a colour-emoji face has digits too, and fontconfig
    puts it first when it is named)."""
    import pdfplumber

    text = "# 一\n\n今天晚上，\n很好的月光。2015年，我看见🍎和🍇。\n"
    result = build(_book(make_book, "zh-Hans", text, "T"), tmp_path / "out", ("pdf", "epub"))
    assert not [d for d in result.diagnostics if d.code in ("font-missing-glyph", "pdf-layout")], result.diagnostics
    assert "今天晚上，很好的月光。" in epub_document(result.outputs["epub"])
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        used = {c["text"]: c["fontname"].split("+")[-1] for page in pdf.pages for c in page.chars if c["text"] in "2015🍎🍇月"}
    assert used == {"2": "Noto-Serif-CJK-SC", "0": "Noto-Serif-CJK-SC", "1": "Noto-Serif-CJK-SC", "5": "Noto-Serif-CJK-SC",
                    "月": "Noto-Serif-CJK-SC", "🍎": "Noto-Color-Emoji", "🍇": "Noto-Color-Emoji"}, used


def test_a_script_without_a_font_is_named_with_its_places_and_package(make_book, monkeypatch):
    """folio check (and build) name each script no font can print: its characters, the chapters
    and lines where they stand, and the package with a font for it."""
    monkeypatch.setattr(fonts, "_family_cmap", lambda family: frozenset())  # no font installed but the theme's
    root = make_book({"01.md": "# One\n\nLatin, then 中文 and more.\n", "02.md": "# Two\n\nAgain 中.\n\nAnd 😀.\n"})
    report = Reporter()
    load_book(root, report=report)
    assert sorted(d.format() for d in report.items if d.code == "font-missing-glyph") == [
        "chapters/01.md:3: warning: 2 Han characters (中文) that no font of the book can print, in chapters/01.md:3, "
        "chapters/02.md:3: install fonts-noto-cjk (scripts/setup.sh --fonts does), or name a font that has them in fonts: "
        "in book.yaml [font-missing-glyph]",
        "chapters/02.md:5: warning: 1 symbol character (😀) that no font of the book can print, in chapters/02.md:5: install a "
        "font that has them, or name a font that has them in fonts: in book.yaml [font-missing-glyph]"]


def test_only_the_scripts_a_book_uses_get_a_font_and_cjk_follows_the_language():
    theme = Path(__file__).resolve().parent.parent / "styles" / "fonts" / "GentiumBookPlus-Regular.ttf"
    assert fonts.plan_fonts(set("An English book — “quoted”, naïve, Œuvre."), "en", theme).css() == ""
    plan = fonts.plan_fonts(set("漢字とかな"), "ja", theme)
    assert plan.families == ["Gentium Book Plus", "Noto Serif CJK JP"] and plan.cjk == "jp"
    css = plan.css()
    assert '[lang|="ja" i] { font-family: "Noto Serif CJK JP", "Gentium Book Plus", serif; }' in css
    assert '@page { font-family: "Noto Serif CJK JP", "Gentium Book Plus", serif; }' in css
    assert fonts.plan_fonts(set("漢字"), "zh-Hant", theme).cjk == "tc"
    assert fonts.plan_fonts(set("שלום، مرحبا"), "en", theme).families == ["Gentium Book Plus", "Noto Serif Hebrew", "Noto Naskh Arabic"]


@pytest.mark.slow
def test_the_book_s_own_words_are_in_its_language_and_book_yaml_can_change_them(make_book, tmp_path):
    """The contents, a chapter's number ("第{}章"), a figure's label, notes: in the book's
    language; book.yaml's labels: replaces any of them; an unknown label is an error at its line."""
    from folio.errors import FolioError

    text = ZH.replace("我怕得有理。", "我怕得有理。[^1]见[@ch:er]。\n\n[^1]: 注文。") + "\n# 二 {#er}\n\n今天全没月光。\n"
    root = make_book({"01.md": text}, "title: 狂人日记\nlang: zh-Hans\nidentifier: urn:uuid:0b5ff5f8-1a0e-4c53-9d4b-8f0f3f0d7d51\n"
                                      "labels: {notes: 尾注}\nchapters:\n  - chapters/01.md\n")
    result = build(root, tmp_path / "out", ("epub",))
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        nav = archive.read("EPUB/nav.xhtml").decode("utf-8")
        chapter = archive.read("EPUB/01.xhtml").decode("utf-8")
        names = archive.namelist()
    assert "<h1>目录</h1>" in nav or ">目录<" in nav
    assert ">第2章</a>" in chapter
    notes = next(archive_name for archive_name in names if "notes" in archive_name)
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        assert "尾注" in archive.read(notes).decode("utf-8")
    (root / "book.yaml").write_text((root / "book.yaml").read_text(encoding="utf-8").replace("{notes: 尾注}", "{notez: 尾注}"),
                                    encoding="utf-8")
    with pytest.raises(FolioError) as caught:
        build(root, tmp_path / "out", ("epub",))
    assert [d.format() for d in caught.value.diagnostics] == ["book.yaml:4: unknown label 'notez' (did you mean 'note'?)"]


@pytest.mark.parametrize("title, name", [("The Russian Liberation Army", "the-russian-liberation-army"),
                                         ("Œuvres complètes", "oeuvres-completes"), ("Pandoc User’s Guide", "pandoc-users-guide"),
                                         ("狂人日记", "狂人日记"), ("كليلة ودمنة", "كليلة-ودمنة"), ("नमस्ते दुनिया", "नमस्ते-दुनिया"),
                                         ("Война и мир", "война-и-мир"), ("???", "book")])
def test_output_files_are_named_after_the_title_in_any_script(title, name):
    """Latin titles lose their accents, as before; every other script keeps its letters
    (Cyrillic й, Devanagari vowel signs included): a Chinese book is no longer 'book.pdf'."""
    from folio.pipeline import slugify

    assert slugify(title) == name


def test_stats_count_cjk_text_in_characters(make_book):
    """A Chinese chapter is not a few 'words' between punctuation: each character counts, and the
    pages are estimated from characters (700 a page)."""
    from folio.check.lint import stats

    book = load_book(_book(make_book, "zh-Hans", ZH, "狂人日记"))
    chapter, total = stats(book)
    han = len(re.findall(r"[\u4e00-\u9fff]", ZH))
    assert chapter.words == han and total.words == han
    assert total.pages == round(han / 700, 1)


@pytest.mark.parametrize("lang, marks", [("ja", "「引用」と"), ("zh-Hant", "「引用」與"), ("ar", "«اقتباس» و ‹داخل›")])
def test_quotation_marks_are_the_language_s(make_book, tmp_path, lang, marks):
    """Straight quotes typed in the Markdown become the language's own marks (pandoc takes a
    single quote right after a letter for an apostrophe, so the CJK cases have double ones)."""
    typed = {"ja": '"引用"と', "zh-Hant": '"引用"與', "ar": '"اقتباس" و \'داخل\''}[lang]
    result = build(_book(make_book, lang, f"# 一\n\n{typed}\n", "T"), tmp_path / "out", ("epub",))
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        assert marks in archive.read("EPUB/01.xhtml").decode("utf-8")


@pytest.mark.slow
def test_fonts_in_book_yaml_come_first_installed_or_the_book_s_own_files(make_book, tmp_path):
    """fonts: names installed families or font files of the book (embedded from the book's
    folder); a family that is neither is an error at its line."""
    import pdfplumber

    from folio.errors import FolioError

    face = (Path(__file__).resolve().parent.parent / "styles" / "fonts" / "DejaVuSansMono.ttf").read_bytes()
    yaml = ("title: Fonts\nlang: zh-Hans\nidentifier: urn:uuid:0b5ff5f8-1a0e-4c53-9d4b-8f0f3f0d7d52\n"
            "fonts: [fonts/own.ttf, Noto Serif CJK JP]\nchapters:\n  - chapters/01.md\n")
    root = make_book({"01.md": "# One\n\nLatin text, 漢字.\n"}, yaml, extra={"fonts/own.ttf": face})
    result = build(root, tmp_path / "out", ("pdf",))
    with pdfplumber.open(result.outputs["pdf"]) as pdf:
        used = {c["text"]: c["fontname"].split("+")[-1] for page in pdf.pages for c in page.chars if c["text"] in "L漢"}
    assert used == {"L": "DejaVu-Sans-Mono", "漢": "Noto-Serif-CJK-JP"}, used
    (root / "book.yaml").write_text(yaml.replace("Noto Serif CJK JP", "No Such Face"), encoding="utf-8")
    with pytest.raises(FolioError) as caught:
        build(root, tmp_path / "out", ("pdf",))
    assert [d.format() for d in caught.value.diagnostics] == [
        "book.yaml:4: fonts: 'No Such Face' is not an installed font family (fc-list lists those that are) nor a .ttf or .otf "
        "file of the book"]


def test_the_theme_s_coverage_file_is_its_font_s_character_map():
    """The ranges read instead of the theme font's cmap (25 ms a build) are exactly that cmap."""
    from fontTools.ttLib import TTFont

    font = Path(__file__).resolve().parent.parent / "styles" / "fonts" / "GentiumBookPlus-Regular.ttf"
    assert fonts.coverage(font) == frozenset(TTFont(str(font), lazy=True).getBestCmap())


# Real pages by other people (tests/data/learnxinyminutes/README.md): prose, lists, code with
# comments in the book's script, raw HTML paragraphs, as their translators wrote them.
OUTSIDE = Path(__file__).parent / "data" / "learnxinyminutes"
REAL = {"ar-html.md": ("ar", r"[\u0600-\u06ff]", "Noto-Naskh-Arabic"), "he-html.md": ("he", r"[\u0590-\u05ff]", "Noto-Serif-Hebrew"),
        "fa-html.md": ("fa", r"[\u0600-\u06ff]", "Noto-Naskh-Arabic"),
        "ja-markdown.md": ("ja", r"[\u3040-\u30ff\u4e00-\u9fff]", "Noto-Serif-CJK-JP"),
        "zh-cn-markdown.md": ("zh-CN", r"[\u4e00-\u9fff]", "Noto-Serif-CJK-SC")}
MONO = ("DejaVu-Sans-Mono", "Noto-Sans-Mono-CJK")


@pytest.fixture(scope="module")
def real_books(tmp_path_factory):
    """Each page built as a one-chapter book with nothing but a book.yaml, as a new user would."""
    built = {}
    for number, (name, (lang, _pattern, _font)) in enumerate(REAL.items()):
        root = tmp_path_factory.mktemp(name.split(".")[0])
        (root / name).write_bytes((OUTSIDE / name).read_bytes())
        (root / "book.yaml").write_text(f"title: Learn X in Y minutes ({lang})\nlang: {lang}\n"
                                        f"identifier: urn:uuid:0b5ff5f8-1a0e-4c53-9d4b-8f0f3f0d7e{number:02d}\nchapters:\n  - {name}\n",
                                        encoding="utf-8")
        built[name] = build(root, root / "out", ("pdf", "epub"))
    return built


@pytest.mark.slow
def test_real_pages_in_five_languages_print_every_character_pass_epubcheck_and_read_right_to_left(real_books):
    """Arabic, Hebrew, Persian, Japanese and Chinese pages by other people: no glyph missing; every
    character of the script in the EPUB's chapter is in the PDF's text layer, drawn with the
    script's face (or, in code, the monospaced faces); the EPUBs pass EPUBCheck with no error or
    warning; in the right-to-left books at least 90 % of the short lines (a paragraph's last)
    start at the right edge of the text block (the issue's measure; the rest are list items'
    second lines, which start at the item's text, a bullet's width in)."""
    import pdfplumber
    from conftest import epubcheck_many

    verdicts, log = epubcheck_many([result.outputs["epub"] for result in real_books.values()])
    assert set(verdicts.values()) == {(0, 0, 0)}, log
    at_edge = short = 0
    for name, result in real_books.items():
        lang, pattern, font = REAL[name]
        assert not [d for d in result.diagnostics if d.code in ("font-missing-glyph", "pdf-layout")], (name, result.diagnostics)
        chapter = epub_document(result.outputs["epub"], name.replace(".md", ".xhtml"))
        with zipfile.ZipFile(result.outputs["epub"]) as archive:
            opf = archive.read("EPUB/content.opf").decode("utf-8")
        wanted = Counter(re.findall(pattern, html.unescape(re.sub(r"<[^>]+>", "", chapter.split("<body", 1)[1]))))
        with pdfplumber.open(result.outputs["pdf"]) as pdf:
            chars = [c for page in pdf.pages for c in page.chars]
            printed = Counter(ch for c in chars for ch in c["text"] if re.fullmatch(pattern, ch))
            faces = {c["fontname"].split("+")[-1].removesuffix("-Bold") for c in chars if re.search(pattern, c["text"])}
            starts = _short_lines_at_the_start_edge(pdf) if lang in ("ar", "he", "fa") else None
        assert sum(wanted.values()) > 200 and printed >= wanted, (name, wanted - printed)
        assert faces - {font} <= {f for f in faces if f.startswith(MONO)}, (name, faces)
        if starts is not None:
            assert 'page-progression-direction="rtl"' in opf and re.search(r'<html [^>]*dir="rtl"', chapter)
            at_edge, short = at_edge + starts[0], short + starts[1]
    assert short >= 10 and at_edge / short >= 0.9, (at_edge, short)


def _short_lines_at_the_start_edge(pdf) -> tuple[int, int]:
    """(short lines of text whose right end is the text block's right edge, short lines), over
    every page with text: the lines of 10.5 pt that start 20 pt or more in from the left."""
    at_edge = total = 0
    for page in pdf.pages:
        rows = [line for line in page.extract_text_lines(return_chars=True)
                if len(line["chars"]) > 3 and all(10 < c["size"] < 11 and not c["fontname"].split("+")[-1].startswith(MONO)
                                                  for c in line["chars"])]
        if len(rows) < 3:
            continue
        left, right = min(r["x0"] for r in rows), max(r["x1"] for r in rows)
        short = [r for r in rows if r["x0"] > left + 20]
        total += len(short)
        at_edge += sum(abs(r["x1"] - right) < 2 for r in short)
    return at_edge, total
