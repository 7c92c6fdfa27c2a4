"""Fixtures for score, export and import tests: users, and the commitment-19 evidence imported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import Session

from triage import db
from triage.accounts import create_user
from triage.catalogue.index import CatalogueIndex
from triage.imports.evidence import import_evidence

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLES = Path(__file__).resolve().parents[2] / "commitments" / "samples"
C19_EVIDENCE = SAMPLES / "2024-apulia-interim-c19-evidence.jsonl"
UTC = dt.UTC

PUBLISHED_C19 = {
    "canada": 0,
    "france": 0,
    "germany": 0,
    "italy": 0,
    "japan": 0,
    "united-kingdom": 1,
    "united-states": 1,
    "european-union": 1,
}


@pytest.fixture
def people(loaded_db) -> str:
    """An analyst (ana), a lead (lea) and an admin (adm)."""
    with db.session_scope(loaded_db) as s:
        create_user(s, username="ana", role="analyst", password="password-ana")
        create_user(s, username="lea", role="lead", password="password-lea")
        create_user(s, username="adm", role="admin", password="password-adm")
    return loaded_db


@pytest.fixture
def imported(people) -> str:
    """The commitment-19 evidence of tests/data imported as accepted by ana."""
    with db.session_scope(people) as s:
        import_evidence(s, CatalogueIndex.load(s), path=C19_EVIDENCE, username="ana")
    return people


@pytest.fixture
def session_for():
    sessions = []

    def open_(url: str) -> Session:
        s = Session(db.engine_for(url), expire_on_commit=False)
        sessions.append(s)
        return s

    yield open_
    for s in sessions:
        s.close()
