"""Read a scoring rule from the methodology's prose, and propose one rule from its two readings.

The methodology states its rule twice: in the General Interpretive Guidelines ("Partial
compliance, or a score of 0, will be assigned to G7 members that take strong action in
between one and three commitment dimensions, or weak action in at least two dimensions")
and in the Scoring Guidelines table ("0  The G7 member has taken strong action in ...").
Both use a small vocabulary: strong or weak action in a count of dimensions, no action,
contradictory action, joined by "or". Each reading is encoded literally in the rule
language; what a sentence says that this vocabulary cannot read is reported, not guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from triage.catalogue.rules import Condition, Rule, ScoreLevel, coverage, enumerate_states, format_score, matches

NUMBERS = {w: i for i, w in enumerate(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"])}
_NUM = r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d+)"
_COUNT = (
    rf"(?P<all>all(?:\s+of\s+the)?(?:\s+(?P<all_n>{_NUM}))?|each\s+of\s+the\s+(?P<each_n>{_NUM})|every)"
    rf"|between\s+(?P<b_lo>{_NUM})\s+and\s+(?P<b_hi>{_NUM})|(?P<r_lo>{_NUM})\s+to\s+(?P<r_hi>{_NUM})"
    rf"|at\s+least\s+(?P<ge>{_NUM})|(?P<ge2>{_NUM})\s+or\s+more|more\s+than\s+(?P<gt>{_NUM})"
    rf"|(?:at\s+most|no\s+more\s+than)\s+(?P<le>{_NUM})|(?:fewer|less)\s+than\s+(?P<lt>{_NUM})"
    rf"|(?:only\s+|just\s+|exactly\s+)?(?P<eq>{_NUM})|(?P<any>any|some)|(?P<zero>none\s+of\s+the|no)"
)
_STRENGTH = re.compile(
    rf"(?P<only>\bonly\s+)?\b(?P<strength>strong|weak)\s+action(?:s)?"
    rf"(?:\s+(?:in|on|across)\s+(?:{_COUNT})\s+(?:(?:of\s+)?(?:the|these|its)\s+(?:{_NUM}\s+)?)?(?:commitment\s+)?"
    r"(?:dimensions?|components?|areas?|pillars?))?"
)
_NO_ACTION = re.compile(r"\b(?:not\s+taken\s+any|fail(?:s|ed)?\s+to\s+take\s+any|taken\s+no|take[sn]?\s+no|no)\s+action\b")
_CONTRA = re.compile(r"\bcontradictory\b|\bcontrary\s+to\s+the\s+commitment\b|\bagainst\s+the\s+commitment\b")
_LEVEL_SENTENCE = re.compile(r"(?P<label>full|partial|non-?|no)\s*-?\s*compliance,?\s+or\s+a\s+score\s+of\s+(?P<score>[+\-]?\d)", re.IGNORECASE)
_TABLE_ROW = re.compile(r"^(?P<score>[+\-]?\d)\s+(?P<text>\S.*)$")


@dataclass
class Reading:
    """One text's rule, encoded literally, with what could not be read."""

    name: str
    source: str
    rule: Rule | None
    text: str
    lines: dict[int, int] = field(default_factory=dict)  # score -> line where its level is stated
    problems: list[tuple[int | None, str]] = field(default_factory=list)


def _n(word: str) -> int:
    return int(word) if word.isdigit() else NUMBERS[word]


def _count(m: re.Match, n_dims: int, problems: list[str]) -> str:
    g = m.groupdict()
    if g["all"] is not None:
        said = g["all_n"] or g["each_n"]
        if said and _n(said) != n_dims:
            problems.append(f"says 'all {said}' dimensions but {n_dims} were found")
        return "all"
    if g["b_lo"] is not None or g["r_lo"] is not None:
        lo, hi = _n(g["b_lo"] or g["r_lo"]), _n(g["b_hi"] or g["r_hi"])
        return f"{lo}..{hi}"
    if g["ge"] is not None or g["ge2"] is not None:
        return f">={_n(g['ge'] or g['ge2'])}"
    if g["gt"] is not None:
        return f">={_n(g['gt']) + 1}"
    if g["le"] is not None:
        return f"<={_n(g['le'])}"
    if g["lt"] is not None:
        return f"<={max(0, _n(g['lt']) - 1)}"
    if g["eq"] is not None:
        return str(_n(g["eq"]))
    if g["zero"] is not None:
        return "0"
    return ">=1"  # "any", "some", or no count at all


