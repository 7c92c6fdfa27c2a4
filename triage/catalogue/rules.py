"""The declarative scoring rule language and its evaluation.

A rule is a list of levels (a score with the conditions that give it). A condition
is a set of predicates that must all hold; a level applies when any of its
conditions holds. Predicates look at a member's *state* for one commitment: the
best strength of action found in each dimension (none, weak or strong) and whether
any action was contradictory to the commitment.

    levels:
      - score: 1
        when: [{strong: all, contradictory: false}]
      - score: 0
        when:
          - {strong: 1..3, contradictory: false}
          - {strong: 0, weak: ">=2", contradictory: false}
      - score: -1
        when: [{acted: 0, contradictory: false}, {strong: 0, weak: 1, contradictory: false},
               {contradictory: true}]

Count predicates (`strong`, `weak`, `acted`, `none`) take `N`, `all`, `A..B`,
`>=N` or `<=N`; `weak` counts dimensions whose best action is weak. Dimension
predicates (`strong_in`, `acted_in`) name dimensions that must all reach that
strength. Evaluation is a pure function; `coverage()` enumerates every possible
state so that gaps and double coverage in a methodology are visible before scoring.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Literal, cast

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from triage.vocab import Strength

Level = Literal["none", "weak", "strong"]
RANK = {"none": 0, "weak": 1, "strong": 2}
LEVELS: tuple[Level, ...] = ("none", "weak", "strong")


# --- count specifications -----------------------------------------------------------

_COUNT = re.compile(r"^\s*(?:(?P<exact>\d+|all)|(?P<lo>\d+)\s*\.\.\s*(?P<hi>\d+|all)|(?P<op>>=|<=)\s*(?P<n>\d+))\s*$")


@dataclass(frozen=True)
class Count:
    """A range of dimension counts; `hi=None` means no upper bound, 'all' is resolved late."""

    text: str
    lo: int | str
    hi: int | str | None

    def bounds(self, n_dims: int) -> tuple[int, int]:
        lo = n_dims if self.lo == "all" else int(self.lo)
        hi = n_dims if self.hi in ("all", None) else int(self.hi)
        return lo, hi

    def holds(self, value: int, n_dims: int) -> bool:
        lo, hi = self.bounds(n_dims)
        return lo <= value <= hi

    def max_literal(self) -> int:
        """Largest number written in the spec (to check it against the dimension count)."""
        nums = [int(v) for v in (self.lo, self.hi) if isinstance(v, int)]
        return max(nums) if nums else 0

    def words(self, n_dims: int) -> str:
        lo, hi = self.bounds(n_dims)
        if self.lo == "all" or (lo == hi == n_dims):
            return f"all {n_dims}"
        if lo == hi:
            return str(lo)
        if self.hi is None:
            return f"at least {lo}"
        if lo == 0:
            return f"at most {hi}"
        return f"{lo} to {hi}"


def parse_count(value: object) -> Count:
    if isinstance(value, Count):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("a count is a number, 'all', 'A..B', '>=N' or '<=N'")
    text = str(value)
    m = _COUNT.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a count: use a number, 'all', 'A..B', '>=N' or '<=N'")
    if m["exact"]:
        v = m["exact"] if m["exact"] == "all" else int(m["exact"])
        return Count(text, v, v)
    if m["lo"]:
        hi: int | str = m["hi"] if m["hi"] == "all" else int(m["hi"])
        if isinstance(hi, int) and int(m["lo"]) > hi:
            raise ValueError(f"{text!r}: the lower bound is above the upper bound")
        return Count(text, int(m["lo"]), hi)
    n = int(m["n"])
    return Count(text, n, None) if m["op"] == ">=" else Count(text, 0, n)


CountSpec = Annotated[Count, BeforeValidator(parse_count), PlainSerializer(lambda c: c.text, return_type=str)]


# --- rule model -------------------------------------------------------------------------


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strong: CountSpec | None = None
    weak: CountSpec | None = None
    acted: CountSpec | None = None
    none: CountSpec | None = None
    contradictory: bool | None = None
    strong_in: list[str] | None = None
    acted_in: list[str] | None = None
    because: str | None = Field(None, description="Words for the explanation, instead of generated ones.")

    def named_dimensions(self) -> list[str]:
        return [*(self.strong_in or []), *(self.acted_in or [])]

    def counts(self) -> dict[str, Count]:
        return {k: getattr(self, k) for k in ("strong", "weak", "acted", "none") if getattr(self, k) is not None}


class ScoreLevel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int
    when: list[Condition] = Field(min_length=1)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    levels: list[ScoreLevel] = Field(min_length=1)

    def uses_named_dimensions(self) -> bool:
        return any(c.named_dimensions() for lv in self.levels for c in lv.when)


# --- member state -------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """Best strength per dimension (in catalogue order) and the contradictory flag."""

    dims: tuple[str, ...]
    levels: tuple[Level, ...]
    contradictory: bool = False

    def of(self, dim: str) -> Level:
        return self.levels[self.dims.index(dim)]

    @property
    def n_strong(self) -> int:
        return sum(1 for lv in self.levels if lv == "strong")

    @property
    def n_weak(self) -> int:
        return sum(1 for lv in self.levels if lv == "weak")

    @property
    def n_acted(self) -> int:
        return self.n_strong + self.n_weak

    @property
    def n_none(self) -> int:
        return len(self.levels) - self.n_acted


@dataclass(frozen=True)
class EvidenceMark:
    """One piece of accepted evidence as the rule sees it."""

    dimension: str
    strength: Strength | str  # "strong" or "weak"
    contradictory: bool = False


def state_from_evidence(dims: Sequence[str], evidence: Iterable[EvidenceMark]) -> State:
    best: dict[str, Level] = dict.fromkeys(dims, "none")
    contradictory = False
    for ev in evidence:
        if ev.contradictory:
            # Contradictory action counts against the member; it is not progress in its dimension.
            contradictory = True
            continue
        if RANK[ev.strength] > RANK[best[ev.dimension]]:
            best[ev.dimension] = "strong" if ev.strength == "strong" else "weak"
    return State(tuple(dims), tuple(best[d] for d in dims), contradictory)


# --- evaluation --------------------------------------------------------------------------


def condition_holds(cond: Condition, state: State) -> bool:
    n = len(state.dims)
    values = {"strong": state.n_strong, "weak": state.n_weak, "acted": state.n_acted, "none": state.n_none}
    for name, spec in cond.counts().items():
        if not spec.holds(values[name], n):
            return False
    if cond.contradictory is not None and cond.contradictory != state.contradictory:
        return False
    if cond.strong_in and any(state.of(d) != "strong" for d in cond.strong_in):
        return False
    return not (cond.acted_in and any(state.of(d) == "none" for d in cond.acted_in))


def matches(rule: Rule, state: State) -> list[tuple[int, int]]:
    """(level index, condition index) of every condition that holds."""
    return [(li, ci) for li, level in enumerate(rule.levels) for ci, cond in enumerate(level.when) if condition_holds(cond, state)]


def _join(words: Sequence[str], last: str = "and") -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {last} " + words[-1]


def describe_state(state: State) -> str:
    """'strong in prevent and counter; nothing in dismantle or disrupt'."""
    parts = []
    strong = [d for d, lv in zip(state.dims, state.levels) if lv == "strong"]
    weak = [d for d, lv in zip(state.dims, state.levels) if lv == "weak"]
    none = [d for d, lv in zip(state.dims, state.levels) if lv == "none"]
    if strong:
        parts.append(f"strong in {_join(strong)}")
    if weak:
        parts.append(f"weak in {_join(weak)}")
    if none:
        parts.append("no action in any dimension" if not strong and not weak else f"nothing in {_join(none, 'or')}")
    if state.contradictory:
        parts.append("contradictory action")
    return "; ".join(parts)


def describe_condition(cond: Condition, n_dims: int) -> str:
    if cond.because:
        return cond.because
    parts = []
    if cond.acted is not None and cond.acted.bounds(n_dims) == (0, 0):
        parts.append("no action in any dimension")
    for name, noun in (("strong", "strong action"), ("weak", "weak action"), ("acted", "action"), ("none", "no action")):
        spec = cond.counts().get(name)
        if spec is None or (name == "acted" and spec.bounds(n_dims) == (0, 0)):
            continue
        lo, hi = spec.bounds(n_dims)
        if lo == hi == 0:
            parts.append(f"no {noun}" if name != "none" else "action in every dimension")
        else:
            words = spec.words(n_dims)
            scope = f"{words} dimensions" if words.startswith("all") else f"{words} of the {n_dims} dimensions"
            parts.append(f"{noun} in {scope}")
    if cond.strong_in:
        parts.append(f"strong action in {_join(cond.strong_in)}")
    if cond.acted_in:
        parts.append(f"action in {_join(cond.acted_in)}")
    if cond.contradictory:
        parts.append("action contradictory to the commitment")
    return _join(parts) if parts else "any state"


@dataclass
class Verdict:
    score: int | None
    explanation: str
    state: State
    matched: list[tuple[int, int]] = field(default_factory=list)


def evaluate(rule: Rule, state: State, labels: dict[int, str]) -> Verdict:
    """Apply a rule to one member's state: the score and the reason in words."""
    hits = matches(rule, state)
    summary = describe_state(state)
    n = len(state.dims)
    scores = sorted({rule.levels[li].score for li, _ in hits})
    if not hits:
        return Verdict(None, f"{summary[:1].upper()}{summary[1:]}: the rule gives no score for this case.", state, hits)
    if len(scores) > 1:
        shown = ", ".join(format_score(s) for s in scores)
        return Verdict(None, f"{summary[:1].upper()}{summary[1:]}: the rule gives conflicting scores ({shown}).", state, hits)
    li, ci = hits[0]
    score = rule.levels[li].score
    reason = describe_condition(rule.levels[li].when[ci], n)
    label = labels.get(score, "score")
    text = f"{summary[:1].upper()}{summary[1:]}: {reason}, so {label.lower()} ({format_score(score)})."
    return Verdict(score, text, state, hits)


