"""The characters of a book -> the fonts that draw them, and the ones nothing can draw.

In: the set of characters a book's text uses, its language, and the fonts book.yaml names
(`fonts:`). Out: a `FontPlan`: the font-family list of the print style sheet (the book's
own fonts, the theme's Gentium Book Plus for Latin, Greek and Cyrillic, then one family for
each other script the book uses: Noto, whose Debian packages scripts/setup.sh installs),
the CSS that sets it, and the characters no font of that list has, by script, with the
package that would cover them.

Only scripts the book uses get a family, so a book in English gets exactly the theme's
stack. Han characters are drawn differently in Chinese (simplified and traditional),
Japanese and Korean: the CJK family follows the language, of the book (`lang`) and of each
element that says its own (`[lang|=ja]`). Fonts other than the theme's are found through
fontconfig, as WeasyPrint finds them; coverage is read from each font's character map.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

THEME_FAMILY = "Gentium Book Plus"  # the theme's text face (styles/fonts), which the caller gives as a file
MONO_FAMILY = "DejaVu Sans Mono"
CJK_SCRIPTS = frozenset({"Hani", "Hira", "Kana", "Hang", "Bopo"})
CJK = {"sc": "Noto Serif CJK SC", "tc": "Noto Serif CJK TC", "hk": "Noto Serif CJK HK", "jp": "Noto Serif CJK JP",
       "kr": "Noto Serif CJK KR"}
CJK_MONO = {"sc": "Noto Sans Mono CJK SC", "tc": "Noto Sans Mono CJK TC", "hk": "Noto Sans Mono CJK HK", "jp": "Noto Sans Mono CJK JP",
            "kr": "Noto Sans Mono CJK KR"}
CJK_LANGS = {"sc": ("zh", "zh-Hans", "zh-CN", "zh-SG"), "tc": ("zh-Hant", "zh-TW", "zh-MO"), "hk": ("zh-HK",), "jp": ("ja",),
             "kr": ("ko",)}
# Families whose name is not "Noto Serif <script name>" (or that have only a sans design)
NAMED = {"Arab": "Noto Naskh Arabic", "Syrc": "Noto Sans Syriac", "Thaa": "Noto Sans Thaana", "Nkoo": "Noto Sans NKo",
         "Cher": "Noto Sans Cherokee", "Mong": "Noto Sans Mongolian", "Tfng": "Noto Sans Tifinagh", "Olck": "Noto Sans Ol Chiki"}
EMOJI_FACE, EMOJI_FAMILY = "Noto Color Emoji", "folio emoji"  # the installed family; the @font-face that has its emoji only
GENERAL = ("Noto Serif", "Noto Sans", "Noto Sans Math", "Noto Sans Symbols", "Noto Sans Symbols 2", "Noto Music", EMOJI_FACE)
CASELESS = frozenset({"zh", "ja", "ko", "ar", "he", "iw", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb", "syr", "hi", "mr", "ne",
                      "sa", "bn", "pa", "gu", "or", "ta", "te", "kn", "ml", "si", "th", "lo", "km", "my", "bo", "am", "ti"})
PACKAGES = {"cjk": "fonts-noto-cjk", "core": "fonts-noto-core", "emoji": "fonts-noto-color-emoji"}
# pictographs, emoticons, transport and map symbols, ...: Noto Color Emoji (WeasyPrint draws its colour bitmaps)
EMOJI = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0xFE0F, 0xFE0F))


@dataclass
class FontPlan:
    """The fonts of one book's print edition."""

    families: list[str]  # the body's font-family list, in order
    faces: list[tuple[str, str, str]] = field(default_factory=list)  # (family, file URI, unicode-range or "") of @font-face rules
    cjk: str = ""  # the CJK variant of the book's language (sc, tc, hk, jp, kr), when it uses Han, kana or hangul
    cjk_book: bool = False  # the book's language is Chinese, Japanese or Korean
    caseless_book: bool = False  # the book's language is written in a script without capitals (no small capitals then)
    language: str = ""  # the book's language's primary subtag (ar, he, ...)
    missing: dict[str, list[str]] = field(default_factory=dict)  # script name -> characters no font draws, in order
    packages: dict[str, str] = field(default_factory=dict)  # script name -> the Debian package with a font for it

    def files(self) -> list[Path]:
        """The font files the style sheet loads (WeasyPrint may read them, beside the book's and theme's folders)."""
        from urllib.parse import unquote, urlsplit

        return [Path(unquote(urlsplit(uri).path)) for _family, uri, _ranges in self.faces]

    def css(self) -> str:
        """The style sheet that sets the plan's fonts (empty for a book the theme's fonts draw)."""
        if self.families == [THEME_FAMILY] and not self.cjk and not self.caseless_book:
            return ""
        faces = [f"@font-face {{ font-family: {_quoted(family)}; src: url({_quoted(uri)});{f' unicode-range: {ranges};' if ranges else ''} }}"
                 for family, uri, ranges in self.faces]
        page = [CJK[self.cjk], *(f for f in self.families if f not in CJK.values())] if self.cjk_book and self.cjk else self.families
        rules = [*faces, f"html {{ font-family: {_family_list(self.families)}; }}", f"@page {{ font-family: {_family_list(page)}; }}"]
        # code: the monospaced face, then the CJK one, then the book's other scripts' (and its emoji) for what they lack
        mono = [MONO_FAMILY, *([CJK_MONO[self.cjk]] if self.cjk else []),
                *(f for f in self.families if f != THEME_FAMILY and f not in CJK.values())]
        if len(mono) > 1:
            rules.append(f"pre, code, kbd, samp {{ font-family: {', '.join(_quoted(f) for f in mono)}, monospace; }}")
        if self.caseless_book:  # small capitals of a script without capitals would be a second, synthetic face
            rules.append("html, html * { font-variant: normal !important; }")
            # nor has it italics (Noto Naskh Arabic, Noto Serif Hebrew, ... have none: the engine would slant the
            # glyphs): its text is upright, emphasis bold; a passage in another language keeps its italics
            lang = self.language
            rules.append(f":lang({lang}), :lang({lang}) * {{ font-style: normal !important; }}")
            rules.append(f":lang({lang}) :is(em, i, cite, dfn) {{ font-weight: bold; }}")
            pages = ", ".join(f"{name}:{side}" for side in ("left", "right") for name in ("front", "body", "body-first", "back"))
            rules.append(f"@page {pages} {{ @top-center {{ font-style: normal; }} }}")  # the running heads too
        if self.cjk:  # text in a CJK language takes its punctuation (full-width “，”) and its Latin from the CJK font too
            others = [f for f in self.families if f not in CJK.values()]
            for variant, langs in CJK_LANGS.items():
                selector = ", ".join(f'[lang|="{lang}" i]' for lang in langs)
                rules.append(f"{selector} {{ font-family: {_family_list([CJK[variant], *others])}; }}")
            # Han, kana and hangul are never slanted nor set in small capitals (fonts have neither: the engine would
            # distort the glyphs); after the theme's rules, so an italic epigraph or subtitle is upright here too
            cjk = ", ".join(f'[lang|="{lang}" i], [lang|="{lang}" i] *' for lang in ("zh", "ja", "ko"))
            rules.append(f"{cjk} {{ font-style: normal !important; font-variant: normal !important; }}")
        return "\n".join(rules) + "\n"


