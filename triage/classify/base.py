"""The classifier interface: an item in, proposals and how they were reached out.

Both backends (rules, LLM) take an `ItemInput` and return a `Classification`. The
input is a plain value so that stored items and gold lines (which are not in the
database) classify the same way; the output carries everything the service stores
(proposals, flags, the English gist, the LLM calls made) and the traces that explain it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from triage.items import content_hash
from triage.suggestions import Proposal


@dataclass(frozen=True)
class ItemInput:
    """What a classifier may look at. Everything but the title and text is optional."""

    title: str
    text: str = ""
    url: str | None = None
    publisher: str | None = None
    language: str | None = None
    published: dt.date | None = None
    source_member: str | None = None  # the member key the feed speaks for, when known
    item_id: int | None = None  # set for stored items, None for gold lines
    ref: str | None = None  # a gold line's id, for reports

    @property
    def hash(self) -> str:
        return content_hash(self.title, self.text)

    @property
    def full_text(self) -> str:
        return f"{self.title}\n{self.text}" if self.title else self.text

    @classmethod
    def from_item(cls, item, source_member: str | None = None) -> ItemInput:
        published = item.published_at.date() if item.published_at is not None else None
        return cls(
            title=item.title or "",
            text=item.text or "",
            url=item.url,
            publisher=item.publisher,
            language=item.language,
            published=published,
            source_member=source_member,
            item_id=item.id,
        )


@dataclass
class RuleTrace:
    """One rule that fired, and on what: shown to reviewers as the suggestion's reason."""

    rule: str
    commitment: int
    dimension: str | None
    strength: str | None
    matched: list[str] = field(default_factory=list)
    member: str | None = None
    note: str = ""


@dataclass
class Exclusion:
    """The item matched a commitment's exclusion: it is evidence elsewhere, not here."""

    commitment: int
    belongs_to: int | None
    rule: str
    matched: list[str] = field(default_factory=list)


@dataclass
class CallRecord:
    """One HTTP request to the model, as it will be logged (an `LLMCall` row)."""

    model: str
    endpoint: str | None
    prompt_version: str
    schema_hash: str
    output_mode: str
    attempt: int
    outcome: str  # ok | repaired | invalid | http_error | timeout | rate_limited | connection_error
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0
    cost_usd: float = 0.0
    http_status: int | None = None
    error: str | None = None
    request_text: str | None = None  # the exact request body sent
    response_text: str | None = None  # what the model said (or the server's error body)
    token_source: str | None = None  # server | estimate (TokenSource)
    server_tokens_in: int | None = None  # the server's usage figures, when it reported any
    server_tokens_out: int | None = None


@dataclass
class ProposalOut:
    """A proposal plus where it came from (rule id, or the LLM call that produced it)."""

    proposal: Proposal
    rule_fired: str | None = None
    agent: str | None = None  # when it differs from the classification's (generic rules, another catalogue, the learned model's rescue)
    agent_kind: str | None = None
    catalogue: str | None = None  # the catalogue id, when several are active
    flags: tuple[str, ...] = ()  # stored with the suggestion (e.g. "possible_evidence" for the learned model's rescue lane)


@dataclass
class Classification:
    """The outcome of classifying one item."""

    agent: str
    proposals: list[ProposalOut] = field(default_factory=list)
    injection_suspected: bool = False
    injection_reasons: list[str] = field(default_factory=list)
    gist_en: str | None = None
    traces: list[RuleTrace] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list)
    cached: bool = False
    error: str | None = None  # set when the item could not be classified (it will be retried)
    raw: dict | None = None  # the validated model answer (LLM), stored in the cache
    scores: dict[str, float] = field(default_factory=dict)  # the learned model's probabilities ("19", "19:prevent", ...)

    @property
    def failed(self) -> bool:
        return self.error is not None


class LLMFatalError(RuntimeError):
    """The endpoint refuses us (bad key, unknown model): stop the run, keep items pending."""

    def __init__(self, message: str, records: list[CallRecord]):
        super().__init__(message)
        self.records = records


@runtime_checkable
class Classifier(Protocol):
    """A backend. `remote` backends are run concurrently and may be cached and budgeted."""

    kind: str  # "rules" | "llm"
    agent: str  # stored on every suggestion: rules:<version> | llm:<model>@<prompt version>
    remote: bool

    def classify(self, item: ItemInput) -> Classification: ...
