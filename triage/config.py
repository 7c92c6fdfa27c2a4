"""Settings: one registry, read from the environment (prefix TRIAGE_), validated at start.

Every field carries its documentation; `triage config --docs` renders the table in
docs/configuration.md and a test keeps that file true.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from triage import resources
from triage.errors import ConfigError

Backend = Literal["rules", "llm"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRIAGE_",
        populate_by_name=True,
        extra="ignore",
        validate_default=True,
    )

    # --- storage -------------------------------------------------------------
    database_url: str = Field(
        "sqlite:///triage.db",
        description="SQLAlchemy URL of the database. The default is a SQLite file in the "
        "working directory; teams use PostgreSQL (postgresql://user@host/db).",
    )

    # --- data ----------------------------------------------------------------
    catalogue: Path = Field(
        default_factory=resources.default_catalogue,
        description="Commitment catalogue (YAML) that defines the report being monitored. "
        "Defaults to the shipped 2024 Apulia interim catalogue.",
    )
    feeds: Path = Field(
        default_factory=lambda: resources.data_dir("feeds"),
        description="Source registry: a YAML file or a directory of YAML files. "
        "Defaults to the shipped registry.",
    )

    # --- classification -----------------------------------------------------------
    backend: Literal["auto", "rules", "llm"] = Field(
        "auto",
        description="Classifier backend. `auto` uses the LLM when one is configured "
        "(a base URL or an API key is set) and the rules classifier otherwise. "
        "The command-line option --backend overrides it.",
    )
    llm_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("TRIAGE_LLM_BASE_URL", "OPENAI_BASE_URL"),
        description="Base URL of an OpenAI-compatible endpoint (OpenAI, Azure, Ollama, "
        "vLLM, llama.cpp). Falls back to OPENAI_BASE_URL.",
    )
    llm_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("TRIAGE_LLM_API_KEY", "OPENAI_API_KEY"),
        description="API key for the LLM endpoint. Falls back to OPENAI_API_KEY. "
        "Shown masked.",
    )
    llm_model: str = Field(
        "gpt-4o-mini",
        description="Model name sent to the LLM endpoint.",
    )

    # --- fetching --------------------------------------------------------------------
    user_agent: str = Field(
        "Triage/0.1 (G7 Research Group compliance monitoring; +https://www.g7.utoronto.ca/; g7@utoronto.ca)",
        description="User-Agent sent with every request: names the tool and a contact, as "
        "webmasters expect of a polite robot.",
    )
    fetch_connect_timeout: float = Field(10.0, gt=0, description="Seconds to wait for a connection.")
    fetch_read_timeout: float = Field(20.0, gt=0, description="Seconds to wait for each chunk of a response.")
    fetch_total_timeout: float = Field(
        60.0, gt=0, description="Seconds one request may take in all, however slowly the server trickles bytes."
    )
    fetch_max_bytes: int = Field(
        10_000_000, ge=1024, description="Largest response body accepted (after gzip decoding); larger feeds are cut off and reported."
    )
    fetch_max_redirects: int = Field(5, ge=0, description="Redirects followed before a fetch fails (stops redirect loops).")
    fetch_attempts: int = Field(
        3, ge=1, le=10, description="Attempts per fetch for transient failures (timeouts, network errors, 5xx, 429)."
    )
    fetch_backoff_seconds: float = Field(
        1.0, ge=0, description="First retry wait; it doubles on each attempt, with random jitter."
    )
    fetch_retry_after_max: float = Field(
        60.0, ge=0, description="Longest wait honoured from a server's Retry-After header (longer requests are capped)."
    )
    fetch_concurrency: int = Field(8, ge=1, le=64, description="Sources fetched at once.")
    fetch_per_host: int = Field(2, ge=1, le=16, description="Requests at once to one host, so a ministry's server is never hammered.")
    source_backoff_max_minutes: int = Field(
        24 * 60,
        ge=5,
        description="Longest delay before a failing source is polled again; the delay doubles with each consecutive failure.",
    )

    # --- ingestion -------------------------------------------------------------------
    ingest_batch_size: int = Field(
        200, ge=1, le=5000, description="Entries stored per database transaction; a crash loses at most one uncommitted batch, which the next run redoes."
    )
    extract_full_text: bool = Field(
        False,
        description="Fetch the article page and extract its text (trafilatura) when a feed entry is only a teaser.",
    )
    teaser_chars: int = Field(
        280, ge=0, description="Entries with less text than this count as teasers (for extract_full_text)."
    )
    dedup_max_distance: int = Field(
        18, ge=0, le=32, description="SimHash distance (bits of 64) within which a stored item is compared word by word as a possible copy of the same story."
    )
    dedup_min_overlap: float = Field(
        0.7, gt=0, le=1, description="Share of the shorter text's word pairs the other must contain for two items to be the same story."
    )
    dedup_window_days: int = Field(
        3, ge=0, le=365, description="Near-duplicates are looked for among items published this many days either side."
    )

    # --- scheduling ------------------------------------------------------------------
    schedule_poll_seconds: int = Field(
        60, ge=1, description="How often the scheduler looks for sources that are due (each source keeps its own interval)."
    )
    digest_time: str = Field(
        "07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Time of day (UTC, HH:MM) the daily digest is written."
    )
    digest_dir: Path = Field(
        Path("digests"), description="Directory the daily digest Markdown files are written to (relative to the working directory)."
    )
    lease_seconds: int = Field(
        300, ge=5, description="How long a scheduler holds a job's lease before another may take it over (renewed while the job runs)."
    )

    # --- operations --------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Logging level of the CLI, scheduler and web app."
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("only sqlite:/// and postgresql:// URLs are supported")
        return value

    # -- derived ---------------------------------------------------------------------
    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url) or self.llm_api_key is not None

    def resolve_backend(self, override: str | None = None) -> Backend:
        """The backend to use: the CLI option, else the setting, else auto-detection."""
        choice = override or self.backend
        if choice == "auto":
            return "llm" if self.llm_configured else "rules"
        if choice == "llm" and not self.llm_configured:
            raise ConfigError(
                "the llm backend needs an endpoint: set TRIAGE_LLM_BASE_URL (or "
                "OPENAI_BASE_URL) and/or TRIAGE_LLM_API_KEY (or OPENAI_API_KEY)"
            )
        if choice not in ("rules", "llm"):
            raise ConfigError(f"unknown backend {choice!r}: use rules or llm")
        return choice  # type: ignore[return-value]


def env_names(name: str) -> list[str]:
    """Environment variables that set field `name`, in order of precedence."""
    field = Settings.model_fields[name]
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(c) for c in alias.choices]
    return [f"TRIAGE_{name.upper()}"]


SECRET_FIELDS = {name for name, f in Settings.model_fields.items() if f.annotation in (SecretStr, SecretStr | None)}


def mask(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        raw = value.get_secret_value()
        return "****" + raw[-4:] if len(raw) > 8 else "****"
    return str(value)


def describe(settings: Settings) -> list[dict[str, str]]:
    """Rows of (setting, env vars, effective value masked, where it came from)."""
    rows = []
    explicitly_set = settings.model_fields_set
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        rows.append(
            {
                "name": name,
                "env": " or ".join(env_names(name)),
                "value": mask(value),
                "source": "environment" if name in explicitly_set else "default",
                "description": field.description or "",
            }
        )
    return rows


def docs_markdown() -> str:
    """The settings table of docs/configuration.md, generated from the registry."""
    lines = [
        "| Environment variable | Default | Description |",
        "| --- | --- | --- |",
    ]
    for name, field in Settings.model_fields.items():
        if field.default_factory is not None:
            default = "(shipped data)"
        elif field.default is None:
            default = "(unset)"
        else:
            default = f"`{field.default}`"
        env = ", ".join(f"`{e}`" for e in env_names(name))
        lines.append(f"| {env} | {default} | {field.description} |")
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
