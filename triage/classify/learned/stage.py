"""The learned model in the deployed pipeline: confidence, the possible-evidence lane, and alone.

`LearnedStage.apply` runs once per classified item, after the backend (rules or LLM):

- every proposal's confidence becomes the model's calibrated probability that an analyst
  accepts the item as evidence for that commitment, so the queue's confidence order means
  what it says; the agent names the model version beside the backend;
- for a routed commitment the backend proposed nothing for, a probability at or above the
  rescue threshold makes weak suggestions in the "possible evidence" lane (flag
  `possible_evidence`, agent `learned:<catalogue>@v<version>`), for the members the rules
  recognise and the dimensions the model finds likeliest; below the threshold the score is
  kept in the item's reason, so a passed-over item says how far it was from the lane.

`LearnedClassifier` is the model alone, for `triage eval --backend learned`.
"""

from __future__ import annotations

from collections.abc import Sequence

from triage.classify.base import Classification, ItemInput, ProposalOut, RuleTrace
from triage.classify.learned.features import Featurizer
from triage.classify.learned.model import LearnedModel
from triage.classify.rules.load import RuleSet
from triage.classify.rules.members import MemberDetector
from triage.classify.text import first_date, sentences
from triage.suggestions import Proposal
from triage.vocab import AgentKind

FLAG_POSSIBLE_EVIDENCE = "possible_evidence"


class LearnedStage:
    def __init__(self, model: LearnedModel, ruleset: RuleSet, threshold: float):
        self.model = model
        self.threshold = threshold
        self.featurizer = Featurizer(ruleset)
        self.members = MemberDetector(ruleset.catalogue, ruleset.spec)
        self._names = {m.key: m.name for m in ruleset.catalogue.members}
        self._dimensions = {n: c.dimensions for n, c in ruleset.commitments.items()}

    @property
    def agent(self) -> str:
        return self.model.agent

    def apply(self, item: ItemInput, c: Classification, commitments: Sequence[int] | None = None) -> None:
        numbers = [n for n in (commitments if commitments is not None else self.model.commitments) if n in self.model.commitments]
        if not numbers or c.failed:
            return
        c.scores.update(self.model.score(self.featurizer, item, numbers))
        proposed = {o.proposal.commitment for o in c.proposals}
        for out in c.proposals:
            p = c.scores.get(str(out.proposal.commitment))
            if p is not None:
                out.proposal.confidence = round(p, 4)
        if c.proposals:
            c.agent = f"{c.agent}+{self.agent}"
        for number in numbers:
            if number not in proposed:
                c.proposals.extend(self.rescue(item, c, number))

    def rescue(self, item: ItemInput, c: Classification, number: int) -> list[ProposalOut]:
        p = c.scores[str(number)]
        if p < self.threshold:
            c.traces.append(RuleTrace(f"{self.agent}:below-threshold", number, None, None, note=f"learned p={p:.3f} < {self.threshold}"))
            return []
        hits = self.members.detect(original=item.full_text, publisher=item.publisher, url=item.url, source_member=item.source_member)
        chosen = self.members.select(hits)
        if not chosen:
            c.traces.append(RuleTrace(f"{self.agent}:no-member", number, None, None, note=f"learned p={p:.3f} but no member recognised"))
            return []
        dims = self._dimensions[number]
        scored = {d: c.scores[f"{number}:{d}"] for d in dims if f"{number}:{d}" in c.scores}
        picked = [d for d, v in scored.items() if v >= 0.5] or ([max(scored, key=lambda d: scored[d])] if scored else [dims[0]])
        parts = sentences(item.full_text)
        quote = parts[0] if parts else ""
        date = first_date(item.text) or item.published
        out = []
        for dim in picked:
            why = f"{self.agent}: possible evidence, p={p:.3f} >= {self.threshold} (rules proposed nothing)"
            if dim in scored:
                why += f"; {dim} p={scored[dim]:.3f}"
            why += "; member from " + ", ".join(hits_cue for h in chosen for hits_cue in h.cues[:2])
            for hit in chosen:
                proposal = Proposal(self._names[hit.key], number, dim, "weak", confidence=round(p, 4), rationale=why, quote=quote, action_date=date)
                out.append(ProposalOut(proposal, None, flags=(FLAG_POSSIBLE_EVIDENCE,), agent=self.agent, agent_kind=AgentKind.LEARNED))
        c.traces.append(RuleTrace(f"{self.agent}:rescue", number, None, "weak", note=f"learned p={p:.3f} >= {self.threshold}"))
        return out


class LearnedClassifier:
    """The model alone: every commitment it knows, no rules' proposals (member detection only)."""

    kind = AgentKind.LEARNED.value
    remote = False

    def __init__(self, stage: LearnedStage):
        self.stage = stage
        self.agent = stage.agent

    def classify(self, item: ItemInput, commitments: list[int] | None = None) -> Classification:
        c = Classification(agent=self.agent)
        self.stage.apply(item, c, commitments)
        return c
