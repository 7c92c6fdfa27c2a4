"""Every closed vocabulary of Triage, as `StrEnum`s in one place.

The values are the strings stored in the database and shown in the CLI and the web app,
so a member of an enum compares equal to its stored string and can be written anywhere
a string is expected. Adding a value here is the one place a new state or kind starts.
"""

from __future__ import annotations

from enum import StrEnum


class ItemState(StrEnum):
    """new -> not_candidate | candidate -> classified | not_relevant | failed."""

    NEW = "new"
    NOT_CANDIDATE = "not_candidate"
    CANDIDATE = "candidate"
    CLASSIFIED = "classified"
    NOT_RELEVANT = "not_relevant"
    FAILED = "failed"


class ItemOrigin(StrEnum):
    FEED = "feed"
    MANUAL = "manual"
    IMPORT = "import"


class SuggestionState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


class AgentKind(StrEnum):
    """Who proposed a suggestion."""

    RULES = "rules"
    LLM = "llm"
    LEARNED = "learned"
    ANALYST = "analyst"
    IMPORT = "import"


class Strength(StrEnum):
    STRONG = "strong"
    WEAK = "weak"


class DecisionAction(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    EDIT = "edit"
    NOTE = "note"
    UNDO = "undo"


# Decisions that change a suggestion's state; a note does not.
STATE_ACTIONS: tuple[DecisionAction, ...] = (DecisionAction.ACCEPT, DecisionAction.REJECT, DecisionAction.EDIT, DecisionAction.UNDO)


class RejectReason(StrEnum):
    NOT_RELEVANT = "not_relevant"
    WRONG_MEMBER = "wrong_member"
    WRONG_COMMITMENT = "wrong_commitment"
    WRONG_DIMENSION = "wrong_dimension"
    OUTSIDE_PERIOD = "outside_period"
    DUPLICATE = "duplicate"
    BORDER_ENFORCEMENT_C18 = "border_enforcement_c18"
    OTHER = "other"


class Role(StrEnum):
    ANALYST = "analyst"
    LEAD = "lead"
    ADMIN = "admin"


class Permission(StrEnum):
    REVIEW = "review"
    SCORE = "score"
    ASSIGN = "assign"
    MANAGE = "manage"


class SourceKind(StrEnum):
    OFFICIAL = "official"
    NEWS = "news"


class SourceOrigin(StrEnum):
    REGISTRY = "registry"
    CLI = "cli"
    ADHOC = "adhoc"


class FetchOutcome(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    ERROR = "error"
    PARSE_ERROR = "parse_error"


class SourceFormat(StrEnum):
    """How a source is read (one module each in triage/sources/formats/)."""

    FEED = "feed"
    HTML = "html"
    SITEMAP = "sitemap"
    JSON = "json"


class SourceHealthStatus(StrEnum):
    """What the last look at a source found; anything but OK is a reason to look."""

    OK = "ok"
    EMPTY = "empty"  # a valid document with no entries
    STALE = "stale"  # no new entry for longer than the source's cadence
    NOT_A_FEED = "not_a_feed"  # HTML (or anything else) where a feed was expected
    BLOCKED = "blocked"  # 401/403/429: a bot wall
    FAILING = "failing"  # network, timeout, parse, refused address


class Office(StrEnum):
    HEAD = "head"
    FOREIGN = "foreign"
    INTERIOR = "interior"
    JUSTICE = "justice"
    FINANCE = "finance"
    POLICE = "police"
    BORDER = "border"
    EU_AGENCY = "eu-agency"
    G7 = "g7"


class Verification(StrEnum):
    VERIFIED = "verified"
    UNVERIFIED = "unverified"
    BLOCKED = "blocked"


class ScoreOrigin(StrEnum):
    LEAD = "lead"
    IMPORT = "import"


class LLMOutcome(StrEnum):
    OK = "ok"
    REPAIRED = "repaired"
    INVALID = "invalid"
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    RATE_LIMITED = "rate_limited"
    BUDGET = "budget"
    CONNECTION_ERROR = "connection_error"
    UNSTORABLE = "unstorable"  # validated, but storing its suggestions failed: the item failed


class OutputMode(StrEnum):
    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"


class EvidenceKind(StrEnum):
    """Evidence that credits dimensions (and counts for the score), or context the report cites."""

    DIMENSION = "dimension"
    CONTEXT = "context"


class CitationOrigin(StrEnum):
    ACCEPT = "accept"
    IMPORT = "import"
    CORRECTION = "correction"


class DatePrecision(StrEnum):
    """How much of a source's date is known: '2024-07-12', '2024-07' (printed 'July 2024'), '2024'."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class ProcessKind(StrEnum):
    """Long-running processes that leave a heartbeat (see triage.models.worker)."""

    SCHEDULER = "scheduler"
    WORKER = "worker"


class HealthCheck(StrEnum):
    """The checks /healthz reports, each ok or failing with a reason."""

    DATABASE = "database"
    MIGRATIONS = "migrations"
    SCHEDULER = "scheduler"
    SOURCES = "sources"
    LLM_BUDGET = "llm_budget"


class Dialect(StrEnum):
    """How a server is asked for output constrained to a JSON schema (triage/classify/llm/dialects.py)."""

    OPENAI = "openai"  # response_format json_schema, strict
    LLAMACPP = "llamacpp"  # response_format json_object with a schema
    OLLAMA = "ollama"  # top-level `format` holding the schema
    VLLM = "vllm"  # guided_json (older vLLM; newer ones accept the openai dialect)
    JSON_OBJECT = "json_object"  # JSON mode, no schema: validated and repaired by Triage


class TokenSource(StrEnum):
    SERVER = "server"  # the server's usage figures (the probe found them plausible)
    ESTIMATE = "estimate"  # a local estimate from the text
