"""kill -9 in the middle of a run, then run again: no duplicates, no lost entries."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from tests.ingest.feedserver import Reply, add_source, item, rss
from triage import db
from triage.models import Item, Sighting, Source

pytestmark = pytest.mark.timeout(180)
N = 4000


def _counts(url):
    with Session(db.engine_for(url)) as s:
        items = s.execute(select(func.count()).select_from(Item)).scalar_one()
        hashes = s.execute(select(func.count(func.distinct(Item.content_hash)))).scalar_one()
        sightings = s.execute(select(func.count()).select_from(Sighting)).scalar_one()
        keys = s.execute(select(func.count(func.distinct(Sighting.entry_key)))).scalar_one()
    return items, hashes, sightings, keys


def _ingest(url, tmp_path) -> subprocess.Popen:
    env = {**os.environ, "TRIAGE_DATABASE_URL": url, "TRIAGE_INGEST_BATCH_SIZE": "100", "COLUMNS": "200"}
    return subprocess.Popen(
        [sys.executable, "-m", "triage", "ingest", "--json"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def test_kill_9_mid_run_then_rerun(server, loaded_db, tmp_path):
    body = rss(*(item(i) for i in range(N))).encode()

    def feed(srv, handler):
        # A validator the server honours: had the first run saved it before storing every
        # entry, the second run would be told "304 Not Modified" and lose the rest.
        if handler.headers.get("If-None-Match") == '"v1"':
            return Reply(304)
        return Reply(200, body, {"ETag": '"v1"', "Content-Type": "application/rss+xml"})

    server.routes["/big"] = feed
    add_source(loaded_db, "big", server.url("/big"))
    db.dispose_engines()  # no pooled connection shared with the child

    proc = _ingest(loaded_db, tmp_path)
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        stored = _counts(loaded_db)[2]
        if stored >= 300:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed: make the feed larger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    db.dispose_engines()
    items, hashes, sightings, keys = _counts(loaded_db)
    assert 0 < sightings < N, "killed mid-run: some but not all entries stored"
    with Session(db.engine_for(loaded_db)) as s:
        assert s.get(Source, "big").etag is None  # validators are saved only after the last entry

    rerun = _ingest(loaded_db, tmp_path)
    out, err = rerun.communicate(timeout=150)
    assert rerun.returncode == 0, err.decode()
    db.dispose_engines()
    items, hashes, sightings, keys = _counts(loaded_db)
    assert items == hashes == N  # every entry stored, none twice
    assert sightings == keys == N
    with Session(db.engine_for(loaded_db)) as s:
        assert s.get(Source, "big").etag == '"v1"'
