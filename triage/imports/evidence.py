"""Importing evidence analysts gathered before they used Triage.

One JSON object a line:

    {"member": "Canada", "commitment": 19, "dimensions": ["prevent", "counter"],
     "strength": "strong", "action_date": "2024-10-04", "text": "On 4 October 2024, ...",
     "source_title": "...", "source_publisher": "...", "source_city": "Ottawa",
     "source_date": "2024-10-04", "url": "https://...", "accessed": "2024-10-20"}

Optional: "contradictory" (false), "source_city", "source_date" (null prints n.d.),
"url", "accessed" (default: the import time), "action_date" (default: none).

Each line becomes an item (the text is its snapshot, origin 'import', fetched at the
access date), one suggestion per dimension by the agent `import:<user>`, and an accepted
decision by that user through the review service, so the audit trail and the suggested
scores are right at once. The whole file is checked before anything is written and
written in one transaction: one bad line refuses the file, with every problem's line.
Re-importing the same file adds nothing: the same item is found by content or URL, a
suggestion is unique per agent, and a suggestion that already has a decision (accepted,
or rejected since by a reviewer) is left as it is.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlmodel import Session

from triage.accounts import can, get_user
from triage.catalogue.index import CatalogueIndex
from triage.errors import InputError, Problem
from triage.inputs import model_problems, read_jsonl
from triage.items import ItemDraft, canonical_url, content_hash, store_item
from triage.models import User, utcnow
from triage.review.decisions import decide
from triage.review.scores import refresh_suggested
from triage.suggestions import Proposal, store_suggestion

UTC = dt.UTC


class EvidenceImportLine(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    member: str = Field(min_length=1)
    commitment: int
    dimensions: list[str] = Field(min_length=1)
    strength: Literal["strong", "weak"]
    contradictory: bool = False
    action_date: dt.date | None = None
    text: str = Field(min_length=1)
    source_title: str = Field(min_length=1)
    source_publisher: str | None = None
    source_city: str | None = None
    source_date: dt.date | None = None
    url: str | None = None
    accessed: dt.date | None = None

    @field_validator("url")
    @classmethod
    def _web_address(cls, v: str | None) -> str | None:
        if v and not v.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http(s) address")
        return v or None


@dataclass
class Checked:
    lineno: int
    line: EvidenceImportLine
    member: str  # key


@dataclass
class ImportResult:
    lines: int = 0
    items_created: int = 0
    items_existing: int = 0
    suggestions_created: int = 0
    accepted: int = 0
    already_decided: int = 0
    flags: Counter = field(default_factory=Counter)
    commitments: list[int] = field(default_factory=list)  # the demo: which commitments' samples


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def check_file(path: Path, index: CatalogueIndex) -> list[Checked]:
    """Every line validated against the stored catalogue; all problems raised together."""
    problems: list[Problem] = []
    checked: list[Checked] = []
    seen: dict[tuple, int] = {}
    try:
        for lineno, obj in read_jsonl(path):
            try:
                line = EvidenceImportLine.model_validate(obj)
            except ValidationError as exc:
                problems.extend(model_problems(exc, path, lineno))
                continue
            member = index.member(line.member)
            commitment = index.commitment(line.commitment)
            if member is None:
                problems.append(Problem(f"unknown member {line.member!r} (members: {', '.join(m.name for m in index.members)})", path, lineno))
            if commitment is None:
                problems.append(Problem(f"unknown commitment {line.commitment} in catalogue {index.catalogue.id}", path, lineno))
            if member is None or commitment is None:
                continue
            keys = [d.key for d in index.dimensions_of(commitment)]
            for dim in line.dimensions:
                if dim not in keys:
                    problems.append(
                        Problem(f"commitment {commitment.number} has no dimension {dim!r} (dimensions: {', '.join(keys) or 'none'})", path, lineno)
                    )
            twice = sorted(d for d, n in Counter(line.dimensions).items() if n > 1)
            if twice:
                problems.append(Problem(f"dimension {', '.join(twice)} listed twice", path, lineno))
            # The same evidence twice for one member: same content, or the same page.
            identities = [("content", member.key, commitment.number, content_hash(line.source_title, line.text))]
            if line.url:
                identities.append(("url", member.key, commitment.number, canonical_url(line.url)))
            first = next((seen[i] for i in identities if i in seen), None)
            if first is not None:
                problems.append(Problem(f"duplicate of line {first} (same {member.name}, commitment {commitment.number} and source)", path, lineno))
                continue
            for i in identities:
                seen[i] = lineno
            checked.append(Checked(lineno, line, member.key))
    except InputError as exc:  # malformed JSON: the reader stops at the first broken line
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    if not checked:
        raise InputError("no evidence lines in the file", path)
    return checked


def import_user(session: Session, username: str) -> User:
    user = get_user(session, username)
    if user is None:
        raise InputError(f"unknown user {username!r} (create it with `triage users add`)")
    if not can(user, "review"):
        raise InputError(f"user {username!r} may not accept evidence")
    return user


def import_evidence(session: Session, index: CatalogueIndex, path: Path, username: str) -> ImportResult:
    """Check the whole file, then record it; the caller's transaction makes it all or nothing."""
    user = import_user(session, username)
    lines = check_file(Path(path), index)
    result = ImportResult(lines=len(lines))
    agent = f"import:{user.username}"
    now = utcnow()
    touched: set[tuple[int, int]] = set()
    for c in lines:
        line = c.line
        draft = ItemDraft(
            title=line.source_title,
            text=line.text,
            url=line.url,
            publisher=line.source_publisher,
            city=line.source_city,
            published_at=_midnight(line.source_date),
            fetched_at=_midnight(line.accessed) or now,
            origin="import",
            created_by_id=user.id,
        )
        item, created = store_item(session, draft, index.period)
        if created:
            # Already judged by an analyst: no classifier should pick it up as new.
            item.status = "classified"
            session.add(item)
            session.flush()
            result.items_created += 1
        else:
            result.items_existing += 1
        for dim in line.dimensions:
            proposal = Proposal(
                member=c.member,
                commitment=line.commitment,
                dimension=dim,
                strength=line.strength,
                contradictory=line.contradictory,
                confidence=1.0,
                rationale=f"Imported from {Path(path).name} line {c.lineno}.",
                quote=line.text,
                action_date=line.action_date,
            )
            suggestion, made = store_suggestion(session, index, item, proposal, agent=agent, agent_kind="import")
            result.suggestions_created += made
            result.flags.update(suggestion.flags)
            if suggestion.status != "pending":
                result.already_decided += 1
                continue
            decide(session, index, suggestion_id=suggestion.id, user=user, action="accept", version=suggestion.version)
            result.accepted += 1
            touched.add((suggestion.commitment_id, suggestion.member_id))
    for commitment_id, member_id in touched:
        refresh_suggested(session, index, commitment_id=commitment_id, member_id=member_id)
    session.flush()
    return result
