"""The learned model: trained from analysts' decisions and labeled files, used to calibrate
confidence and to rescue what the rules pass over. See docs/classification.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from triage.models import LearnedModelRow

if TYPE_CHECKING:
    from triage.classify.learned.stage import LearnedStage
    from triage.classify.rules.load import RuleSet
    from triage.config import Settings

# One stage per (catalogue, model version, rules version, threshold, database) per process: a model is
# megabytes, and the scheduler classifies every few minutes.
_STAGES: dict[tuple, LearnedStage] = {}


def stage_for(session: Session, ruleset: RuleSet, settings: Settings) -> LearnedStage | None:
    """The pipeline's learned stage when the catalogue has a stored model, else None.
    scikit-learn is imported only then: a deployment without a model never pays for it."""
    newest = session.execute(
        select(LearnedModelRow.version, LearnedModelRow.created_at)
        .where(LearnedModelRow.catalogue_id == ruleset.catalogue.id)
        .order_by(col(LearnedModelRow.version).desc())
        .limit(1)
    ).first()
    if newest is None:
        return None
    # The creation time tells apart two databases' "version 1" (tests, or a restored database).
    key = (ruleset.catalogue.id, newest[0], newest[1], ruleset.agent, settings.learned_rescue_threshold, settings.database_url)
    if key not in _STAGES:
        from triage.classify.learned.stage import LearnedStage
        from triage.classify.learned.store import load_latest

        model = load_latest(session, ruleset.catalogue.id)
        if model is None:
            return None
        _STAGES.clear()
        _STAGES[key] = LearnedStage(model, ruleset, settings.learned_rescue_threshold)
    return _STAGES[key]
