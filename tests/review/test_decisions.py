"""Decisions are appended, conflicts are detected, undo restores, scores follow evidence."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.errors import InputError
from triage.models import Decision, Score, Suggestion, User
from triage.review.decisions import Conflict, Edit, bulk_reject, decide, history, undo_last
from triage.review.evidence import accepted_evidence


def _ctx(session, world, who="analyst"):
    return CatalogueIndex.load(session), session.get(User, getattr(world, who))


def _score(session, index, member, number=19):
    m = index.member(member)
    c = index.commitment(number)
    return session.exec(select(Score).where(Score.member_id == m.id, Score.commitment_id == c.id)).first()


def test_accept_records_and_scores_follow(session, world):
    index, ana = _ctx(session, world)
    d = decide(session, index, suggestion_id=world.suggestions[2], user=ana, action="accept", version=1)
    session.commit()
    assert d.status_after == "accepted" and d.before["status"] == "pending" and d.after["member"] == "Japan"
    assert session.get(Suggestion, world.suggestions[2]).version == 2
    assert _score(session, index, "Japan").suggested == -1  # weak in one dimension
    decide(session, index, suggestion_id=world.suggestions[3], user=ana, action="accept", version=1)
    session.commit()
    score = _score(session, index, "Japan")
    assert score.suggested == 0 and "Weak in prevent and counter" in score.explanation
    assert len(accepted_evidence(session, index.commitment(19).id)) == 2


def test_reject_needs_a_reason(session, world):
    index, ana = _ctx(session, world)
    with pytest.raises(InputError, match="needs a reason"):
        decide(session, index, suggestion_id=world.suggestions[0], user=ana, action="reject", version=1)
    with pytest.raises(InputError, match="needs a note"):
        decide(session, index, suggestion_id=world.suggestions[0], user=ana, action="reject", version=1, reason="other")
    d = decide(session, index, suggestion_id=world.suggestions[0], user=ana, action="reject", version=1, reason="border_enforcement_c18")
    assert d.status_after == "rejected" and d.reason == "border_enforcement_c18"


def test_edit_then_accept_moves_the_evidence(session, world):
    index, ana = _ctx(session, world)
    decide(session, index, suggestion_id=world.suggestions[0], user=ana, action="accept", version=1)
    session.commit()
    assert _score(session, index, "United Kingdom").suggested == 0
    d = decide(
        session,
        index,
        suggestion_id=world.suggestions[0],
        user=ana,
        action="edit",
        version=2,
        edit=Edit(member="France", dimension="dismantle", action_date=dt.date(2024, 7, 9)),
    )
    session.commit()
    assert d.action == "edit"
    assert d.before["member"] == "United Kingdom" and d.after["member"] == "France" and d.after["dimension"] == "dismantle"
    assert d.after["action_date"] == "2024-07-09"
    # the UK lost its evidence, France gained it
    assert _score(session, index, "United Kingdom").suggested == -1
    assert _score(session, index, "France").suggested == 0


def test_bad_edits_are_refused(session, world):
    index, ana = _ctx(session, world)
    with pytest.raises(InputError, match="unknown member"):
        decide(session, index, suggestion_id=world.suggestions[0], user=ana, action="edit", version=1, edit=Edit(member="Narnia"))
    with pytest.raises(InputError, match="no dimension"):
        decide(session, index, suggestion_id=world.suggestions[0], user=ana, action="edit", version=1, edit=Edit(dimension="deter"))
    with pytest.raises(InputError, match="no dimension"):
        decide(session, index, suggestion_id=world.suggestions[0], user=ana, action="edit", version=1, edit=Edit(commitment=5))
    with pytest.raises(InputError, match="at least one"):
        decide(session, index, suggestion_id=world.suggestions[0], user=ana, action="edit", version=1, edit=Edit())


def test_second_analyst_gets_a_conflict_with_the_current_state(world):
    """Two sessions, as two browsers would be; the loser sees who decided what."""
    engine = db.engine_for(world.url)
    with Session(engine) as first, Session(engine) as second:
        i1, ana = _ctx(first, world)
        i2, bob = _ctx(second, world, "analyst2")
        seen_by_bob = second.get(Suggestion, world.suggestions[1]).version
        decide(first, i1, suggestion_id=world.suggestions[1], user=ana, action="accept", version=1)
        first.commit()
        with pytest.raises(Conflict) as err:
            decide(second, i2, suggestion_id=world.suggestions[1], user=bob, action="reject", version=seen_by_bob, reason="not_relevant")
        second.rollback()
        assert err.value.state.status == "accepted"
        assert err.value.last.user_id == world.analyst
    with Session(engine) as check:
        rows = check.exec(select(Decision).where(Decision.suggestion_id == world.suggestions[1])).all()
        assert [r.action for r in rows] == ["accept"]


def test_undo_restores_the_previous_state(session, world):
    index, ana = _ctx(session, world)
    decide(session, index, suggestion_id=world.suggestions[2], user=ana, action="accept", version=1)
    decide(session, index, suggestion_id=world.suggestions[3], user=ana, action="accept", version=1)
    session.commit()
    assert _score(session, index, "Japan").suggested == 0
    u = undo_last(session, index, user=ana)
    session.commit()
    assert u.action == "undo" and u.after["undoes"] and u.status_after == "pending"
    assert session.get(Suggestion, world.suggestions[3]).status == "pending"
    assert _score(session, index, "Japan").suggested == -1
    undo_last(session, index, user=ana)  # and the one before
    session.commit()
    assert session.get(Suggestion, world.suggestions[2]).status == "pending"
    with pytest.raises(InputError, match="nothing to undo"):
        undo_last(session, index, user=ana)
    assert [d.action for d in history(session, [world.suggestions[2]])] == ["accept", "undo"]


def test_undo_refused_after_someone_else_decided(session, world):
    index, ana = _ctx(session, world)
    bob = session.get(User, world.analyst2)
    decide(session, index, suggestion_id=world.suggestions[0], user=ana, action="accept", version=1)
    decide(session, index, suggestion_id=world.suggestions[0], user=bob, action="reject", version=2, reason="wrong_member")
    session.commit()
    with pytest.raises(Conflict, match="decided again"):
        undo_last(session, index, user=ana)


def test_bulk_reject_skips_conflicts(session, world):
    index, ana = _ctx(session, world)
    decide(session, index, suggestion_id=world.suggestions[0], user=ana, action="accept", version=1)
    session.commit()
    result = bulk_reject(session, index, user=ana, selection=[(sid, 1) for sid in world.suggestions], reason="not_relevant")
    session.commit()
    assert result.conflicts == [world.suggestions[0]]
    assert result.decided == world.suggestions[1:]
    assert session.get(Suggestion, world.suggestions[0]).status == "accepted"


def test_notes_do_not_change_state_or_version(session, world):
    index, ana = _ctx(session, world)
    d = decide(session, index, suggestion_id=world.suggestions[0], user=ana, action="note", note="check the date")
    session.commit()
    assert d.status_after == "pending" and session.get(Suggestion, world.suggestions[0]).version == 1
