"""The source registry: YAML files in feeds/ listing every source Triage polls.

A source names the members it speaks for (`member: x`, `members: [x, y]` or `any`),
the office it is (head, foreign, interior...), its format (feed, html, sitemap, json,
with the format's `entries:` options), the publisher and city that a citation needs,
and what is known of it: a `note` and a structured `verification`. See feeds/README.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator
from sqlmodel import Session

from triage.errors import InputError, Problem
from triage.inputs import YamlDoc, read_yaml, validate_yaml
from triage.models import Source
from triage.vocab import Office, SourceFormat, Verification


class VerificationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Verification
    review: Literal["verified", "plausible", "doubtful", "unknown"] | None = Field(
        None, description="The registry review's verdict on the URL (see feeds/README.md)."
    )
    date: dt.date | None = None
    evidence: str | None = None


class SourceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=100)
    url: HttpUrl
    member: str | None = Field(None, description="One member key from the catalogue, or 'any' for general news.")
    members: list[str] | Literal["any"] | None = Field(None, description="Several member keys, or 'any'.")
    publisher: str
    city: str | None = None
    language: str | None = Field(None, pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")
    kind: Literal["official", "news"] = "official"
    office: Office | None = None
    format: SourceFormat = SourceFormat.FEED
    entries: dict[str, str] | None = Field(None, description="The format's options: CSS selectors (html) or paths (json).")
    poll_minutes: int = Field(60, ge=5, le=7 * 24 * 60)
    stale_days: int = Field(30, ge=1, le=3650, description="No new entry for longer than this makes the source `stale`.")
    enabled: bool = True
    note: str | None = None
    verification: VerificationSpec | None = None

    @model_validator(mode="after")
    def _one_member_field(self) -> SourceSpec:
        if (self.member is None) == (self.members is None):
            raise ValueError("give either member (one key or 'any') or members (a list of keys, or 'any')")
        if isinstance(self.members, list) and not self.members:
            raise ValueError("members: an empty list; use 'any' for general news")
        return self

    @property
    def member_keys(self) -> list[str] | None:
        """The members this source speaks for; None for any."""
        if self.members == "any" or self.member == "any":
            return None
        return list(self.members) if isinstance(self.members, list) else [str(self.member)]


class RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[SourceSpec] = Field(default_factory=list)


@dataclass
class Registry:
    sources: list[SourceSpec]
    files: list[Path]


def registry_files(path: Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
    if not path.exists():
        raise InputError("source registry not found", path)
    return [path]


def load_registry(path: Path, member_keys: Iterable[str] | None = None) -> Registry:
    """Read every registry file; ids must be unique and members known."""
    known = set(member_keys) if member_keys is not None else None
    problems: list[Problem] = []
    specs: list[SourceSpec] = []
    seen: dict[str, str] = {}
    files = registry_files(path)
    for file in files:
        try:
            doc: YamlDoc = read_yaml(file)
            if doc.data is None:
                continue
            parsed = validate_yaml(RegistryFile, doc)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        for i, spec in enumerate(parsed.sources):
            where = f"{file}:{doc.line(['sources', i])}"
            if spec.id in seen:
                problems.append(doc.problem(f"duplicate source id {spec.id!r} (also at {seen[spec.id]})", ["sources", i, "id"]))
                continue
            seen[spec.id] = where
            field = "member" if spec.member is not None else "members"
            unknown = [m for m in spec.member_keys or [] if known is not None and m not in known]
            if unknown:
                names = ", ".join(repr(m) for m in unknown)
                problems.append(doc.problem(f"source {spec.id}: unknown member {names} (use a catalogue member key or 'any')", ["sources", i, field]))
                continue
            from triage.sources.formats import OPTIONS  # here: formats import the fetcher, the registry need not

            option_problems = OPTIONS[spec.format](spec.entries or {})
            if option_problems:
                problems.extend(doc.problem(f"source {spec.id}: {text}", ["sources", i, "entries"]) for text in option_problems)
                continue
            specs.append(spec)
    if problems:
        raise InputError(problems)
    return Registry(specs, files)


def upsert_source(session: Session, spec: SourceSpec, origin: str = "registry") -> Source:
    """Create or update a source's description; its fetch state is left alone."""
    row = session.get(Source, spec.id) or Source(id=spec.id, url=str(spec.url), publisher=spec.publisher, origin=origin)
    if row.url != str(spec.url) or row.format != spec.format:  # a corrected URL: its old validators and health do not apply
        row.etag = row.last_modified = None
        row.health = row.health_error = None
        row.health_since = None
    row.url = str(spec.url)
    keys = spec.member_keys
    row.members = keys
    row.member = keys[0] if keys else None
    row.publisher, row.city, row.language = spec.publisher, spec.city, spec.language
    row.kind, row.poll_minutes, row.enabled = spec.kind, spec.poll_minutes, spec.enabled
    row.office = spec.office.value if spec.office else None
    row.format, row.entries_config = spec.format.value, dict(spec.entries) if spec.entries else None
    row.stale_days, row.note = spec.stale_days, spec.note
    v = spec.verification
    # A verification recorded by `feeds verify` is newer than the registry's unless the registry's is dated later.
    if v is not None and (row.verified_on is None or (v.date is not None and v.date >= row.verified_on)):
        evidence = f"review: {v.review}; {v.evidence}" if v.review and v.evidence else v.evidence
        row.verification, row.verified_on, row.evidence = v.status.value, v.date, evidence
    session.add(row)
    return row


def sync_registry(session: Session, registry: Registry) -> int:
    for spec in registry.sources:
        upsert_source(session, spec)
    session.flush()
    return len(registry.sources)


def known_members(session: Session) -> set[str]:
    """Member keys of the loaded catalogue(s)."""
    from sqlalchemy import select
    from sqlmodel import col

    from triage.models import MemberRow

    return set(session.execute(select(col(MemberRow.key))).scalars())


def add_source(session: Session, spec: SourceSpec) -> Source:
    """`triage feeds add`: a source kept in the database only (origin 'cli').

    The YAML registry stays the team's shared list, under version control; a source
    added from the command line is local to this database until someone adds it to a
    file in feeds/. `triage init` re-reads the files and leaves cli sources alone.
    """
    members = known_members(session)
    unknown = [m for m in spec.member_keys or [] if members and m not in members]
    if unknown:
        raise InputError(f"unknown member {unknown[0]!r}: use one of {', '.join(sorted(members))} or 'any'")
    if session.get(Source, spec.id) is not None:
        raise InputError(f"a source with id {spec.id!r} already exists")
    row = upsert_source(session, spec, origin="cli")
    session.flush()
    return row
