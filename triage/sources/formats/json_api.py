"""`json`: a JSON API read by paths.

Options (registry `entries:`): `items` (dotted path to the list of entries, e.g.
`feed.entry`), and per entry `link` (required), `title`, `date` and `text`. A path
step that is a number indexes a list. Without `text`, each linked article is fetched
once and read like an `html` entry.
"""

from __future__ import annotations

import json
from typing import Any

from triage.sources.formats.base import Document, FormatContext, looks_like_html, parse_date
from triage.sources.parser import Entry, ParsedFeed


def problems(options: dict) -> list[str]:
    return [f"json sources need entries.{key} (a dotted path)" for key in ("items", "link") if not options.get(key)]


def path_get(data: Any, path: str | None) -> Any:
    if not path:
        return None
    for step in path.split("."):
        if isinstance(data, list) and step.isdigit():
            data = data[int(step)] if int(step) < len(data) else None
        elif isinstance(data, dict):
            data = data.get(step)
        else:
            return None
    return data


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # {"href": ...} or {"value": ...} shapes
        value = value.get("href") or value.get("value") or value.get("url") or ""
    return str(value)


def read(doc: Document, ctx: FormatContext) -> ParsedFeed:
    opts = ctx.options
    parsed = ParsedFeed(version="json", title=None, language=None, publisher=None)
    try:
        data = json.loads(doc.content)
    except (ValueError, RecursionError) as exc:
        parsed.not_a_feed = "an HTML page, not JSON" if looks_like_html(doc.content, doc.content_type) else f"not JSON: {exc}"[:300]
        return parsed
    items = path_get(data, opts["items"])
    if not isinstance(items, list):
        parsed.empty = f"the path {opts['items']!r} is not a list in the response"
        return parsed
    for raw in items:
        link = _text(path_get(raw, opts["link"])).strip()
        if not link.startswith(("http://", "https://")):
            continue
        raw_date = _text(path_get(raw, opts.get("date"))) or None
        text = _text(path_get(raw, opts.get("text")))
        parsed.entries.append(
            Entry(
                key=link[:1000],
                link=link,
                title=_text(path_get(raw, opts.get("title"))),
                summary=text,
                content="",
                published=parse_date(raw_date),
                raw_date=raw_date,
                article=not opts.get("text"),
            )
        )
    if not parsed.entries:
        parsed.empty = f"no entry with a link at {opts['items']}.{opts['link']}"
    return parsed