def format_score(score: int | None) -> str:
    if score is None:
        return "n/a"
    return f"+{score}" if score > 0 else str(score)


# --- coverage -------------------------------------------------------------------------------

Outcome = tuple[int, ...]  # scores of every matching condition, sorted


@dataclass
class CaseGroup:
    """States that share their counts and what the rule makes of them."""

    n_strong: int
    n_weak: int
    n_dims: int
    contradictory: bool
    outcome: Outcome
    combinations: int
    example: State

    def words(self) -> str:
        parts = []
        if self.n_strong == 0 and self.n_weak == 0:
            parts.append("no action in any dimension")
        else:
            if self.n_strong == 0:
                parts.append("no strong action")
            elif self.n_strong == self.n_dims:
                parts.append(f"strong action in all {self.n_dims}")
            else:
                parts.append(f"strong action in {self.n_strong} of {self.n_dims}")
            parts.append("no weak action" if self.n_weak == 0 else f"weak action in {self.n_weak} of {self.n_dims}")
        parts.append("contradictory action" if self.contradictory else "no contradictory action")
        return ", ".join(parts)


@dataclass
class Coverage:
    n_dims: int
    total: int
    uncovered: list[CaseGroup]
    conflicting: list[CaseGroup]
    redundant: list[CaseGroup]
    outcomes: dict[tuple[int, int, bool], Outcome]

    @property
    def exact(self) -> bool:
        return not (self.uncovered or self.conflicting or self.redundant)


