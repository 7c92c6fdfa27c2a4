"""Reject reasons for a catalogue: the generic ones, plus one per commitment that others exclude.

`triage.vocab.RejectReason` is the generic set. A catalogue adds, for every exclusion of a
complete commitment ("law enforcement at the border belongs to commitment 18"), a reason
"belongs to commitment N"; a reason code already in the vocabulary for that commitment
(`border_enforcement_c18`) is kept so that stored decisions keep their meaning. Keyboard keys
are given in order: 1-9, 0, then letters that are not review shortcuts, for any number of reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from triage.vocab import RejectReason

if TYPE_CHECKING:
    from triage.catalogue.index import CatalogueIndex

GENERIC_LABELS = {
    RejectReason.NOT_RELEVANT: "Not relevant",
    RejectReason.WRONG_MEMBER: "Wrong member",
    RejectReason.WRONG_COMMITMENT: "Wrong commitment",
    RejectReason.WRONG_DIMENSION: "Wrong dimension",
    RejectReason.OUTSIDE_PERIOD: "Outside the period",
    RejectReason.DUPLICATE: "Duplicate",
}
OTHER_LABEL = "Other (say why in a note)"
KEYS = [*"1234567890", *"qwtyuiopzxcv"]  # after r: digits, then letters no review shortcut needs there


@dataclass(frozen=True)
class Reason:
    key: str  # the keyboard key
    code: str  # stored on the decision
    label: str


def _legacy_code(number: int) -> str | None:
    return next((r.value for r in RejectReason if r.value.endswith(f"_c{number}")), None)


def exclusion_code(number: int) -> str:
    return _legacy_code(number) or f"belongs_to_c{number}"


def reasons_for(index: CatalogueIndex | None) -> list[Reason]:
    """The reasons shown for `index` (the generic set when None), in keyboard order, 'other' last."""
    pairs: list[tuple[str, str]] = [(code.value, label) for code, label in GENERIC_LABELS.items()]
    if index is not None:
        seen: set[int] = set()
        for c in index.commitments:
            for ex in c.exclusions or []:
                n = ex.get("belongs_to")
                if not isinstance(n, int) or n in seen:
                    continue
                seen.add(n)
                target = index.commitment(n)
                about = f": {target.area}: {target.title}" if target is not None else ""
                pairs.append((exclusion_code(n), f"Belongs to commitment {n}{about}"))
    pairs.append((RejectReason.OTHER.value, OTHER_LABEL))
    keys = KEYS + [""] * max(0, len(pairs) - len(KEYS))  # beyond the keys: chosen with the mouse
    return [Reason(keys[i], code, label) for i, (code, label) in enumerate(pairs)]


def allowed_codes(index: CatalogueIndex | None) -> set[str]:
    """Codes a rejection may carry: the catalogue's, and every vocabulary code (old decisions)."""
    return {r.code for r in reasons_for(index)} | {r.value for r in RejectReason}


def labels(index: CatalogueIndex | None) -> dict[str, str]:
    out = {r.code: r.label for r in reasons_for(None)}
    out.setdefault(RejectReason.BORDER_ENFORCEMENT_C18.value, "Belongs to commitment 18")
    out.update({r.code: r.label for r in reasons_for(index)})
    return out