def _family_list(families: list[str]) -> str:
    return ", ".join(_quoted(f) for f in families) + ", serif"


def _quoted(text: str) -> str:
    """A CSS string: a family name may come from a font's own name table, which a book's font file sets."""
    return '"' + "".join(f"\\{ord(ch):x} " if ch in '"\\' or not ch.isprintable() else ch for ch in text) + '"'


def cjk_variant(lang: str) -> str:
    tag = lang.lower()
    for variant, langs in CJK_LANGS.items():
        if any(tag == l.lower() or tag.startswith(l.lower() + "-") for l in langs if l != "zh"):
            return variant
    return "sc"  # zh, and Han in a book of another language


def plan_fonts(chars: set[str], lang: str, theme_font: Path, own: tuple[str, ...] = (), files: dict[str, Path] | None = None) -> FontPlan:
    """The fonts for a book whose text uses `chars`; `theme_font`: the theme's regular text face
    (THEME_FAMILY); `own`: families book.yaml names, first; `files`: those that are font files
    of the book, by family."""
    import unicodedata as ucd

    theme = coverage(theme_font)
    others = sorted(c for c in chars if ord(c) > 0x20 and ord(c) not in theme and not c.isspace() and ucd.category(c) not in ("Cc", "Cf", "Cs"))
    files = files or {}
    primary = lang.split("-")[0].lower()
    plan = FontPlan([*own, THEME_FAMILY], [(f, files[f].as_uri(), "") for f in own if f in files],
                    cjk_book=primary in ("zh", "ja", "ko"), caseless_book=primary in CASELESS, language=primary)
    if not others:
        return plan
    from fontTools import unicodedata

    covers = [(family, _cmap(str(files[family]), 0) if family in files else _family_cmap(family)) for family in own]
    variant = cjk_variant(lang)
    common = ("Zyyy", "Zinh")  # punctuation, digits, marks shared by scripts: placed after the scripts' own letters
    for char in sorted(others, key=lambda c: unicodedata.script(c) in common):
        if any(ord(char) in cmap for _, cmap in covers):
            continue
        script = unicodedata.script(char)
        if script in common:  # a shared character: a font of one of the scripts that use it
            script = next((s for s in sorted(unicodedata.script_extension(char)) if s not in common), script)
        if script in CJK_SCRIPTS or (script in common and plan.cjk_book):
            family, package = CJK[variant], PACKAGES["cjk"]
            plan.cjk = variant
        else:
            family, package = _script_family(script), PACKAGES["core"]
        cmap = _family_cmap(family) if family else frozenset()
        if ord(char) not in cmap:  # a script Noto draws in its general faces (Latin and Cyrillic extensions), or a symbol
            family = next((f for f in GENERAL if ord(char) in _general_cmap(f)), family)
            cmap = _general_cmap(family) if family else frozenset()
        if family == EMOJI_FACE and cmap and EMOJI_FAMILY not in plan.families:
            # its emoji only (it has digits too, and fontconfig sorts a colour font first when it is named)
            plan.faces.append((EMOJI_FAMILY, _family_file(family).as_uri(), ", ".join(f"U+{a:X}-{b:X}" for a, b in EMOJI)))
            plan.families.append(EMOJI_FAMILY)
            covers.append((family, cmap))
        elif family and family not in plan.families and family != EMOJI_FACE and cmap:
            plan.families.append(family)
            covers.append((family, cmap))
        if ord(char) not in cmap:
            symbol = script in common + ("Zzzz",)
            name = "symbol" if symbol else unicodedata.script_name(script, default=script)
            if symbol:  # the package of the general face that would have it, unless that face is installed already
                emoji = any(first <= ord(char) <= last for first, last in EMOJI)
                face, package = (EMOJI_FACE, PACKAGES["emoji"]) if emoji else ("Noto Sans Symbols", PACKAGES["core"])
                family = "" if installed(face) else face
            plan.missing.setdefault(name, []).append(char)
            plan.packages.setdefault(name, package if family else "")
    return plan


