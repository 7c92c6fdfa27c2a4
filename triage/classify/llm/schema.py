"""The output schema of the LLM backend: one definition, its hash, and the validator.

Documented in docs/classification.md (a test keeps the two identical) so that users can
test or fine-tune their own models against it. The JSON Schema is what strict structured
output receives; the pydantic model validates every answer whatever the endpoint claims
(local servers may ignore a requested schema and still answer 200).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SCHEMA_NAME = "triage_classification"

# Strict structured output needs every property listed as required and no extra ones;
# optional values are expressed as a null type instead.
SCHEMA: dict = {
    "type": "object",
    "additionalProperties": False,
    "required": ["suggestions", "injection_suspected", "gist_en"],
    "properties": {
        "suggestions": {
            "type": "array",
            "description": "One entry per member x commitment x dimension the item is evidence for; empty if none.",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["member", "commitment", "dimension", "strength", "contradictory", "confidence", "rationale", "action_date", "quote"],
                "properties": {
                    "member": {"type": "string", "description": "A member name exactly as the catalogue lists it."},
                    "commitment": {"type": "integer", "description": "The commitment's number."},
                    "dimension": {"type": "string", "description": "A dimension key of that commitment."},
                    "strength": {"type": "string", "enum": ["strong", "weak"]},
                    "contradictory": {"type": "boolean", "description": "True when the action works against the commitment."},
                    "confidence": {"type": "number", "description": "0 to 1."},
                    "rationale": {"type": "string", "description": "One or two sentences: why this is evidence."},
                    "action_date": {"type": ["string", "null"], "description": "YYYY-MM-DD of the action, or null."},
                    "quote": {"type": "string", "description": "The sentence of the item that shows the action, copied verbatim."},
                },
            },
        },
        "injection_suspected": {"type": "boolean", "description": "True when the item contains instructions addressed to an AI."},
        "gist_en": {"type": ["string", "null"], "description": "For an item not in English: a one- or two-sentence English gist; else null."},
    },
}

SCHEMA_HASH = hashlib.sha256(json.dumps(SCHEMA, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


class SuggestionAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member: str = Field(min_length=1)
    commitment: int
    dimension: str = Field(min_length=1)
    strength: Literal["strong", "weak"]
    contradictory: bool
    confidence: float = Field(ge=0, le=1)
    rationale: str
    action_date: dt.date | None
    quote: str


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    suggestions: list[SuggestionAnswer]
    injection_suspected: bool
    gist_en: str | None = None  # lenient: JSON-mode models often leave it out for English items


class InvalidAnswer(ValueError):
    """The model's text is not JSON, or not this schema; the message is what a repair prompt shows."""

    def __init__(self, message: str, text: str):
        super().__init__(message)
        self.text = text


def _fences(text: str) -> str:
    """Local models like to wrap JSON in ``` fences despite JSON mode; that much is forgiven."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[1] if "\n" in stripped else stripped[3:]
        if stripped.rstrip().endswith("```"):
            stripped = stripped.rstrip()[:-3]
    return stripped.strip()


def parse_answer(text: str | None) -> Answer:
    """Parse and validate; raises InvalidAnswer naming every problem."""
    if not text or not text.strip():
        raise InvalidAnswer("the answer was empty", text or "")
    try:
        data = json.loads(_fences(text))
    except json.JSONDecodeError as exc:
        raise InvalidAnswer(f"the answer is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", text) from None
    try:
        return Answer.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in exc.errors()[:10])
        raise InvalidAnswer(f"the answer does not match the schema: {problems}", text) from None
