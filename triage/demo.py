"""The main job on embedded defaults: a fresh SQLite database, the bundled sample feeds
ingested and classified by the rules classifier, the sample commitment-19 evidence imported,
and a one-time demo login, ready to serve. No API key and no network."""

from __future__ import annotations

import sqlite3
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
from triage.errors import ConfigError
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


# Written into the SQLite header (PRAGMA application_id) of every database the demo makes, so
# a later run knows which files it may replace: "TRDM".
DEMO_APPLICATION_ID = 0x5452444D


def is_demo_database(path: Path) -> bool:
    """True if `path` is a SQLite file that `triage demo` made (read-only look; nothing is created)."""
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        return conn.execute("PRAGMA application_id").fetchone()[0] == DEMO_APPLICATION_ID
    except sqlite3.Error:  # not a database at all (a text file, say)
        return False
    finally:
        conn.close()


def fresh_sqlite(path: Path, force: bool = False) -> str:
    """Remove an earlier demo database (and its WAL files); return its URL. Anything at `path`
    that the demo did not make is refused unless `force`."""
    path = Path(path).resolve()
    if path.exists() and not force and not (path.is_file() and is_demo_database(path)):
        raise ConfigError(
            f"{path} exists and is not a database `triage demo` made; it was left alone (choose another --db, or add --force to replace it)"
        )
    if path.is_dir():
        raise ConfigError(f"{path} is a directory")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def mark_demo_database(url: str) -> None:
    with db.engine_for(url).begin() as conn:
        conn.exec_driver_sql(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")


def prepare(settings: Settings) -> DemoResult:
    """Run every stage once on the bundled data; `settings` names the (fresh) database."""
    if not make_url(settings.database_url).drivername.startswith("sqlite"):
        # Refuse rather than risk a team's database: the demo always starts from nothing.
        raise ValueError("the demo runs on its own SQLite file")
    init = initialise(settings)
    mark_demo_database(settings.database_url)
    ingested = ingest_samples(settings)
    classified = classify_pending(settings, backend="rules")
    with db.session_scope(settings.database_url) as session:
        user, password = demo_login(session, username=DEMO_USER)
        index = CatalogueIndex.load(session)
        evidence = ImportResult()
        for path in sample_evidence(index.catalogue.id):  # every commitment that has samples
            one = import_evidence(session, index, path=path, username=user.username)
            evidence.lines += one.lines
            evidence.accepted += one.accepted
            evidence.commitments.append(int(path.stem.split("-c")[-1].removesuffix("-evidence")))
    return DemoResult(init, ingested, classified, evidence, DEMO_USER, password)
