"""Decisions: accept, reject with a reason, edit then accept, note, undo, bulk reject.

Every decision is a new row (the table is append-only). The suggestion carries a
version number; a decision names the version its author saw and is applied with a
compare-and-swap, so when two analysts decide the same suggestion at once the second
gets a Conflict with the current state, and nothing is silently overwritten.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass, field

from sqlalchemy import update
from sqlmodel import Session, select

from triage.catalogue.index import CatalogueIndex
from triage.catalogue.reasons import allowed_codes, reasons_for
from triage.errors import Conflict, Forbidden, InputError, NotFound, Problem
from triage.models import Decision, Item, Suggestion, User, utcnow
from triage.policies import can
from triage.review import cited
from triage.review.scores import refresh_suggested
from triage.review.state import STATE_ACTIONS, EvidenceState, current_state, last_decision, proposal_state, state_after
from triage.suggestions import quote_occurs

__all__ = ["Conflict", "DecisionConflict", "Edit", "Forbidden", "NotFound", "bulk_reject", "decide", "history", "undo_last", "undo_last_action"]


class DecisionConflict(Conflict):
    """Someone decided first. Carries what is current now so the UI can show it."""

    def __init__(self, message: str, suggestion: Suggestion, state: EvidenceState, last: Decision | None):
        super().__init__(message, current=state)
        self.suggestion = suggestion
        self.state = state
        self.last = last


@dataclass
class Edit:
    """Changes an analyst makes before accepting; None leaves a field as it is."""

    member: str | None = None
    commitment: int | None = None
    dimension: str | None = None
    strength: str | None = None
    contradictory: bool | None = None
    action_date: dt.date | None = None
    quote: str | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in vars(self).values())


def _load(session: Session, suggestion_id: int) -> Suggestion:
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None:
        raise NotFound(f"no suggestion {suggestion_id}")
    return suggestion


def _apply_edit(index: CatalogueIndex, state: EvidenceState, edit: Edit) -> EvidenceState:
    values = {}
    current = index.commitment_by_id(state.commitment_id)
    moved = edit.commitment is not None and (current is None or edit.commitment != current.number)
    dimension_key = edit.dimension
    if dimension_key is None and moved:
        old = index.dimension_by_id(state.dimension_id)
        dimension_key = old.key if old else None  # keep the dimension if the new commitment has it
    number = edit.commitment if edit.commitment is not None else (current.number if current else None)
    found = index.resolve(
        member=edit.member,
        commitment=number if (edit.commitment is not None or dimension_key is not None) else None,
        dimension=dimension_key,
        fields=True,
    )
    if found.member is not None:
        values["member_id"] = found.member.id
    if edit.commitment is not None and found.commitment is not None:
        values["commitment_id"] = found.commitment.id
    if found.dimension is not None:
        values["dimension_id"] = found.dimension.id
    elif moved and found.commitment is not None:
        keys = ", ".join(d.key for d in index.dimensions_of(found.commitment)) or "none"
        raise InputError(Problem(f"commitment {found.commitment.number} has no dimension {dimension_key!r} (dimensions: {keys})", field="dimension"))
    if edit.strength is not None:
        if edit.strength not in ("strong", "weak"):
            raise InputError("strength must be strong or weak")
        values["strength"] = edit.strength
    if edit.contradictory is not None:
        values["contradictory"] = edit.contradictory
    if edit.action_date is not None:
        values["action_date"] = edit.action_date
    if edit.quote is not None:
        values["quote"] = edit.quote.strip()
    return state.changed(**values)


def _swap(session: Session, suggestion: Suggestion, version: int, status: str) -> None:
    """Compare-and-swap on the version: the first decision wins, the second conflicts."""
    result = session.execute(
        update(Suggestion)
        .where(Suggestion.id == suggestion.id, Suggestion.version == version)
        .values(status=status, version=version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(suggestion)
        raise DecisionConflict(
            f"suggestion {suggestion.id} changed since you saw it (version {version}, now {suggestion.version})",
            suggestion,
            current_state(session, suggestion),
            last_decision(session, suggestion.id),
        )
    session.refresh(suggestion)


def _record(session, index, suggestion, user, action, version, before, after, reason=None, note=None, extra=None) -> Decision:
    after_json = after.readable(index) | (extra or {})
    decision = Decision(
        suggestion_id=suggestion.id,
        user_id=user.id,
        action=action,
        reason=reason,
        note=note,
        based_on_version=version,
        status_after=after.status,
        before=before.readable(index),
        after=after_json,
        **after.effective_columns(),
    )
    session.add(decision)
    session.flush()
    # Scores follow evidence: recompute the pairs this decision touched.
    pairs = {(s.commitment_id, s.member_id) for s in (before, after) if s.status == "accepted"}
    for commitment_id, member_id in pairs:
        refresh_suggested(session, index, commitment_id=commitment_id, member_id=member_id)
    return decision


def decide(
    session: Session,
    index: CatalogueIndex,
    *,
    suggestion_id: int,
    user: User,
    action: str,
    version: int | None = None,
    reason: str | None = None,
    note: str | None = None,
    edit: Edit | None = None,
    batch: str | None = None,
) -> Decision:
    """Record one decision. `version` is the suggestion version the analyst saw; `batch` ties
    the decisions of one bulk action together, so undo restores all of them."""
    if not can(user, "review"):
        raise Forbidden(f"{user.username} may not review")
    suggestion = _load(session, suggestion_id)
    before = current_state(session, suggestion)
    note = (note or "").strip() or None

    if action == "note":
        if not note:
            raise InputError("a note needs text")
        return _record(session, index, suggestion, user, "note", suggestion.version, before, before, note=note)

    if version is None:
        raise InputError("the decision must say which version of the suggestion it is based on")
    if action == "accept":
        after = before.changed(status="accepted")
    elif action == "reject":
        if reason not in allowed_codes(index):
            raise InputError(f"a rejection needs a reason: {', '.join(r.code for r in reasons_for(index))}")
        if reason == "other" and not note:
            raise InputError("reason 'other' needs a note saying why")
        after = before.changed(status="rejected")
    elif action == "edit":
        if edit is None or edit.is_empty():
            raise InputError("an edit needs at least one changed field")
        after = _apply_edit(index, before, edit).changed(status="accepted")
        if after.changed(status=before.status) == before:
            action = "accept"  # nothing actually changed
    else:
        raise InputError(f"unknown action {action!r}")
    _swap(session, suggestion, version, after.status)
    # --- issue 13: an edited quote is checked again; the history names every changed field;
    # accepted evidence keeps its own citation from now on (triage.review.cited).
    extra = _edit_extra(session, suggestion, before, after) if action == "edit" else {}
    if batch:
        extra["batch"] = batch  # issue 14: a bulk action is undone as a whole
    if after.status == "accepted":
        cited.ensure_for(session, suggestion, user=user)
    return _record(session, index, suggestion, user, action, version, before, after, reason=reason, note=note, extra=extra or None)


def _edit_extra(session: Session, suggestion: Suggestion, before: EvidenceState, after: EvidenceState) -> dict:
    changed = sorted(k for k, v in asdict(after).items() if k != "status" and asdict(before)[k] != v)
    extra: dict = {"changed": changed}
    if "quote" in changed:
        item = session.get(Item, suggestion.item_id)
        verified = quote_occurs(after.quote, f"{item.title}\n{item.text}" if item else "")  # as store_suggestion checks it
        session.execute(
            update(Suggestion).where(Suggestion.id == suggestion.id).values(quote_verified=verified).execution_options(synchronize_session=False)
        )
        session.refresh(suggestion)
        extra |= {"quote_edited": True, "quote_verified": verified}
    return extra


# --- end of issue 13's hunk


def undo_last(session: Session, index: CatalogueIndex, *, user: User) -> Decision:
    """Undo the user's most recent decision that is not undone yet; when it was part of a bulk
    action, every decision of that action is undone together (the last one is returned).

    Refused with a Conflict, and nothing undone, when someone else has decided any of the same
    suggestions since.
    """
    return undo_last_action(session, index, user=user)[-1]


def undo_last_action(session: Session, index: CatalogueIndex, *, user: User) -> list[Decision]:
    """As undo_last, returning the undo decision of every suggestion restored."""
    if not can(user, "review"):
        raise Forbidden(f"{user.username} may not review")
    mine = session.exec(select(Decision).where(Decision.user_id == user.id, Decision.action.in_(STATE_ACTIONS)).order_by(Decision.id.desc())).all()
    undone = {d.after.get("undoes") for d in mine if d.action == "undo" and d.after}
    target = next((d for d in mine if d.action != "undo" and d.id not in undone), None)
    if target is None:
        raise InputError("nothing to undo")
    batch = (target.after or {}).get("batch")
    targets = [target]
    if batch:
        targets = [d for d in mine if d.action != "undo" and d.id not in undone and (d.after or {}).get("batch") == batch]
    # Check every suggestion first, so a conflict on one leaves the whole action as it was.
    plan = []
    for decision in targets:
        suggestion = _load(session, decision.suggestion_id)
        latest = last_decision(session, suggestion.id)
        if latest is None or latest.id != decision.id:
            raise DecisionConflict(
                f"suggestion {suggestion.id} was decided again after your decision; nothing was undone",
                suggestion,
                current_state(session, suggestion),
                latest,
            )
        plan.append((decision, suggestion))
    out = []
    for decision, suggestion in reversed(plan):  # oldest first, as they were made
        before = state_after(decision)
        restored = _previous_state(session, decision)
        version = suggestion.version
        _swap(session, suggestion, version, restored.status)
        out.append(_record(session, index, suggestion, user, "undo", version, before, restored, extra={"undoes": decision.id}))
    return out


def _previous_state(session: Session, decision: Decision) -> EvidenceState:
    """The state just before `decision`: the previous state decision, or the proposal."""
    previous = session.exec(
        select(Decision)
        .where(Decision.suggestion_id == decision.suggestion_id, Decision.id < decision.id, Decision.action.in_(STATE_ACTIONS))
        .order_by(Decision.id.desc())
    ).first()
    if previous is not None:
        return state_after(previous)
    return proposal_state(session.get(Suggestion, decision.suggestion_id))


@dataclass
class BulkResult:
    decided: list[int] = field(default_factory=list)
    conflicts: list[int] = field(default_factory=list)


def bulk_reject(
    session: Session, index: CatalogueIndex, *, user: User, selection: list[tuple[int, int]], reason: str, note: str | None = None
) -> BulkResult:
    """Reject (suggestion id, version) pairs; each stands alone, so one conflict spoils nothing else.
    They share a batch id: one undo restores them all."""
    result = BulkResult()
    batch = uuid.uuid4().hex
    for suggestion_id, version in selection:
        try:
            with session.begin_nested():
                decide(
                    session, index, suggestion_id=suggestion_id, user=user, action="reject", version=version, reason=reason, note=note, batch=batch
                )
            result.decided.append(suggestion_id)
        except Conflict:
            result.conflicts.append(suggestion_id)
    return result


def history(session: Session, suggestion_ids: list[int]) -> list[Decision]:
    """Every decision on these suggestions, oldest first."""
    if not suggestion_ids:
        return []
    return list(session.exec(select(Decision).where(Decision.suggestion_id.in_(suggestion_ids)).order_by(Decision.id)))
