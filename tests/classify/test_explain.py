"""Non-English items without an LLM: the item page shows which cues matched, in English."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import login, seed
from triage.classify.rules.explain import explain
from triage.classify.service import classify_pending
from triage.config import Settings
from triage.web.app import create_app

from .helpers import add_items, draft, item

JAPANESE = ("不法入国をあっせんしたブローカーを逮捕", "警視庁は、外国人を偽造旅券で入国させた疑いで、ブローカーの男を逮捕した。")


def test_cues_are_explained_in_english(ruleset):
    found = {m.cue: m for m in explain(ruleset, item(*JAPANESE))}
    assert found["smuggling"].term == "不法入国をあっせん"
    assert found["arrest"].meaning.startswith("arrests")
    assert "false documents" in found["suppliers"].meaning


def test_every_meaning_names_a_cue(ruleset):
    for spec in ruleset.spec.commitments:
        assert spec.meanings and set(spec.meanings) <= set(spec.cues)


def test_the_item_page_shows_the_cues_in_english(loaded_db):
    seed(loaded_db)
    (item_id,) = add_items(loaded_db, draft(*JAPANESE, language="ja"))
    (passed_over,) = add_items(loaded_db, draft("Wildfire season ends", "Fires burned five million hectares this year."))
    classify_pending(Settings(), backend="rules")
    with TestClient(create_app(Settings(database_url=loaded_db)), base_url="https://testserver") as c:
        assert login(c, "ana").status_code == 303
        page = c.get(f"/items/{item_id}").text
        other = c.get(f"/items/{passed_over}").text
    assert 'id="cues"' in page and "What the rules matched, in English" in page
    assert "<q>逮捕</q>: arrests, detentions, raids or searches" in page
    assert 'id="item-state">classified: ' in page
    # An item the pre-filter passed over keeps its state and the reason, with the routes it tried.
    assert "not_candidate: pre-filter: no commitment&#39;s keywords (routes tried: 19: core, " in other
