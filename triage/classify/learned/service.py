"""`learn`: train the learned model from the database's decisions and labeled files, and store it.

For the CLI (`triage learn`) and the nightly job alike. The labels are checked whole before
anything is trained: a gold file with an unknown member, dimension or a malformed line is
refused with every bad line, and too few labels of a class is refused with how many more
are needed; nothing is stored then.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session

from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.classify.learned.labels import from_decisions, from_gold, latest_decision_id
from triage.classify.learned.model import train
from triage.classify.learned.store import latest_row, save
from triage.classify.rules.load import RuleSet
from triage.config import Settings
from triage.errors import ConfigError, InputError

log = logging.getLogger(__name__)


def _ruleset(settings: Settings, session: Session) -> RuleSet:
    from triage.classify.service import load_ruleset

    index = CatalogueIndex.load(session)
    stored = Path(index.catalogue.path)
    catalogue, ruleset = load_ruleset(settings, stored if stored.exists() else Path(settings.catalogue))
    if catalogue.id != index.catalogue.id:
        raise ConfigError(f"the database holds catalogue {index.catalogue.id!r} but the rules are for {catalogue.id!r}")
    return ruleset


def learn(settings: Settings, *, gold: Sequence[str | Path] = (), created_by: str) -> dict:
    """Train, cross-validate and store a new model version; returns what `triage learn --json` prints."""
    started = time.perf_counter()
    with db.session_scope(settings.database_url) as session:
        ruleset = _ruleset(settings, session)
        numbers = [c.number for c in ruleset.catalogue.commitments if c.complete and c.number in ruleset.commitments]
        from_files = from_gold(gold, ruleset.catalogue, numbers)  # refuses a bad file whole, before any work
        from_db = from_decisions(session, ruleset.catalogue.id, numbers)
        until = latest_decision_id(session)
    examples = from_db + from_files
    model = train(examples, ruleset, min_per_class=settings.learned_min_per_class, threshold=settings.learned_rescue_threshold)
    trained_on = {
        "decisions": len(from_db),
        "gold": [str(p) for p in gold],
        "gold_labels": len(from_files),
        "examples": len(examples),
        "evidence": sum(e.relevant for e in examples),
        "not_evidence": sum(not e.relevant for e in examples),
        "until_decision_id": until,
        "rules": ruleset.agent,
    }
    with db.session_scope(settings.database_url) as session:
        row = save(session, model, created_by=created_by, trained_on=trained_on)
        result = {
            "version": row.version,
            "agent": row.agent,
            "created_by": row.created_by,
            "created_at": row.created_at.isoformat(),
            "trained_on": trained_on,
            "metrics": row.metrics,
            "seconds": round(time.perf_counter() - started, 3),
        }
    return result


def retrain_if_due(settings: Settings) -> dict | None:
    """The nightly job: retrain when enough decisions arrived since the current model (with its gold files)."""
    with db.session_scope(settings.database_url) as session:
        index = CatalogueIndex.load(session)
        row = latest_row(session, index.catalogue.id)
        last = int(row.trained_on.get("until_decision_id", 0)) if row else 0
        new = latest_decision_id(session) - last
        gold = [p for p in (row.trained_on.get("gold", []) if row else []) if Path(p).exists()]
    if new < settings.learned_retrain_min_decisions:
        log.info("learn: %d new decision(s) since the current model, %d needed: not retrained", new, settings.learned_retrain_min_decisions)
        return None
    try:
        return learn(settings, gold=gold, created_by="scheduler")
    except InputError as exc:
        log.warning("learn: not retrained: %s", exc)
        return None
