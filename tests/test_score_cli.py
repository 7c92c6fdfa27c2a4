"""`triage score` reproduces the published commitment-19 assessment from the analysts' evidence."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import gold_file

PUBLISHED_C19 = {
    "Canada": 0,
    "France": 0,
    "Germany": 0,
    "Italy": 0,
    "Japan": 0,
    "United Kingdom": 1,
    "United States": 1,
    "European Union": 1,
}


def test_gold_evidence_reproduces_published_scores(cli):
    result = cli("score", "--evidence", gold_file("c19_member_dimensions.jsonl"), "--json")
    assert result.code == 0, result.err
    data = result.json
    assert data["commitment"] == 19
    assert {m: v["score"] for m, v in data["members"].items()} == PUBLISHED_C19
    assert data["average"] == 0.375
    assert data["average_printed"] == "+0.38"
    assert data["percent"] == 69


def test_japan_weak_in_two_dimensions_is_partial_and_explained(cli):
    data = cli("score", "--evidence", gold_file("c19_member_dimensions.jsonl"), "--json").json
    japan = data["members"]["Japan"]
    assert japan["dimensions"] == {"prevent": "weak", "counter": "weak", "dismantle": "none", "disrupt": "none"}
    assert japan["explanation"].startswith("Weak in prevent and counter; nothing in dismantle or disrupt")
    assert "partial compliance (0)" in japan["explanation"]


def test_member_without_evidence_took_no_action(cli, tmp_path):
    evidence = tmp_path / "ev.jsonl"
    evidence.write_text(json.dumps({"member": "Canada", "commitment": 19, "dimension": "prevent", "strength": "weak"}) + "\n")
    data = cli("score", "--evidence", evidence, "--json").json
    assert data["members"]["Canada"]["score"] == -1  # only weak action in one dimension
    assert data["members"]["France"]["score"] == -1
    assert data["members"]["France"]["explanation"].startswith("No action in any dimension")
    assert data["average_printed"] == "-1.00"
    assert data["percent"] == 0


def test_dimensions_list_and_aliases_are_accepted(cli, tmp_path):
    evidence = tmp_path / "ev.jsonl"
    lines = [
        {"member": "UK", "commitment": 19, "dimensions": ["prevent", "counter", "dismantle", "disrupt"], "strength": "strong"},
        {"member": "etats-unis", "commitment": 19, "dimension": "counter", "strength": "strong"},
    ]
    evidence.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    result = cli("score", "--evidence", evidence, "--json")
    assert result.code == 2  # 'etats-unis' is not an alias: unknown member
    assert "ev.jsonl:2: unknown member 'etats-unis'" in result.err
    lines[1]["member"] = "États-Unis"
    evidence.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    data = cli("score", "--evidence", evidence, "--json").json
    assert data["members"]["United Kingdom"]["score"] == 1
    assert data["members"]["United States"]["score"] == 0


def test_contradictory_evidence_scores_no_compliance(cli, tmp_path):
    evidence = tmp_path / "ev.jsonl"
    rows = [{"member": "Italy", "commitment": 19, "dimension": d, "strength": "strong"} for d in ("prevent", "counter", "dismantle", "disrupt")]
    rows.append({"member": "Italy", "commitment": 19, "dimension": "counter", "strength": "weak", "contradictory": True})
    evidence.write_text("\n".join(json.dumps(x) for x in rows))
    italy = cli("score", "--evidence", evidence, "--json").json["members"]["Italy"]
    assert italy["score"] == -1
    assert "contradictory" in italy["explanation"]


def test_table_output_prints_average_as_reports_do(cli):
    result = cli("score", "--evidence", gold_file("c19_member_dimensions.jsonl"))
    assert result.code == 0
    assert "+0.38" in result.out and "69%" in result.out
    assert "United Kingdom" in result.out


def test_bad_evidence_lines_name_file_and_line(cli, tmp_path):
    evidence = tmp_path / "bad.jsonl"
    evidence.write_text(
        '{"member": "Canada", "commitment": 19, "dimension": "prevent", "strength": "strong"}\n'
        '{"member": "Atlantis", "commitment": 19, "dimension": "prevent", "strength": "strong"}\n'
        '{"member": "Canada", "commitment": 19, "dimension": "deter", "strength": "strong"}\n'
        '{"member": "Canada", "commitment": 19, "dimension": "counter", "strength": "huge"}\n'
        '{"member": "Canada", "commitment": 77, "dimension": "counter", "strength": "weak"}\n'
        "{not json\n"
    )
    result = cli("score", "--evidence", evidence)
    assert result.code == 2
    assert "bad.jsonl:2: unknown member 'Atlantis'" in result.err
    assert "bad.jsonl:3: commitment 19 has no dimension 'deter'" in result.err
    assert "bad.jsonl:4: strength" in result.err
    assert "bad.jsonl:5: unknown commitment 77" in result.err
    assert "bad.jsonl:6: malformed JSON" in result.err
    assert "Traceback" not in result.err


def test_several_commitments_need_a_choice(cli, tmp_path):
    evidence = tmp_path / "ev.jsonl"
    evidence.write_text(
        '{"member": "Canada", "commitment": 19, "dimension": "prevent", "strength": "strong"}\n'
        '{"member": "Canada", "commitment": 18, "dimension": "prevent", "strength": "strong"}\n'
    )
    result = cli("score", "--evidence", evidence)
    # commitment 18 has no dimensions in the shipped catalogue: refused per line
    assert result.code == 2
    assert "commitment 18 has no dimension 'prevent'" in result.err


def test_incomplete_commitment_cannot_be_scored(cli, tmp_path):
    evidence = tmp_path / "ev.jsonl"
    evidence.write_text('{"member": "Canada", "commitment": 19, "dimension": "prevent", "strength": "strong"}\n')
    result = cli("score", "--evidence", evidence, "--commitment", "5")
    assert result.code == 2
    assert "commitment 5 is incomplete" in result.err


def test_installed_entry_point_exit_codes():
    """The real console script: JSON on stdout, exit 0; a missing file is exit 2 without a traceback."""
    exe = [sys.executable, "-m", "triage"]
    ok = subprocess.run(
        [*exe, "score", "--evidence", str(gold_file("c19_member_dimensions.jsonl")), "--json"], capture_output=True, text=True, timeout=120
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["average_printed"] == "+0.38"
    missing = subprocess.run([*exe, "score", "--evidence", "nope.jsonl"], capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2
    assert "nope.jsonl: file not found" in missing.stderr
    assert "Traceback" not in missing.stderr
