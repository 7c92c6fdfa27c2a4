"""`triage init`: bring a database to the current schema and load the catalogue and sources."""

from __future__ import annotations

from dataclasses import dataclass

from triage import db
from triage.catalogue import load_catalogue
from triage.catalogue.index import CatalogueIndex
from triage.catalogue.schema import Catalogue
from triage.catalogue.store import SyncResult, sync_catalogue
from triage.config import Settings
from triage.review.scores import refresh_all
from triage.sources.registry import load_registry, sync_registry


@dataclass
class InitResult:
    revision: str | None
    catalogue: SyncResult
    sources: int


def initialise(settings: Settings) -> InitResult:
    # Validate inputs before touching the database, so a broken file changes nothing.
    catalogue: Catalogue = load_catalogue(settings.catalogue)
    registry = load_registry(settings.feeds, [m.key for m in catalogue.members])
    db.migrate(settings.database_url)
    with db.session_scope(settings.database_url) as session:
        synced = sync_catalogue(session, catalogue, settings.catalogue)
        # A reloaded catalogue may carry a changed rule: suggested scores follow it at once.
        refresh_all(session, CatalogueIndex.load(session, catalogue.id))
        n_sources = sync_registry(session, registry)
    return InitResult(db.current_revision(settings.database_url), synced, n_sources)
