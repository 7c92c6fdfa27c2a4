"""The learned model: labels, refusals, versions in the database, the deployed pipeline, calibration."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select

from tests.conftest import gold_file
from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.classify.learned.labels import from_decisions, from_gold
from triage.classify.learned.model import calibration_table, check_counts
from triage.classify.learned.service import learn, retrain_if_due
from triage.classify.service import classify_pending
from triage.config import Settings
from triage.errors import InputError
from triage.models import Item, LearnedModelRow, Suggestion
from triage.review.queue import QueueFilter, page

from .helpers import ROOT, add_items, assert_nothing_lost, draft

EXTRA = ROOT / "tests" / "data" / "c19_extra.jsonl"
UNSEEN = ROOT / "tests" / "data" / "c19_unseen.jsonl"


def _train_files() -> list[Path]:
    """The dev file lives beside the repository; the checked-in items are enough to train on without it."""
    try:
        return [gold_file("c19_dev.jsonl"), EXTRA]
    except pytest.skip.Exception:
        return [EXTRA]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_gold_lines_become_labels(catalogue):
    examples = from_gold([EXTRA], catalogue, [19])
    assert len(examples) == 32
    assert sum(e.relevant for e in examples) == 22
    first = next(e for e in examples if e.relevant)
    assert first.dimensions and first.source.endswith(":1")


def test_too_few_labels_are_refused_with_how_many_more(catalogue):
    examples = from_gold([EXTRA], catalogue, [19])
    with pytest.raises(InputError) as err:
        check_counts(examples, [19], 25)
    message = str(err.value)
    assert "22 evidence and 10 not-evidence" in message
    assert "3 more evidence label(s)" in message and "15 more not-evidence label(s)" in message


def test_a_bad_gold_file_is_refused_whole_with_line_numbers(tmp_path, catalogue):
    lines = _lines(EXTRA)[:3]
    lines[1]["gold"][0]["member"] = "Atlantis"
    lines[2]["gold"][0]["dimensions"] = ["teleport"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(json.dumps(x) for x in lines) + "\n{not json\n")
    with pytest.raises(InputError) as err:
        from_gold([bad], catalogue, [19])
    text = str(err.value)
    assert f"{bad}:2" in text and "Atlantis" in text
    assert f"{bad}:3" in text and "teleport" in text
    assert f"{bad}:4" in text


def test_calibration_table_measures_the_gap():
    y = np.array([0, 0, 1, 1])
    ece, table = calibration_table(y, np.array([0.05, 0.05, 0.95, 0.95]))
    assert ece == pytest.approx(0.05)
    assert [b["n"] for b in table] == [2, 2]
    assert calibration_table(y, np.array([0.95, 0.95, 0.05, 0.05]))[0] == pytest.approx(0.95)


def test_learn_refuses_too_few_labels_and_stores_nothing(loaded_db, tmp_path, cli):
    few = tmp_path / "few.jsonl"
    few.write_text("\n".join(json.dumps(x) for x in _lines(EXTRA)[:8]) + "\n")
    result = cli("learn", "--gold", few)
    assert result.code == 2
    assert "2 more evidence label(s) and 10 more not-evidence label(s)" in result.err
    with db.session_scope(loaded_db) as s:
        assert s.exec(select(LearnedModelRow)).first() is None


def test_learn_stores_versions_with_who_what_when(loaded_db):
    first = learn(Settings(), gold=[EXTRA], created_by="ana")
    second = learn(Settings(), gold=[EXTRA], created_by="ben")
    assert (first["version"], second["version"]) == (1, 2)
    assert second["agent"] == "learned:2024-apulia-interim@v2"
    relevance = second["metrics"]["commitments"]["19"]["relevance"]
    assert {"precision", "recall", "roc_auc", "brier", "ece", "reliability"} <= set(relevance)
    assert 0 <= relevance["ece"] <= 1
    with db.session_scope(loaded_db) as s:
        rows = s.exec(select(LearnedModelRow).order_by(LearnedModelRow.version)).all()
        assert [(r.version, r.created_by) for r in rows] == [(1, "ana"), (2, "ben")]
        assert rows[1].trained_on["gold"] == [str(EXTRA)] and rows[1].trained_on["examples"] == 32
        assert rows[1].created_at is not None and rows[1].payload


def test_decisions_are_labels(loaded_db):
    from triage.accounts import create_user
    from triage.review.decisions import decide

    ids = add_items(
        loaded_db,
        draft("Smuggling ring leaders arrested", "Europol supported Bulgarian police who arrested eight migrant smugglers.", publisher="Europol"),
        draft("Human trafficking conference", "The Home Office held a conference on human trafficking and modern slavery.", publisher="Home Office"),
    )
    classify_pending(Settings(), backend="rules")
    with db.session_scope(loaded_db) as s:
        index = CatalogueIndex.load(s)
        ana = create_user(s, username="ana", role="analyst", password="correct-horse-battery")
        rows = s.exec(select(Suggestion).order_by(Suggestion.id)).all()
        for sg in rows:
            if sg.item_id == ids[0]:
                decide(s, index, suggestion_id=sg.id, user=ana, action="accept", version=sg.version)
            else:
                decide(s, index, suggestion_id=sg.id, user=ana, action="reject", version=sg.version, reason="not_relevant")
    with db.session_scope(loaded_db) as s:
        examples = {e.item.item_id: e for e in from_decisions(s, "2024-apulia-interim", [19])}
    assert examples[ids[0]].relevant and examples[ids[0]].dimensions
    assert not examples[ids[1]].relevant
    assert retrain_if_due(Settings()) is None  # two decisions are far fewer than the nightly minimum


@pytest.fixture
def trained(loaded_db, monkeypatch):
    monkeypatch.setenv("TRIAGE_LEARNED_RESCUE_THRESHOLD", "0.3")
    learn(Settings(), gold=_train_files(), created_by="lead")
    return loaded_db


def test_the_deployed_pipeline_takes_confidence_from_the_model_and_rescues(trained):
    evidence = draft(
        "Border agents bust group that moved people through the desert",
        "Agents arrested five men accused of running an operation that moved migrants in sealed trucks, charging $8,000 a person.",
        publisher="Immigration and Customs Enforcement",
    )
    # Evidence the rules cannot see: no smuggling word, no arrest word the cues know.
    quiet = draft(
        "Migrant smugglers' boats: new patrol vessels for the coast guard",
        "Funding for patrol vessels to stop the boats of migrant smugglers was announced by the Home Office.",
        publisher="Home Office",
    )
    off = draft("Wildfire season ends", "Natural Resources Canada said this year's fires burned five million hectares.")
    ids = add_items(trained, evidence, quiet, off)
    summary = classify_pending(Settings(), backend="rules")
    items = assert_nothing_lost(trained)
    with db.session_scope(trained) as s:
        stored = s.exec(select(Suggestion)).all()
    assert stored, "the model and the rules together propose something"
    for sg in stored:
        assert "learned:2024-apulia-interim@v1" in sg.agent  # the agent names the model version
        assert sg.confidence not in (0.75, 0.5, 0.35, 0.525)  # not the rules' three values
    rescued = [sg for sg in stored if "possible_evidence" in sg.flags]
    assert summary.possible_evidence == len(rescued)
    assert all(sg.agent == "learned:2024-apulia-interim@v1" and sg.agent_kind == "learned" and sg.strength == "weak" for sg in rescued)
    assert items[ids[2]].status == "not_candidate"
    for i in ids[:2]:
        assert "learned p=" in items[i].status_reason or "suggestion(s)" in items[i].status_reason


def test_queue_order_by_confidence_follows_calibration(trained):
    """Read in the queue's confidence order, the share of true evidence falls as confidence falls."""
    drafts, truth = [], {}
    for line in _lines(UNSEEN):
        drafts.append(draft(line["title"], line["text"], publisher=line["publisher"], url=line["url"]))
        truth[line["title"]] = bool(line["gold"])
    add_items(trained, *drafts)
    classify_pending(Settings(), backend="rules")
    with db.session_scope(trained) as s:
        index = CatalogueIndex.load(s)
        rows = page(s, index, QueueFilter(scope="all"), None, limit=1000).rows
        titles = {i.id: i.title for i in s.exec(select(Item))}
    confidences = [r.confidence for r in rows]
    assert confidences == sorted(confidences, reverse=True)
    assert len(set(confidences)) > 3, "a calibrated model gives many values, not the rules' three"
    labels = np.array([truth[titles[r.item_id]] for r in rows], dtype=float)
    half = len(rows) // 2
    assert labels[:half].mean() >= labels[half:].mean()
    ece, _ = calibration_table(labels, np.array(confidences))
    assert ece <= 0.25


def test_eval_backend_learned_and_rules_report_rescue(trained, cli):
    alone = cli("eval", "--gold", UNSEEN, "--backend", "learned", "--json")
    assert alone.code == 0, alone.err
    r = alone.json
    assert r["backend"] == "learned" and r["relevance"]["recall"] > 0.5
    d = cli("eval", "--gold", UNSEEN, "--backend", "rules", "--json").json
    assert d["learned"]["agent"] == "learned:2024-apulia-interim@v1"
    assert {"items", "evidence", "not_evidence", "without_rescue"} <= set(d["rescue"])
    assert d["relevance"]["recall"] >= d["rescue"]["without_rescue"]["relevance"]["recall"]


def test_eval_backend_learned_without_a_model_is_an_error(loaded_db, cli):
    result = cli("eval", "--gold", EXTRA, "--backend", "learned")
    assert result.code == 2 and "triage learn" in result.err
