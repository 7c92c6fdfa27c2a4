"""Evaluation metrics exactly as issue 4 defines them, on a small gold file worked out by hand."""

from __future__ import annotations

import json

import pytest
import yaml

from triage.catalogue import load_catalogue
from triage.classify.base import Classification, ProposalOut
from triage.classify.eval import evaluate, read_gold
from triage.classify.prefilter import Route
from triage.errors import InputError
from triage.suggestions import Proposal

from .helpers import CATALOGUE


@pytest.fixture
def two_commitments(tmp_path):
    """The shipped catalogue with commitment 18 made scorable, so suggestions for it are valid."""
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    c18 = next(c for c in data["commitments"] if c["number"] == 18)
    c18.update(
        quote="We will strengthen border management.",
        dimensions=[{"key": "enforce", "name": "Enforce", "description": "Border enforcement."}],
        scoring={
            "rule": {
                "levels": [
                    {"score": 1, "when": [{"strong": "all"}]},
                    {"score": 0, "when": [{"strong": 0, "weak": 1}]},
                    {"score": -1, "when": [{"acted": 0}]},
                ]
            }
        },
    )
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_catalogue(path)


def entry(member, dims, strength, commitment=19):
    return {"member": member, "commitment": commitment, "dimensions": dims, "strength": strength}


LINES = [
    ("g1", [entry("France", ["counter", "dismantle"], "strong")]),
    ("g2", [entry("Germany", ["prevent"], "weak")]),
    ("g3", [entry(None, None, None)]),  # relevant, nothing else labeled
    ("g4", [entry("Japan", None, "weak")]),  # dimensions not labeled
    ("g5", []),
    ("g6", []),
    ("g7", [entry("Italy", ["counter"], "strong")]),
    ("g8", []),
    ("g9", [entry("United Kingdom", ["counter"], "weak")]),
    ("g10", [entry("France", ["counter"], "weak")]),
    ("g11", [entry("Germany", ["counter"], "weak")]),  # the same document as g10, cited for another member
]


def p(member, dim, strength, commitment=19):
    return (member, dim, strength, commitment)


PREDICTIONS = {
    "g1": [p("France", "counter", "strong"), p("France", "dismantle", "strong"), p("Italy", "counter", "weak")],
    "g2": [p("Germany", "counter", "weak")],
    "g3": [p("United Kingdom", "counter", "strong")],
    "g4": [p("Japan", "prevent", "strong"), p("Canada", "prevent", "weak")],
    "g6": [p("France", "counter", "weak")],
    "g8": [p("Canada", "enforce", "strong", commitment=18)],
    "g9": [p("United Kingdom", "counter", "weak"), p("Atlantis", "counter", "weak")],
    "g10": [p("France", "counter", "weak"), p("Germany", "counter", "weak")],
}
NOT_ROUTED = {"g5", "g7"}


class Scripted:
    kind = "rules"
    agent = "scripted:1"
    remote = False

    def classify(self, item, commitments=None):
        return Classification(
            agent=self.agent,
            proposals=[
                ProposalOut(Proposal(member=m, commitment=c, dimension=d, strength=s, quote="q")) for m, d, s, c in PREDICTIONS.get(item.ref, [])
            ],
        )


class ScriptedPrefilter:
    def route(self, item):
        return Route() if item.ref in NOT_ROUTED else Route([19], {19: "x"})


def write_gold(tmp_path, lines=LINES):
    path = tmp_path / "gold.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for gid, gold in lines:
            text = "Same statement." if gid in ("g10", "g11") else f"Text of {gid}."
            out.write(
                json.dumps(
                    {
                        "id": gid,
                        "title": "T" if gid in ("g10", "g11") else gid,
                        "text": text,
                        "url": None,
                        "publisher": None,
                        "published": "2024-07",
                        "gold": gold,
                    }
                )
                + "\n"
            )
    return path


