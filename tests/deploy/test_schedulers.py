"""Two scheduler processes on one PostgreSQL: every job runs once per period, and both beat."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from tests.deploy.conftest import Proc
from triage import db
from triage.models import Heartbeat

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


def test_each_job_runs_once_per_period(pg_loaded, tmp_path):
    far = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=12)).strftime("%H:%M")
    env = {
        "TRIAGE_DATABASE_URL": pg_loaded,
        "TRIAGE_SCHEDULE_POLL_SECONDS": "2",
        "TRIAGE_DIGEST_TIME": far,
        "TRIAGE_LOG_FORMAT": "json",
        "TRIAGE_HEARTBEAT_SECONDS": "1",
    }
    procs = [Proc(["schedule", "--exit-after", "15"], env, tmp_path, f"scheduler-{k}") for k in range(2)]
    deadline, beating = time.monotonic() + 30, []
    while len(beating) < 2 and time.monotonic() < deadline and all(p.poll() is None for p in procs):
        time.sleep(0.5)
        with db.engine_for(pg_loaded).connect() as conn:
            beating = conn.execute(Heartbeat.__table__.select()).all()
    for p in procs:
        p.wait(timeout=90)
    assert [p.returncode for p in procs] == [0, 0], [p.err[-2000:] for p in procs]
    assert len(beating) == 2 and {b.kind for b in beating} == {"scheduler"}
    runs = []
    for p in procs:
        for line in p.err.splitlines():
            record = json.loads(line)  # every line is JSON
            if record["message"].startswith("poll: "):
                runs.append(dt.datetime.fromisoformat(record["time"]))
    runs.sort()
    assert len(runs) >= 3, runs  # ~15 s of firings every 2 s, startup included
    gaps = [(b - a).total_seconds() for a, b in zip(runs, runs[1:])]
    assert min(gaps) > 1.0, gaps  # never twice in one period, whichever process fired
    with db.engine_for(pg_loaded).connect() as conn:
        assert conn.execute(Heartbeat.__table__.select()).all() == []  # clean exits remove their heartbeat
