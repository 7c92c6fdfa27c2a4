"""Why did the classifier get an item wrong? The error list of `triage eval --errors`.

Each error is one gold item and one kind: `missed` (evidence with no suggestion),
`false` (a suggestion on an item that is evidence for nothing), `wrong_member` (a gold
member not among the suggested ones) and `wrong_dimension` (a dimension suggested that
the gold does not have, or the other way round). With it goes what explains it: the
pre-filter's route, every rule that fired with the terms it matched, the exclusions, each
suggestion's rationale (which names the member cues), and the learned model's score when
one took part. A rules author reads it to see which cue was missing or too broad.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from triage.classify.base import Classification


class _Gold(Protocol):
    id: str
    gold: list[Any]


class _Pred(Protocol):
    routed: bool
    suggestions: list[tuple[int, str, str, str]]
    classification: Classification | None
    route: str


def _trace(p: _Pred) -> dict:
    c = p.classification
    out: dict = {"route": p.route or ("routed" if p.routed else "not routed")}
    if c is None:
        return out
    out["rules"] = [
        {"rule": t.rule, "dimension": t.dimension, "strength": t.strength, "matched": t.matched, **({"note": t.note} if t.note else {})}
        for t in c.traces
    ]
    if c.exclusions:
        out["excluded"] = [{"rule": ex.rule, "belongs_to": ex.belongs_to, "matched": ex.matched} for ex in c.exclusions]
    out["suggestions"] = [
        {
            "member": o.proposal.member,
            "dimension": o.proposal.dimension,
            "strength": o.proposal.strength,
            "confidence": o.proposal.confidence,
            "rule": o.rule_fired,
            "flags": list(o.flags),
            "rationale": o.proposal.rationale,
        }
        for o in c.proposals
    ]
    if c.scores:
        out["model"] = c.scores
    if c.error:
        out["error"] = c.error
    return out


def errors(items: Sequence[_Gold], predicted: Sequence[_Pred], labeled: set[int]) -> list[dict]:
    """Every missed, false, wrong-member and wrong-dimension item with the trace that explains it."""
    out: list[dict] = []
    for g, p in zip(items, predicted, strict=True):
        gold = [e for e in g.gold if e.commitment in labeled]
        scoped = [s for s in p.suggestions if s[0] in labeled]
        kinds: list[str] = []
        detail: dict = {}
        if gold and not scoped:
            kinds.append("missed")
        elif scoped and not gold:
            kinds.append("false")
        elif gold:
            suggested = {(s[0], s[1]) for s in scoped}
            lost = sorted({e.member for e in gold if e.member is not None and (e.commitment, e.member) not in suggested})
            if lost:
                kinds.append("wrong_member")
                detail["members_missed"] = lost
                detail["members_suggested"] = sorted({s[1] for s in scoped})
            # Judged as the score judges them: not where the gold member or its dimensions are unlabeled.
            want = {(e.commitment, e.member, d) for e in gold if e.member is not None and e.dimensions for d in e.dimensions}
            unknown = {e.commitment for e in gold if e.member is None}
            unlabeled = {(e.commitment, e.member) for e in gold if e.member is not None and not e.dimensions}
            have = {(s[0], s[1], s[2]) for s in scoped if s[0] not in unknown and (s[0], s[1]) not in unlabeled}
            if want != have:
                kinds.append("wrong_dimension")
                detail["dimensions_missed"] = sorted(f"{m}:{d}" for _, m, d in want - have)
                detail["dimensions_extra"] = sorted(f"{m}:{d}" for _, m, d in have - want)
        if not kinds:
            continue
        title = getattr(getattr(g, "item", None), "title", "")
        out.append(
            {
                "id": g.id,
                "kinds": kinds,
                "title": title,
                "gold": [{"member": e.member, "dimensions": e.dimensions, "strength": e.strength} for e in gold],
                **detail,
                "trace": _trace(p),
            }
        )
    return out