def test_metric_definitions(tmp_path, two_commitments):
    r = evaluate(write_gold(tmp_path), Scripted(), ScriptedPrefilter(), two_commitments)
    assert r["items"] == 10 and r["lines"] == 11  # g10 and g11 are one document
    assert r["commitments"] == [19]  # only what the gold labels is scored
    assert r["relevance"] == {"precision": round(6 / 7, 4), "recall": round(6 / 7, 4), "f1": round(6 / 7, 4), "tp": 6, "fp": 1, "fn": 1, "tn": 2}
    # g7 was missed entirely and counts as wrong; g3 has no labeled member and is left out.
    assert r["member"] == {"accuracy": round(5 / 6, 4), "correct": 5, "n": 6}
    # Tuples: g3 (member unknown) and Japan on g4 (dimensions unknown) are left out; Canada on g4 is not.
    assert (r["dimension"]["tp"], r["dimension"]["fp"], r["dimension"]["fn"]) == (5, 4, 2)
    assert r["dimension"]["precision"] == round(5 / 9, 4) and r["dimension"]["recall"] == round(5 / 7, 4)
    assert r["dimension"]["f1"] == 0.625
    assert r["dimensions"]["prevent"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 1, "fn": 1}
    # Line by line, the repeated document's other member is an error on each line.
    assert (r["dimension_per_line"]["tp"], r["dimension_per_line"]["fp"], r["dimension_per_line"]["fn"]) == (5, 6, 2)
    # Strength over suggested members with a labeled strength: Japan (strong for weak) is the one miss.
    assert r["strength"] == {"accuracy": round(5 / 6, 4), "correct": 5, "n": 6}
    assert r["prefilter"]["evidence_kept"] == round(6 / 7, 4) and r["prefilter"]["non_evidence_sent"] == round(2 / 3, 4)
    # A suggestion for another commitment is reported, not scored (g8 stays a true negative).
    assert r["other_commitments"] == {"18": {"suggestions": 1, "items": 1}}
    assert r["invalid_dropped"] == 1  # Atlantis
    assert r["llm"] == {"calls": 0, "tokens_in": 0, "tokens_out": 0, "cost_usd": 0.0, "cached": 0, "failed": 0}


def test_gold_errors_name_the_line(tmp_path, catalogue):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps({"id": "a", "title": "t", "text": "x", "gold": []})
        + "\n"
        + json.dumps({"id": "b", "title": "t", "text": "y", "gold": [entry("Atlantis", ["counter"], "weak")]})
        + "\n"
        + json.dumps({"id": "c", "title": "t", "text": "z", "gold": [entry("France", ["deter"], "weak")]})
        + "\n"
        + "{not json\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as exc:
        read_gold(path, catalogue)
    # Every bad line at once, broken JSON included (issue 11: a file is refused whole, with line numbers).
    assert f"{path}:4: malformed JSON" in str(exc.value) and f"{path}:2: unknown member 'Atlantis'" in str(exc.value)
    path.write_text("\n".join(path.read_text().splitlines()[:3]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_gold(path, catalogue)
    assert f"{path}:2: unknown member 'Atlantis'" in str(exc.value)
    assert f"{path}:3: commitment 19 has no dimension 'deter'" in str(exc.value)


def test_eval_command_prints_the_issues_keys(cli, tmp_path):
    path = write_gold(
        tmp_path,
        [
            ("a", [entry("European Union", ["dismantle", "counter"], "strong")]),
            ("b", []),
        ],
    )
    lines = path.read_text().splitlines()
    first = json.loads(lines[0])
    first.update(title="Smugglers arrested", text="Europol supported the arrest of eight migrant smugglers in Bulgaria.")
    path.write_text(json.dumps(first) + "\n" + lines[1] + "\n", encoding="utf-8")
    result = cli("eval", "--gold", path, "--backend", "rules", "--json")
    assert result.code == 0, result.err
    data = result.json
    for key, sub in {
        "relevance": {"precision", "recall", "f1"},
        "member": {"accuracy"},
        "dimension": {"precision", "recall", "f1"},
        "strength": {"accuracy"},
        "prefilter": {"evidence_kept", "non_evidence_sent"},
        "llm": {"calls", "tokens_in", "tokens_out"},
    }.items():
        assert sub <= set(data[key]), key
    assert data["items"] == 2 and data["relevance"]["recall"] == 1.0 and data["member"]["accuracy"] == 1.0
    table = cli("eval", "--gold", path)
    assert table.code == 0 and "Relevance" in table.out and "Pre-filter" in table.out
    assert cli("eval", "--gold", tmp_path / "missing.jsonl").code == 2


def test_eval_of_the_llm_backend_uses_the_cache_and_logs_calls(cli, loaded_db, llm_env, tmp_path):
    from triage.testing.fake_openai import quoting_responder

    llm_env.default = quoting_responder(member="European Union", dimension="counter")
    path = tmp_path / "g.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "a",
                "title": "Smugglers arrested",
                "text": "Europol supported the arrest of eight migrant smugglers.",
                "gold": [entry("European Union", ["counter"], "weak")],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    first = cli("eval", "--gold", path, "--backend", "llm", "--json").json
    assert first["llm"]["calls"] == 1 and first["llm"]["tokens_in"] > 0 and first["dimension"]["f1"] == 1.0
    second = cli("eval", "--gold", path, "--backend", "llm", "--json").json
    assert second["llm"]["calls"] == 0 and second["llm"]["cached"] == 1
    assert len(llm_env.requests) == 1
    from sqlmodel import select

    from triage import db
    from triage.models import LLMCall

    with db.session_scope(loaded_db) as s:
        (call,) = s.exec(select(LLMCall)).all()
        assert call.item_id is None and call.outcome == "ok"
