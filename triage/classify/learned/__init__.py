"""The learned model: trained from analysts' decisions and labeled files, used to calibrate
confidence and to rescue what the rules pass over. See docs/classification.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

if TYPE_CHECKING:
    from triage.classify.learned.stage import LearnedStage
    from triage.classify.rules.load import RuleSet
    from triage.config import Settings


def stage_for(session: Session, ruleset: RuleSet, settings: Settings) -> LearnedStage | None:
    """The pipeline's learned stage when the catalogue has a stored model, else None.
    scikit-learn is imported only then: a deployment without a model never pays for it."""
    from triage.classify.learned.store import latest_row

    if latest_row(session, ruleset.catalogue.id) is None:
        return None
    from triage.classify.learned.stage import LearnedStage
    from triage.classify.learned.store import load_latest

    model = load_latest(session, ruleset.catalogue.id)
    return LearnedStage(model, ruleset, settings.learned_rescue_threshold) if model is not None else None
