"""Labels for the learned model: every analyst decision, and any labeled files given.

From the database, per (item, commitment), the latest state-changing decision on each of
its suggestions says what the analyst meant:

| decision | label |
| --- | --- |
| accept, edit | evidence, in the decided dimension |
| reject: not_relevant, wrong_commitment, border_enforcement_c18 | not evidence for this commitment |
| reject: wrong_member, duplicate | evidence (the content is right; the member or the copy was not) |
| reject: wrong_dimension | evidence, but not in that dimension |
| reject: outside_period, other | no label (the text is not what was wrong, or we cannot tell) |

An item with any evidence label is evidence. Imported evidence arrives as accepted
decisions, so it counts like an analyst's. From files: the gold format (`triage eval`'s),
each line a label for every commitment it names, and `"gold": []` a negative for every
commitment the rules cover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from triage.catalogue.schema import Catalogue
from triage.classify.base import ItemInput
from triage.classify.eval import merge_documents, read_gold
from triage.classify.learned.model import Example
from triage.models import CommitmentRow, Decision, DimensionRow, Item, Suggestion
from triage.vocab import DecisionAction, RejectReason

POSITIVE_REJECTS = {RejectReason.WRONG_MEMBER, RejectReason.DUPLICATE, RejectReason.WRONG_DIMENSION}
NEGATIVE_REJECTS = {RejectReason.NOT_RELEVANT, RejectReason.WRONG_COMMITMENT, RejectReason.BORDER_ENFORCEMENT_C18}
STATE_CHANGING = (DecisionAction.ACCEPT, DecisionAction.EDIT, DecisionAction.REJECT, DecisionAction.UNDO)


@dataclass
class _Pooled:
    item_id: int
    commitment: int
    positive: bool = False
    negative: bool = False
    dims: set[str] = field(default_factory=set)
    not_dims: set[str] = field(default_factory=set)
    decisions: list[int] = field(default_factory=list)


def from_gold(paths: Sequence[str | Path], catalogue: Catalogue, numbers: Sequence[int]) -> list[Example]:
    """Examples from gold files; every file is checked whole first (InputError lists every bad line)."""
    out: list[Example] = []
    for path in paths:
        for g in merge_documents(read_gold(path, catalogue)):
            labeled = {e.commitment for e in g.gold}
            for number in numbers:
                entries = [e for e in g.gold if e.commitment == number]
                if entries:
                    dims = {d for e in entries for d in (e.dimensions or [])}
                    out.append(Example(g.item, number, True, frozenset(dims) if dims else None, source=f"{path}:{g.line}"))
                elif not labeled:
                    out.append(Example(g.item, number, False, source=f"{path}:{g.line}"))
    return out


def latest_decision_id(session: Session) -> int:
    return int(session.exec(select(func.coalesce(func.max(Decision.id), 0))).one() or 0)


def from_decisions(session: Session, catalogue_id: str, numbers: Sequence[int]) -> list[Example]:
    """Examples from the analysts' decisions, pooled per (item, commitment)."""
    latest = (
        select(Decision.suggestion_id, func.max(Decision.id).label("last"))
        .where(col(Decision.action).in_([a.value for a in STATE_CHANGING]))
        .group_by(col(Decision.suggestion_id))
        .subquery()
    )
    rows = session.exec(
        select(Decision, Suggestion.item_id, CommitmentRow.number, DimensionRow.key)
        .join(latest, latest.c.last == col(Decision.id))
        .join(Suggestion, col(Suggestion.id) == col(Decision.suggestion_id))
        .join(CommitmentRow, col(CommitmentRow.id) == col(Suggestion.commitment_id))
        .join(DimensionRow, col(DimensionRow.id) == col(Suggestion.dimension_id))
        .where(CommitmentRow.catalogue_id == catalogue_id, col(CommitmentRow.number).in_(list(numbers)))
    ).all()
    pooled: dict[tuple[int, int], _Pooled] = {}
    decided_dims = {d.id: d.key for d in session.exec(select(DimensionRow))}
    for decision, item_id, number, dim in rows:
        p = pooled.setdefault((item_id, number), _Pooled(item_id, number))
        p.decisions.append(decision.id or 0)
        action, reason = decision.action, decision.reason
        if action in (DecisionAction.ACCEPT, DecisionAction.EDIT) and decision.status_after == "accepted":
            p.positive = True
            p.dims.add(decided_dims.get(decision.dimension_id, dim) if decision.dimension_id else dim)
        elif action == DecisionAction.REJECT and reason in POSITIVE_REJECTS:
            p.positive = True
            if reason == RejectReason.WRONG_DIMENSION:
                p.not_dims.add(dim)
        elif action == DecisionAction.REJECT and reason in NEGATIVE_REJECTS:
            p.negative = True
    items = {i.id: i for i in session.exec(select(Item).where(col(Item.id).in_([p.item_id for p in pooled.values()])))} if pooled else {}
    out = []
    for p in pooled.values():
        if not (p.positive or p.negative) or p.item_id not in items:
            continue
        relevant = p.positive  # one accepted suggestion makes the item evidence, whatever else was rejected
        dims = frozenset(p.dims - p.not_dims) if relevant and p.dims else None
        source = f"decision:{max(p.decisions)}"
        out.append(Example(ItemInput.from_item(items[p.item_id]), p.commitment, relevant, dims, frozenset(p.not_dims), source))
    return out
