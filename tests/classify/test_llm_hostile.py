"""Nothing an answer contains can jam the pipeline (issue 12): NUL, lone surrogates, 3 MB texts,
an answer the database refuses. The batch completes, poisoned items fail with a reason, and every
request is logged, with its texts, and counted by the budget. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy.exc import DataError
from sqlmodel import select

from triage import db
from triage.classify import service
from triage.classify.llm.budget import spent_today
from triage.models import LLMCall, LLMText, Suggestion
from triage.testing.fake_openai import Reply

from .helpers import add_items, assert_nothing_lost, draft
from .test_llm import QUOTE, run, suggestion

TEXT = "Bulgarian police, supported by Europol, arrested eight suspected members of a migrant smuggling ring."


def by_title(request: dict) -> str:
    return request["messages"][1]["content"].split("title: ", 1)[1].split("\n", 1)[0]


def scripted_by_title(answers: dict[str, str]):
    """Answer each request by its item's title, so concurrency cannot mix answers and items."""

    def respond(request: dict) -> Reply:
        return Reply.text(answers.get(by_title(request), json.dumps({"suggestions": [], "injection_suspected": False, "gist_en": None})))

    return respond


def answer(**fields) -> str:
    return json.dumps({"suggestions": [suggestion(**fields)], "injection_suspected": False, "gist_en": None})


def logged(url) -> tuple[list[LLMCall], dict[str, LLMText]]:
    with db.session_scope(url) as s:
        rows = list(s.exec(select(LLMCall)))
        texts = {t.sha256: t for t in s.exec(select(LLMText))}
        return rows, texts


def test_nul_surrogate_and_3mb_answers_cannot_jam_the_batch(loaded_db, llm_env, monkeypatch):
    monkeypatch.setenv("TRIAGE_LLM_DAILY_TOKEN_BUDGET", "100000000")
    titles = ["nul", "surrogate", "huge", "raw-nul", "fine"]
    ids = dict(zip(titles, add_items(loaded_db, *[draft(t, TEXT) for t in titles]), strict=True))
    huge = "x" * 3_000_000
    llm_env.default = scripted_by_title(
        {
            "nul": answer(rationale="arrests\u0000 of a network", quote=QUOTE + "\u0000"),
            "surrogate": answer(rationale="arrests \ud800 of a network"),
            "huge": answer(rationale=huge),
            "raw-nul": '{"suggestions": [], "injection_suspected": false, "gist_en": "a\x00b"}',
            "fine": answer(),
        }
    )
    summary = run(concurrency=2)
    items = assert_nothing_lost(loaded_db)
    assert summary.items == 5 and summary.failed + summary.classified + summary.not_relevant == 5

    # NUL and the lone surrogate are removed at validation: the suggestions are stored, clean.
    with db.session_scope(loaded_db) as s:
        stored = {sug.item_id: sug for sug in s.exec(select(Suggestion))}
    assert items[ids["nul"]].status == "classified" and "\x00" not in stored[ids["nul"]].rationale
    assert stored[ids["nul"]].quote == QUOTE and stored[ids["nul"]].quote_verified
    assert items[ids["surrogate"]].status == "classified" and stored[ids["surrogate"]].rationale == "arrests  of a network"
    assert items[ids["fine"]].status == "classified"
    # 3 MB is over the schema's maxLength: refused, repaired once, refused again: failed with the reason.
    huge_item = items[ids["huge"]]
    assert huge_item.status == "failed" and "suggestions.0.rationale: String should have at most" in huge_item.status_reason
    assert ids["huge"] not in stored
    # A raw NUL inside a JSON string is not JSON: failed with the reason, nothing stored.
    assert items[ids["raw-nul"]].status == "failed" and "not valid JSON" in items[ids["raw-nul"]].status_reason

    # Every request is logged, with its texts, and the budget counts all of them.
    rows, texts = logged(loaded_db)
    assert len(rows) == len(llm_env.requests) == 7  # five items, two of them repaired once
    assert {r.item_id for r in rows} == set(ids.values())
    assert all(r.request_sha256 in texts and r.response_sha256 in texts for r in rows)
    with db.session_scope(loaded_db) as s:
        assert spent_today(s)[0] == sum(r.tokens_in + r.tokens_out for r in rows) > 0
    huge_shas = {r.response_sha256 for r in rows if r.item_id == ids["huge"]}
    huge_texts = [texts[sha] for sha in huge_shas]
    assert len(huge_texts) == 1 and huge_texts[0].truncated and huge_texts[0].chars > 3_000_000  # the same answer twice: one text, stored once, cut
    nul_text = next(texts[r.response_sha256] for r in rows if r.item_id == ids["raw-nul"])
    assert "\x00" not in nul_text.text and "\\u0000" in nul_text.text  # escaped, so the database takes it
    # The repair did not send the 3 MB back.
    repairs = [r for r in llm_env.requests if len(r["messages"]) == 4 and by_title(r) == "huge"]
    assert len(repairs) == 1 and len(json.dumps(repairs[0])) < 100_000


def test_an_answer_the_database_refuses_fails_its_item_and_the_batch_goes_on(loaded_db, llm_env, monkeypatch):
    ids = add_items(loaded_db, draft("poisoned", TEXT), draft("healthy", TEXT))
    llm_env.default = lambda request: Reply.text(answer())
    real = service.store_suggestion

    def refusing(session, index, item, proposal, **kw):
        if item.title == "poisoned":
            raise DataError("INSERT INTO suggestion ...", {}, Exception("invalid byte sequence for encoding UTF8: 0x00"))
        return real(session, index, item, proposal, **kw)

    monkeypatch.setattr(service, "store_suggestion", refusing)
    summary = run(concurrency=2)
    items = assert_nothing_lost(loaded_db)
    assert (summary.failed, summary.classified) == (1, 1)
    assert items[ids[0]].status == "failed" and items[ids[0]].status_reason.startswith("the answer could not be stored: DataError")
    assert items[ids[1]].status == "classified"
    rows, _ = logged(loaded_db)
    assert sorted(r.item_id for r in rows) == sorted(ids)  # the refused item's request is logged all the same


def test_llm_log_shows_what_was_asked_and_answered(loaded_db, llm_env, cli):
    (item_id,) = add_items(loaded_db, draft("nul", TEXT))
    llm_env.default = lambda request: Reply.text(answer(rationale="arrests\u0000 of a network"), usage=(1234, 56))
    run()
    result = cli("llm", "log", "--item", str(item_id), "--json")
    assert result.code == 0
    (entry,) = json.loads(result.out)
    assert entry["item_id"] == item_id and entry["outcome"] == "ok" and entry["tokens_in"] == 1234 and entry["token_source"] == "server"
    assert json.loads(entry["request"])["messages"][1]["content"].count("title: nul") == 1
    assert "arrests\\u0000 of a network" in entry["response"]  # what the model said, escape and all
    table = cli("llm", "log")
    assert table.code == 0 and "ok" in table.out and "server" in table.out
    assert cli("llm", "log", "--item", "999999").out.startswith("No LLM requests logged for item 999999")
