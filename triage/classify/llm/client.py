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

import json
import random
import re
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx2
import openai
from tenacity import Retrying, retry_if_exception, stop_after_attempt

from triage.classify.base import CallRecord, LLMFatalError
from triage.classify.llm.dialects import DialectSpec
from triage.classify.llm.schema import AnswerSchema
from triage.classify.llm.tokens import estimate_tokens
from triage.config import ModelProfile, Settings
from triage.errors import ConfigError
from triage.vocab import LLMOutcome, TokenSource

# Client errors that a retry cannot cure are a configuration error (key, model, a parameter
# the server does not take): the run stops with the server's message. These are not.
RETRYABLE_4XX = (408, 409, 429)
# A 500 whose body says the request itself is wrong (llama-cpp-python validates
# response_format this way) is a configuration error too, not a transient one.
_INVALID_BODY = re.compile(r"invalid|validation|not supported|unsupported|input should be|unrecognized|unknown (field|param)", re.I)


class LLMCallError(RuntimeError):
    """A request that failed for good after its retries; the item fails and is retried next run."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


def error_body(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    try:
        return response.text if response is not None else ""
    except Exception:  # a streamed or closed body
        return ""


def server_message(exc: BaseException) -> str:
    """The server's own words: error.message of an OpenAI-style body, else the body, else the exception."""
    body = error_body(exc)
    try:
        data = json.loads(body)
        error = data.get("error", data) if isinstance(data, dict) else data
        message = error.get("message") if isinstance(error, dict) else error
        if message:
            return str(message)[:1000]
    except (ValueError, AttributeError):
        pass
    return (body or str(exc))[:1000]


