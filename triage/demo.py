"""The main job on embedded defaults: a fresh SQLite database, the bundled sample feeds
ingested and classified by the rules classifier, the sample commitment-19 evidence imported,
and a one-time demo login, ready to serve. No API key and no network."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from triage import db, resources
from triage.accounts import demo_login
from triage.bootstrap import InitResult, initialise
from triage.catalogue.index import CatalogueIndex
from triage.classify.service import Summary as ClassifySummary
from triage.classify.service import classify_pending
from triage.config import Settings
from triage.imports.evidence import ImportResult, import_evidence
from triage.sources.ingest import IngestSummary, ingest_samples

DEMO_USER = "demo"


def sample_evidence(catalogue_id: str) -> list[Path]:
    """The catalogue's sample evidence, one file per commitment: samples/<id>-c<N>-evidence.jsonl."""
    return sorted((resources.data_dir("commitments") / "samples").glob(f"{catalogue_id}-c*-evidence.jsonl"))


@dataclass
class DemoResult:
    init: InitResult
    ingest: IngestSummary
    classify: ClassifySummary
    evidence: ImportResult
    username: str
    password: str


def fresh_sqlite(path: Path) -> str:
    """Remove an earlier demo database (and its WAL files); return its URL."""
    path = Path(path).resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def prepare(settings: Settings) -> DemoResult:
    """Run every stage once on the bundled data; `settings` names the (fresh) database."""
    if not make_url(settings.database_url).drivername.startswith("sqlite"):
        # Refuse rather than risk a team's database: the demo always starts from nothing.
        raise ValueError("the demo runs on its own SQLite file")
    init = initialise(settings)
    ingested = ingest_samples(settings)
    classified = classify_pending(settings, backend="rules")
    with db.session_scope(settings.database_url) as session:
        user, password = demo_login(session, DEMO_USER)
        index = CatalogueIndex.load(session)
        evidence = ImportResult()
        for path in sample_evidence(index.catalogue.id):  # every commitment that has samples
            one = import_evidence(session, index, path, user.username)
            evidence.lines += one.lines
            evidence.accepted += one.accepted
            evidence.commitments.append(int(path.stem.split("-c")[-1].removesuffix("-evidence")))
    return DemoResult(init, ingested, classified, evidence, DEMO_USER, password)
