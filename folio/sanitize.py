"""Raw HTML and attributes an author wrote -> markup safe for both outputs.

In: raw HTML blocks and inline tags from the AST, Div/Span attributes.
Out: cleaned, well-formed XHTML text (or None when nothing is left), and the
list of what was removed, which the transform reports as warnings.

Blocks go through nh3 (the Ammonia sanitizer) with an allowlist (images come
only from Markdown, where folio checks and packs them, so <img> is not on it); inline tags,
which pandoc hands over one tag at a time, are rebuilt from an allowlist of
tag and attribute names. No script, event handler, form, frame, style sheet or
remote resource survives.
"""

from __future__ import annotations

import re

import nh3
from lxml import etree, html

BLOCK_TAGS = {
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite",
    "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "section", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr",
    "u", "ul", "var", "wbr",
}
INLINE_TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "del", "dfn", "em", "i", "ins", "kbd", "mark",
    "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
}
VOID_TAGS = {"br", "wbr", "img", "hr", "col"}
SAFE_ATTRIBUTES = {"class", "id", "lang", "title", "dir", "datetime", "colspan", "rowspan", "start", "reversed", "type"}
# keyvals on Div/Span/Header that folio understands or passes on as they are
PASSED_KEYVALS = {"lang", "title", "dir"}
_INLINE_TAG_RE = re.compile(r"^<(/?)([A-Za-z][A-Za-z0-9]*)\b([^>]*?)(/?)>$", re.S)
_ATTR_RE = re.compile(r"""([A-Za-z_:][-A-Za-z0-9_:.]*)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")


def _escape_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def clean_block(raw: str) -> tuple[str, list[str]]:
    """Sanitise a raw HTML block; return XHTML text and what was removed."""
    cleaned = nh3.clean(
        raw,
        tags=BLOCK_TAGS,
        attributes={"*": SAFE_ATTRIBUTES, "a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )
    removed = _removed(raw, cleaned)
    fragments = html.fragments_fromstring(cleaned) if cleaned.strip() else []
    parts: list[str] = []
    for fragment in fragments:
        if isinstance(fragment, str):
            parts.append(_escape_text(fragment))
        else:
            parts.append(etree.tostring(fragment, method="xml", encoding="unicode", with_tail=True))
    return "".join(parts), removed


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _removed(raw: str, cleaned: str) -> list[str]:
    """Name what nh3 took out, for the warning: tags and attributes not kept."""
    before = {m.lower() for m in re.findall(r"<([A-Za-z][A-Za-z0-9]*)", raw)}
    after = {m.lower() for m in re.findall(r"<([A-Za-z][A-Za-z0-9]*)", cleaned)}
    found = [f"<{t}>" for t in sorted(before - after)]
    attrs_before = {m.lower() for m in re.findall(r"\s([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=", raw)}
    attrs_after = {m.lower() for m in re.findall(r"\s([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=", cleaned)}
    found += [f"{a}=" for a in sorted(attrs_before - attrs_after)]
    if re.search(r"javascript:", raw, re.I) and not re.search(r"javascript:", cleaned, re.I):
        found.append("javascript: URL")
    return found


def clean_inline(tag: str) -> tuple[str | None, list[str]]:
    """Rebuild one inline tag from the allowlist; None drops it."""
    if tag.startswith("<!--"):
        return None, []
    match = _INLINE_TAG_RE.match(tag.strip())
    if not match:
        return None, [tag.strip()[:40]]
    closing, name, attributes, _self_closing = match.groups()
    name = name.lower()
    if name not in INLINE_TAGS:
        return None, [f"<{name}>"]
    if closing:
        return (None, []) if name in VOID_TAGS else (f"</{name}>", [])
    kept: list[str] = []
    removed: list[str] = []
    for attr, value in _ATTR_RE.findall(attributes):
        attr = attr.lower()
        value = value[1:-1] if value[:1] in "\"'" else value
        if attr in SAFE_ATTRIBUTES or (name == "a" and attr == "href" and re.match(r"(https?:|mailto:|#)", value)):
            kept.append(f' {attr}="{_escape_attr(value)}"')
        elif attr == "href" and re.match(r"\s*[a-z][a-z0-9+.-]*:", value, re.I):
            removed.append(f"{value.strip().split(':', 1)[0].lower()}: URL")
        else:
            removed.append(f"{attr}=")
    end = "/>" if name in VOID_TAGS else ">"
    return f"<{name}{''.join(kept)}{end}", removed


def clean_keyvals(keyvals: list[list[str]]) -> tuple[list[list[str]], list[str]]:
    """Attributes of a Div or Span: keep the harmless ones, report the rest."""
    kept, removed = [], []
    for key, value in keyvals:
        if key in PASSED_KEYVALS or key.startswith("data-"):
            kept.append([key, value])
        else:
            removed.append(f"{key}=")
    return kept, removed


def balance_fragment(markup: str) -> str:
    """Make a chapter's markup well-formed XML after raw inline tags (lxml repairs it)."""
    wrapper = html.fragment_fromstring(markup, create_parent="div")
    parts = [_escape_text(wrapper.text or "")]
    for child in wrapper:
        parts.append(etree.tostring(child, method="xml", encoding="unicode", with_tail=True))
    return "".join(parts)
