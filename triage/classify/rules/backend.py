"""The rules backend: transparent keyword and phrase rules, the embedded default.

For each commitment the item is routed to: check the exclusions (evidence that belongs
to another commitment), fire every rule whose cues all match, keep the best rule per
dimension (strong before weak, then file order), find the members who acted, and
propose one suggestion per member and dimension, quoting the sentence the rule's last
cue matched in. Every proposal names the rule that fired.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.classify.base import Classification, Exclusion, ItemInput, ProposalOut, RuleTrace
from triage.classify.injection import injection_signals
from triage.classify.rules.load import CompiledCommitment, RuleSet
from triage.classify.rules.members import MemberDetector, MemberHit
from triage.classify.rules.schema import Rule
from triage.classify.rules.terms import TextIndex
from triage.classify.text import first_date, fold, sentences
from triage.suggestions import Proposal

DEFAULT_CONFIDENCE = {"strong": 0.75, "weak": 0.5}
# Evidence from a named-only member (no agency, official or source) is less certain.
MENTION_FACTOR = 0.7


def commitment_text(folded: str, commitment: CompiledCommitment, index: TextIndex | None = None) -> TextIndex:
    """The item's folded text with the commitment's false friends masked, indexed."""
    index = index or TextIndex(folded)
    if commitment.mask is None:
        return index
    masked = commitment.mask.sub(index)
    return index if masked == folded else TextIndex(masked)


class CueContext:
    """Cue matches on one item's indexed text, computed on first use."""

    def __init__(self, index: TextIndex, commitment: CompiledCommitment):
        self.index = index
        self.commitment = commitment
        self._memo: dict[str, str | None] = {}

    def cue(self, name: str) -> str | None:
        if name not in self._memo:
            self._memo[name] = self.commitment.cues[name].search(self.index)
        return self._memo[name]

    def expr(self, names: tuple[str, ...]) -> str | None:
        for name in names:
            found = self.cue(name)
            if found is not None:
                return found
        return None

    def holds(self, when: list[tuple[str, ...]], unless: list[tuple[str, ...]]) -> list[str] | None:
        """The matched terms when every `when` matches and no `unless` does; else None."""
        matched = []
        for names in when:
            found = self.expr(names)
            if found is None:
                return None
            matched.append(found)
        if any(self.expr(names) is not None for names in unless):
            return None
        return matched


class _Sentences:
    """The item's sentences, each folded and indexed on first use (most quotes are found early)."""

    def __init__(self, original: str, compiled: CompiledCommitment):
        self.raw = sentences(original)
        self.compiled = compiled
        self._done: list[tuple[str, TextIndex]] = []

    def __iter__(self):
        for i, sentence in enumerate(self.raw):
            if i == len(self._done):
                self._done.append((sentence, commitment_text(fold(sentence), self.compiled)))
            yield self._done[i]

    def first(self) -> str:
        return self.raw[0] if self.raw else ""


@dataclass
class _Fired:
    rule: Rule
    when: list[tuple[str, ...]]
    matched: list[str]


