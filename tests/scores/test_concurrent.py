"""Final scores by compare-and-swap, whoever writes them: two leads on the same cell who saw the
same version get one "saved" and one conflict carrying the current value, on SQLite and
PostgreSQL, through the service, the web app and the CLI; a score import loses to a lead."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from sqlmodel import Session, select

from tests.web.conftest import app, as_user, cheap_hashes, seeded  # noqa: F401  (the web app's fixtures)
from tests.web.test_scores_pages import c19  # noqa: F401
from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.errors import Conflict
from triage.models import Score, ScoreChange, User
from triage.scoring.final import current_version, set_final


def _race(*jobs):
    """Run the jobs at once (a barrier lines them up); each returns what it returned or raised."""
    barrier = threading.Barrier(len(jobs))
    out: list[object] = [None] * len(jobs)

    def run(n, job):
        barrier.wait()
        try:
            out[n] = job()
        except Exception as exc:  # the loser's Conflict is a result here
            out[n] = exc

    threads = [threading.Thread(target=run, args=(n, j)) for n, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def _changes(url) -> list[ScoreChange]:
    with Session(db.engine_for(url)) as s:
        return list(s.exec(select(ScoreChange).order_by(ScoreChange.id)))


def test_two_leads_same_seen_version_one_saved_one_conflict(imported):
    url = imported
    with Session(db.engine_for(url)) as s:
        seen = current_version(s, CatalogueIndex.load(s), 19, "Italy")
    assert seen == 0

    def lead(name, score, why):
        def job():
            with db.session_scope(url) as s:
                user = s.exec(select(User).where(User.username == name)).one()
                set_final(s, CatalogueIndex.load(s), commitment=19, member="Italy", score=score, user=user, justification=why, version=seen)
            return "saved"

        return job

    results = _race(lead("lea", 1, "Strong in all four."), lead("adm", -1, "Only statements."))
    saved = [r for r in results if r == "saved"]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(saved) == 1 and len(lost) == 1, results
    trail = _changes(url)
    assert len(trail) == 1
    current = lost[0].current
    assert current["final"] == trail[0].new_final and current["version"] == 1 and current["set_by"] in ("lea", "adm")
    assert "nothing was saved" in str(lost[0])
    with Session(db.engine_for(url)) as s:
        row = s.exec(select(Score).where(Score.version == 1)).one()
        assert row.final == trail[0].new_final


def test_stale_version_is_refused_and_the_current_value_shown(imported, session_for):
    s = session_for(imported)
    index = CatalogueIndex.load(s)
    lea = s.exec(select(User).where(User.username == "lea")).one()
    set_final(s, index, commitment=19, member="Japan", score=0, user=lea, version=0)
    s.commit()
    with pytest.raises(Conflict) as lost:
        set_final(s, index, commitment=19, member="Japan", score=-1, user=lea, justification="x", version=0)
    assert lost.value.current["final"] == 0 and lost.value.current["version"] == 1
    # The version the lead saw now is current: it goes through.
    assert set_final(s, index, commitment=19, member="Japan", score=-1, user=lea, justification="x", version=1).changed


def test_web_two_leads_same_cell(c19, as_user):  # noqa: F811  (the imported fixtures)
    from tests.web.test_scores_pages import seen_of

    lea, adam = as_user("lea"), as_user("adam")
    seen = seen_of(lea.get("/scores/19/italy").text)
    assert seen == seen_of(adam.get("/scores/19/italy").text) == "0"

    def post(client, score, why):
        return lambda: (
            client.post(
                "/scores/19/italy", data={"csrf_token": client.csrf, "seen": seen, "score": score, "justification": why}, follow_redirects=False
            ).status_code
        )

    codes = sorted(_race(post(lea, "1", "Strong in all four."), post(adam, "-1", "Statements only.")))
    assert codes == [303, 409], codes
    assert len(_changes(c19.url)) == 1


def test_cli_two_leads_same_cell(imported, cli):
    cells = {(c["commitment"], c["member"]): c for c in cli("scores", "show", "--json").json["cells"]}
    seen = str(cells[(19, "Italy")]["version"])
    env = dict(os.environ)

    def run(user, score, why):
        def job():
            done = subprocess.run(
                [sys.executable, "-m", "triage", "scores", "set", "19", "Italy", score, "--as", user, "-j", why, "--seen", seen],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            return done.returncode, done.stderr

        return job

    results = _race(run("lea", "+1", "Strong in all four."), run("adm", "-1", "Statements only."))
    codes = sorted(code for code, _err in results)
    assert codes == [0, 4], results
    loser = next(err for code, err in results if code == 4)
    assert "changed this final score while you were editing" in loser
    assert len(_changes(imported)) == 1


def test_score_import_loses_to_a_lead(imported, session_for, tmp_path, monkeypatch):
    """A lead's change committed while the import runs wins; the import is refused whole."""
    import triage.imports.scores as scores_import

    table = tmp_path / "table.csv"
    table.write_text("commitment,member,score\n19,Italy,+1\n19,Canada,0\n", encoding="utf-8")
    real = scores_import.score_row

    def row_then_a_lead_acts(session, *, commitment_id, member_id):
        row = real(session, commitment_id=commitment_id, member_id=member_id)
        if row.version == 0 and member_id == CatalogueIndex.load(session).member("Italy").id:
            with db.session_scope(imported) as other:
                lea = other.exec(select(User).where(User.username == "lea")).one()
                set_final(other, CatalogueIndex.load(other), commitment=19, member="Italy", score=0, user=lea)
        return row

    monkeypatch.setattr(scores_import, "score_row", row_then_a_lead_acts)
    s = session_for(imported)
    with pytest.raises(Conflict):
        scores_import.import_scores(s, CatalogueIndex.load(s), path=table, username="adm")
    s.rollback()
    trail = _changes(imported)
    assert [(c.new_final, c.origin) for c in trail] == [(0, "lead")]  # Canada's imported cell is not written either
