"""Helpers for classification tests: items, storing them, and checking that nothing is lost."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import select

from triage import db
from triage.classify.base import ItemInput
from triage.items import ItemDraft, store_item
from triage.models import Item, Sighting, Source

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "commitments" / "2024-apulia-interim.yaml"
PERIOD = (dt.date(2024, 6, 15), dt.date(2024, 12, 20))
# "new" is a known state too: items a run never reached (limit, budget) are still queued.
KNOWN_STATES = {"new", "not_candidate", "classified", "not_relevant", "failed", "candidate"}


def item(title: str, text: str = "", **kw) -> ItemInput:
    return ItemInput(title=title, text=text, **kw)


def add_items(url: str, *drafts: ItemDraft, source: Source | None = None) -> list[int]:
    """Store items (and, with a source, a sighting each) and return their ids."""
    ids = []
    with db.session_scope(url) as s:
        if source is not None and s.get(Source, source.id) is None:
            s.add(source)
            s.flush()
        for i, draft in enumerate(drafts):
            stored, _ = store_item(s, draft, PERIOD)
            s.flush()
            if source is not None:
                s.add(Sighting(item_id=stored.id, source_id=source.id, entry_key=f"e{stored.id}-{i}"))
            ids.append(stored.id)
    return ids


def draft(title: str, text: str, **kw) -> ItemDraft:
    kw.setdefault("published_at", dt.datetime(2024, 10, 1, tzinfo=dt.UTC))
    return ItemDraft(title=title, text=text, **kw)


def items_by_id(url: str) -> dict[int, Item]:
    with db.session_scope(url) as s:
        return {i.id: i for i in s.exec(select(Item))}


def assert_nothing_lost(url: str) -> dict[int, Item]:
    """Every item is in a known state, and every item a run finished with says why."""
    found = items_by_id(url)
    for it in found.values():
        assert it.status in KNOWN_STATES, (it.id, it.status)
        if it.status in ("failed", "not_candidate", "classified", "not_relevant"):
            assert it.status_reason, (it.id, it.status)
    return found


# A realistic evidence item (Europol press release style) and its expected quote.
SMUGGLING_TITLE = "Migrant smuggling ring dismantled in Bulgaria"
SMUGGLING_TEXT = (
    "On 21 August 2024, Bulgarian police, supported by Europol, arrested eight suspected members of a "
    "migrant smuggling ring. Investigators seized EUR 300 000 in cash and four vehicles."
)
