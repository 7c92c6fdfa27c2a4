"""A G20-shaped catalogue (twenty-one members, aliases, demonyms) loads, classifies and scores."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.catalogue.test_draft import c19_text
from triage.catalogue import load_catalogue
from triage.catalogue.draft import draft_commitment, merge, render
from triage.catalogue.rules import EvidenceMark
from triage.classify.base import ItemInput
from triage.classify.rules.backend import RulesClassifier
from triage.classify.rules.generic import generic_ruleset
from triage.scoring.aggregate import printed
from triage.scoring.evidence import Evidence
from triage.scoring.rule import score_commitment

# key, name, aliases, demonyms
MEMBERS = [
    ("argentina", "Argentina", ["AR", "Argentine Republic"], ["Argentine", "Argentinian"]),
    ("australia", "Australia", ["AU", "Commonwealth of Australia"], ["Australian"]),
    ("brazil", "Brazil", ["BR", "Brasil", "Federative Republic of Brazil"], ["Brazilian", "brasileiro"]),
    ("canada", "Canada", ["CA"], ["Canadian"]),
    ("china", "China", ["CN", "People's Republic of China", "PRC"], ["Chinese"]),
    ("france", "France", ["FR"], ["French"]),
    ("germany", "Germany", ["DE", "Deutschland"], ["German"]),
    ("india", "India", ["IN", "Bharat"], ["Indian"]),
    ("indonesia", "Indonesia", ["ID"], ["Indonesian"]),
    ("italy", "Italy", ["IT", "Italia"], ["Italian"]),
    ("japan", "Japan", ["JP"], ["Japanese"]),
    ("korea", "Korea", ["KR", "Republic of Korea", "South Korea"], ["Korean"]),
    ("mexico", "Mexico", ["MX", "México"], ["Mexican"]),
    ("russia", "Russia", ["RU", "Russian Federation"], ["Russian"]),
    ("saudi-arabia", "Saudi Arabia", ["SA", "Kingdom of Saudi Arabia"], ["Saudi"]),
    ("south-africa", "South Africa", ["ZA"], ["South African"]),
    ("turkey", "Türkiye", ["TR", "Turkey"], ["Turkish"]),
    ("united-kingdom", "United Kingdom", ["UK", "GB", "Britain"], ["British"]),
    ("united-states", "United States", ["US", "USA"], ["American"]),
    ("european-union", "European Union", ["EU"], ["European"]),
    ("african-union", "African Union", ["AU Commission"], []),
]


def g20_catalogue(tmp_path: Path) -> Path:
    base = {
        "format": 1,
        "id": "2024-rio-g20-interim",
        "group": "G20",
        "summit": "2024 G20 Rio de Janeiro Summit",
        "report": "interim",
        "title": "2024 G20 Rio de Janeiro Summit Interim Compliance Report",
        "compliance_period": {"start": "2024-11-19", "end": "2025-06-30"},
        "members": [
            {"key": k, "name": n, "aliases": a, "demonyms": d, **({"kind": "union"} if k.endswith("union") else {})} for k, n, a, d in MEMBERS
        ],
        "commitments": [{"number": n, "area": "Area", "title": f"Commitment {n}"} for n in range(1, 19)]
        + [{"number": 19, "area": "Migration and Refugees", "title": "Preventing Migrant Smuggling and Trafficking"}],
    }
    path = tmp_path / "g20.yaml"
    path.write_text(yaml.safe_dump(base, allow_unicode=True, sort_keys=False), encoding="utf-8")
    cat = load_catalogue(path)
    d = draft_commitment(c19_text(), 19, cat)
    path.write_text(render(merge(cat, d.commitment), d), encoding="utf-8")
    return path


def test_g20_catalogue_loads_classifies_and_scores(tmp_path):
    cat = load_catalogue(g20_catalogue(tmp_path))
    assert len(cat.members) == 21 and cat.group == "G20"
    assert cat.member("Brasil").key == "brazil" and cat.member("Turkey").key == "turkey"
    rules = generic_ruleset(cat, set())
    assert rules is not None and "generic" in rules.agent
    item = ItemInput(
        title="Brazilian police dismantle migrant smuggling network",
        text="The Brazilian Federal Police arrested twelve members of a migrant smuggling network in an operation in São Paulo.",
    )
    result = RulesClassifier(rules).classify(item)
    proposals = [(p.proposal.member, p.proposal.dimension, p.proposal.strength) for p in result.proposals]
    assert ("Brazil", "dismantle", "strong") in proposals
    evidence = [Evidence(cat.member(m).key, 19, EvidenceMark(dim, strength)) for m, dim, strength in proposals]
    scores = score_commitment(cat, 19, evidence)
    assert len(scores.members) == 21
    by_member = {m.member: m.score for m in scores.members}
    assert by_member["Brazil"] == 0 and by_member["Argentina"] == -1
    assert printed(scores.average).startswith("-")
