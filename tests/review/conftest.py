"""Fixtures for review tests: users, items and suggestions in a loaded catalogue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlmodel import Session

from triage import db
from triage.accounts import create_user
from triage.catalogue.index import CatalogueIndex
from triage.items import ItemDraft, store_item
from triage.suggestions import Proposal, store_suggestion

UTC = dt.UTC


@dataclass
class World:
    url: str
    analyst: int
    analyst2: int
    lead: int
    suggestions: list[int]


@pytest.fixture
def world(loaded_db) -> World:
    with db.session_scope(loaded_db) as s:
        index = CatalogueIndex.load(s)
        ana = create_user(s, "ana", "analyst", "password-ana")
        bob = create_user(s, "bob", "analyst", "password-bob")
        lea = create_user(s, "lea", "lead", "password-lea")
        ids = []
        for n, (member, dim, strength) in enumerate(
            [
                ("United Kingdom", "counter", "strong"),
                ("United Kingdom", "prevent", "strong"),
                ("Japan", "prevent", "weak"),
                ("Japan", "counter", "weak"),
            ]
        ):
            item, _ = store_item(
                s,
                ItemDraft(
                    title=f"Item {n}",
                    text=f"On {n + 1} July 2024 the government acted number {n}.",
                    published_at=dt.datetime(2024, 7, n + 1, tzinfo=UTC),
                ),
                index.period,
            )
            sug, _ = store_suggestion(
                s,
                index,
                item,
                Proposal(member, 19, dim, strength, quote=f"acted number {n}", action_date=dt.date(2024, 7, n + 1)),
                agent="rules:test",
                agent_kind="rules",
            )
            ids.append(sug.id)
        return World(loaded_db, ana.id, bob.id, lea.id, ids)


@pytest.fixture
def session(world):
    with Session(db.engine_for(world.url), expire_on_commit=False) as s:
        yield s