def _script_family(script: str) -> str:
    """The installed Noto family for a script: its own name, else Noto Serif or Noto Sans <name>."""
    from fontTools import unicodedata

    if script in NAMED:
        return NAMED[script]
    name = unicodedata.script_name(script, default="")
    installed = _installed_families()
    return next((f for f in (f"Noto Serif {name}", f"Noto Sans {name}") if name and f in installed), "")


@lru_cache(maxsize=1)
def _installed_families() -> frozenset[str]:
    try:
        done = subprocess.run(["fc-list", "--format", "%{family}\n"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(name.strip() for line in done.stdout.splitlines() for name in line.split(","))


def _general_cmap(family: str) -> frozenset[int]:
    """What a general face is used for: all its characters, but the emoji face's emoji only."""
    cmap = _family_cmap(family)
    return _emoji_only(cmap) if family == EMOJI_FACE else cmap


@lru_cache(maxsize=4)
def _emoji_only(cmap: frozenset[int]) -> frozenset[int]:
    return frozenset(c for c in cmap if any(first <= c <= last for first, last in EMOJI))


@lru_cache(maxsize=64)
def _family_face(family: str) -> tuple[str, int] | None:
    """The file and index of an installed family's regular face, as fontconfig finds it."""
    try:
        done = subprocess.run(["fc-list", "--format", "%{file}\t%{index}\t%{style}\n", f"{family}"], capture_output=True, text=True,
                              timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    faces = [line.split("\t") for line in done.stdout.splitlines() if line.count("\t") == 2]
    faces.sort(key=lambda face: ("Regular" not in face[2], face[0]))
    return (faces[0][0], int(faces[0][1])) if faces else None


def _family_file(family: str) -> Path:
    face = _family_face(family)
    assert face is not None, family  # only called for a family whose characters were found
    return Path(face[0])


@lru_cache(maxsize=64)
def _family_cmap(family: str) -> frozenset[int]:
    """The characters of an installed family's regular face (fontconfig finds its file)."""
    face = _family_face(family)
    return _cmap(*face) if face else frozenset()


@lru_cache(maxsize=8)
def coverage(font: Path) -> frozenset[int]:
    """The characters a font draws: from the `.coverage` file beside it when there is one (the
    theme's, read in a millisecond where the font's own table takes 25), else from the font."""
    ranges = font.with_suffix(".coverage")
    if not ranges.is_file():
        return _cmap(str(font), 0)
    points: set[int] = set()
    for line in ranges.read_text(encoding="ascii").splitlines():
        if line and not line.startswith("#"):
            first, last = (int(part, 16) for part in line.split("-"))
            points.update(range(first, last + 1))
    return frozenset(points)


@lru_cache(maxsize=64)
def _cmap(path: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    try:
        return frozenset(TTFont(path, fontNumber=index, lazy=True).getBestCmap() or ())
    except Exception:  # noqa: BLE001 - a damaged or unreadable font covers nothing
        return frozenset()


def font_family(path: Path) -> str:
    """The family name a font file gives itself (its name table), or '' for a file that is no font."""
    from fontTools.ttLib import TTFont

    try:
        names = TTFont(str(path), fontNumber=0, lazy=True)["name"]
        return str(names.getBestFamilyName() or "").strip()
    except Exception:  # noqa: BLE001 - not a font, or a damaged one
        return ""


def installed(family: str) -> bool:
    return family in _installed_families()
