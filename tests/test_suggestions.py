"""Every suggestion is checked before it is stored, whoever proposed it."""

from __future__ import annotations

import datetime as dt

import pytest

from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.items import ItemDraft, store_item
from triage.suggestions import InvalidProposal, Proposal, quote_occurs, store_suggestion

TEXT = "On 21 August 2024, Bulgarian police,\nsupported by Europol, arrested eight suspected   members of a migrant smuggling ring."


def _item(session):
    item, _ = store_item(
        session,
        ItemDraft(title="Smuggling ring arrested", text=TEXT, published_at=dt.datetime(2024, 8, 21, tzinfo=dt.UTC)),
        (dt.date(2024, 6, 15), dt.date(2024, 12, 20)),
    )
    return item


def proposal(**kw) -> Proposal:
    base = dict(
        member="European Union",
        commitment=19,
        dimension="dismantle",
        strength="strong",
        confidence=0.9,
        rationale="arrests",
        quote="arrested eight suspected members of a migrant smuggling ring",
        action_date=dt.date(2024, 8, 21),
    )
    base.update(kw)
    return Proposal(**base)


def test_quote_matching_ignores_whitespace_and_case():
    assert quote_occurs("supported by Europol, arrested eight suspected members", TEXT)
    assert not quote_occurs("supported by Interpol", TEXT)
    assert not quote_occurs("", TEXT)


def test_valid_suggestion_is_stored_once(loaded_db):
    with db.session_scope(loaded_db) as s:
        index = CatalogueIndex.load(s)
        item = _item(s)
        sug, created = store_suggestion(s, index, item, proposal(), agent="rules:1", agent_kind="rules")
        assert created and sug.quote_verified and sug.flags == [] and sug.action_in_period is True
        again, created = store_suggestion(s, index, item, proposal(confidence=0.1), agent="rules:1", agent_kind="rules")
        assert not created and again.id == sug.id
        other, created = store_suggestion(s, index, item, proposal(), agent="llm:m@v1", agent_kind="llm")
        assert created and other.id != sug.id


def test_flags(loaded_db):
    with db.session_scope(loaded_db) as s:
        index = CatalogueIndex.load(s)
        item = _item(s)
        sug, _ = store_suggestion(
            s, index, item, proposal(quote="a sentence that is not there", action_date=dt.date(2025, 2, 1)), agent="llm:x@1", agent_kind="llm"
        )
        assert not sug.quote_verified
        assert sug.flags == ["out_of_period", "unverified_quote"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"member": "Atlantis"}, "unknown member"),
        ({"commitment": 99}, "unknown commitment"),
        ({"dimension": "deter"}, "no dimension 'deter'"),
        ({"strength": "medium"}, "strength must be"),
    ],
)
def test_invalid_proposals_are_refused(loaded_db, change, message):
    with db.session_scope(loaded_db) as s:
        index = CatalogueIndex.load(s)
        item = _item(s)
        with pytest.raises(InvalidProposal, match=message):
            store_suggestion(s, index, item, proposal(**change), agent="llm:x@1", agent_kind="llm")


def test_member_found_by_alias(loaded_db):
    with db.session_scope(loaded_db) as s:
        index = CatalogueIndex.load(s)
        assert index.member("UE").key == "european-union"
        assert index.member("Regno Unito").key == "united-kingdom"
        assert index.member("nobody") is None
