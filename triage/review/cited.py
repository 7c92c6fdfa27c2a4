"""What a citation needs, as evidence carries it: title, publisher, city, date, access date, URL.

Held by the review layer because evidence owns its citation data; the export layer only
formats it (triage.export.citation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class CitedSource:
    """What a citation needs; built from an item, a catalogue quote source or an import line."""

    title: str
    publisher: str | None = None
    city: str | None = None
    date: dt.date | dt.datetime | None = None
    accessed: dt.date | dt.datetime | None = None
    url: str | None = None

    @classmethod
    def from_item(cls, item) -> CitedSource:
        # An item whose date fell back to the fetch time has no real publication date.
        published = None if getattr(item, "date_missing", False) else item.published_at
        return cls(item.title, item.publisher, item.city, published, item.fetched_at, item.url)

    @classmethod
    def from_mapping(cls, data: dict | None) -> CitedSource | None:
        if not data or not data.get("title"):
            return None
        date = data.get("date")
        if isinstance(date, str):
            date = dt.date.fromisoformat(date)
        return cls(data["title"], data.get("publisher"), data.get("city"), date, data.get("accessed"), data.get("url"))
