"""An edited quote is checked again against the item's text, the history names every changed
field (quote included), and the exports and the draft mark the quote as edited."""

from __future__ import annotations

from sqlmodel import select

from triage.catalogue.index import CatalogueIndex
from triage.export.draft import build_section
from triage.export.tables import evidence_dicts
from triage.items import ItemDraft, store_item
from triage.models import Decision, Suggestion, User
from triage.review.decisions import Edit, decide
from triage.scoring.accepted import evidence_rows
from triage.suggestions import Proposal, store_suggestion


def test_edited_quote_is_checked_again_and_shown(people, session_for):
    s = session_for(people)
    index = CatalogueIndex.load(s)
    ana = s.exec(select(User).where(User.username == "ana")).one()
    item, _ = store_item(
        s,
        ItemDraft(title="Police break up smuggling ring", text="The police arrested nine smugglers in Rome.", url="https://police.example/ring"),
        index.period,
    )
    proposal = Proposal(member="Italy", commitment=19, dimension="dismantle", strength="strong", confidence=0.9, quote="arrested nine smugglers")
    suggestion, _ = store_suggestion(s, index, item, proposal, agent="rules:test", agent_kind="rules")
    assert suggestion.quote_verified
    decision = decide(
        s, index, suggestion_id=suggestion.id, user=ana, action="edit", version=suggestion.version, edit=Edit(quote="arrested ten smugglers")
    )
    s.commit()
    row = s.get(Suggestion, suggestion.id)
    assert row.quote_verified is False  # the badge follows the edited quote
    assert decision.after["changed"] == ["quote"] and decision.after["quote_edited"] and decision.after["quote_verified"] is False
    assert decision.before["quote"] == "arrested nine smugglers" and decision.after["quote"] == "arrested ten smugglers"
    # Edited again to words that are in the text: verified again.
    again = decide(
        s,
        index,
        suggestion_id=suggestion.id,
        user=ana,
        action="edit",
        version=row.version,
        edit=Edit(quote="nine smugglers in Rome", strength="weak"),
    )
    s.commit()
    assert s.get(Suggestion, suggestion.id).quote_verified is True
    assert again.after["changed"] == ["quote", "strength"]
    rows = evidence_rows(s, index, 19, "Italy")
    assert [r.quote_edited for r in rows] == [True]
    assert evidence_dicts(rows)[0]["quote_edited"] is True
    section = build_section(s, index, 19)
    assert any("the quote was edited by an analyst" in r for r in section.review)
    assert s.exec(select(Decision).where(Decision.suggestion_id == suggestion.id)).all()[-1].id == again.id


def test_accepting_a_feed_item_keeps_its_citation_from_then_on(people, session_for):
    from triage.models import Item, Sighting, Source

    s = session_for(people)
    index = CatalogueIndex.load(s)
    ana = s.exec(select(User).where(User.username == "ana")).one()
    s.add(Source(id="it-polizia", url="https://polizia.example/rss", member="italy", publisher="Italian State Police", city="Rome", language="it"))
    s.flush()
    item, _ = store_item(
        s,
        ItemDraft(
            title="Operazione contro i trafficanti",
            text="La polizia ha arrestato nove trafficanti.",
            url="https://polizia.example/1",
            publisher="Polizia di Stato - Notizie",
        ),
        index.period,
    )
    s.add(Sighting(item_id=item.id, source_id="it-polizia", entry_key="1"))
    s.flush()
    proposal = Proposal(member="Italy", commitment=19, dimension="dismantle", strength="strong", confidence=0.9, quote="arrestato nove trafficanti")
    suggestion, _ = store_suggestion(s, index, item, proposal, agent="rules:test", agent_kind="rules")
    decide(s, index, suggestion_id=suggestion.id, user=ana, action="accept", version=suggestion.version)
    s.commit()
    before = evidence_rows(s, index, 19, "Italy")[0].source
    assert (before.publisher, before.city) == ("Italian State Police", "Rome")
    # The feed rewrites the item later: the evidence's citation stays what was accepted.
    row = s.get(Item, item.id)
    row.title, row.publisher = "Something else", "Another ministry"
    s.add(row)
    s.commit()
    assert evidence_rows(s, index, 19, "Italy")[0].source == before
