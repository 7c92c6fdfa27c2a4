"""Fixtures for review tests: users, items and suggestions in a loaded catalogue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlmodel import Session

from tests.factories import make_item, make_suggestion, make_user
from triage import db
from triage.catalogue.index import CatalogueIndex

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
        ana = make_user(s, username="ana")
        bob = make_user(s, username="bob")
        lea = make_user(s, username="lea", role="lead")
        ids = []
        for n, (member, dim, strength) in enumerate(
            [
                ("United Kingdom", "counter", "strong"),
                ("United Kingdom", "prevent", "strong"),
                ("Japan", "prevent", "weak"),
                ("Japan", "counter", "weak"),
            ]
        ):
            day = dt.date(2024, 7, n + 1)
            item = make_item(s, index, title=f"Item {n}", text=f"On {n + 1} July 2024 the government acted number {n}.", published=day)
            sug = make_suggestion(s, index, item=item, member=member, dimension=dim, strength=strength, quote=f"acted number {n}", action_date=day)
            ids.append(sug.id)
        return World(loaded_db, ana.id, bob.id, lea.id, ids)


@pytest.fixture
def session(world):
    with Session(db.engine_for(world.url), expire_on_commit=False) as s:
        yield s
