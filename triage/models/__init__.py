"""Tables, in the order data flows: source -> item -> suggestion -> decision -> score."""

from triage.models.catalogue import CatalogueRow, CommitmentRow, DimensionRow, MemberRow
from triage.models.decision import ACTIONS, REJECT_REASONS, Decision
from triage.models.item import ITEM_STATES, Item, ItemPublic, Sighting
from triage.models.lease import Lease
from triage.models.llm import LLMCache, LLMCall, LLMProbe, LLMText
from triage.models.score import Score, ScoreChange
from triage.models.source import FetchLog, Source, SourcePublic
from triage.models.suggestion import SUGGESTION_STATES, Suggestion, SuggestionPublic
from triage.models.types import UTCDateTime, utcnow
from triage.models.user import ROLES, Assignment, LoginAttempt, User, UserPublic, WebSession

__all__ = [
    "ACTIONS",
    "ITEM_STATES",
    "REJECT_REASONS",
    "ROLES",
    "SUGGESTION_STATES",
    "Assignment",
    "CatalogueRow",
    "CommitmentRow",
    "Decision",
    "DimensionRow",
    "FetchLog",
    "Item",
    "ItemPublic",
    "LLMCache",
    "LLMCall",
    "LLMProbe",
    "LLMText",
    "Lease",
    "LoginAttempt",
    "MemberRow",
    "Score",
    "ScoreChange",
    "Sighting",
    "Source",
    "SourcePublic",
    "Suggestion",
    "SuggestionPublic",
    "UTCDateTime",
    "User",
    "UserPublic",
    "WebSession",
    "utcnow",
]
