"""The stages chained as the scheduler runs them: poll (samples), classify, on both databases."""

from __future__ import annotations

from sqlmodel import Session, func, select

from triage import db
from triage.bootstrap import initialise
from triage.config import Settings
from triage.models import Item, Lease, Suggestion
from triage.schedule.jobs import JOBS, classify_new
from triage.sources.ingest import ingest_samples


def test_scheduled_classification_takes_what_ingestion_stored(db_url):
    settings = Settings()  # the database of db_url, through TRIAGE_DATABASE_URL
    assert settings.database_url == db_url
    initialise(settings)
    ingested = ingest_samples(settings).as_json()
    assert ingested["new"] > 0 and ingested["failed"] == 0
    assert "classify-new" in {spec.id for spec in JOBS}
    classify_new()
    with Session(db.engine_for(db_url)) as s:
        states = dict(s.exec(select(Item.status, func.count()).group_by(Item.status)).all())
        assert "new" not in states and "failed" not in states, states
        assert states.get("classified", 0) > 10
        assert s.exec(select(func.count()).select_from(Suggestion)).one() > 10
        lease = s.get(Lease, "job:classify-new")
        assert lease is not None  # held for half the interval so a second scheduler skips this firing
    before = _counts(db_url)
    classify_new()  # a second scheduler firing at once: the lease makes it a no-op
    assert _counts(db_url) == before


def _counts(url: str) -> tuple[int, int]:
    with Session(db.engine_for(url)) as s:
        return (s.exec(select(func.count()).select_from(Item)).one(), s.exec(select(func.count()).select_from(Suggestion)).one())
