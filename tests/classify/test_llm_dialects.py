"""Server dialects and `triage llm check` against the fake playing each kind of server (issue 12)."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from triage import db
from triage.classify.llm.probe import probe
from triage.config import Settings
from triage.models import LLMCall, LLMProbe
from triage.testing.fake_openai import Reply, constraint

from .helpers import add_items, assert_nothing_lost, draft
from .test_llm import run, suggestion


@pytest.mark.parametrize("dialect", ["openai", "llamacpp", "ollama", "vllm", "json_object"])
def test_the_probe_finds_the_dialect_each_server_speaks(llm_env, dialect):
    llm_env.dialect = dialect
    result = probe(Settings())
    assert result.dialect == dialect
    assert [t.dialect for t in result.tries][-1] == dialect
    assert all(t.result in ("refused", "ignored") for t in result.fell_back)
    assert result.tokens_per_second and result.tokens_per_second > 0


def test_check_reports_openai_for_an_openai_server(loaded_db, llm_env, cli):
    llm_env.dialect = "openai"
    llm_env.context_length = 128000
    result = cli("llm", "check")
    assert result.code == 0, result.err
    assert "Dialect: openai\n" in result.out and "fell back" not in result.out
    assert "Context length: 128000" in result.out and "plausible: used for budgets" in result.out
    assert "Prompt classify-v1-compact: about" in result.out
    with db.session_scope(loaded_db) as s:
        (row,) = s.exec(select(LLMProbe)).all()
        assert row.dialect == "openai" and row.usage_plausible and row.context_length == 128000
        assert {c.prompt_version for c in s.exec(select(LLMCall))} == {"probe-v1"}  # probes are logged (and budgeted)


def test_check_falls_back_when_json_schema_gets_500_invalid_and_says_so(loaded_db, llm_env, cli):
    llm_env.dialect = "llamacpp"  # answers 500 "Input should be 'text' or 'json_object'" to json_schema
    llm_env.usage_scale = 0.1  # and under-reports prompt tokens, as llama-cpp-python's server does
    result = cli("llm", "check")
    assert result.code == 0, result.err
    assert "openai       refused  HTTP 500: [{'type': 'literal_error'" in result.out
    assert "Dialect: llamacpp (fell back: openai did not work, see above)" in result.out
    assert "implausible: budgets use a local estimate" in result.out
    data = json.loads(cli("llm", "check", "--json", "--no-store").out)
    assert data["dialect"] == "llamacpp" and data["tries"][0]["http_status"] == 500 and not data["usage_plausible"]


def test_auto_uses_the_stored_probe_and_estimates_tokens_when_usage_is_implausible(loaded_db, llm_env, monkeypatch, cli):
    monkeypatch.setenv("TRIAGE_LLM_MODEL", "local-model")  # no built-in profile: output_mode auto
    llm_env.dialect = "llamacpp"
    llm_env.usage_scale = 0.1
    add_items(loaded_db, draft("Smugglers arrested", "Police arrested eight smugglers."))
    assert cli("llm", "check").code == 0
    probes = len(llm_env.requests)
    llm_env.default = Reply.answer([suggestion(quote="Police arrested eight smugglers.")])
    summary = run()
    assert summary.classified == 1
    request = llm_env.requests[probes]
    assert len(llm_env.requests) == probes + 1  # no new probe: the stored one was used
    assert constraint(request)[0] == "llamacpp" and request["response_format"]["schema"]["properties"]["suggestions"]["maxItems"] == 10
    with db.session_scope(loaded_db) as s:
        call = s.exec(select(LLMCall).where(LLMCall.item_id.is_not(None))).one()
        assert call.output_mode == "llamacpp" and call.token_source == "estimate" and call.tokens_in > 1000


def test_auto_probes_first_when_nothing_is_stored(loaded_db, llm_env, monkeypatch):
    monkeypatch.setenv("TRIAGE_LLM_MODEL", "local-model")
    llm_env.dialect = "ollama"
    add_items(loaded_db, draft("Smugglers arrested", "Police arrested eight smugglers."))
    assert run().not_relevant == 1
    assert constraint(llm_env.requests[-1])[0] == "ollama"
    with db.session_scope(loaded_db) as s:
        assert s.exec(select(LLMProbe)).one().dialect == "ollama"


def test_a_500_saying_the_request_is_invalid_stops_the_run_without_retry(loaded_db, llm_env, monkeypatch, cli):
    monkeypatch.setenv("TRIAGE_LLM_OUTPUT_MODE", "json_schema")  # forced on a server that refuses it
    llm_env.dialect = "llamacpp"
    add_items(loaded_db, *[draft(f"Smugglers {i}", f"Police arrested {i} smugglers.") for i in range(3)])
    result = cli("classify", "--backend", "llm", "--concurrency", "1")
    assert result.code == 1 and "HTTP 500" in result.err and "Input should be 'text' or" in result.err
    assert len(llm_env.requests) == 1  # a configuration error: never retried, no further item tried
    assert {i.status for i in assert_nothing_lost(loaded_db).values()} <= {"candidate", "new"}


def test_a_400_is_a_configuration_error_with_the_servers_message(loaded_db, llm_env, cli):
    llm_env.default = Reply.error(400, "Unsupported parameter: 'max_tokens'")
    add_items(loaded_db, draft("Smugglers arrested", "Police arrested eight smugglers."))
    result = cli("classify", "--backend", "llm")
    assert result.code == 1 and "HTTP 400): Unsupported parameter: 'max_tokens'" in result.err
    assert len(llm_env.requests) == 1


def test_check_without_an_endpoint_is_a_clear_error(cli):
    result = cli("llm", "check")
    assert result.code == 2 and "no LLM endpoint configured" in result.err


def test_a_timeout_says_by_how_much_the_model_is_too_slow(loaded_db, llm_env, monkeypatch, cli):
    monkeypatch.setenv("TRIAGE_LLM_MODEL", "local-model")
    llm_env.dialect = "llamacpp"
    assert cli("llm", "check").code == 0  # measures the output speed
    (item_id,) = add_items(loaded_db, draft("Smugglers arrested", "Police arrested eight smugglers."))
    llm_env.dialect = None
    llm_env.default = Reply.hanging(5)
    assert run().failed == 1
    reason = assert_nothing_lost(loaded_db)[item_id].status_reason
    assert "timed out after 0.5s: the model is too slow for TRIAGE_LLM_TIMEOUT_SECONDS; at the probed" in reason
    assert "x the timeout)" in reason
