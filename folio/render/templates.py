"""The theme's Jinja environment: a book's templates/ shadow the default theme's.

In: the book folder. Out: `theme_environment`, a sandboxed Jinja environment (autoescape,
StrictUndefined; a book is untrusted input) whose loaders read the book's templates/ first, then the theme's
(also reachable as `default/NAME` for `{% extends %}`), each refusing a template that
resolves outside its folder; `render_template`, which turns a broken template into a
`path:line` error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from folio.errors import Diagnostic, FolioError
from folio.paths import is_inside
from folio.render import hooks
from folio.theme import DEFAULT_TEMPLATES, THEME_ROOT


class _ContainedLoader(jinja2.FileSystemLoader):
    """A template loader that refuses templates resolving outside its folder."""

    def get_source(self, environment: jinja2.Environment, template: str):
        source, filename, uptodate = super().get_source(environment, template)
        if filename and not is_inside(Path(filename), [Path(p) for p in self.searchpath]):
            # a template the book has but that links elsewhere is an error, not a fall back to the theme's
            raise FolioError(Diagnostic(f"templates/{template}", None, "this template points outside the book folder (a link?)"))
        return source, filename, uptodate


def theme_environment(book_root: Path, house: Path | None = None) -> jinja2.Environment:
    """Jinja, sandboxed, with autoescape and StrictUndefined; the book's templates/ first, then
    a house theme's (`house`), then folio's."""
    default = _ContainedLoader(str(DEFAULT_TEMPLATES))
    loaders: list[jinja2.BaseLoader] = []
    for base, what in ((book_root, "book"), (house, "house theme")):
        own = base / "templates" if base is not None else None
        if own is None or not own.is_dir():
            continue
        if base.resolve() not in own.resolve().parents:  # a templates/ that is a link to a folder elsewhere
            raise FolioError(Diagnostic("templates", None, f"the {what}'s templates/ folder points outside the {what} folder"))
        loaders.append(_ContainedLoader(str(own)))
    loaders += [jinja2.PrefixLoader({"default": default}), default]
    # a book is untrusted: its templates run sandboxed (no attribute walks to Python's
    # internals, no calls that change the data they are given)
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = css_string
    env.own_templates = [Path(loader.searchpath[0]) for loader in loaders[:-2]]  # type: ignore[attr-defined]  # hooks checked
    return env


def css_string(text: str) -> str:
    """A CSS string literal: "The \\"Title\\"" (for page.css, rendered by Jinja)."""
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\' or ord(c) < 32 or c in "<>&" else c for c in str(text))
    return markupsafe.Markup(f'"{escaped}"')


def render_template(env: jinja2.Environment, name: str, book_root: Path, **context: Any) -> str:
    """Render a theme template; a broken template is a user error at its file and line."""
    try:
        template = env.get_template(name)
        html = template.render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise FolioError(Diagnostic(_shown_path(exc.filename or name, book_root), exc.lineno, f"template error: {exc.message}")) from None
    except jinja2.TemplateNotFound as exc:  # an {% include %} or {% extends %} of a name no folder has
        where, line = _template_frame(exc, name)
        raise FolioError(Diagnostic(_shown_path(where, book_root), line, f"template '{exc.name}' not found: templates name "
                                    "other templates of the book's templates/ or the theme's by their path there")) from None
    except SecurityError as exc:
        where, line = _template_frame(exc, name)
        raise FolioError(Diagnostic(_shown_path(where, book_root), line, f"template error: {exc}")) from None
    except jinja2.UndefinedError as exc:
        where, line = _template_frame(exc, name)
        raise FolioError(Diagnostic(_shown_path(where, book_root), line, f"template error: {exc.message}")) from None
    own = getattr(env, "own_templates", [book_root / "templates"])  # the book's and a house theme's
    if template.filename and is_inside(Path(template.filename), own):
        hooks.check(name, _shown_path(template.filename, book_root), html, context)  # they keep the hooks
    return html


def _template_frame(exc: BaseException, name: str) -> tuple[str, int | None]:
    """The template file and line an error was raised at (Jinja puts them in the traceback)."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith((".html", ".xhtml", ".css"))]
    return (frames[-1].filename, frames[-1].lineno) if frames else (name, None)


def _shown_path(filename: str, book_root: Path) -> str:
    path = Path(filename)
    for base in (book_root, THEME_ROOT, path.parent.parent):  # (the last: a house theme's templates/NAME)
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return filename
