"""Fixtures for the ingestion tests (helpers live in feedserver.py)."""

from __future__ import annotations

import pytest

from tests.ingest.feedserver import FeedServer


@pytest.fixture(autouse=True)
def allow_loopback(monkeypatch):
    """The test servers live on loopback, which fetches refuse by default."""
    monkeypatch.setenv("TRIAGE_FETCH_ALLOW_PRIVATE_ADDRESSES", "true")


@pytest.fixture
def server():
    s = FeedServer()
    yield s
    s.close()
