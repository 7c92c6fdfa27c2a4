"""The output schema of the LLM backend: one definition, its hash, and the validator.

Documented in docs/classification.md (a test keeps the two identical) so that users can
test or fine-tune their own models against it. The JSON Schema is what strict structured
output receives; the pydantic model validates every answer whatever the endpoint claims
(local servers may ignore a requested schema and still answer 200).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from triage.catalogue.schema import Catalogue

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


# NUL (PostgreSQL refuses it in text), lone surrogates (UTF-8 cannot encode them) and the
# other C0/C1 controls but tab and newline: removed from every string of an answer, so
# nothing a model writes can make storing fail.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    return _UNSTORABLE.sub("", value)


def _clean(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


Clean = Annotated[str, BeforeValidator(_clean)]

# The longest text the shape itself accepts (the catalogue schema is stricter, see AnswerSchema).
HARD_MAX_CHARS = 4000


class SuggestionAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member: Clean = Field(min_length=1, max_length=200)
    commitment: int
    dimension: Clean = Field(min_length=1, max_length=100)
    strength: Literal["strong", "weak"]
    contradictory: bool
    confidence: float = Field(ge=0, le=1)
    rationale: Clean = Field(max_length=HARD_MAX_CHARS)
    action_date: dt.date | None
    quote: Clean = Field(max_length=HARD_MAX_CHARS)


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    suggestions: list[SuggestionAnswer] = Field(max_length=50)
    injection_suspected: bool
    gist_en: Clean | None = Field(None, max_length=HARD_MAX_CHARS)  # lenient: JSON-mode models often leave it out for English items


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


def parse_answer(text: str | None, limits: AnswerSchema | None = None) -> Answer:
    """Parse and validate (against the catalogue schema's limits when given); raises InvalidAnswer naming every problem."""
    if not text or not text.strip():
        raise InvalidAnswer("the answer was empty", text or "")
    try:
        data = json.loads(_fences(text))
    except json.JSONDecodeError as exc:
        raise InvalidAnswer(f"the answer is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", text) from None
    try:
        answer = Answer.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {_short(e['msg'])}" for e in exc.errors()[:10])
        raise InvalidAnswer(f"the answer does not match the schema: {problems}", _short(text, 4000)) from None
    if limits is not None:
        over = limits.problems(answer)
        if over:
            raise InvalidAnswer(f"the answer does not match the schema: {'; '.join(over[:10])}", _short(text, 4000))
    return answer


def _short(text: str, n: int = 200) -> str:
    return text if len(text) <= n else text[:n] + f"... ({len(text):,} characters)"


@dataclass(frozen=True)
class AnswerSchema:
    """The schema sent for one catalogue: enums of its names, limits on lengths and items.

    The same limits are checked on whatever comes back (`problems`), since a server may
    ignore the schema; names outside the enums are left to the catalogue index, which drops
    the one suggestion and records why. The output token limit follows from the limits."""

    schema: dict
    hash: str
    max_suggestions: int
    max_text_chars: int

    @classmethod
    def build(cls, catalogue: Catalogue, max_suggestions: int = 10, max_text_chars: int = 300) -> AnswerSchema:
        schema = copy.deepcopy(SCHEMA)
        complete = [c for c in catalogue.commitments if c.complete]
        props = schema["properties"]
        props["suggestions"]["maxItems"] = max_suggestions
        item = props["suggestions"]["items"]["properties"]
        item["member"]["enum"] = [m.name for m in catalogue.members]
        item["commitment"]["enum"] = [c.number for c in complete]
        item["dimension"]["enum"] = sorted({d.key for c in complete for d in c.dimensions})
        item["confidence"].update(minimum=0, maximum=1)
        for key in ("rationale", "quote"):
            item[key]["maxLength"] = max_text_chars
        props["gist_en"]["maxLength"] = max_text_chars
        digest = hashlib.sha256(json.dumps(schema, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]
        return cls(schema, digest, max_suggestions, max_text_chars)

    def output_tokens(self) -> int:
        """Tokens of the longest answer the schema allows (about 3 characters a token, plus JSON keys)."""
        per_suggestion = 90 + math.ceil(2 * self.max_text_chars / 3)
        return 40 + self.max_suggestions * per_suggestion + math.ceil(self.max_text_chars / 3)

    def problems(self, answer: Answer) -> list[str]:
        out = []
        if len(answer.suggestions) > self.max_suggestions:
            out.append(f"suggestions: at most {self.max_suggestions} items, got {len(answer.suggestions)}")
        for i, s in enumerate(answer.suggestions):
            for key in ("rationale", "quote"):
                n = len(getattr(s, key))
                if n > self.max_text_chars:
                    out.append(f"suggestions.{i}.{key}: at most {self.max_text_chars} characters, got {n:,}")
        if answer.gist_en and len(answer.gist_en) > self.max_text_chars:
            out.append(f"gist_en: at most {self.max_text_chars} characters, got {len(answer.gist_en):,}")
        return out
