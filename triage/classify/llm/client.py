"""The HTTP side of the LLM backend: the official openai client, one retry layer, one log row per request.

The openai client retries by itself; here its `max_retries` is 0 and tenacity is the only
retry layer, so a rate limit is retried exactly `llm_max_retries` times, honouring the
server's Retry-After (capped at `llm_retry_max_wait_seconds`), and every request, failed or
not, is recorded as one `CallRecord` (an `LLMCall` row once stored).

Concurrency lives in the caller (a thread pool): the sync client is thread-safe and shares
one connection pool, and the database layer is synchronous, so threads keep the pipeline
one simple loop (see triage/classify/service.py).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx2
import openai
from tenacity import Retrying, retry_if_exception, stop_after_attempt

from triage.classify.base import CallRecord, LLMFatalError
from triage.classify.llm.schema import SCHEMA, SCHEMA_HASH, SCHEMA_NAME
from triage.config import ModelProfile, Settings
from triage.errors import ConfigError

# Statuses that say the configuration is wrong (key, permissions, model name): retrying an
# item, or the next item, cannot help, so the run stops instead of failing every item.
FATAL_STATUSES = (401, 403, 404)


class LLMCallError(RuntimeError):
    """A request that failed for good after its retries; the item fails and is retried next run."""


@dataclass
class Completion:
    text: str
    finish_reason: str | None


def _retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (Retry-After-Ms, Retry-After as seconds or a date)."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            when = parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError, openai.RateLimitError)):
        return True
    return isinstance(exc, openai.APIStatusError) and (exc.status_code >= 500 or exc.status_code in (408, 409))


class _Wait:
    """Retry-After when the server gives one (capped), else exponential back-off with jitter."""

    def __init__(self, initial: float, cap: float):
        self.initial, self.cap = initial, cap

    def __call__(self, state) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = _retry_after(exc) if exc is not None else None
        if asked is not None:
            return min(max(asked, 0.0), self.cap)
        backoff = self.initial * (2 ** (state.attempt_number - 1))
        return min(self.cap, backoff * (0.5 + random.random() / 2))


class LLMClient:
    def __init__(self, settings: Settings, *, prompt_version: str, http_client: httpx2.Client | None = None):
        if not settings.llm_configured:
            raise ConfigError("the llm backend needs an endpoint: set TRIAGE_LLM_BASE_URL and/or TRIAGE_LLM_API_KEY")
        self.settings = settings
        self.model = settings.llm_model
        self.profile: ModelProfile = settings.model_profile()
        self.prompt_version = prompt_version
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"  # local servers take any key
        self.client = openai.OpenAI(
            base_url=settings.llm_base_url or None,
            api_key=key,
            max_retries=0,  # tenacity below is the only retry layer
            timeout=settings.llm_timeout_seconds,
            http_client=http_client,
        )
        self.endpoint = urlsplit(str(self.client.base_url)).hostname

    @property
    def output_mode(self) -> str:
        return self.profile.output_mode

    def response_format(self) -> dict:
        if self.output_mode == "json_schema":
            return {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": SCHEMA}}
        return {"type": "json_object"}

    def _record(self, attempt: int, outcome: str, started: float, **kw) -> CallRecord:
        return CallRecord(
            model=self.model,
            endpoint=self.endpoint,
            prompt_version=self.prompt_version,
            schema_hash=SCHEMA_HASH,
            output_mode=self.output_mode,
            attempt=attempt,
            outcome=outcome,
            latency_ms=int((time.perf_counter() - started) * 1000),
            **kw,
        )

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.profile.input_usd_per_mtok + tokens_out * self.profile.output_usd_per_mtok) / 1_000_000

    def _request(self, messages: list[dict], records: list[CallRecord], attempt: list[int]) -> Completion:
        attempt[0] += 1
        params: dict = {
            "model": self.model,
            "messages": messages,
            "response_format": self.response_format(),
            self.profile.max_tokens_param: self.settings.llm_max_output_tokens,
        }
        if self.profile.temperature is not None:
            params["temperature"] = self.profile.temperature
        started = time.perf_counter()
        try:
            response = self.client.chat.completions.create(**params)
        except openai.APITimeoutError as exc:
            records.append(self._record(attempt[0], "timeout", started, error=str(exc)[:500]))
            raise
        except openai.APIConnectionError as exc:
            records.append(self._record(attempt[0], "connection_error", started, error=str(exc)[:500]))
            raise
        except openai.APIStatusError as exc:
            outcome = "rate_limited" if exc.status_code == 429 else "http_error"
            records.append(self._record(attempt[0], outcome, started, http_status=exc.status_code, error=str(exc)[:500]))
            raise
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content if choice and choice.message else None) or ""
        usage = response.usage
        if usage is not None:
            tokens_in, tokens_out = usage.prompt_tokens or 0, usage.completion_tokens or 0
        else:  # some local servers report no usage: estimate (about four characters a token)
            tokens_in = sum(len(m["content"]) for m in messages) // 4
            tokens_out = len(text) // 4
        records.append(
            self._record(
                attempt[0], "ok", started, http_status=200, tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=self.cost(tokens_in, tokens_out)
            )
        )
        return Completion(text, choice.finish_reason if choice else None)

    def complete(self, messages: list[dict], records: list[CallRecord]) -> Completion:
        """One answer, retrying transient failures; every request is appended to `records`."""
        attempt = [len(records)]
        retrying = Retrying(
            stop=stop_after_attempt(1 + self.settings.llm_max_retries),
            wait=_Wait(self.settings.llm_retry_initial_seconds, self.settings.llm_retry_max_wait_seconds),
            retry=retry_if_exception(_transient),
            reraise=True,
        )
        try:
            return retrying(self._request, messages, records, attempt)
        except openai.APIStatusError as exc:
            if exc.status_code in FATAL_STATUSES:
                raise LLMFatalError(f"the LLM endpoint refused the request (HTTP {exc.status_code}): {exc.message}", records) from None
            raise LLMCallError(f"HTTP {exc.status_code} after {attempt[0]} request(s): {exc.message}") from None
        except openai.APITimeoutError:
            raise LLMCallError(f"timed out after {self.settings.llm_timeout_seconds:g}s, {attempt[0]} request(s)") from None
        except openai.APIConnectionError as exc:
            raise LLMCallError(f"connection failed after {attempt[0]} request(s): {exc}") from None
