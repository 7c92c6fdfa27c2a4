"""Final scores: leads set them, a differing score needs a justification, every change is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from triage.catalogue.index import CatalogueIndex
from triage.errors import InputError
from triage.models import Score, ScoreChange, User
from triage.review.decisions import Forbidden
from triage.scoring.final import history, parse_score, set_final


def _user(session, name):
    return session.exec(select(User).where(User.username == name)).one()


def _changes(session):
    return session.exec(select(ScoreChange).order_by(ScoreChange.id)).all()


def test_lead_sets_final_with_justification_when_it_differs(imported, session_for):
    s = session_for(imported)
    index, lea = CatalogueIndex.load(s), _user(s, "lea")
    # Japan's suggestion is 0 (weak in prevent and counter).
    with pytest.raises(InputError, match="differs from the suggested 0; give a justification"):
        set_final(s, index, commitment=19, member="Japan", score=-1, user=lea)
    with pytest.raises(InputError, match="give a justification"):
        set_final(s, index, commitment=19, member="Japan", score=-1, user=lea, justification="   ")
    s.rollback()
    assert _changes(s) == []
    # Agreeing with the suggestion needs no justification.
    change = set_final(s, index, commitment=19, member="Canada", score=0, user=lea)
    assert change.changed and change.score.final == 0 and change.score.origin == "lead"
    change = set_final(s, index, commitment=19, member="Japan", score=-1, user=lea, justification="Statements only.")
    s.commit()
    row = change.score
    assert (row.suggested, row.final, row.justification, row.set_by_id) == (0, -1, "Statements only.", lea.id)
    rows = _changes(s)
    assert [(c.old_final, c.new_final, c.justification, c.origin, c.user_id) for c in rows] == [
        (None, 0, None, "lead", lea.id),
        (None, -1, "Statements only.", "lead", lea.id),
    ]


def test_every_change_is_appended_and_repeats_record_nothing(imported, session_for):
    s = session_for(imported)
    index, lea, adm = CatalogueIndex.load(s), _user(s, "lea"), _user(s, "adm")
    set_final(s, index, commitment=19, member="UK", score=1, user=lea)
    assert not set_final(s, index, commitment=19, member="UK", score="+1", user=lea).changed
    set_final(s, index, commitment=19, member="UK", score=0, user=adm, justification="One operation was at the border (c18).")
    set_final(s, index, commitment=19, member="UK", score=None, user=lea, justification="Evidence under review again.")
    s.commit()
    trail = history(s, index, 19, "United Kingdom")
    assert [(c.old_final, c.new_final, c.user_id) for c in trail] == [(None, 1, lea.id), (1, 0, adm.id), (0, None, lea.id)]
    row = s.exec(select(Score).where(Score.id == trail[0].score_id)).one()
    assert row.final is None and row.set_at is not None  # set to "not assessed", not unset


def test_analyst_is_refused_and_nothing_is_recorded(imported, session_for):
    s = session_for(imported)
    index = CatalogueIndex.load(s)
    with pytest.raises(Forbidden):
        set_final(s, index, commitment=19, member="Japan", score=0, user=_user(s, "ana"))
    s.rollback()
    assert _changes(s) == []


def test_bad_values_are_refused(imported, session_for):
    s = session_for(imported)
    index, lea = CatalogueIndex.load(s), _user(s, "lea")
    with pytest.raises(InputError, match="outside -1..\\+1"):
        set_final(s, index, commitment=19, member="Japan", score=2, user=lea, justification="x")
    with pytest.raises(InputError, match="unknown member"):
        set_final(s, index, commitment=19, member="Narnia", score=0, user=lea)
    with pytest.raises(InputError, match="unknown commitment 42"):
        set_final(s, index, commitment=42, member="Japan", score=0, user=lea)
    assert parse_score("\u22121") == -1 and parse_score("+1") == 1 and parse_score("") is None and parse_score("n/a") is None
    with pytest.raises(InputError):
        parse_score("full")


def test_audit_rows_cannot_be_rewritten(imported, session_for):
    s = session_for(imported)
    set_final(s, CatalogueIndex.load(s), commitment=19, member="Japan", score=0, user=_user(s, "lea"))
    s.commit()
    with pytest.raises(DBAPIError):
        s.execute(text("UPDATE score_change SET new_final = 1"))
    s.rollback()


def test_cli_set(imported, cli):
    refused = cli("scores", "set", "19", "Japan", "-1", "--as", "lea")
    assert refused.code == 2 and "give a justification" in refused.err
    ok = cli("scores", "set", "19", "Japan", "-1", "--as", "lea", "--justification", "Statements only.")
    assert ok.code == 0, ok.err
    assert "final score -1 (suggested 0)" in ok.out
    again = cli("scores", "set", "19", "Japan", "-1", "--as", "lea", "--justification", "Statements only.")
    assert again.code == 0 and "nothing changed" in again.out
    forbidden = cli("scores", "set", "19", "Japan", "0", "--as", "ana")
    assert forbidden.code == 3 and "may not set final scores" in forbidden.err
    cells = {(c["commitment"], c["member"]): c for c in cli("scores", "show", "--json").json["cells"]}
    japan = cells[(19, "Japan")]
    assert (japan["score"], japan["suggested"], japan["final"], japan["set_by"]) == (-1, 0, -1, "lea")
