"""Where the default theme is: its templates, style sheets and fonts.

In: nothing. Out: the folders of the theme. In a checkout (and an editable install)
they are the repository's top-level templates/ and styles/; a wheel maps the same
folders into the package (folio/templates, folio/styles), so an installed folio has its
theme too. `theme_styles` lists one output's style sheets in cascade order.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# a wheel: the theme inside the package; a checkout: beside it
THEME_ROOT = _PACKAGE if (_PACKAGE / "templates").is_dir() else _PACKAGE.parent
DEFAULT_TEMPLATES = THEME_ROOT / "templates"
DEFAULT_STYLES = THEME_ROOT / "styles"


def theme_styles(output: str, theme: str = "default") -> list[Path]:
    """The theme's CSS files for one output, in cascade order (the book's come after).

    Every theme starts from the default; another theme (book.yaml `theme`) adds its
    `styles/themes/NAME.css` (all outputs) and `NAME-OUTPUT.css` when there is one."""
    files = [DEFAULT_STYLES / "base.css", DEFAULT_STYLES / f"{output}.css"]
    if theme != "default":
        files += [p for p in (DEFAULT_STYLES / "themes" / f"{theme}.css", DEFAULT_STYLES / "themes" / f"{theme}-{output}.css") if p.is_file()]
    return files
