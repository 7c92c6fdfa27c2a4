"""Server dialects: how each kind of OpenAI-compatible server is asked for schema-constrained output.

One door: a dialect is an entry of DIALECTS (a name, what it sends). `triage llm check`
tries them in PROBE_ORDER and keeps the first one the server both accepts and obeys.

    openai       response_format {"type": "json_schema", "json_schema": {strict schema}}
                 (OpenAI, Azure, newer vLLM and Ollama)
    llamacpp     response_format {"type": "json_object", "schema": {...}} (llama.cpp and
                 llama-cpp-python's server turn the schema into a grammar)
    ollama       top-level "format": {schema} (Ollama's own API, also honoured by its /v1)
    vllm         top-level "guided_json": {schema} (older vLLM)
    json_object  response_format {"type": "json_object"}: JSON mode, no schema; Triage
                 validates and repairs
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from triage.errors import ConfigError
from triage.vocab import Dialect

SCHEMA_NAME = "triage_classification"


@dataclass(frozen=True)
class DialectSpec:
    name: Dialect
    constrains: bool  # the server is asked to decode within the schema
    build: Callable[[dict, str], dict]  # (schema, name) -> keyword arguments of chat.completions.create

    def params(self, schema: dict, name: str = SCHEMA_NAME) -> dict:
        return self.build(schema, name)


def _without(schema: object, key: str) -> object:
    if isinstance(schema, dict):
        return {k: _without(v, key) for k, v in schema.items() if k != key}
    if isinstance(schema, list):
        return [_without(v, key) for v in schema]
    return schema


def _openai(schema: dict, name: str) -> dict:
    # OpenAI's strict mode refuses maxLength; lengths are still enforced when validating the answer.
    strict = _without(schema, "maxLength")
    return {"response_format": {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": strict}}}


def _llamacpp(schema: dict, name: str) -> dict:
    return {"response_format": {"type": "json_object", "schema": schema}}


def _ollama(schema: dict, name: str) -> dict:
    return {"response_format": {"type": "json_object"}, "extra_body": {"format": schema}}


def _vllm(schema: dict, name: str) -> dict:
    return {"response_format": {"type": "json_object"}, "extra_body": {"guided_json": schema}}


def _json_object(schema: dict, name: str) -> dict:
    return {"response_format": {"type": "json_object"}}


DIALECTS: dict[Dialect, DialectSpec] = {
    Dialect.OPENAI: DialectSpec(Dialect.OPENAI, True, _openai),
    Dialect.LLAMACPP: DialectSpec(Dialect.LLAMACPP, True, _llamacpp),
    Dialect.OLLAMA: DialectSpec(Dialect.OLLAMA, True, _ollama),
    Dialect.VLLM: DialectSpec(Dialect.VLLM, True, _vllm),
    Dialect.JSON_OBJECT: DialectSpec(Dialect.JSON_OBJECT, False, _json_object),
}

# Strictest first; json_object, which constrains nothing, is the fallback.
PROBE_ORDER: tuple[Dialect, ...] = (Dialect.OPENAI, Dialect.LLAMACPP, Dialect.OLLAMA, Dialect.VLLM, Dialect.JSON_OBJECT)

# The names output_mode accepted before dialects existed.
_ALIASES = {"json_schema": Dialect.OPENAI}


def dialect(name: str) -> DialectSpec:
    key = _ALIASES.get(name, name)
    try:
        return DIALECTS[Dialect(key)]
    except ValueError:
        raise ConfigError(f"unknown LLM dialect {name!r}: use one of {', '.join(DIALECTS)} or auto") from None
