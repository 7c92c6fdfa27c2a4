"""Classify against every active catalogue, and with generic rules where none are written.

A *lane* is one catalogue with one set of rules (hand-written, or generic from
triage.classify.rules.generic) and its backend. With one catalogue and rules for every
complete commitment there is one lane and the service runs as it always did. Otherwise an
item is routed through every lane whose catalogue's compliance period covers its date (all
lanes when it has no date, or when no period covers it, so nothing is lost: the suggestion is
then flagged out of period), and each proposal carries its catalogue and agent so the service
stores it against that catalogue's rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from triage.catalogue import load_catalogue
from triage.catalogue.edit import with_edits
from triage.catalogue.index import CatalogueIndex
from triage.catalogue.schema import Catalogue
from triage.classify.base import Classification, Classifier, ItemInput
from triage.classify.prefilter import Prefilter, Route
from triage.classify.rules.backend import RulesClassifier
from triage.classify.rules.generic import generic_ruleset
from triage.classify.rules.load import RuleSet, default_rules_path, load_rules
from triage.config import Settings
from triage.errors import ConfigError
from triage.models import CatalogueRow


@dataclass
class Lane:
    index: CatalogueIndex
    catalogue: Catalogue
    prefilter: Prefilter
    backend: Classifier

    def covers(self, item: ItemInput) -> bool:
        return bool(self.index.in_period(item.published))


@dataclass
class LanesRoute(Route):
    per_lane: dict[int, Route] = field(default_factory=dict)


class LanesPrefilter:
    def __init__(self, lanes: list[Lane], by_period: bool):
        self.lanes = lanes
        self.by_period = by_period

    def _lanes_for(self, item: ItemInput) -> list[int]:
        every = list(range(len(self.lanes)))
        if not self.by_period or item.published is None:
            return every
        covering = [i for i in every if self.lanes[i].covers(item)]
        return covering or every

    def route(self, item: ItemInput) -> Route:
        out = LanesRoute()
        for i in self._lanes_for(item):
            lane = self.lanes[i]
            r = lane.prefilter.route(item)
            if not r.candidate:
                continue
            out.per_lane[i] = r
            for n in r.commitments:
                if n not in out.commitments:
                    out.commitments.append(n)
                    out.matched[n] = f"{r.matched[n]}" if len(self.lanes) == 1 else f"{lane.index.catalogue.id}: {r.matched[n]}"
        return out


class LanesClassifier:
    """Runs each routed lane's backend and tags every proposal with its catalogue and agent."""

    routed = True  # the service hands over the whole route, not a list of commitment numbers
    write_cache = True  # each lane's LLM backend caches its own answers

    def __init__(self, lanes: list[Lane]):
        self.lanes = lanes
        self.kind = lanes[0].backend.kind
        self.remote = any(lane.backend.remote for lane in lanes)
        agents: list[str] = []
        for lane in lanes:
            if lane.backend.agent not in agents:
                agents.append(lane.backend.agent)
        self.agent = " + ".join(agents)

    def classify(self, item: ItemInput, route: Route | None = None) -> Classification:
        per_lane = route.per_lane if isinstance(route, LanesRoute) else {i: lane.prefilter.route(item) for i, lane in enumerate(self.lanes)}
        result = Classification(agent=self.agent)
        for i, r in per_lane.items():
            lane = self.lanes[i]
            if isinstance(lane.backend, RulesClassifier):
                c = lane.backend.classify(item, r.commitments)
            else:
                c = lane.backend.classify(item)
            if c.failed:
                return Classification(agent=c.agent, error=c.error, calls=[*result.calls, *c.calls])
            for out in c.proposals:
                out.agent = c.agent
                out.catalogue = lane.index.catalogue.id
            result.proposals += c.proposals
            result.traces += c.traces
            result.exclusions += c.exclusions
            result.calls += c.calls
            result.injection_suspected |= c.injection_suspected
            result.injection_reasons += [x for x in c.injection_reasons if x not in result.injection_reasons]
            result.gist_en = result.gist_en or c.gist_en
            result.cached = result.cached or c.cached
        return result


_RULES: dict[tuple, RuleSet | None] = {}


def _rules_for(catalogue: Catalogue, path: Path, explicit: Path | None) -> RuleSet | None:
    rules_path = explicit or default_rules_path(path)
    return load_rules(rules_path, catalogue) if rules_path.exists() else None


def _generic(catalogue: Catalogue, ruleset: RuleSet | None) -> RuleSet | None:
    covered = set(ruleset.commitments) if ruleset else set()
    key = (catalogue.id, catalogue.model_dump_json(include={"commitments"}), tuple(sorted(covered)))
    if key not in _RULES:
        _RULES.clear() if len(_RULES) > 16 else None
        _RULES[key] = generic_ruleset(catalogue, covered, ruleset.spec if ruleset else None)
    return _RULES[key]


def generic_only(path: Path, session: Session) -> tuple[Catalogue, RuleSet]:
    """A catalogue without a rules file: generic rules for its complete commitments."""
    catalogue = load_catalogue(path)
    ruleset = _generic(with_edits(session, catalogue), None)
    if ruleset is None:
        raise ConfigError(f"{path}: no rules file ({default_rules_path(path).name}) and no complete commitment to build generic rules from")
    return catalogue, ruleset


def active_catalogues(session: Session) -> list[CatalogueRow]:
    return list(session.exec(select(CatalogueRow).where(CatalogueRow.active).order_by(col(CatalogueRow.loaded_at).desc())))


def build_lanes(
    settings: Settings,
    session: Session,
    first: tuple[CatalogueIndex, Catalogue, RuleSet, Classifier],
    make_backend,
) -> tuple[LanesPrefilter, LanesClassifier, dict[str, CatalogueIndex]] | None:
    """Every lane beyond the first (generic rules of the first catalogue, the other active
    catalogues); None when there is nothing beyond the first, so the service runs unchanged.

    `make_backend(catalogue, ruleset)` builds a catalogue's backend as the service would."""
    index, catalogue, ruleset, backend = first
    lanes = [Lane(index, catalogue, Prefilter(ruleset), backend)]
    rules_backend = isinstance(backend, RulesClassifier)
    if rules_backend:
        extra = _generic(with_edits(session, catalogue), ruleset)  # commitments completed in the web app too
        if extra is not None:
            lanes.append(Lane(index, catalogue, Prefilter(extra), RulesClassifier(extra)))
    rows = [r for r in active_catalogues(session) if r.id != index.catalogue.id]
    for row in rows:
        path = Path(row.path)
        if not path.exists():
            continue  # loaded from a file since moved: `triage catalogue list` says so
        other = with_edits(session, load_catalogue(path))
        other_index = CatalogueIndex.load(session, row.id)
        other_rules = _rules_for(other, path, None)
        if rules_backend:
            if other_rules is not None:
                lanes.append(Lane(other_index, other, Prefilter(other_rules), RulesClassifier(other_rules)))
            generic = _generic(other, other_rules)
            if generic is not None:
                lanes.append(Lane(other_index, other, Prefilter(generic), RulesClassifier(generic)))
        else:
            rs = other_rules or _generic(other, None)
            if rs is not None:
                lanes.append(Lane(other_index, other, Prefilter(rs), make_backend(other, rs)))
    if len(lanes) == 1:
        return None
    if not rules_backend:  # the service caches only for a single backend: here each lane caches its own
        lanes[0].backend = make_backend(catalogue, ruleset)
    indexes = {lane.index.catalogue.id: lane.index for lane in lanes}
    return LanesPrefilter(lanes, by_period=len(indexes) > 1), LanesClassifier(lanes), indexes
