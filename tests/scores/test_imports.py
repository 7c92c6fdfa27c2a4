"""Evidence and score-table imports: all or nothing with line numbers, and re-imports add nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.scores.conftest import C19_EVIDENCE, PUBLISHED_C19
from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.errors import InputError
from triage.imports.evidence import import_evidence
from triage.imports.scores import import_scores
from triage.models import Decision, Item, Score, ScoreChange, Suggestion

TABLES = (Item, Suggestion, Decision, Score, ScoreChange)


def counts(url) -> dict[str, int]:
    with db.session_scope(url) as s:
        return {t.__name__: s.exec(select(func.count()).select_from(t)).one() for t in TABLES}


def _run(url, path, user="ana"):
    with db.session_scope(url) as s:
        return import_evidence(s, CatalogueIndex.load(s), path=path, username=user)


def _line(**over) -> dict:
    base = {
        "member": "Canada",
        "commitment": 19,
        "dimensions": ["prevent"],
        "strength": "strong",
        "action_date": "2024-07-02",
        "text": "On 2 July 2024, Canada funded a campaign on the risks of smuggling.",
        "source_title": "Campaign launched",
        "source_publisher": "Government of Canada",
        "source_city": "Ottawa",
        "source_date": "2024-07-02",
        "url": "https://www.canada.ca/en/news/campaign.html",
        "accessed": "2024-07-20",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not ...}


def _write(tmp_path, lines, name="evidence.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


# --- evidence -----------------------------------------------------------------------------------


def test_import_records_items_suggestions_and_accepted_decisions(imported):
    with db.session_scope(imported) as s:
        index = CatalogueIndex.load(s)
        decisions = s.exec(select(Decision)).all()
        assert {d.action for d in decisions} == {"accept"} and {d.status_after for d in decisions} == {"accepted"}
        assert len(decisions) == 44  # one per (line, dimension)
        suggestions = s.exec(select(Suggestion)).all()
        assert {x.agent for x in suggestions} == {"import:ana"} and {x.status for x in suggestions} == {"accepted"}
        items = s.exec(select(Item)).all()
        assert len(items) == 23  # two pages are cited for two members each
        assert {i.origin for i in items} == {"import"} and {i.status for i in items} == {"classified"}
        laws = next(i for i in items if "laws-lois" in i.url)
        assert laws.published_at is None and laws.fetched_at == dt.datetime(2024, 10, 3, tzinfo=dt.UTC)
        assert laws.text.startswith("Canada amended")
        # Suggested scores are right at once.
        scores = {index.member_by_id(r.member_id).key: r.suggested for r in s.exec(select(Score))}
        assert scores == PUBLISHED_C19


def test_reimport_adds_nothing(imported, cli):
    before = counts(imported)
    result = _run(imported, C19_EVIDENCE)
    assert (result.items_created, result.suggestions_created, result.accepted) == (0, 0, 0)
    assert result.already_decided == 44
    assert counts(imported) == before
    again = cli("evidence", "import", C19_EVIDENCE, "--as", "ana")
    assert again.code == 0 and "0 new items" in again.out
    assert counts(imported) == before


def test_a_rejected_import_is_not_accepted_again(imported):
    from triage.models import User
    from triage.review.decisions import decide

    with db.session_scope(imported) as s:
        index = CatalogueIndex.load(s)
        sug = s.exec(select(Suggestion).order_by(Suggestion.id)).first()
        lea = s.exec(select(User).where(User.username == "lea")).one()
        decide(s, index, suggestion_id=sug.id, user=lea, action="reject", version=sug.version, reason="duplicate")
    before = counts(imported)
    assert _run(imported, C19_EVIDENCE).accepted == 0
    assert counts(imported) == before


def test_missing_access_date_is_the_import_time(people, tmp_path):
    start = dt.datetime.now(dt.UTC)
    _run(people, _write(tmp_path, [_line(accessed=...)]))
    with db.session_scope(people) as s:
        item = s.exec(select(Item)).one()
    assert start - dt.timedelta(seconds=1) <= item.fetched_at <= dt.datetime.now(dt.UTC)


@pytest.mark.parametrize(
    "lines, expected",
    [
        ([_line(), _line(member="Narnia")], [":2: unknown member 'Narnia'"]),
        ([_line(commitment=42), _line(url="https://x.org/2", text="other")], [":1: unknown commitment 42"]),
        ([_line(dimensions=["prevent", "deter"])], [":1: commitment 19 has no dimension 'deter'"]),
        ([_line(), _line(strength="medium")], [":2: strength: Input should be 'strong' or 'weak'"]),
        ([_line(), _line(action_date="12 July")], [":2: action_date:"]),
        ([_line(), _line(dimensions=["counter"])], [":2: duplicate of line 1"]),
        ([_line(), "{not json"], [":2: malformed JSON"]),
        ([_line(), _line(url="https://x.org/b", text="b", colour="red")], [":2: colour: unknown field"]),
        (
            [_line(member="Narnia"), _line(url="https://x.org/c", text="c"), _line(commitment=3, url="https://x.org/d", text="d")],
            [":1: unknown member", ":3: commitment 3 has no dimension 'prevent'"],
        ),
    ],
)
def test_bad_files_are_refused_whole_with_line_numbers(people, tmp_path, lines, expected):
    path = _write(tmp_path, lines)
    before = counts(people)
    with pytest.raises(InputError) as err:
        _run(people, path)
    messages = [str(p) for p in err.value.problems]
    for fragment in expected:
        assert any(fragment in m for m in messages), (fragment, messages)
    assert all(m.startswith(str(path)) for m in messages)
    assert counts(people) == before


def test_unknown_or_unprivileged_user_is_refused(people, tmp_path):
    path = _write(tmp_path, [_line()])
    with pytest.raises(InputError, match="unknown user 'zoe'"):
        _run(people, path, "zoe")
    assert counts(people)["Item"] == 0


def test_cli_refusal_exit_code_and_nothing_written(people, cli, tmp_path):
    path = _write(tmp_path, [_line(), _line(url="https://x.org/z", text="z", member="Atlantis")])
    result = cli("evidence", "import", path, "--as", "ana")
    assert result.code == 2
    assert f"{path}:2: unknown member 'Atlantis'" in result.err
    assert counts(people)["Item"] == 0


# --- score tables -------------------------------------------------------------------------------


def test_score_import_sets_final_scores_and_is_idempotent(people, tmp_path, cli):
    path = tmp_path / "c19.csv"
    rows = ["commitment,member,score"] + [
        f"19,{m},{'+1' if v == 1 else v}"
        for m, v in [
            ("Canada", 0),
            ("France", 0),
            ("Germany", 0),
            ("Italy", 0),
            ("Japan", 0),
            ("United Kingdom", 1),
            ("United States", 1),
            ("European Union", 1),
        ]
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = cli("scores", "import", path)
    assert result.code == 0, result.err
    assert "8 cells (0 not assessed): 8 changed" in result.out
    assert counts(people)["ScoreChange"] == 8
    with db.session_scope(people) as s:
        assert {c.origin for c in s.exec(select(ScoreChange))} == {"import"}
    again = cli("scores", "import", path)
    assert again.code == 0 and "0 changed" in again.out
    assert counts(people)["ScoreChange"] == 8
    show = cli("scores", "show", "--json").json
    assert show["averages"]["by_commitment"]["19"] == {"value": 0.375, "printed": "+0.38", "percent": 69}


@pytest.mark.parametrize(
    "body, expected",
    [
        ("commitment,member,score\n19,Canada,0\n19,Narnia,1\n", [":3: unknown member 'Narnia'"]),
        ("commitment,member,score\n42,Canada,0\n", [":2: unknown commitment 42"]),
        ("commitment,member,score\n19,Canada,2\n19,Japan,-3\n", [":2: score +2 is outside -1..+1", ":3: score -3 is outside"]),
        ("commitment,member,score\n19,Canada,0\n19,CA,1\n", [":3: duplicate row: commitment 19, Canada already at line 2"]),
        ("commitment,member,score\n19,Canada\n", [":2: expected 3 fields"]),
        ("commitment,member\n19,Canada\n", [":1: the header lacks the column(s) score"]),
        ("commitment,member,score\nnineteen,Canada,0\n", [":2: commitment 'nineteen' is not a number"]),
        ("commitment,member,score\n19,Canada,full\n", [":2: score 'full' is not -1, 0 or +1"]),
    ],
)
def test_bad_score_tables_are_refused_whole(people, tmp_path, body, expected):
    path = tmp_path / "scores.csv"
    path.write_text(body, encoding="utf-8")
    before = counts(people)
    with pytest.raises(InputError) as err, db.session_scope(people) as s:
        import_scores(s, CatalogueIndex.load(s), path=path)
    messages = [str(p) for p in err.value.problems]
    for fragment in expected:
        assert any(fragment in m for m in messages), (fragment, messages)
    assert counts(people) == before


def test_score_import_with_an_author(people, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("\ufeffCommitment,Member,Score,Notes\n19,Japan,0,printed\n", encoding="utf-8")
    with db.session_scope(people) as s, pytest.raises(InputError, match="may not set final scores"):
        import_scores(s, CatalogueIndex.load(s), path=path, username="ana")
    with db.session_scope(people) as s:
        result = import_scores(s, CatalogueIndex.load(s), path=path, username="lea")
        assert result.changed == 1
        change = s.exec(select(ScoreChange)).one()
        assert change.user_id is not None and change.justification == "Imported from s.csv."
