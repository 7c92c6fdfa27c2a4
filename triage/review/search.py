"""Full-text search over items (title, publisher, text, the English gist), in the database's own
index: SQLite FTS5 or PostgreSQL full-text search (both made by migration 0414).

What a user types is reduced to words (letters and digits) before it reaches either engine, so
no query syntax (quotes, NEAR, operators) can break a search; every word must match, as a
prefix ("smuggl" finds "smuggling").
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Integer, func, literal_column, select, text
from sqlmodel import Session, col

from triage.errors import InputError, Problem
from triage.models import Item

SEARCH_TABLE = "item_fts"  # SQLite (and its FTS5 shadow tables item_fts_*)
SEARCH_COLUMN = "search_tsv"  # PostgreSQL: a generated tsvector column on item, GIN-indexed
SEARCH_INDEX = "ix_item_search"
MAX_QUERY = 200
MAX_TERMS = 12
WORD = re.compile(r"\w+", re.UNICODE)


def terms(query: str | None) -> list[str]:
    """The words of a query, lower-cased, as both engines will match them."""
    return [w.lower()[:60] for w in WORD.findall(query or "")][:MAX_TERMS]


def check_query(raw: str | None) -> str | None:
    query = (raw or "").strip()
    if not query:
        return None
    if len(query) > MAX_QUERY:
        raise InputError(Problem(f"at most {MAX_QUERY} characters", field="q"))
    if not terms(query):
        raise InputError(Problem("type at least one word (letters or digits)", field="q"))
    return query


def matches(session: Session, query: str) -> Any:
    """A subquery of the ids (item_id) of the items matching every word.

    Unranked on purpose: ranking means scoring every match, which for a common word is most
    of the table; results are listed newest first instead, which the database can walk in
    its primary-key index and stop after a page.
    """
    words = terms(query)
    if session.get_bind().dialect.name == "postgresql":
        tsquery = func.to_tsquery("simple", " & ".join(f"{w}:*" for w in words))
        vector: Any = literal_column(f"item.{SEARCH_COLUMN}")
        return select(col(Item.id).label("item_id")).where(vector.op("@@")(tsquery)).subquery("hits")
    fts = " ".join('"' + w.replace('"', '""') + '"*' for w in words)
    return (
        text(f"SELECT rowid AS item_id FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :fts")
        .bindparams(fts=fts)
        .columns(item_id=Integer)
        .subquery("hits")
    )


def condition(session: Session, query: str) -> Any:
    """A WHERE condition on item for the items matching every word (on PostgreSQL the match
    itself, so the planner can walk the id index and stop after a page for common words)."""
    words = terms(query)
    if session.get_bind().dialect.name == "postgresql":
        tsquery = func.to_tsquery("simple", " & ".join(f"{w}:*" for w in words))
        return literal_column(f"item.{SEARCH_COLUMN}").op("@@")(tsquery)
    return col(Item.id).in_(select(matches(session, query).c.item_id))


def snippet(body: str | None, query: str | None, width: int = 110) -> str:
    """A window of `body` around the first word of the query it contains (or its start)."""
    body = " ".join((body or "").split())
    words = terms(query)
    lowered = body.lower()
    hits = [p for p in (lowered.find(w) for w in words) if p >= 0]
    start = max(0, min(hits) - width // 2) if hits else 0
    piece = body[start : start + 2 * width]
    return ("…" if start else "") + piece + ("…" if start + 2 * width < len(body) else "")
