"""Suggested scores follow a reloaded catalogue: a changed rule re-scores every pair at once."""

from __future__ import annotations

from sqlmodel import select

from tests.conftest import CATALOGUE
from tests.scores.conftest import C19_EVIDENCE, PUBLISHED_C19
from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.models import Score


def _suggested(url, number=19):
    with db.session_scope(url) as s:
        index = CatalogueIndex.load(s)
        c = index.commitment(number)
        return {index.member_by_id(r.member_id).key: r.suggested for r in s.exec(select(Score).where(Score.commitment_id == c.id))}


def test_init_scores_every_pair_and_a_reload_applies_a_changed_rule(db_url, cli, tmp_path, monkeypatch):
    assert cli("init").code == 0
    # Before any evidence every member has taken no action: -1 under the rule.
    assert _suggested(db_url) == dict.fromkeys(PUBLISHED_C19, -1)
    assert cli("users", "add", "ana", input="password-ana\n").code == 0
    assert cli("evidence", "import", C19_EVIDENCE, "--as", "ana").code == 0
    assert _suggested(db_url) == PUBLISHED_C19

    # A catalogue revision: full compliance from strong action in three dimensions.
    text = CATALOGUE.read_text(encoding="utf-8")
    old = "          - score: 1\n            when:\n              - {strong: all, contradictory: false}\n          - score: 0\n            when:\n              - {strong: 1..3, contradictory: false}"
    assert old in text
    changed = tmp_path / "revised.yaml"
    changed.write_text(text.replace(old, old.replace("strong: all", 'strong: ">=3"').replace("strong: 1..3", "strong: 1..2")), encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CATALOGUE", str(changed))
    assert cli("init").code == 0
    revised = dict(PUBLISHED_C19, france=1, germany=1, italy=1)
    assert _suggested(db_url) == revised
