"""Final scores: what a lead sets, with a justification when it departs from the suggestion.

Every change is appended to `ScoreChange` (the database refuses to rewrite that table).
A final score is either a score (-1, 0, +1) or "not assessed" (None); both count as set,
so a member deliberately left unassessed stays out of the averages instead of falling
back to the suggestion. Setting the same score and justification again changes nothing
and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from triage.catalogue.index import CatalogueIndex
from triage.catalogue.rules import format_score
from triage.errors import Forbidden, InputError
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
    c = index.commitment(commitment)
    if c is None:
        raise InputError(f"unknown commitment {commitment} in catalogue {index.catalogue.id}")
    m = index.member(member)
    if m is None:
        raise InputError(f"unknown member {member!r} (members: {', '.join(x.name for x in index.members)})")
    return c, m


def record_final(
    session: Session,
    row: Score,
    score: int | None,
    *,
    user: User | None,
    justification: str | None,
    origin: str,
) -> bool:
    """Set the row's final score and append the audit row; False when nothing changed."""
    justification = (justification or "").strip() or None
    if row.set_at is not None and row.final == score and row.justification == justification:
        return False
    session.add(
        ScoreChange(
            score_id=row.id,
            user_id=user.id if user else None,
            old_final=row.final,
            new_final=score,
            justification=justification,
            origin=origin,
            created_at=utcnow(),
        )
    )
    row.final, row.justification, row.origin = score, justification, origin
    row.set_by_id, row.set_at = (user.id if user else None), utcnow()
    session.add(row)
    session.flush()
    return True


def set_final(
    session: Session,
    index: CatalogueIndex,
    *,
    commitment: int,
    member: str,
    score: int | None,
    user: User,
    justification: str | None = None,
) -> Change:
    """A lead (or admin) sets the final score of one (member, commitment).

    The justification is required when the score differs from the suggested one
    (including when there is no suggestion, e.g. an incomplete commitment).
    """
    if not can(user, "score"):
        raise Forbidden(f"{user.username} may not set final scores (leads and admins may)")
    score = parse_score(score)
    c, m = _pair(index, commitment, member)
    row = score_row(session, commitment_id=c.id, member_id=m.id)
    session.flush()
    if score != row.suggested and not (justification or "").strip():
        raise InputError(
            f"{m.name} on commitment {c.number}: the final score {format_score(score) if score is not None else 'not assessed'} "
            f"differs from the suggested {format_score(row.suggested)}; give a justification"
        )
    return Change(row, record_final(session, row, score, user=user, justification=justification, origin="lead"))


def history(session: Session, index: CatalogueIndex, commitment: int, member: str) -> list[ScoreChange]:
    c, m = _pair(index, commitment, member)
    row = session.exec(select(Score).where(Score.commitment_id == c.id, Score.member_id == m.id)).first()
    if row is None:
        return []
    return list(session.exec(select(ScoreChange).where(ScoreChange.score_id == row.id).order_by(ScoreChange.id)))
