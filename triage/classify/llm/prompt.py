"""Versioned prompt templates: a static prefix (instructions, catalogue, schema) and the item last.

A template in prompts/ has a front matter `id` (the version, e.g. classify-v1) and two parts,
`<!-- system -->` and `<!-- user -->`, with {{placeholders}}. The system part is rendered once
per run from the catalogue and the schema and is the same for every item, so providers that
cache prompt prefixes can reuse it. The item goes last, in the user message, between markers
tagged with a value the item cannot know in advance (from its content hash), as data.

The prompt version recorded with every call and cache entry is the template id plus a hash of
the rendered prefix: changing the catalogue or the schema changes the version too.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from triage import resources
from triage.catalogue.schema import Catalogue
from triage.classify.base import ItemInput
from triage.classify.llm.schema import SCHEMA
from triage.errors import ConfigError

DEFAULT_TEMPLATE = "classify-v1"
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def template_path(name: str) -> Path:
    path = Path(name)
    if path.suffix == ".md" and path.exists():
        return path
    return resources.data_dir("prompts") / f"{name}.md"


@dataclass
class Template:
    id: str
    system: str
    user: str

    @classmethod
    def load(cls, name: str = DEFAULT_TEMPLATE) -> Template:
        path = template_path(name)
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"prompt template {name!r} not found ({path})") from None
        match = re.match(r"^---\n(.*?)\n---\n(.*)$", raw, re.S)
        if not match:
            raise ConfigError(f"{path}: a prompt template starts with a front matter (--- id: ... ---)")
        meta = yaml.safe_load(match.group(1)) or {}
        body = match.group(2)
        parts = re.split(r"^<!-- (system|user) -->\n", body, flags=re.M)
        sections = dict(zip(parts[1::2], parts[2::2], strict=True))
        if "id" not in meta or set(sections) != {"system", "user"}:
            raise ConfigError(f"{path}: needs an id and a <!-- system --> and a <!-- user --> part")
        return cls(str(meta["id"]), sections["system"].strip() + "\n", sections["user"].strip() + "\n")


def _fill(text: str, values: dict[str, str]) -> str:
    missing = {m.group(1) for m in _PLACEHOLDER.finditer(text)} - set(values)
    if missing:
        raise ConfigError(f"prompt template uses unknown placeholders: {', '.join(sorted(missing))}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def render_members(cat: Catalogue) -> str:
    lines = []
    for m in cat.members:
        also = ", ".join(m.aliases[:6])
        lines.append(f"- {m.name}" + (f" (also: {also})" if also else ""))
    return "\n".join(lines)


def render_commitments(cat: Catalogue) -> str:
    """Every complete commitment: quote, definitions, dimensions with examples, guidance, exclusions."""
    blocks = []
    for c in cat.commitments:
        if not c.complete:
            continue
        out = [f"## Commitment {c.number}: {c.area}: {c.title}", "", f'Quote: "{c.quote}"']
        if c.definitions:
            out += ["", "Definitions:"] + [f"- {term}: {text}" for term, text in c.definitions.items()]
        out += ["", "Dimensions (use the key):"]
        for d in c.dimensions:
            out.append(f"- `{d.key}` ({d.name}): {d.description}")
            if d.strong:
                out.append("  - strong: " + "; ".join(d.strong))
            if d.weak:
                out.append("  - weak: " + "; ".join(d.weak))
        if c.guidance:
            g = c.guidance
            out += ["", "Strength:"]
            if g.strong:
                out.append("- strong: " + "; ".join(g.strong))
            if g.weak:
                out.append("- weak: " + "; ".join(g.weak))
            if g.contradictory:
                out.append("- contradictory: " + "; ".join(g.contradictory))
        if c.exclusions:
            out += ["", "Exclusions:"]
            for ex in c.exclusions:
                where = f" (belongs to commitment {ex.belongs_to})" if ex.belongs_to else ""
                out.append(f"- {ex.description}{where}")
        blocks.append("\n".join(out))
    others = [f"{c.number}" for c in cat.commitments if not c.complete]
    if others:
        blocks.append(f"Commitments {', '.join(others)} are not described yet: do not suggest them.")
    return "\n\n".join(blocks)


def render_commitments_compact(cat: Catalogue) -> str:
    """One line per dimension: for small local models, whose speed is the prompt's length."""
    lines = []
    for c in cat.commitments:
        if not c.complete:
            continue
        lines.append(f"Commitment {c.number} ({c.area}): {c.title}")
        lines += [f"- {d.key}: {d.description}" for d in c.dimensions]
    return "\n".join(lines)


def render_item(item: ItemInput, nonce: str) -> str:
    tag = f"item-{nonce}"
    lines = [f"title: {item.title}"]
    for label, value in (
        ("publisher", item.publisher),
        ("published", item.published),
        ("url", item.url),
        ("language", item.language),
        ("source member", item.source_member),
    ):
        if value:
            lines.append(f"{label}: {value}")
    lines += ["text:", item.text]
    # The tag is derived from the content, so the content cannot contain it, except by a
    # collision that is removed here to keep the fence intact.
    return "\n".join(lines).replace(tag, "item")


class Prompt:
    """A template rendered for one catalogue: the static prefix, built once."""

    def __init__(self, catalogue: Catalogue, template: Template | None = None, schema: dict | None = None):
        self.template = template or Template.load()
        self.system = _fill(
            self.template.system,
            {
                "group": catalogue.group,
                "summit": catalogue.summit,
                "period_start": catalogue.compliance_period.start.isoformat(),
                "period_end": catalogue.compliance_period.end.isoformat(),
                "members": render_members(catalogue),
                "members_compact": ", ".join(m.name for m in catalogue.members),
                "commitments": render_commitments(catalogue),
                "commitments_compact": render_commitments_compact(catalogue),
                "schema": json.dumps(schema or SCHEMA, indent=2),
                "schema_compact": json.dumps(schema or SCHEMA, separators=(",", ":")),
            },
        )
        digest = hashlib.sha256((self.system + self.template.user).encode()).hexdigest()[:8]
        self.version = f"{self.template.id}@{digest}"

    def messages(self, item: ItemInput) -> list[dict[str, str]]:
        nonce = item.hash[:12]
        user = _fill(self.template.user, {"nonce": nonce, "item": render_item(item, nonce)})
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]

    @staticmethod
    def repair(bad_text: str, problem: str) -> list[dict[str, str]]:
        """The turn that asks for a corrected answer after an invalid one."""
        return [
            {"role": "assistant", "content": bad_text},
            {"role": "user", "content": f"That answer is invalid: {problem}. Reply again with only the JSON object, matching the schema exactly."},
        ]
