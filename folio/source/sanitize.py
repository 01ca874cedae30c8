"""Raw HTML and attributes an author wrote -> markup safe and valid in both outputs.

In: raw HTML from the AST (pandoc hands it over a tag at a time when Markdown
sits between the tags, or as a whole fragment), Div/Span attributes. Out:
cleaned text for each raw node, the list of what was removed (the transform
reports it as warnings), and `repair_fragment`, which makes a chapter's
rendered markup well-formed and valid where raw HTML was involved.

Every tag is rebuilt from an allowlist of element and attribute names; the
content of script, style, iframe, object and similar elements is dropped with
them; comments are dropped. Images come only from Markdown, where folio checks
and packs them, so <img> is not allowed. Because tags are cleaned one by one
(an opening tag may stand in one node and its end tag in another), the rendered
chapter is re-parsed once at the end, which balances the tags and unwraps any
element standing where HTML does not allow it (a stray <li>, a <details>
without its <summary>).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from lxml import etree, html

BLOCK_TAGS = {
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code",
    "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
    "rp", "rt", "ruby", "s", "samp", "section", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
}
INLINE_TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "del", "dfn", "em", "i", "ins", "kbd", "mark",
    "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
}
# elements removed together with everything inside them
DROPPED_WITH_CONTENT = ("script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math",
                        "textarea", "select", "button", "form", "frameset", "frame", "applet", "audio", "video", "canvas")
VOID_TAGS = {"br", "wbr", "hr", "col"}
SAFE_ATTRIBUTES = {"class", "id", "lang", "title", "dir", "datetime", "colspan", "rowspan", "start", "reversed", "type", "scope"}
# keyvals on Div/Span/Header that folio understands or passes on as they are
PASSED_KEYVALS = {"lang", "title", "dir"}
# element -> the parents HTML allows it in; elsewhere it is unwrapped
REQUIRED_PARENTS = {
    "li": {"ul", "ol"}, "dt": {"dl"}, "dd": {"dl"}, "tr": {"table", "thead", "tbody", "tfoot"}, "td": {"tr"}, "th": {"tr"},
    "thead": {"table"}, "tbody": {"table"}, "tfoot": {"table"}, "caption": {"table"}, "colgroup": {"table"},
    "col": {"colgroup", "table"}, "summary": {"details"}, "rt": {"ruby"}, "rp": {"ruby"}, "figcaption": {"figure"},
}
# elements whose content may only be phrasing (inline) content, and the block elements that may not stand in them
PHRASING_ONLY = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "summary", "dt"} | (INLINE_TAGS - {"a", "del", "ins"})
BLOCK_ONLY = {"address", "article", "aside", "blockquote", "details", "div", "dl", "figure", "footer", "header", "h1",
              "h2", "h3", "h4", "h5", "h6", "hr", "ol", "p", "pre", "section", "table", "ul"}
_TOKENS = re.compile(
    r"<!--.*?(?:-->|$)"
    r"|<(" + "|".join(DROPPED_WITH_CONTENT) + r")\b[^>]*>.*?(?:</\1\s*>|$)"
    r"|</?[A-Za-z][^>]*>|<[^A-Za-z][^>]*>|[^<]+|<",
    re.S | re.I,
)
_TAG_RE = re.compile(r"^<(/?)([A-Za-z][A-Za-z0-9]*)\b([^>]*?)(/?)>$", re.S)
_ATTR_RE = re.compile(r"""([A-Za-z_:][-A-Za-z0-9_:.]*)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_BARE_AMPERSAND = re.compile(r"&(?!(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);)")


