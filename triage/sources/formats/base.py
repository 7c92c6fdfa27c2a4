"""What every format reader receives."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from triage.sources.fetcher import FetchResult


@dataclass
class Document:
    content: bytes
    content_type: str | None
    url: str


@dataclass
class FormatContext:
    options: dict[str, Any] = field(default_factory=dict)
    # Fetches a further document (a child sitemap) through the same fetcher: same caps,
    # address filter and per-host limits. None for local files.
    fetch: Callable[[str], FetchResult] | None = None
    max_files: int = 20
    max_urls: int = 5000


HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)


def looks_like_html(content: bytes, content_type: str | None) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    return bool(HTML_START.match(content[:2000].lstrip(b"\xef\xbb\xbf")))


def parse_date(text: str | None, date_format: str | None = None, language: str | None = None) -> dt.datetime | None:
    """A date as a page prints it ("3 luglio 2024" with date_language it), as UTC."""
    if not text or not text.strip():
        return None
    if not date_format and not language:  # W3C / ISO 8601 (sitemaps, APIs): fast, no guessing
        try:
            value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    import dateparser

    settings: Any = {"TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True, "PREFER_DAY_OF_MONTH": "first"}
    try:
        value = dateparser.parse(
            text.strip()[:100], date_formats=[date_format] if date_format else None, languages=[language] if language else None, settings=settings
        )
    except Exception:  # dateparser on odd input: no date, the fetch time stands in
        return None
    return value.astimezone(dt.UTC) if value else None