class RulesClassifier:
    kind = "rules"
    remote = False

    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self.agent = ruleset.agent
        self.catalogue = ruleset.catalogue
        self.members = MemberDetector(ruleset.catalogue, ruleset.spec)
        self._names = {m.key: m.name for m in ruleset.catalogue.members}

    def classify(self, item: ItemInput, commitments: list[int] | None = None) -> Classification:
        result = Classification(agent=self.agent)
        original = item.full_text
        folded = fold(original)
        signals = injection_signals(original)
        if signals:
            result.injection_suspected = True
            result.injection_reasons = signals
        hits: dict[str, MemberHit] | None = None
        numbers = commitments if commitments is not None else list(self.ruleset.commitments)
        index = TextIndex(folded)
        for number in numbers:
            compiled = self.ruleset.commitments.get(number)
            if compiled is None:
                continue
            ctx = CueContext(commitment_text(folded, compiled, index), compiled)
            excluded = self._exclusion(ctx, compiled)
            if excluded is not None:
                result.exclusions.append(excluded)
                result.traces.append(
                    RuleTrace(excluded.rule, number, None, None, excluded.matched, note=f"excluded: belongs to commitment {excluded.belongs_to}")
                )
                continue
            best: dict[str, _Fired] = {}
            for rule, when, unless in compiled.rules:
                matched = ctx.holds(when, unless)
                if matched is None:
                    continue
                result.traces.append(RuleTrace(f"{number}:{rule.id}", number, rule.dimension, rule.strength, matched))
                current = best.get(rule.dimension)
                if current is None or (current.rule.strength == "weak" and rule.strength == "strong"):
                    best[rule.dimension] = _Fired(rule, when, matched)
            if not best:
                continue
            if hits is None:
                hits = self.members.detect(original=original, publisher=item.publisher, url=item.url, source_member=item.source_member)
            chosen = self.members.select(hits)
            if not chosen:
                result.traces.append(RuleTrace(f"{number}:no-member", number, None, None, note="rules fired but no member was recognised"))
                continue
            action_date = first_date(item.text) or item.published
            parts = _Sentences(original, compiled)
            for dimension in compiled.dimensions:  # catalogue order
                fired = best.get(dimension)
                if fired is None:
                    continue
                quote = self._quote(parts, compiled, fired)
                for hit in chosen:
                    result.proposals.append(self._proposal(number, dimension, fired, hit, quote, action_date))
        return result

    @staticmethod
    def _exclusion(ctx: CueContext, compiled: CompiledCommitment) -> Exclusion | None:
        for ex, when, unless in compiled.exclusions:
            matched = ctx.holds(when, unless)
            if matched is not None:
                return Exclusion(compiled.number, ex.belongs_to, f"{compiled.number}:{ex.id}", matched)
        return None

    def _proposal(self, number: int, dimension: str, fired: _Fired, hit: MemberHit, quote: str, action_date) -> ProposalOut:
        rule = fired.rule
        strength = rule.strength
        if hit.collective and strength == "strong" and self.members.collective_strength == "weak":
            strength = "weak"
        confidence = rule.confidence if rule.confidence is not None else DEFAULT_CONFIDENCE[rule.strength]
        if not hit.actor:
            confidence *= MENTION_FACTOR
        if strength != rule.strength:
            confidence *= MENTION_FACTOR
        how = "collective action" if hit.collective else ", ".join(hit.cues[:3])
        rationale = (
            f"rule {number}:{rule.id} ({rule.strength} {dimension}) matched "
            + ", ".join(repr(m) for m in fired.matched)
            + f"; member from {how}"
            + (f"; capped to {strength} (collective action)" if strength != rule.strength else "")
            + (f". {rule.note}" if rule.note else "")
        )
        proposal = Proposal(
            member=self._names[hit.key],
            commitment=number,
            dimension=dimension,
            strength=strength,
            confidence=round(confidence, 2),
            rationale=rationale,
            quote=quote,
            action_date=action_date,
        )
        return ProposalOut(proposal, rule_fired=f"{number}:{rule.id}")

    @staticmethod
    def _quote(parts: _Sentences, compiled: CompiledCommitment, fired: _Fired) -> str:
        """The first sentence where the rule's last cue (its action) and first cue (its topic) both match."""
        anchor = [compiled.cues[n] for n in fired.when[-1]]
        topic = [compiled.cues[n] for n in fired.when[0]]
        fallback = None
        for sentence, index in parts:
            has_anchor = any(m.search(index) is not None for m in anchor)
            if has_anchor and any(m.search(index) is not None for m in topic):
                return sentence
            if has_anchor and fallback is None:
                fallback = sentence
        if fallback is not None:
            return fallback
        return parts.first()