def raw_attributes(text: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of a tag's attribute text, values with their quotes."""
    return _ATTR_RE.findall(text)


def _escape_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clean_raw(raw: str, block: bool) -> tuple[str, list[str]]:
    """Clean one raw HTML node, tag by tag; return the markup and what was removed."""
    allowed = BLOCK_TAGS if block else INLINE_TAGS
    out: list[str] = []
    removed: list[str] = []
    for match in _TOKENS.finditer(raw):
        token = match.group(0)
        if token.startswith("<!--"):
            continue
        if match.group(1):
            removed.append(f"<{match.group(1).lower()}>")
            continue
        if token.startswith("<") and len(token) > 1 and (token[1].isalpha() or token[1] == "/"):
            tag, lost = _clean_tag(token, allowed)
            removed += lost
            if tag:
                out.append(tag)
        elif token.startswith("<"):
            out.append(_escape_text(token))
        else:
            out.append(_BARE_AMPERSAND.sub("&amp;", token.replace(">", "&gt;")))
    return "".join(out), removed


def _clean_tag(tag: str, allowed: set[str]) -> tuple[str | None, list[str]]:
    match = _TAG_RE.match(tag.strip())
    if not match:
        return None, [tag.strip()[:40]]
    closing, name, attributes, _self_closing = match.groups()
    name = name.lower()
    if name not in allowed:
        return None, [] if closing else [f"<{name}>"]
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


_DATA_NAME = re.compile(r"[a-z_][a-z0-9_.-]*")


def clean_keyvals(keyvals: list[list[str]]) -> tuple[list[list[str]], list[str]]:
    """Markdown attributes of a Div or Span (`{key=value}`): lang, title and dir pass as they
    are, any other key is kept as `data-key` in both outputs (as pandoc's HTML writer does);
    only event handlers and style (which could load what the book may not) are removed and
    reported."""
    kept, removed = [], []
    for key, value in keyvals:
        name = key.lower()
        if key in PASSED_KEYVALS or name.startswith("data-") and _DATA_NAME.fullmatch(name[5:]):
            kept.append([name if name.startswith("data-") else key, value])
        elif name.startswith("on") or name == "style" or not _DATA_NAME.fullmatch(name):
            removed.append(f"{key}=")
        else:
            kept.append([f"data-{name}", value])
    return kept, removed


EXTERNAL_SCHEMES = ("http", "https", "mailto", "tel", "ftp")  # the links an output may carry out of the book


def clean_generated(nodes: list[Any]) -> list[str]:
    """Clean pandoc nodes that came from outside the chapter text (citeproc's rendering of a
    bibliography entry) in place, as the transform cleans the author's: raw HTML through the
    allowlist, other raw formats dropped, links with another scheme (javascript:, file:, data:)
    kept as their text. Returns what was removed, for a warning at the entry's line."""
    removed: list[str] = []
    stack: list[Any] = [nodes]
    while stack:
        item = stack.pop()
        if item.__class__ is list:
            children: list[Any] = []
            for index, node in enumerate(item):
                if node.__class__ is dict and node.get("t") == "Link":
                    attr, inlines, (url, _title) = node["c"]
                    scheme = urlsplit(url).scheme.lower()
                    if not url.startswith("#") and scheme not in EXTERNAL_SCHEMES:
                        removed.append(f"a {scheme or 'relative'}: link" if scheme else f"a link to '{url[:40]}'")
                        item[index] = node = {"t": "Span", "c": [attr, inlines]}
                elif node.__class__ is dict and node.get("t") in ("RawInline", "RawBlock"):
                    fmt, text = node["c"]
                    if fmt.lower() in ("html", "html5", "xhtml"):
                        cleaned, gone = clean_raw(text, block=node["t"] == "RawBlock")
                        removed += gone
                        node["c"] = ["html", cleaned or ""]
                    else:
                        removed.append(f"raw {fmt}")
                        node["c"] = ["html", ""]
                    continue
                children.append(node)
            stack.extend(reversed(children))  # in reading order
        elif item.__class__ is dict:
            stack.append(item.get("c"))
    return removed


def repair_fragment(markup: str) -> str:
    """Balance a chapter's markup after raw HTML and unwrap elements HTML does not allow where they stand."""
    wrapper = html.fragment_fromstring(markup, create_parent="div")
    for element in list(wrapper.iter()):
        if element is wrapper or not isinstance(element.tag, str):
            continue
        parent = element.getparent()
        tag = element.tag.lower()
        needs = REQUIRED_PARENTS.get(tag)
        missing_summary = tag == "details" and (len(element) == 0 or element[0].tag != "summary")
        block_in_phrasing = tag in BLOCK_ONLY and any(a.tag in PHRASING_ONLY for a in element.iterancestors())
        if (needs and (parent is None or parent.tag not in needs)) or missing_summary or block_in_phrasing:
            element.drop_tag()
    parts = [_escape_text(wrapper.text or "")]
    for child in wrapper:
        parts.append(etree.tostring(child, method="xml", encoding="unicode", with_tail=True))
    return "".join(parts)
