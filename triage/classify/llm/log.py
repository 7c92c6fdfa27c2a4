"""The request log: one `llm_call` row per request, with its texts stored once by SHA-256.

Rows are written in a transaction of their own before anything is done with the answers, so
no later failure (an unstorable suggestion, a crash) can lose a paid request from the log or
from the budget, which counts logged requests. Texts are kept in a storable form: NUL and
lone surrogates are escaped (PostgreSQL and UTF-8 refuse them) and very long ones are cut.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from triage import db, metrics
from triage.classify.base import CallRecord
from triage.models import LLMCall, LLMText, utcnow

MAX_STORED_CHARS = 200_000
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> tuple[str, bool]:
    """The text as a database can hold it (escapes shown as \\u0000, \\ud800), and whether it was cut."""
    safe = _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    if len(safe) > MAX_STORED_CHARS:
        return safe[:MAX_STORED_CHARS], True
    return safe, False


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def store_text(session: Session, text: str | None) -> str | None:
    if text is None:
        return None
    sha = text_sha256(text)
    safe, cut = storable(text)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LLMText).values(sha256=sha, text=safe, chars=len(text), truncated=cut, created_at=utcnow()).on_conflict_do_nothing())
    return sha


def call_row(session: Session, item_id: int | None, r: CallRecord) -> LLMCall:
    metrics.observe_llm_call(r.outcome, r.latency_ms)  # every logged request is also a metric
    return LLMCall(
        item_id=item_id,
        model=r.model,
        endpoint=r.endpoint,
        prompt_version=r.prompt_version,
        schema_hash=r.schema_hash,
        output_mode=r.output_mode,
        attempt=r.attempt,
        outcome=r.outcome,
        tokens_in=r.tokens_in,
        tokens_out=r.tokens_out,
        latency_ms=r.latency_ms,
        cost_usd=r.cost_usd,
        http_status=r.http_status,
        error=storable(r.error)[0][:2000] if r.error else None,
        request_sha256=store_text(session, r.request_text),
        response_sha256=store_text(session, r.response_text),
        token_source=r.token_source,
        server_tokens_in=r.server_tokens_in,
        server_tokens_out=r.server_tokens_out,
    )


def write_calls(url: str, batches: Sequence[tuple[int | None, Sequence[CallRecord]]]) -> list[list[int]]:
    """Log the requests of several items in one commit; returns the row ids, per item, in order."""
    ids: list[list[int]] = []
    if not any(records for _, records in batches):
        return [[] for _ in batches]
    with db.session_scope(url) as s:
        rows = [[call_row(s, item_id, r) for r in records] for item_id, records in batches]
        s.add_all([r for group in rows for r in group])
        s.flush()
        ids = [[r.id for r in group if r.id is not None] for group in rows]
    return ids


def texts(session: Session, *shas: str | None) -> dict[str, LLMText]:
    wanted = [s for s in shas if s]
    if not wanted:
        return {}
    return {t.sha256: t for t in session.exec(select(LLMText).where(LLMText.sha256.in_(wanted)))}  # type: ignore[attr-defined]
