"""Importing evidence analysts gathered before they used Triage, or a published chapter's paragraphs.

One JSON object a line:

    {"member": "Canada", "commitment": 19, "dimensions": ["prevent", "counter"],
     "strength": "strong", "action_date": "2024-10-04", "text": "On 4 October 2024, ...",
     "source_title": "...", "source_publisher": "...", "source_city": "Ottawa",
     "source_date": "2024-10-04", "url": "https://...", "accessed": "2024-10-20"}

Optional: "contradictory" (false), "source_city", "source_date" (null prints n.d.; "2024-07"
prints "July 2024"), "url", "accessed" (default: the import time), "action_date" (a day or
a month), "translated" (the footnote carries the report's translation note), "kind"
("context"). Every kind of paragraph a published chapter has is taken:

- evidence that credits no dimension (`"dimensions": []`, or `"kind": "context"`): printed
  in the draft and exported, counted for no score; "strength" may be left out;
- a paragraph whose footnote the report lost (no title, publisher or URL): kept, its
  citation flagged missing, listed in the draft's review list;
- two actions citing the same source: distinct evidence. A duplicate is the same member,
  commitment, source and action (the paragraph's text).

Each line becomes an item (the text is its snapshot, origin 'import', fetched at the
access date; a page already stored, by a feed or another line, is reused), one suggestion
per dimension by the agent `import:<user>`, its citation as the line gives it (stored with
the evidence: a feed item at the same URL never changes it), and an accepted decision by
that user through the review service, so the audit trail and the suggested scores are right
at once. The whole file is checked before anything is written, every problem of every line
in one pass, and written in one transaction. Re-importing the same file adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlmodel import Session, select

from triage.accounts import can, get_user
from triage.catalogue.index import CatalogueIndex
from triage.errors import InputError, Problem
from triage.inputs import model_problems
from triage.items import ItemDraft, canonical_url, normalise_text, store_item
from triage.models import Suggestion, User, utcnow
from triage.review import cited
from triage.review.cited import CitedSource
from triage.review.decisions import decide
from triage.review.scores import refresh_suggested
from triage.suggestions import Proposal, store_suggestion
from triage.vocab import CitationOrigin, DatePrecision, EvidenceKind

UTC = dt.UTC


_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def partial_date(text: str | None) -> tuple[dt.date | None, str]:
    """'2024-07-12' -> (date, day); '2024-07' -> (1 July 2024, month); '2024' -> (1 January, year)."""
    if not text:
        return None, DatePrecision.DAY
    found = _PARTIAL.match(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)")
    year, month, day = found.groups()
    try:
        value = dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)") from None
    return value, DatePrecision.DAY if day else (DatePrecision.MONTH if month else DatePrecision.YEAR)


def _date_text(v):
    if v is None or isinstance(v, str):
        if v:
            partial_date(v)  # raises ValueError, which pydantic reports with the field
        return v or None
    if isinstance(v, dt.date):
        return v.isoformat()
    raise ValueError("must be a date string")


class EvidenceImportLine(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    member: str = Field(min_length=1)
    commitment: int
    kind: Literal["dimension", "context"] | None = None
    dimensions: list[str] = Field(default_factory=list)
    strength: Literal["strong", "weak"] | None = None
    contradictory: bool = False
    action_date: str | None = None
    text: str = Field(min_length=1)
    source_title: str | None = None
    source_publisher: str | None = None
    source_city: str | None = None
    source_date: str | None = None
    url: str | None = None
    accessed: dt.date | None = None
    translated: bool = False

    @field_validator("action_date", "source_date", mode="before")
    @classmethod
    def _partial_dates(cls, v):
        return _date_text(v)

    @field_validator("url")
    @classmethod
    def _web_address(cls, v: str | None) -> str | None:
        if v and not v.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http(s) address")
        return v or None

    @property
    def context(self) -> bool:
        return self.kind == EvidenceKind.CONTEXT or not self.dimensions

    def cited(self) -> CitedSource:
        date, precision = partial_date(self.source_date)
        missing = not (self.source_title or self.source_publisher or self.url)
        return CitedSource(
            self.source_title or "",
            self.source_publisher,
            self.source_city,
            date,
            self.accessed,
            self.url,
            precision=precision,
            translated=self.translated,
            missing=missing,
        )

    def action_day(self) -> dt.date | None:
        """A month-only action date is no day: the paragraph says the month, the source date orders it."""
        day, precision = partial_date(self.action_date)
        return day if precision == DatePrecision.DAY else None


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
    context: int = 0
    citations_missing: int = 0
    flags: Counter = field(default_factory=Counter)
    commitments: list[int] = field(default_factory=list)  # the demo: which commitments' samples


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def _objects(path: Path) -> Iterator[tuple[int, object | Problem]]:
    """Each non-blank line parsed; a broken line is a Problem and reading goes on."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", path) from None
    for lineno, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            yield lineno, json.loads(raw)
        except json.JSONDecodeError as exc:
            yield lineno, Problem(f"malformed JSON: {exc.msg} (column {exc.colno})", path, lineno)


