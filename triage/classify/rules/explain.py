"""Which cues matched an item, and what they mean in English: the item page's "why" for items
no LLM has summarised (an analyst who does not read Japanese still sees why the item is there)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from triage.classify.base import ItemInput
from triage.classify.rules.backend import CueContext, commitment_text
from triage.classify.rules.load import RuleSet
from triage.classify.rules.terms import TextIndex
from triage.classify.text import fold

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CueMatch:
    commitment: int
    cue: str
    term: str  # as matched, in the item's folded text
    meaning: str  # in English, from the rules file


def explain(ruleset: RuleSet, item: ItemInput) -> list[CueMatch]:
    """Every cue with an English meaning that matches the item, per commitment, in the rules file's order."""
    folded = fold(item.full_text)
    index = TextIndex(folded)
    out = []
    for spec in ruleset.spec.commitments:
        compiled = ruleset.commitments.get(spec.number)
        if compiled is None:
            continue
        ctx = CueContext(commitment_text(folded, compiled, index), compiled)
        for name, meaning in spec.meanings.items():
            found = ctx.cue(name)
            if found is not None:
                out.append(CueMatch(spec.number, name, found, meaning))
    return out


def explain_item(settings, item) -> list[CueMatch]:
    """For a stored item; never fails the page that asks (a broken rules file shows nothing here)."""
    from triage.classify.service import load_ruleset

    try:
        _, ruleset = load_ruleset(settings)
        return explain(ruleset, ItemInput.from_item(item))
    except Exception:
        log.exception("explaining item %s failed", getattr(item, "id", None))
        return []