def enumerate_states(dims: tuple[str, ...], named: bool) -> Iterable[tuple[State, int]]:
    """Every state with its multiplicity; by counts only when the rule is symmetric."""
    n = len(dims)
    for contradictory in (False, True):
        if named:
            for levels in itertools.product(LEVELS, repeat=n):
                yield State(dims, levels, contradictory), 1
        else:
            for s in range(n + 1):
                for w in range(n - s + 1):
                    by_count = cast(tuple[Level, ...], ("strong",) * s + ("weak",) * w + ("none",) * (n - s - w))
                    ways = math.comb(n, s) * math.comb(n - s, w)
                    yield State(dims, by_count, contradictory), ways


MAX_EXHAUSTIVE_DIMS = 12


def coverage(rule: Rule, dims: Sequence[str]) -> Coverage:
    dims = tuple(dims)
    named = rule.uses_named_dimensions()
    if named and len(dims) > MAX_EXHAUSTIVE_DIMS:
        raise ValueError(f"too many dimensions ({len(dims)}) to check a rule that names dimensions")
    groups: dict[tuple[int, int, bool, Outcome], CaseGroup] = {}
    total = 0
    for state, ways in enumerate_states(dims, named):
        total += ways
        outcome = tuple(sorted(rule.levels[li].score for li, _ in matches(rule, state)))
        key = (state.n_strong, state.n_weak, state.contradictory, outcome)
        if key in groups:
            groups[key].combinations += ways
        else:
            groups[key] = CaseGroup(state.n_strong, state.n_weak, len(dims), state.contradictory, outcome, ways, state)
    ordered = sorted(groups.values(), key=lambda g: (g.contradictory, -g.n_strong, -g.n_weak))
    outcomes = {(g.n_strong, g.n_weak, g.contradictory): g.outcome for g in ordered}
    return Coverage(
        n_dims=len(dims),
        total=total,
        uncovered=[g for g in ordered if not g.outcome],
        conflicting=[g for g in ordered if len(set(g.outcome)) > 1],
        redundant=[g for g in ordered if len(g.outcome) > 1 and len(set(g.outcome)) == 1],
        outcomes=outcomes,
    )
