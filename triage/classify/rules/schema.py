"""The rules file format: keyword and phrase rules kept as data beside the catalogue.

`commitments/<catalogue id>.rules.yaml` holds, for one catalogue, how to recognise the
members (publishers, web domains, agencies, officials in office) and, per commitment,
the cues (named lists of terms in the five source languages), the pre-filter routes,
the exclusions and the rules that turn cues into (dimension, strength) proposals.
See docs/classification.md for the format written out for analysts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# A cue expression in `when`/`unless`: a cue name, or several joined by "|" (any of them).
CueExpr = str


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MemberCues(Strict):
    publishers: list[str] = Field(default_factory=list, description="Publisher names that speak for the member.")
    domains: list[str] = Field(default_factory=list, description="Web domains of the member's government (suffix match).")
    agencies: list[str] = Field(default_factory=list, description="Agencies and bodies whose action is the member's.")
    officials: list[str] = Field(default_factory=list, description="Titles and names of officials in office during the period.")
    names: list[str] = Field(default_factory=list, description="More names and demonyms, in languages the catalogue does not list (Spanish).")
    combining: list[str] = Field(
        default_factory=list, description="Combining forms of joint adjectives (franco-, italo-, 日 in 日米): every member so joined acted."
    )


class Mentions(Strict):
    ignore_names: list[str] = Field(default_factory=list, description="Catalogue aliases too ambiguous to match in prose (ISO codes).")
    mask: list[str] = Field(default_factory=list, description="Phrases that contain a name but do not mean the member (North America).")
    authority: list[str] = Field(default_factory=list, description="Nouns that make a name or demonym an actor (police, government).")


class Collective(Strict):
    terms: list[str] = Field(default_factory=list, description="Cues that the G7 (or G20) acted as a whole.")
    strength: Literal["weak", "strong"] = Field("weak", description="Strongest strength a member gets from collective action alone.")


class Exclusion(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    belongs_to: int | None = None
    when: list[CueExpr] = Field(min_length=1)
    unless: list[CueExpr] = Field(default_factory=list)
    note: str = ""


class Rule(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    dimension: str
    strength: Literal["strong", "weak"]
    when: list[CueExpr] = Field(min_length=1, description="Every expression must match (each may list alternatives with |).")
    unless: list[CueExpr] = Field(default_factory=list, description="No expression may match.")
    confidence: float | None = Field(None, ge=0, le=1)
    note: str = ""


class CommitmentRules(Strict):
    number: int = Field(ge=1)
    route: list[CueExpr] = Field(min_length=1, description="Cues that make an item a candidate for this commitment (pre-filter).")
    mask: list[str] = Field(default_factory=list, description="Phrases removed before matching (false friends: drug trafficking).")
    cues: dict[str, list[str]] = Field(min_length=1)
    meanings: dict[str, str] = Field(default_factory=dict, description="What each cue means, in English (shown to analysts).")
    exclusions: list[Exclusion] = Field(default_factory=list)
    rules: list[Rule] = Field(min_length=1)


class RulesFile(Strict):
    format: Literal[1] = 1
    catalogue: str = Field(description="Id of the catalogue these rules are for.")
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="Bumped on every change; part of the agent name.")
    members: dict[str, MemberCues] = Field(default_factory=dict)
    mentions: Mentions = Field(default_factory=Mentions)
    collective: Collective = Field(default_factory=Collective)
    commitments: list[CommitmentRules] = Field(min_length=1)