def read_fragment(fragment: str, n_dims: int) -> tuple[dict | None, list[str]]:
    """One alternative ("take only weak action in just one dimension") as rule predicates."""
    text = fragment.casefold()
    problems: list[str] = []
    cond: dict = {}
    for m in _STRENGTH.finditer(text):
        spec = _count(m, n_dims, problems) if m.group("strength") else ">=1"
        if m.group("only") and m.group("strength") == "weak":
            cond["strong"] = "0"
        cond[m.group("strength")] = spec
        for key in ("strong", "weak"):
            value = cond.get(key)
            if value and value[0].isdigit() and ".." not in value and int(value) > n_dims:
                problems.append(f"{key} action in {value} dimensions is more than the {n_dims} found")
    if _NO_ACTION.search(text) and "strong" not in cond and "weak" not in cond:
        cond["acted"] = "0"
    if _CONTRA.search(text):
        cond["contradictory"] = True
    if not cond:
        if re.search(r"\b(strong|weak|dimensions?)\b", text):
            problems.append(f"could not read {fragment.strip()!r}")
        return None, problems
    return cond, problems


def _alternatives(sentence: str) -> list[str]:
    # "one or more" and "one or two" are counts, not alternatives.
    sentence = re.sub(rf"\b({_NUM})\s+or\s+more\b", r"at least \1", sentence, flags=re.IGNORECASE)
    sentence = re.sub(
        rf"\b({_NUM})\s+or\s+({_NUM})\b(?=\s+(?:of\s+the\s+)?(?:\w+\s+)?dimensions?)", r"between \1 and \2", sentence, flags=re.IGNORECASE
    )
    return [p for p in re.split(r"[,;]\s*|\s+or\s+", sentence) if p.strip()]


def read_level(text: str, n_dims: int) -> tuple[list[dict], list[str]]:
    conditions: list[dict] = []
    problems: list[str] = []
    for fragment in _alternatives(text):
        cond, probs = read_fragment(fragment, n_dims)
        problems += probs
        if cond is not None and cond not in conditions:
            conditions.append(cond)
    return conditions, problems


def _score(text: str) -> int:
    return int(text.replace("+", ""))


def _rule(levels: dict[int, list[dict]]) -> Rule | None:
    kept = [ScoreLevel(score=s, when=[Condition.model_validate(c) for c in conds]) for s, conds in sorted(levels.items(), reverse=True) if conds]
    return Rule(levels=kept) if kept else None


def read_interpretive(paragraphs: Sequence[tuple[int, str]], n_dims: int) -> Reading:
    """The sentences 'X compliance, or a score of S, will be assigned to members that ...'."""
    levels: dict[int, list[dict]] = {}
    reading = Reading("interpretive_guidelines", "General Interpretive Guidelines", None, "")
    texts = []
    for line, para in paragraphs:
        m = _LEVEL_SENTENCE.search(para)
        if not m:
            continue
        # The level's own sentence: up to the first full stop (or the colon before a list).
        head = re.split(r"(?<=[.:])\s+(?=[A-Z\-])|:\s*$", para[m.start() :], maxsplit=1)[0]
        sentence = head[m.end() - m.start() :]
        score = _score(m["score"])
        if score in levels:
            reading.problems.append((line, f"score {format_score(score)} is stated twice in the interpretive guidelines"))
        conds, probs = read_level(sentence, n_dims)
        reading.problems += [(line, f"interpretive guidelines, score {format_score(score)}: {p}") for p in probs]
        if not conds:
            reading.problems.append((line, f"interpretive guidelines, score {format_score(score)}: no condition could be read"))
        levels.setdefault(score, []).extend(c for c in conds if c not in levels.get(score, []))
        reading.lines.setdefault(score, line)
        texts.append(clean_sentence(head))
    reading.rule = _rule(levels)
    reading.text = " ".join(texts)
    return reading


