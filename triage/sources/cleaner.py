"""HTML in feed titles and content turned into plain text.

Feeds carry HTML (often escaped twice, often with scripts and event handlers). Triage
stores only text: markup is parsed, the contents of script-like elements dropped,
entities decoded and whitespace normalised. Nothing from a feed is ever kept as HTML,
so no page of Triage can be made to run a feed's script.
"""

from __future__ import annotations

import re
import unicodedata

from lxml import etree

# Elements whose contents are code or embedded objects, never prose.
DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "head", "title")
# Elements that end a line of text when they end.
BLOCKS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "blockquote",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "dd",
        "dt",
        "figcaption",
        "hr",
    ]
)
# C0 controls except tab and newline (PostgreSQL refuses NUL; none of them is prose).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKUPISH = re.compile(r"[<&]")
# What is left after one pass and still looks like a tag or an entity was escaped twice.
_STILL_MARKUP = re.compile(r"<[A-Za-z/!?]|&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]{2,8});")

_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True)


def clean_text(value: str | None) -> str:
    """Plain text from an HTML or text fragment: one paragraph per line, single spaces."""
    if not value:
        return ""
    value = _CONTROL.sub("", value)
    if _MARKUPISH.search(value):
        value = _html_to_text(value)
        # Feeds often escape HTML twice (an RSS title is text that holds HTML).
        if _STILL_MARKUP.search(value):
            value = _html_to_text(value)
    return normalise_whitespace(value)


def clean_title(value: str | None) -> str:
    """A title is one line."""
    return clean_text(value).replace("\n", " ")


def normalise_whitespace(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u200b", "")
    lines = (" ".join(line.split()) for line in text.splitlines())  # split(): any Unicode space
    return "\n".join(line for line in lines if line)


def _html_to_text(fragment: str) -> str:
    try:
        root = etree.fromstring(f"<html><body><div>{fragment}</div></body></html>", _PARSER)
    except (etree.ParserError, ValueError):
        root = None
    if root is None:  # nothing lxml could read: drop anything tag-shaped
        return re.sub(r"<[^>]*>", " ", fragment)
    etree.strip_elements(root, *DROP, with_tail=False)
    parts: list[str] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            if el.text:
                parts.append(el.text)
        else:
            if isinstance(el.tag, str) and el.tag.lower() in BLOCKS:
                parts.append("\n")
            if el.tail:
                parts.append(el.tail)
    return "".join(parts)
