"""Turning service objects into safe HTML: one Jinja environment with autoescaping always on,
quote highlighting by splitting text (never by building HTML from content), and links only
for http(s) addresses."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from triage.catalogue.reasons import labels, reasons_for
from triage.catalogue.rules import format_score
from triage.scoring.aggregate import printed

TEMPLATES = Path(__file__).parent / "templates"

# The generic reasons; pages of a catalogue get its own (triage.catalogue.reasons), set on the
# request by the `catalogue_index` dependency.
REASON_LABELS = labels(None)
REASONS = [(r.key, r.code, r.label) for r in reasons_for(None)]


def reasons_of(request: Request) -> tuple[list, dict]:
    found = getattr(request.state, "catalogue_reasons", None)
    return found if found is not None else (REASONS, REASON_LABELS)


def safe_url(url: str | None) -> str | None:
    """The URL if a browser may follow it (http or https with a host); otherwise None, and the
    template shows the address as text."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def highlight(text: str, quote: str | None) -> list[tuple[str, bool]]:
    """Split `text` into (segment, is_quote) pieces; whitespace and case differences between the
    quote and the text are ignored, as when the quote was verified. The template escapes every
    segment and wraps the quoted ones in <mark>."""
    text = text or ""
    words = (quote or "").split()
    if not words:
        return [(text, False)] if text else []
    return _split(text, re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE))


def highlight_words(text: str, query: str | None) -> list[tuple[str, bool]]:
    """Split `text` into (segment, is_hit) pieces around the words of a search (prefix matches,
    case ignored), for <mark> in the template; like highlight(), never builds HTML."""
    from triage.review.search import terms

    words = sorted(set(terms(query)), key=len, reverse=True)
    text = text or ""
    if not words:
        return [(text, False)] if text else []
    return _split(text, re.compile("|".join(r"\b" + re.escape(w) + r"\w*" for w in words), re.IGNORECASE))


def _split(text: str, pattern: re.Pattern) -> list[tuple[str, bool]]:
    """(segment, is_hit) pieces of `text` around the matches of `pattern`."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            pieces.append((text[pos : m.start()], False))
        pieces.append((m.group(0), True))
        pos = m.end()
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces


def day(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d")
    return value.isoformat()


def when(value) -> str:
    if value is None:
        return "—"
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def query(params: dict, **extra) -> str:
    merged = {k: v for k, v in {**params, **extra}.items() if v not in (None, "")}
    return ("?" + urlencode(merged)) if merged else ""


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, every variable: feed and model text is untrusted
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(day=day, when=when, http_link=safe_url, score=format_score, printed=printed)
    env.globals.update(
        any_hit=lambda pieces: any(hit for _, hit in pieces),
        highlight=highlight,
        highlight_words=highlight_words,
        query=query,
        REASONS=REASONS,
        REASON_LABELS=REASON_LABELS,
    )
    return env


ENV = _environment()


def page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    viewer = getattr(request.state, "viewer", None)
    nav = getattr(request.app.state, "nav", [])
    base = {
        "request": request,
        "viewer": viewer,
        "csrf": viewer.csrf if viewer else "",
        "nav": [n for n in nav if viewer and n.visible_to(viewer.user)],
        "path": request.url.path,
        "flash": getattr(request.state, "flash", None),
    }
    base["REASONS"], base["REASON_LABELS"] = reasons_of(request)
    html = ENV.get_template(template).render(**base, **context)
    return HTMLResponse(html, status_code=status_code)


def wants_json(request: Request) -> bool:
    """fetch() from the app's script asks for JSON; browsers navigating ask for HTML."""
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or ("application/json" in accept and "text/html" not in accept)
