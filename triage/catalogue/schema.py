"""The commitment catalogue file format: one YAML file per summit report.

See commitments/README.md for the format written out for analysts.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from triage.catalogue.rules import Rule


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Period(Strict):
    start: dt.date
    end: dt.date

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


class Citation(Strict):
    """A source as the report cites it: Title, Publisher (City) D Month YYYY."""

    title: str
    publisher: str
    city: str | None = None
    date: dt.date | None = None
    url: HttpUrl | None = None


class Member(Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_-]*$", description="Stable identifier, e.g. 'canada'.")
    name: str = Field(description="Name as the report prints it, e.g. 'United Kingdom'.")
    kind: Literal["country", "union", "organisation"] = "country"
    aliases: list[str] = Field(default_factory=list, description="Other names and codes, any language.")
    demonyms: list[str] = Field(default_factory=list)
    capital: str | None = None

    def names(self) -> list[str]:
        return [self.name, self.key, *self.aliases]


class Dimension(Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    description: str
    strong: list[str] = Field(default_factory=list, description="Examples of strong action.")
    weak: list[str] = Field(default_factory=list, description="Examples of weak action.")


class Exclusion(Strict):
    description: str
    belongs_to: int | None = Field(None, description="Number of the commitment this evidence belongs to.")


class PublishedRule(Strict):
    """A methodology text encoded literally, kept to show where it is incomplete."""

    source: str = Field(description="Which part of the methodology this encodes.")
    text: str | None = None
    rule: Rule


class Scoring(Strict):
    rule: Rule
    published: dict[str, PublishedRule] = Field(default_factory=dict)
    resolution: str | None = Field(None, description="How the rule resolves what the published texts leave open.")


class Guidance(Strict):
    strong: list[str] = Field(default_factory=list)
    weak: list[str] = Field(default_factory=list)
    contradictory: list[str] = Field(default_factory=list)


class Staff(Strict):
    """Who wrote a commitment's chapter, as the report names them (issue 13; never invented)."""

    director: str | None = Field(None, description="Compliance Director.")
    lead: str | None = Field(None, description="Lead Analyst.")
    analysts: dict[str, list[str]] = Field(default_factory=dict, description="Member key -> the analysts of that member's section.")


class Commitment(Strict):
    number: int = Field(ge=1)
    area: str
    title: str
    quote: str | None = None
    quote_source: Citation | None = None
    definitions: dict[str, str] = Field(default_factory=dict)
    dimensions: list[Dimension] = Field(default_factory=list)
    guidance: Guidance | None = None
    exclusions: list[Exclusion] = Field(default_factory=list)
    scoring: Scoring | None = None
    # Report-draft text (issue 13), all optional: the line printed under the quote (else the
    # quote source's title), the commitment restated after "its commitment to" (else derived
    # from the quote), background and features in the catalogue's words, and the staff.
    quote_line: str | None = None
    restated: str | None = None
    background: str | None = None
    features: str | None = None
    staff: Staff | None = None

    @property
    def missing(self) -> list[str]:
        """What an analyst still has to write before Triage can score this commitment."""
        gaps = []
        if not self.quote:
            gaps.append("quote")
        if not self.dimensions:
            gaps.append("dimensions")
        if self.scoring is None:
            gaps.append("scoring rule")
        return gaps

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def dimension_keys(self) -> list[str]:
        return [d.key for d in self.dimensions]

    def dimension(self, key: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.key == key), None)

    @property
    def label(self) -> str:
        return f"{self.number}. {self.area}: {self.title}"


DEFAULT_SCALE = {-1: "No compliance", 0: "Partial compliance", 1: "Full compliance"}


class Catalogue(Strict):
    format: Literal[1] = 1
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    group: Literal["G7", "G20", "G8"] = "G7"
    summit: str
    report: Literal["interim", "final"]
    title: str
    compliance_period: Period
    published: dt.date | None = None
    source: Citation | None = None
    scale: dict[int, str] = Field(default_factory=lambda: dict(DEFAULT_SCALE))
    members: list[Member] = Field(min_length=1)
    commitments: list[Commitment] = Field(min_length=1)

    def commitment(self, number: int) -> Commitment | None:
        return next((c for c in self.commitments if c.number == number), None)

    def member(self, name: str) -> Member | None:
        """Find a member by name, key or alias, ignoring case."""
        wanted = name.strip().casefold()
        for m in self.members:
            if any(n.casefold() == wanted for n in m.names()):
                return m
        return None