def _identity(member: str, commitment: int, line: EvidenceImportLine) -> tuple:
    # A duplicate is the same member, commitment, source and action: two actions citing one
    # source (different texts) are distinct evidence.
    source = canonical_url(line.url) or (line.source_title or "").casefold()
    return (member, commitment, source, normalise_text(line.text).casefold())


def check_file(path: Path, index: CatalogueIndex) -> list[Checked]:
    """Every line validated against the stored catalogue; every problem raised together."""
    problems: list[Problem] = []
    checked: list[Checked] = []
    seen: dict[tuple, int] = {}
    for lineno, obj in _objects(path):
        if isinstance(obj, Problem):
            problems.append(obj)
            continue
        try:
            line = EvidenceImportLine.model_validate(obj)
        except ValidationError as exc:
            problems.extend(model_problems(exc, path, lineno))
            continue
        found, wrong = index.problems(member=line.member, commitment=line.commitment)
        for dim in line.dimensions if found.commitment is not None else []:
            wrong += index.problems(commitment=line.commitment, dimension=dim)[1]
        problems.extend(Problem(p.message, path, lineno) for p in wrong)
        twice = sorted(d for d, n in Counter(line.dimensions).items() if n > 1)
        if twice:
            problems.append(Problem(f"dimension {', '.join(twice)} listed twice", path, lineno))
        if line.kind == EvidenceKind.CONTEXT and line.dimensions:
            problems.append(Problem("context evidence credits no dimension: leave 'dimensions' empty", path, lineno))
        if not line.context and line.strength is None:
            problems.append(Problem("strength: required when the evidence credits a dimension (strong or weak)", path, lineno))
        if found.member is None or found.commitment is None:
            continue
        identity = _identity(found.member.key, found.commitment.number, line)
        if identity in seen:
            problems.append(
                Problem(
                    f"duplicate of line {seen[identity]} (same {found.member.name}, commitment {found.commitment.number}, source and action)",
                    path,
                    lineno,
                )
            )
            continue
        seen[identity] = lineno
        checked.append(Checked(lineno, line, found.member.key))
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


def _agent(session: Session, base: str, item_id: int, member_id: int, commitment_id: int, line: EvidenceImportLine) -> str:
    """`import:<user>`; a second action citing the same page gets its own agent, so its
    suggestions are distinct (suggestions are unique per item, member, dimension and agent)."""
    clash = session.exec(
        select(Suggestion).where(
            Suggestion.item_id == item_id, Suggestion.member_id == member_id, Suggestion.commitment_id == commitment_id, Suggestion.agent == base
        )
    ).all()
    if all(normalise_text(x.quote) == normalise_text(line.text) for x in clash):
        return base
    return f"{base}:{hashlib.sha256(normalise_text(line.text).encode()).hexdigest()[:10]}"


def import_evidence(session: Session, index: CatalogueIndex, *, path: Path, username: str) -> ImportResult:
    """Check the whole file, then record it; the caller's transaction makes it all or nothing."""
    user = import_user(session, username)
    lines = check_file(Path(path), index)
    result = ImportResult(lines=len(lines))
    now = utcnow()
    touched: set[tuple[int, int]] = set()
    for c in lines:
        line = c.line
        source = line.cited()
        draft = ItemDraft(
            title=line.source_title or "Citation missing",
            text=line.text,
            url=line.url,
            publisher=line.source_publisher,
            city=line.source_city,
            published_at=_midnight(source.date if isinstance(source.date, dt.date) else None),
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
        if source.accessed is None:
            source = replace(source, accessed=now)
        result.citations_missing += source.missing
        found = index.resolve(member=c.member, commitment=line.commitment)
        assert found.member is not None and found.commitment is not None and item.id is not None
        if line.context:
            _row, made = cited.add_context(
                session,
                item=item,
                member_id=found.member.id,
                commitment_id=found.commitment.id,
                text=line.text,
                action_date=line.action_day(),
                source=source,
                user=user,
            )
            result.context += made
            continue
        agent = _agent(session, f"import:{user.username}", item.id, found.member.id, found.commitment.id, line)
        for dim in line.dimensions:
            proposal = Proposal(
                member=c.member,
                commitment=line.commitment,
                dimension=dim,
                strength=line.strength or "weak",
                contradictory=line.contradictory,
                confidence=1.0,
                rationale=f"Imported from {Path(path).name} line {c.lineno}.",
                quote=line.text,
                action_date=line.action_day(),
            )
            suggestion, made = store_suggestion(session, index, item, proposal, agent=agent, agent_kind="import")
            result.suggestions_created += made
            result.flags.update(suggestion.flags)
            if suggestion.status != "pending":
                result.already_decided += 1
                continue
            assert suggestion.id is not None
            if not cited.latest(session, [cited.suggestion_key(suggestion.id)]):
                cited.record(session, suggestion, source, user=user, origin=CitationOrigin.IMPORT)
            decide(session, index, suggestion_id=suggestion.id, user=user, action="accept", version=suggestion.version)
            result.accepted += 1
            touched.add((suggestion.commitment_id, suggestion.member_id))
    for commitment_id, member_id in touched:
        refresh_suggested(session, index, commitment_id=commitment_id, member_id=member_id)
    session.flush()
    return result
