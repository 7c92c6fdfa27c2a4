"""Load a catalogue file and check what the schema alone cannot: references between parts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from triage.catalogue.rules import Rule
from triage.catalogue.schema import Catalogue, Commitment
from triage.errors import InputError, Problem
from triage.inputs import YamlDoc, read_yaml, validate_yaml


def load_catalogue(path: str | Path) -> Catalogue:
    """Read, validate and cross-check one catalogue; every problem names file and line."""
    doc = read_yaml(Path(path))
    catalogue = validate_yaml(Catalogue, doc)
    problems = list(_cross_check(catalogue, doc))
    if problems:
        raise InputError(problems)
    return catalogue


def _cross_check(cat: Catalogue, doc: YamlDoc) -> Iterator[Problem]:
    period = cat.compliance_period
    if period.start > period.end:
        yield doc.problem(
            f"compliance period is reversed: start {period.start} is after end {period.end}",
            ["compliance_period", "start"],
        )
    if len(cat.scale) < 2:
        yield doc.problem("the scale needs at least two scores", ["scale"])

    seen_names: dict[str, int] = {}
    for i, member in enumerate(cat.members):
        for name in {member.key.casefold(), member.name.casefold(), *(a.casefold() for a in member.aliases)}:
            if name in seen_names and seen_names[name] != i:
                other = cat.members[seen_names[name]].name
                yield doc.problem(f"member name or alias {name!r} is used by both {other} and {member.name}", ["members", i])
            seen_names.setdefault(name, i)

    numbers: dict[int, int] = {}
    for i, c in enumerate(cat.commitments):
        if c.number in numbers:
            first = doc.line(["commitments", numbers[c.number]])
            yield doc.problem(f"duplicate commitment number {c.number} (first at line {first})", ["commitments", i, "number"])
        numbers.setdefault(c.number, i)
    for i, c in enumerate(cat.commitments):
        yield from _check_commitment(cat, c, doc, ["commitments", i], set(numbers))


def _check_commitment(cat: Catalogue, c: Commitment, doc: YamlDoc, loc: list, numbers: set[int]) -> Iterator[Problem]:
    keys: dict[str, int] = {}
    for j, d in enumerate(c.dimensions):
        if d.key in keys:
            yield doc.problem(f"commitment {c.number}: duplicate dimension key {d.key!r}", [*loc, "dimensions", j, "key"])
        keys.setdefault(d.key, j)
    for j, ex in enumerate(c.exclusions):
        if ex.belongs_to is not None and ex.belongs_to not in numbers:
            yield doc.problem(
                f"commitment {c.number}: exclusion refers to commitment {ex.belongs_to}, which is not in the catalogue",
                [*loc, "exclusions", j, "belongs_to"],
            )
        elif ex.belongs_to == c.number:
            yield doc.problem(f"commitment {c.number}: an exclusion cannot belong to the same commitment", [*loc, "exclusions", j])
    if c.scoring is None:
        return
    if not c.dimensions:
        yield doc.problem(f"commitment {c.number}: a scoring rule needs dimensions to score", [*loc, "scoring"])
        return
    yield from check_rule(cat, c, c.scoring.rule, doc, [*loc, "scoring", "rule"])
    for name, published in c.scoring.published.items():
        yield from check_rule(cat, c, published.rule, doc, [*loc, "scoring", "published", name, "rule"])


def check_rule(cat: Catalogue, c: Commitment, rule: Rule, doc: YamlDoc, loc: list) -> Iterator[Problem]:
    dims = c.dimension_keys
    n = len(dims)
    for li, level in enumerate(rule.levels):
        lloc = [*loc, "levels", li]
        if level.score not in cat.scale:
            allowed = ", ".join(str(s) for s in sorted(cat.scale))
            yield doc.problem(f"commitment {c.number}: score {level.score} is not on the scale ({allowed})", [*lloc, "score"])
        for ci, cond in enumerate(level.when):
            cloc = [*lloc, "when", ci]
            for name, spec in cond.counts().items():
                if spec.max_literal() > n:
                    yield doc.problem(
                        f"commitment {c.number}: {name}: {spec.text} is more than its {n} dimensions",
                        [*cloc, name],
                    )
            for field in ("strong_in", "acted_in"):
                for dim in getattr(cond, field) or []:
                    if dim not in dims:
                        yield doc.problem(
                            f"commitment {c.number}: unknown dimension {dim!r} in rule (dimensions are {', '.join(dims)})",
                            [*cloc, field],
                        )
