"""The source registry: YAML files in feeds/ listing every feed Triage polls.

A source names the member it speaks for ("any" for general news) and the publisher
and city that a citation needs. See feeds/README.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl
from sqlmodel import Session

from triage.errors import InputError, Problem
from triage.inputs import YamlDoc, read_yaml, validate_yaml
from triage.models import Source


class SourceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=100)
    url: HttpUrl
    member: str = Field(description="Member key from the catalogue, or 'any' for general news.")
    publisher: str
    city: str | None = None
    language: str | None = Field(None, pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")
    kind: Literal["official", "news"] = "official"
    poll_minutes: int = Field(60, ge=5, le=7 * 24 * 60)
    enabled: bool = True
    note: str | None = None


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
            if known is not None and spec.member != "any" and spec.member not in known:
                problems.append(
                    doc.problem(f"source {spec.id}: unknown member {spec.member!r} (use a catalogue member key or 'any')", ["sources", i, "member"])
                )
                continue
            specs.append(spec)
    if problems:
        raise InputError(problems)
    return Registry(specs, files)


def upsert_source(session: Session, spec: SourceSpec, origin: str = "registry") -> Source:
    """Create or update a source's description; its fetch state is left alone."""
    row = session.get(Source, spec.id) or Source(id=spec.id, url=str(spec.url), publisher=spec.publisher, origin=origin)
    row.url = str(spec.url)
    row.member = None if spec.member == "any" else spec.member
    row.publisher, row.city, row.language = spec.publisher, spec.city, spec.language
    row.kind, row.poll_minutes, row.enabled = spec.kind, spec.poll_minutes, spec.enabled
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

    from triage.models import MemberRow

    return set(session.exec(select(MemberRow.key)).scalars())


def add_source(session: Session, spec: SourceSpec) -> Source:
    """`triage feeds add`: a source kept in the database only (origin 'cli').

    The YAML registry stays the team's shared list, under version control; a source
    added from the command line is local to this database until someone adds it to a
    file in feeds/. `triage init` re-reads the files and leaves cli sources alone.
    """
    members = known_members(session)
    if spec.member != "any" and members and spec.member not in members:
        raise InputError(f"unknown member {spec.member!r}: use one of {', '.join(sorted(members))} or 'any'")
    if session.get(Source, spec.id) is not None:
        raise InputError(f"a source with id {spec.id!r} already exists")
    row = upsert_source(session, spec, origin="cli")
    session.flush()
    return row
