"""A daily token and cost budget: when it is reached, classification pauses.

The day is the UTC day. Spending already logged today (`LLMCall` rows) counts, so a
budget holds across runs and processes; within a run the counter is kept in memory and
checked before each item's first call. Calls already in flight finish, so a run may
overshoot by at most the concurrency times one item's calls: a pause, not a hard cap.
"""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import func
from sqlmodel import Session, select

from triage.models import LLMCall


class BudgetExhausted(RuntimeError):
    """Raised before a call that the daily budget does not allow."""


class Budget:
    def __init__(self, tokens: int | None = None, cost_usd: float | None = None, spent_tokens: int = 0, spent_cost: float = 0.0):
        self.tokens = tokens
        self.cost_usd = cost_usd
        self.spent_tokens = spent_tokens
        self.spent_cost = spent_cost
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings, session: Session | None = None) -> Budget:
        budget = cls(settings.llm_daily_token_budget, settings.llm_daily_cost_budget_usd)
        if session is not None and (budget.tokens is not None or budget.cost_usd is not None):
            budget.spent_tokens, budget.spent_cost = spent_today(session)
        return budget

    @property
    def limited(self) -> bool:
        return self.tokens is not None or self.cost_usd is not None

    def exhausted_reason(self) -> str | None:
        with self._lock:
            if self.tokens is not None and self.spent_tokens >= self.tokens:
                return f"daily token budget of {self.tokens:,} reached ({self.spent_tokens:,} used today, UTC)"
            if self.cost_usd is not None and self.spent_cost >= self.cost_usd:
                return f"daily cost budget of ${self.cost_usd:,.2f} reached (${self.spent_cost:,.4f} spent today, UTC)"
        return None

    def check(self) -> None:
        reason = self.exhausted_reason()
        if reason:
            raise BudgetExhausted(reason)

    def charge(self, tokens: int, cost: float) -> None:
        with self._lock:
            self.spent_tokens += tokens
            self.spent_cost += cost


def spent_today(session: Session, now: dt.datetime | None = None) -> tuple[int, float]:
    """Tokens and cost logged since midnight UTC."""
    now = now or dt.datetime.now(dt.UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    row = session.exec(
        select(
            func.coalesce(func.sum(LLMCall.tokens_in + LLMCall.tokens_out), 0),
            func.coalesce(func.sum(LLMCall.cost_usd), 0.0),
        ).where(LLMCall.created_at >= midnight)
    ).one()
    return int(row[0]), float(row[1])
