"""`triage llm check`: what an endpoint and model support, found with a few small requests.

For each dialect (strictest first) one request asks for output constrained to a tiny schema
whose only valid answer the prompt does not give away: a server that returns it obeyed the
dialect; one that answers 200 with something else ignored it; one that refuses it (4xx, or a
500 saying the request is invalid) does not speak it. The first dialect obeyed wins, else
plain json_object. The same answers say whether usage is reported and plausible (compared
with a local estimate), and one slightly longer answer measures the output speed.
The result is stored (`llm_probe`) so that `output_mode: auto` uses it.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

import openai
from openai.types import CompletionUsage
from sqlmodel import Session, col, select

from triage.classify.base import CallRecord
from triage.classify.llm.client import error_body, make_openai, server_message
from triage.classify.llm.dialects import DIALECTS, PROBE_ORDER
from triage.classify.llm.tokens import estimate_tokens, plausible
from triage.config import Settings
from triage.errors import ConfigError
from triage.models import LLMProbe
from triage.vocab import Dialect, LLMOutcome, TokenSource

PROBE_VERSION = "probe-v1"
PROBE_VALUE = "triage-ok-7"
PROBE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["probe"],
    "properties": {"probe": {"type": "string", "enum": [PROBE_VALUE]}},
}
# A prompt of a few hundred tokens, so that a server under-reporting prompt tokens shows.
_FILLER = " ".join(f"Sentence {i}: the committee reviewed report number {i * 7} on border cooperation, funding and training." for i in range(1, 25))
PROBE_MESSAGES = [
    {"role": "system", "content": "You answer with one JSON object and nothing else."},
    {"role": "user", "content": f"Background, to be ignored:\n{_FILLER}\n\nReply with a JSON object saying hello."},
]
# The speed request repeats the probe's prefix: a server that counts only the prompt tokens
# it did not find in its prefix cache (llama-cpp-python's does) reports too few here.
SPEED_MESSAGES = [
    PROBE_MESSAGES[0],
    {
        "role": "user",
        "content": PROBE_MESSAGES[1]["content"].rsplit("\n\n", 1)[0]
        + '\n\nReply with the JSON object {"numbers": [1, 2, 3, ..., 20]}, every number from 1 to 20 written out.',
    },
]


@dataclass
class DialectTry:
    dialect: str
    result: str  # obeyed | ignored | refused | timeout
    http_status: int | None = None
    message: str = ""
    latency_ms: int = 0


@dataclass
class ProbeResult:
    base_url: str
    model: str
    dialect: str | None = None
    tries: list[DialectTry] = field(default_factory=list)
    usage_reported: bool = False
    usage_plausible: bool = False
    prompt_tokens_reported: int | None = None
    prompt_tokens_estimated: int = 0
    context_length: int | None = None
    latency_ms: int = 0
    tokens_per_second: float | None = None
    prompt_sizes: dict[str, int] = field(default_factory=dict)  # template id -> tokens of one request (estimate)
    notes: list[str] = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list, repr=False)

    @property
    def fell_back(self) -> list[DialectTry]:
        """The dialects tried before the one chosen, with why they were passed over."""
        return [t for t in self.tries if t.dialect != self.dialect]

    def report(self) -> dict:
        data = asdict(self)
        data.pop("calls")
        return data


def _context_length(client: openai.OpenAI, model: str) -> int | None:
    """What /models says about the context window (vLLM: max_model_len; others: context_length, n_ctx)."""
    try:
        listing = client.models.list()
    except openai.OpenAIError:
        return None
    for entry in listing.data:
        extra = entry.model_dump()
        if len(listing.data) > 1 and entry.id != model:
            continue
        meta = extra.get("meta") or {}
        for value in (extra.get("max_model_len"), extra.get("context_length"), meta.get("n_ctx"), meta.get("n_ctx_train")):
            if isinstance(value, int) and value > 0:
                return value
    return None


def probe(settings: Settings, *, catalogue=None, http_client=None) -> ProbeResult:
    """Probe the configured endpoint and model; raises ConfigError when it cannot be used at all."""
    if not settings.llm_configured:
        raise ConfigError("no LLM endpoint configured: set TRIAGE_LLM_BASE_URL (or OPENAI_BASE_URL) and/or TRIAGE_LLM_API_KEY")
    profile = settings.model_profile()
    client = make_openai(settings, settings.llm_timeout(profile), http_client)
    result = ProbeResult(base_url=str(client.base_url), model=settings.llm_model)
    result.context_length = _context_length(client, settings.llm_model)
    result.prompt_tokens_estimated = estimate_tokens(PROBE_MESSAGES)

    def ask(messages: list[dict], extra: dict, max_tokens: int, dialect: str) -> tuple[str, CompletionUsage | None, int]:
        params = {"model": settings.llm_model, "messages": messages, profile.max_tokens_param: max_tokens, **extra}
        if profile.temperature is not None:
            params["temperature"] = profile.temperature
        started = time.perf_counter()
        record = CallRecord(
            model=settings.llm_model,
            endpoint=client.base_url.host,
            prompt_version=PROBE_VERSION,
            schema_hash="probe",
            output_mode=dialect,
            attempt=1,
            outcome=LLMOutcome.OK,
            request_text=json.dumps(params, ensure_ascii=False),
            tokens_in=estimate_tokens(messages),
            token_source=TokenSource.ESTIMATE,
        )
        result.calls.append(record)
        try:
            response = client.chat.completions.create(**params)
        except openai.APIStatusError as exc:
            record.outcome, record.http_status = LLMOutcome.HTTP_ERROR, exc.status_code
            record.error, record.response_text = server_message(exc)[:500], error_body(exc)
            raise
        except openai.APITimeoutError:
            record.outcome = LLMOutcome.TIMEOUT
            raise
        except openai.APIConnectionError as exc:
            record.outcome, record.error = LLMOutcome.CONNECTION_ERROR, str(exc)[:500]
            raise ConfigError(f"cannot reach the LLM endpoint {client.base_url}: {exc}") from None
        finally:
            record.latency_ms = int((time.perf_counter() - started) * 1000)
        text = (response.choices[0].message.content if response.choices else None) or ""
        record.http_status, record.response_text = 200, text
        record.tokens_out = estimate_tokens(text)
        if response.usage is not None:
            record.server_tokens_in, record.server_tokens_out = response.usage.prompt_tokens, response.usage.completion_tokens
        return text, response.usage, record.latency_ms

    for name in PROBE_ORDER:
        spec = DIALECTS[name]
        attempt = DialectTry(str(name), "refused")
        result.tries.append(attempt)
        try:
            text, usage, latency = ask(PROBE_MESSAGES, spec.params(PROBE_SCHEMA, "triage_probe"), 24, str(name))
        except openai.APITimeoutError:
            attempt.result, attempt.message = "timeout", f"no answer within {settings.llm_timeout(profile):g}s"
            break  # every other dialect would wait as long
        except openai.APIStatusError as exc:
            attempt.http_status, attempt.message = exc.status_code, server_message(exc)[:300]
            if exc.status_code in (401, 403, 404):  # key or model: no dialect can help
                raise ConfigError(f"the LLM endpoint refused the probe (HTTP {exc.status_code}): {server_message(exc)}") from None
            continue
        attempt.http_status, attempt.latency_ms = 200, latency
        if usage is not None and result.prompt_tokens_reported is None:
            result.usage_reported = True
            result.prompt_tokens_reported = usage.prompt_tokens
            result.usage_plausible = plausible(usage.prompt_tokens, result.prompt_tokens_estimated)
        obeyed = _answer(text) == {"probe": PROBE_VALUE}
        if name == Dialect.JSON_OBJECT:
            obeyed = isinstance(_answer(text), dict)
        attempt.result = "obeyed" if obeyed else "ignored"
        attempt.message = "" if obeyed else f"answered {text[:80]!r}"
        if obeyed:
            result.dialect, result.latency_ms = str(name), latency
            break
    if result.dialect is None and any(t.result == "ignored" for t in result.tries):
        result.dialect = str(Dialect.JSON_OBJECT)  # it answers, just not in JSON: Triage validates and repairs
    if result.dialect is not None:
        try:
            text, usage, latency = ask(SPEED_MESSAGES, DIALECTS[Dialect.JSON_OBJECT].params({}), 32, "speed")
            if usage is not None and result.usage_reported:
                again = plausible(usage.prompt_tokens, estimate_tokens(SPEED_MESSAGES))
                if not again:
                    result.notes.append(
                        f"the request repeating the probe's prefix was reported as {usage.prompt_tokens} prompt tokens "
                        f"({estimate_tokens(SPEED_MESSAGES)} estimated): a server that leaves cached tokens out reports too few"
                    )
                result.usage_plausible = result.usage_plausible and again
            produced = (
                usage.completion_tokens if (usage is not None and result.usage_plausible and usage.completion_tokens) else estimate_tokens(text)
            )
            result.tokens_per_second = round(produced / max(latency / 1000, 1e-3), 1)
        except (openai.APIStatusError, openai.APITimeoutError):
            pass
    if catalogue is not None:
        result.prompt_sizes = prompt_sizes(catalogue)
    return result


def _answer(text: str) -> object:
    try:
        return json.loads(text.strip().removeprefix("```json").removesuffix("```").strip())
    except ValueError:
        return None


def prompt_sizes(catalogue) -> dict[str, int]:
    """Tokens of one classification request (system prompt and a short item) per shipped template."""
    from triage.classify.base import ItemInput
    from triage.classify.llm.prompt import Prompt, Template
    from triage.classify.llm.schema import AnswerSchema

    item = ItemInput(title="Police arrest smugglers", text="Police arrested eight members of a smuggling ring on Tuesday.")
    out = {}
    for name in ("classify-v1", "classify-v1-compact"):
        schema = AnswerSchema.build(catalogue)
        out[name] = estimate_tokens(Prompt(catalogue, Template.load(name), schema.schema).messages(item))
    return out


def store(session: Session, result: ProbeResult) -> LLMProbe:
    row = LLMProbe(
        base_url=result.base_url,
        model=result.model,
        dialect=result.dialect,
        usage_reported=result.usage_reported,
        usage_plausible=result.usage_plausible,
        context_length=result.context_length,
        latency_ms=result.latency_ms,
        tokens_per_second=result.tokens_per_second,
        report=result.report(),
    )
    session.add(row)
    session.flush()
    return row


def latest(session: Session, base_url: str, model: str) -> LLMProbe | None:
    return session.exec(
        select(LLMProbe).where(LLMProbe.base_url == base_url, LLMProbe.model == model).order_by(col(LLMProbe.id).desc()).limit(1)
    ).first()
