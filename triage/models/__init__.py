"""Tables, in the order data flows: source -> item -> suggestion -> decision -> score."""

from triage.models.catalogue import CatalogueRow, CommitmentRow, DimensionRow, MemberRow
from triage.models.catalogue_version import CommitmentVersion
from triage.models.citation import EvidenceCitation
from triage.models.decision import ACTIONS, REJECT_REASONS, Decision
from triage.models.item import ITEM_STATES, Item, Sighting
from triage.models.learned import LearnedModelRow
from triage.models.lease import Lease
from triage.models.llm import LLMCache, LLMCall, LLMProbe, LLMText
from triage.models.score import Score, ScoreChange
from triage.models.source import FetchLog, Source
from triage.models.suggestion import SUGGESTION_STATES, Suggestion
from triage.models.types import UTCDateTime, utcnow
from triage.models.user import ROLES, Assignment, LoginAttempt, SavedView, User, WebSession
from triage.models.worker import Heartbeat, SourceClaim

__all__ = [
    "ACTIONS",
    "ITEM_STATES",
    "REJECT_REASONS",
    "ROLES",
    "SUGGESTION_STATES",
    "Assignment",
    "CatalogueRow",
    "CommitmentRow",
    "CommitmentVersion",
    "Decision",
    "DimensionRow",
    "EvidenceCitation",
    "FetchLog",
    "Heartbeat",
    "Item",
    "LLMCache",
    "LLMCall",
    "LearnedModelRow",
    "LLMProbe",
    "LLMText",
    "Lease",
    "LoginAttempt",
    "MemberRow",
    "Score",
    "SavedView",
    "ScoreChange",
    "Sighting",
    "SourceClaim",
    "Source",
    "Suggestion",
    "UTCDateTime",
    "User",
    "WebSession",
    "utcnow",
]
