"""Final scores: what a lead sets, with a justification when it departs from the suggestion.

Every change is appended to `ScoreChange` (the database refuses to rewrite that table).
A final score is either a score (-1, 0, +1) or "not assessed" (None); both count as set,
so a member deliberately left unassessed stays out of the averages instead of falling
back to the suggestion. Setting the same score and justification again changes nothing
and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from triage.catalogue.index import CatalogueIndex
from triage.catalogue.rules import format_score
from triage.errors import Conflict, Forbidden, InputError
from triage.models import Score, ScoreChange, User, utcnow
from triage.policies import can
from triage.review.scores import score_row

SCORES = (-1, 0, 1)


@dataclass
class Change:
    score: Score
    changed: bool


def parse_score(text: str | int | None) -> int | None:
    """'-1', '0', '+1', '1' (also the typographic minus) -> int; '' or 'n/a' -> None (not assessed)."""
    if text is None or isinstance(text, int):
        value = text
    else:
        raw = str(text).strip().replace("\u2212", "-")
        if raw.casefold() in ("", "n/a", "na"):
            return None
        try:
            value = int(raw)
        except ValueError:
            raise InputError(f"score {text!r} is not -1, 0 or +1 (empty means not assessed)") from None
    if value is not None and value not in SCORES:
        raise InputError(f"score {format_score(value)} is outside -1..+1")
    return value


def _pair(index: CatalogueIndex, commitment: int, member: str):
    found = index.resolve(member=member, commitment=commitment)
    assert found.commitment is not None and found.member is not None
    return found.commitment, found.member


def current_state(session: Session, row: Score) -> dict:
    """What a loser of the compare-and-swap is shown: the final score as it is now."""
    user = session.get(User, row.set_by_id) if row.set_by_id else None
    return {
        "final": row.final,
        "final_set": row.set_at is not None,
        "justification": row.justification,
        "origin": row.origin,
        "set_by": user.username if user else None,
        "set_at": row.set_at.isoformat() if row.set_at else None,
        "version": row.version,
    }


def _lost(session: Session, row_id: int, seen: int) -> Conflict:
    # Whatever this transaction did is void: start afresh to read what the winner committed.
    session.rollback()
    row = session.get(Score, row_id, populate_existing=True)
    assert row is not None
    current = current_state(session, row)
    shown = "not assessed" if current["final"] is None and current["final_set"] else format_score(current["final"])
    by = current["set_by"] or (f"a score {current['origin']}" if current["origin"] else "someone")
    return Conflict(
        f"{by} changed this final score while you were editing; nothing was saved "
        f"(you saw version {seen}; it is now version {row.version}, final score {shown}).",
        current=current,
    )


def record_final(
    session: Session,
    row: Score,
    score: int | None,
    *,
    user: User | None,
    justification: str | None,
    origin: str,
    version: int | None = None,
) -> bool:
    """Set the row's final score and append the audit row; False when nothing changed.

    Compare-and-swap: the row changes only if its version is still `version` (the one the
    caller saw; None: the one read now), else Conflict with the current value. One UPDATE
    ... WHERE version = seen decides between concurrent writers on SQLite and PostgreSQL.
    """
    assert row.id is not None
    seen = row.version if version is None else version
    if seen != row.version:
        raise _lost(session, row.id, seen)
    justification = (justification or "").strip() or None
    if row.set_at is not None and row.final == score and row.justification == justification:
        return False
    old, now = row.final, utcnow()
    values = {
        "final": score,
        "justification": justification,
        "origin": origin,
        "set_by_id": user.id if user else None,
        "set_at": now,
        "version": seen + 1,
    }
    session.flush()
    try:
        swapped = session.execute(update(Score).where(col(Score.id) == row.id, col(Score.version) == seen).values(**values))
    except OperationalError:  # SQLite: the winner committed while this transaction held an older snapshot
        raise _lost(session, row.id, seen) from None
    if swapped.rowcount != 1:  # type: ignore[attr-defined]
        raise _lost(session, row.id, seen)
    session.add(
        ScoreChange(
            score_id=row.id,
            user_id=user.id if user else None,
            old_final=old,
            new_final=score,
            justification=justification,
            origin=origin,
            created_at=now,
        )
    )
    for key, value in values.items():
        set_committed_value(row, key, value)
    session.flush()
    return True


def set_final(
    session: Session,
    index: CatalogueIndex,
    *,
    commitment: int,
    member: str,
    score: int | str | None,
    user: User,
    justification: str | None = None,
    version: int | None = None,
) -> Change:
    """A lead (or admin) sets the final score of one (member, commitment).

    The justification is required when the score differs from the suggested one
    (including when there is no suggestion, e.g. an incomplete commitment). `version` is
    the score's version the lead saw (`Score.version`, 0 before any final score); when it
    is no longer current the change is refused with Conflict carrying the current value.
    """
    if not can(user, "score"):
        raise Forbidden(f"{user.username} may not set final scores (leads and admins may)")
    value = parse_score(score)
    c, m = _pair(index, commitment, member)
    row = score_row(session, commitment_id=c.id, member_id=m.id)
    session.flush()
    if value != row.suggested and not (justification or "").strip():
        raise InputError(
            f"{m.name} on commitment {c.number}: the final score {format_score(value) if value is not None else 'not assessed'} "
            f"differs from the suggested {format_score(row.suggested)}; give a justification"
        )
    changed = record_final(session, row, value, user=user, justification=justification, origin="lead", version=version)
    return Change(row, changed)


def current_version(session: Session, index: CatalogueIndex, commitment: int, member: str) -> int:
    """The version a form shows (0 when the cell has never had a final score)."""
    c, m = _pair(index, commitment, member)
    row = session.exec(select(Score).where(Score.commitment_id == c.id, Score.member_id == m.id)).first()
    return row.version if row is not None else 0


def history(session: Session, index: CatalogueIndex, commitment: int, member: str) -> list[ScoreChange]:
    c, m = _pair(index, commitment, member)
    row = session.exec(select(Score).where(Score.commitment_id == c.id, Score.member_id == m.id)).first()
    if row is None:
        return []
    return list(session.exec(select(ScoreChange).where(ScoreChange.score_id == row.id).order_by(ScoreChange.id)))