def read_table(paragraphs: Sequence[tuple[int, str]], n_dims: int) -> Reading:
    """The Scoring Guidelines table: one row per score, the score first."""
    levels: dict[int, list[dict]] = {}
    reading = Reading("scoring_guidelines", "Scoring Guidelines (the table)", None, "")
    texts = []
    for line, para in paragraphs:
        m = _TABLE_ROW.match(para)
        if not m:
            reading.problems.append((line, f"scoring table: a row should start with its score: {para[:60]!r}"))
            continue
        score = _score(m["score"])
        if score in levels:
            reading.problems.append((line, f"score {format_score(score)} has two rows in the scoring table"))
        conds, probs = read_level(m["text"], n_dims)
        reading.problems += [(line, f"scoring table, score {format_score(score)}: {p}") for p in probs]
        if not conds:
            reading.problems.append((line, f"scoring table, score {format_score(score)}: no condition could be read"))
        levels.setdefault(score, []).extend(c for c in conds if c not in levels.get(score, []))
        reading.lines.setdefault(score, line)
        texts.append(f"{format_score(score)}: {clean_sentence(m['text'])}")
    reading.rule = _rule(levels)
    reading.text = " ".join(texts)
    return reading


def clean_sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith(".") else text.rstrip(":;, ") + "."


# --- the proposal ---------------------------------------------------------------------------


def _outcomes(rule: Rule, dims: tuple[str, ...]) -> list[tuple[int, ...]]:
    named = rule.uses_named_dimensions()
    return [tuple(sorted({rule.levels[li].score for li, _ in matches(rule, st)})) for st, _ in enumerate_states(dims, named)]


def _unscored_plain(rule: Rule, dims: Sequence[str]) -> int:
    return sum(g.combinations for g in coverage(rule, dims).uncovered if not g.contradictory)


@dataclass
class Proposal:
    rule: Rule
    base: Reading
    steps: list[str]  # what was done to the base reading, in words, for the resolution


def _copy(rule: Rule) -> Rule:
    return Rule.model_validate(rule.model_dump(mode="json", exclude_none=True))


def propose(readings: Sequence[Reading], dims: Sequence[str]) -> Proposal | None:
    """The rule to use: the reading that leaves fewest cases unscored (the interpretive guidelines
    on a tie), made exact where a deterministic step can do it, every step said in words."""
    usable = [r for r in readings if r.rule is not None]
    if not usable or not dims:
        return None
    dims = tuple(dims)
    base = min(usable, key=lambda r: _unscored_plain(r.rule, dims))  # type: ignore[arg-type]
    assert base.rule is not None
    rule = _copy(base.rule)
    steps = [f"drafted from the {base.source.split(' (')[0]}, the reading that leaves fewest cases without a score"]
    # Contradictory action: both texts list it under the lowest score without saying what happens
    # when it comes with other action; letting it decide is the reading that makes the rule exact.
    contra_levels = [lv for lv in rule.levels if any(c.contradictory is True for c in lv.when)]
    if len(contra_levels) == 1:
        for lv in rule.levels:
            for c in lv.when:
                if c.contradictory is None:
                    c.contradictory = False
        steps.append(f"contradictory action decides ({format_score(contra_levels[0].score)}) even when it comes with other action")
    # Cases the base leaves unscored that another reading scores exactly once: take that score.
    for other in usable:
        if other is base or other.rule is None:
            continue
        for g in coverage(rule, dims).uncovered:
            theirs = coverage(other.rule, dims).outcomes.get((g.n_strong, g.n_weak, g.contradictory), ())
            if len(set(theirs)) != 1:
                continue
            cond = Condition.model_validate({"strong": str(g.n_strong), "weak": str(g.n_weak), "contradictory": g.contradictory})
            level = next((lv for lv in rule.levels if lv.score == theirs[0]), None)
            if level is None:
                rule.levels.append(ScoreLevel(score=theirs[0], when=[cond]))
                rule.levels.sort(key=lambda lv: -lv.score)
            else:
                level.when.append(cond)
            steps.append(f"{g.words()}: {format_score(theirs[0])}, from the {other.source.split(' (')[0]}")
    _tighten(rule, dims)
    return Proposal(rule, base, steps)


def _tighten(rule: Rule, dims: tuple[str, ...]) -> None:
    """Add `strong: 0` (or `weak: 0`) to a condition where that changes no score but stops two
    conditions of one level from both matching, so the validator finds the rule exact."""
    before = _outcomes(rule, dims)
    for lv in rule.levels:
        for c in lv.when:
            for name in ("strong", "weak"):
                if getattr(c, name) is not None:
                    continue
                redundant = len(coverage(rule, dims).redundant)
                if not redundant:
                    return
                c_old = c.model_copy()
                setattr(c, name, Condition.model_validate({name: "0"}).counts()[name])
                if _outcomes(rule, dims) != before or len(coverage(rule, dims).redundant) >= redundant:
                    setattr(c, name, getattr(c_old, name))