def is_configuration_error(exc: BaseException) -> bool:
    if not isinstance(exc, openai.APIStatusError):
        return False
    status = exc.status_code
    if 400 <= status < 500:
        return status not in RETRYABLE_4XX
    return status == 500 and bool(_INVALID_BODY.search(error_body(exc) or str(exc)))


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
    # A timeout is not transient: the same request with the same timeout would time out again,
    # and a local server keeps generating for the request we gave up on.
    if isinstance(exc, openai.APITimeoutError):
        return False
    if isinstance(exc, (openai.APIConnectionError, openai.RateLimitError)):
        return True
    if not isinstance(exc, openai.APIStatusError) or is_configuration_error(exc):
        return False
    return exc.status_code >= 500 or exc.status_code in RETRYABLE_4XX


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
    """Requests for one model, one answer schema and one server dialect."""

    sleep = staticmethod(time.sleep)  # between retries (tests record the waits instead)

    def __init__(
        self,
        settings: Settings,
        *,
        prompt_version: str,
        schema: AnswerSchema,
        dialect: DialectSpec,
        usage_trusted: bool = True,
        speed: float | None = None,
        http_client: httpx2.Client | None = None,
    ):
        if not settings.llm_configured:
            raise ConfigError("the llm backend needs an endpoint: set TRIAGE_LLM_BASE_URL and/or TRIAGE_LLM_API_KEY")
        self.settings = settings
        self.model = settings.llm_model
        self.profile: ModelProfile = settings.model_profile()
        self.prompt_version = prompt_version
        self.schema = schema
        self.dialect = dialect
        self.usage_trusted = usage_trusted  # False when the probe found the server's usage implausible
        self.speed = speed  # output tokens a second, as probed
        self.timeout = settings.llm_timeout(self.profile)
        self.max_output_tokens = self.profile.max_output_tokens or min(schema.output_tokens(), settings.llm_max_output_tokens)
        self.client = make_openai(settings, self.timeout, http_client)
        self.endpoint = urlsplit(str(self.client.base_url)).hostname

    @property
    def output_mode(self) -> str:
        return str(self.dialect.name)

    def params(self, messages: list[dict]) -> dict:
        params: dict = {"model": self.model, "messages": messages, self.profile.max_tokens_param: self.max_output_tokens}
        if self.profile.temperature is not None:
            params["temperature"] = self.profile.temperature
        params.update(self.dialect.params(self.schema.schema))
        return params

    def _record(self, attempt: int, outcome: str, started: float, **kw) -> CallRecord:
        return CallRecord(
            model=self.model,
            endpoint=self.endpoint,
            prompt_version=self.prompt_version,
            schema_hash=self.schema.hash,
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
        params = self.params(messages)
        request_text = json.dumps(params, ensure_ascii=False)
        estimated_in = estimate_tokens(messages)
        started = time.perf_counter()
        try:
            response = self.client.chat.completions.create(**params)
        except openai.APITimeoutError as exc:
            records.append(
                self._record(
                    attempt[0], LLMOutcome.TIMEOUT, started, error=str(exc)[:500], request_text=request_text,
                    tokens_in=estimated_in, token_source=TokenSource.ESTIMATE,
                )
            )  # fmt: skip
            raise
        except openai.APIConnectionError as exc:
            records.append(self._record(attempt[0], LLMOutcome.CONNECTION_ERROR, started, error=str(exc)[:500], request_text=request_text))
            raise
        except openai.APIStatusError as exc:
            outcome = LLMOutcome.RATE_LIMITED if exc.status_code == 429 else LLMOutcome.HTTP_ERROR
            records.append(
                self._record(
                    attempt[0], outcome, started, http_status=exc.status_code, error=server_message(exc)[:500],
                    request_text=request_text, response_text=error_body(exc),
                )
            )  # fmt: skip
            raise
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content if choice and choice.message else None) or ""
        usage = response.usage
        estimated_out = estimate_tokens(text)
        if usage is not None and self.usage_trusted:
            tokens_in, tokens_out, source = usage.prompt_tokens or 0, usage.completion_tokens or 0, TokenSource.SERVER
        else:  # no usage, or usage the probe found implausible: a local estimate
            tokens_in, tokens_out, source = estimated_in, estimated_out, TokenSource.ESTIMATE
        records.append(
            self._record(
                attempt[0], LLMOutcome.OK, started, http_status=200, tokens_in=tokens_in, tokens_out=tokens_out,
                cost_usd=self.cost(tokens_in, tokens_out), request_text=request_text, response_text=text, token_source=source,
                server_tokens_in=usage.prompt_tokens if usage else None, server_tokens_out=usage.completion_tokens if usage else None,
            )
        )  # fmt: skip
        return Completion(text, choice.finish_reason if choice else None)

    def too_slow(self) -> str:
        """Why a timeout happened, and by how much the setting is short, as far as we know."""
        where = "the model profile's timeout_seconds" if self.profile.timeout_seconds else "TRIAGE_LLM_TIMEOUT_SECONDS"
        message = f"timed out after {self.timeout:g}s: the model is too slow for {where}"
        if self.speed:
            needed = self.max_output_tokens / self.speed
            message += (
                f"; at the probed {self.speed:.1f} tokens/s an answer of up to {self.max_output_tokens} tokens takes up to "
                f"{needed:.0f}s ({needed / self.timeout:.1f}x the timeout): raise the timeout, lower max_output_tokens "
                "or use the compact prompt"
            )
        else:
            message += " (run `triage llm check` to measure its speed)"
        return message

    def complete(self, messages: list[dict], records: list[CallRecord]) -> Completion:
        """One answer, retrying transient failures; every request is appended to `records`."""
        attempt = [len(records)]
        retrying = Retrying(
            stop=stop_after_attempt(1 + self.settings.llm_max_retries),
            wait=_Wait(self.settings.llm_retry_initial_seconds, self.settings.llm_retry_max_wait_seconds),
            retry=retry_if_exception(_transient),
            reraise=True,
            sleep=self.sleep,
        )
        try:
            return retrying(self._request, messages, records, attempt)
        except openai.APIStatusError as exc:
            if is_configuration_error(exc):
                raise LLMFatalError(f"the LLM endpoint refused the request (HTTP {exc.status_code}): {server_message(exc)}", records) from None
            raise LLMCallError(f"HTTP {exc.status_code} after {attempt[0]} request(s): {server_message(exc)}") from None
        except openai.APITimeoutError:
            raise LLMCallError(self.too_slow(), timed_out=True) from None
        except openai.APIConnectionError as exc:
            raise LLMCallError(f"connection failed after {attempt[0]} request(s): {exc}") from None


def make_openai(settings: Settings, timeout: float, http_client: httpx2.Client | None = None) -> openai.OpenAI:
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"  # local servers take any key
    return openai.OpenAI(
        base_url=settings.llm_base_url or None,
        api_key=key,
        max_retries=0,  # tenacity is the only retry layer
        timeout=timeout,
        http_client=http_client,
    )
