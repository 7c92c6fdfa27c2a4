"""Fixtures for the ingestion tests (helpers live in feedserver.py)."""

from __future__ import annotations

import pytest

from tests.ingest.feedserver import FeedServer


@pytest.fixture
def server():
    s = FeedServer()
    yield s
    s.close()
