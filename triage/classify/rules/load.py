"""Load a rules file, check it against its catalogue, and compile it once.

Every problem is reported with the file and line (like catalogue errors): an unknown
member or dimension, a cue that is used but never defined, a term that does not compile.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from triage.catalogue.schema import Catalogue
from triage.classify.rules.schema import CommitmentRules, Exclusion, Rule, RulesFile
from triage.classify.rules.terms import TermError, TermMatcher, term_pattern
from triage.errors import InputError, Problem
from triage.inputs import YamlDoc, read_yaml, validate_yaml

_CUE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def default_rules_path(catalogue_path: str | Path) -> Path:
    """Rules live beside their catalogue: 2024-apulia-interim.yaml -> 2024-apulia-interim.rules.yaml."""
    path = Path(catalogue_path)
    return path.with_name(f"{path.stem}.rules.yaml")


@dataclass
class CompiledCommitment:
    number: int
    title: str
    dimensions: list[str]
    route: list[tuple[str, ...]]
    mask: TermMatcher | None
    cues: dict[str, TermMatcher]
    exclusions: list[tuple[Exclusion, list[tuple[str, ...]], list[tuple[str, ...]]]]
    rules: list[tuple[Rule, list[tuple[str, ...]], list[tuple[str, ...]]]]


@dataclass
class RuleSet:
    """A rules file compiled against its catalogue: what the pre-filter and the rules backend use."""

    path: Path
    spec: RulesFile
    catalogue: Catalogue
    commitments: dict[int, CompiledCommitment] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def agent(self) -> str:
        return f"rules:{self.spec.catalogue}@{self.spec.version}"


def parse_expr(expr: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in expr.split("|") if part.strip())


def load_rules(path: str | Path, catalogue: Catalogue) -> RuleSet:
    """Read, validate, cross-check and compile; raises InputError listing every problem."""
    doc = read_yaml(Path(path))
    spec = validate_yaml(RulesFile, doc)
    problems = list(_check(spec, catalogue, doc))
    if problems:
        raise InputError(problems)
    ruleset = RuleSet(Path(path), spec, catalogue)
    for c in spec.commitments:
        ruleset.commitments[c.number] = _compile(c, catalogue)
    return ruleset


def _expand(name: str, cues: dict[str, list[str]], seen: tuple[str, ...] = ()) -> list[str]:
    """A cue's terms with `@other` references replaced by the other cue's terms."""
    out: list[str] = []
    for term in cues[name]:
        if term.startswith("@"):
            ref = term[1:]
            if ref in seen:
                continue
            out.extend(_expand(ref, cues, (*seen, name)))
        else:
            out.append(term)
    return out


def _compile(c: CommitmentRules, catalogue: Catalogue) -> CompiledCommitment:
    commitment = catalogue.commitment(c.number)
    assert commitment is not None  # checked
    return CompiledCommitment(
        number=c.number,
        title=commitment.title,
        dimensions=commitment.dimension_keys,
        route=[parse_expr(e) for e in c.route],
        mask=TermMatcher(c.mask) if c.mask else None,
        cues={name: TermMatcher(_expand(name, c.cues)) for name in c.cues},
        exclusions=[(ex, [parse_expr(e) for e in ex.when], [parse_expr(e) for e in ex.unless]) for ex in c.exclusions],
        rules=[(r, [parse_expr(e) for e in r.when], [parse_expr(e) for e in r.unless]) for r in c.rules],
    )


def _check_terms(terms: list[str], doc: YamlDoc, loc: list) -> Iterator[Problem]:
    for j, term in enumerate(terms):
        if term.startswith("@"):
            continue
        try:
            term_pattern(term)
        except TermError as exc:
            yield doc.problem(str(exc), [*loc, j])


def _check(spec: RulesFile, cat: Catalogue, doc: YamlDoc) -> Iterator[Problem]:
    if spec.catalogue != cat.id:
        yield doc.problem(f"these rules are for catalogue {spec.catalogue!r}, not {cat.id!r}", ["catalogue"])
    keys = {m.key for m in cat.members}
    for key, cues in spec.members.items():
        if key not in keys:
            yield doc.problem(f"unknown member {key!r} (catalogue members: {', '.join(sorted(keys))})", ["members", key])
        for part in ("publishers", "agencies", "officials"):
            yield from _check_terms(getattr(cues, part), doc, ["members", key, part])
    yield from _check_terms(spec.mentions.mask, doc, ["mentions", "mask"])
    yield from _check_terms(spec.mentions.authority, doc, ["mentions", "authority"])
    yield from _check_terms(spec.collective.terms, doc, ["collective", "terms"])

    seen_numbers: dict[int, int] = {}
    for i, c in enumerate(spec.commitments):
        loc = ["commitments", i]
        if c.number in seen_numbers:
            yield doc.problem(f"commitment {c.number} has rules twice", [*loc, "number"])
        seen_numbers.setdefault(c.number, i)
        commitment = cat.commitment(c.number)
        if commitment is None:
            yield doc.problem(f"commitment {c.number} is not in catalogue {cat.id}", [*loc, "number"])
            continue
        if not commitment.complete:
            yield doc.problem(f"commitment {c.number} is incomplete in the catalogue ({', '.join(commitment.missing)} missing)", [*loc, "number"])
        for name, terms in c.cues.items():
            if not _CUE_NAME.match(name):
                yield doc.problem(f"cue name {name!r}: use lower-case letters, digits and _", [*loc, "cues", name])
            if not terms:
                yield doc.problem(f"cue {name!r} has no terms", [*loc, "cues", name])
            for j, term in enumerate(terms):
                if term.startswith("@") and term[1:] not in c.cues:
                    yield doc.problem(f"cue {name!r} refers to undefined cue {term!r}", [*loc, "cues", name, j])
            yield from _check_terms(terms, doc, [*loc, "cues", name])
        yield from _check_terms(c.mask, doc, [*loc, "mask"])
        for name in c.meanings:
            if name not in c.cues:
                yield doc.problem(f"meaning given for undefined cue {name!r}", [*loc, "meanings", name])

        def exprs(items: list[str], where: list, cues: dict = c.cues) -> Iterator[Problem]:
            for j, expr in enumerate(items):
                names = parse_expr(expr)
                if not names:
                    yield doc.problem("empty cue expression", [*where, j])
                for name in names:
                    if name not in cues:
                        yield doc.problem(f"undefined cue {name!r}", [*where, j])

        yield from exprs(c.route, [*loc, "route"])
        numbers = {x.number for x in cat.commitments}
        for k, ex in enumerate(c.exclusions):
            if ex.belongs_to is not None and ex.belongs_to not in numbers:
                yield doc.problem(
                    f"exclusion {ex.id!r} belongs to commitment {ex.belongs_to}, which the catalogue does not have",
                    [*loc, "exclusions", k, "belongs_to"],
                )
            yield from exprs(ex.when, [*loc, "exclusions", k, "when"])
            yield from exprs(ex.unless, [*loc, "exclusions", k, "unless"])
        rule_ids: dict[str, int] = {}
        dims = set(commitment.dimension_keys)
        for k, rule in enumerate(c.rules):
            if rule.id in rule_ids:
                yield doc.problem(f"duplicate rule id {rule.id!r}", [*loc, "rules", k, "id"])
            rule_ids.setdefault(rule.id, k)
            if rule.dimension not in dims:
                yield doc.problem(
                    f"rule {rule.id!r}: commitment {c.number} has no dimension {rule.dimension!r} (it has {', '.join(sorted(dims))})",
                    [*loc, "rules", k, "dimension"],
                )
            yield from exprs(rule.when, [*loc, "rules", k, "when"])
            yield from exprs(rule.unless, [*loc, "rules", k, "unless"])
