"""Settings: one registry, read from the environment (prefix TRIAGE_), validated at start.

Every field carries its documentation; `triage config --docs` renders the table in
docs/configuration.md and a test keeps that file true.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from triage import resources
from triage.errors import ConfigError

Backend = Literal["rules", "llm"]


class ModelProfile(BaseModel):
    """What one model (or family, by name pattern) supports and costs."""

    model_config = ConfigDict(extra="forbid")

    output_mode: Literal["auto", "openai", "llamacpp", "ollama", "vllm", "json_schema", "json_object"] = Field(
        "auto",
        description="Server dialect for constrained output: openai (strict json_schema), llamacpp (json_object "
        "with a schema), ollama (format), vllm (guided_json), json_object (JSON mode, validated and repaired "
        "by Triage); json_schema is openai. auto: the stored `triage llm check` result, or a probe first.",
    )
    input_usd_per_mtok: float = Field(0.0, ge=0, description="Price of a million input tokens, for cost estimates.")
    output_usd_per_mtok: float = Field(0.0, ge=0, description="Price of a million output tokens.")
    temperature: float | None = Field(0.0, description="Sent with every request; null for models that refuse it.")
    max_tokens_param: Literal["max_tokens", "max_completion_tokens"] = "max_tokens"
    timeout_seconds: float | None = Field(None, gt=0, description="Timeout of one request; null: TRIAGE_LLM_TIMEOUT_SECONDS.")
    max_output_tokens: int | None = Field(
        None, ge=16, description="Output token limit; null: derived from the answer schema (capped by TRIAGE_LLM_MAX_OUTPUT_TOKENS)."
    )
    max_suggestions: int = Field(10, ge=1, le=50, description="maxItems of the answer's suggestions.")
    max_text_chars: int = Field(300, ge=40, description="maxLength of rationale, quote and gist.")
    prompt: str | None = Field(None, description="Prompt template for this model (e.g. classify-v1-compact); null: TRIAGE_LLM_PROMPT.")


def _profile(mode: str, price_in: float, price_out: float, reasoning: bool = False) -> ModelProfile:
    return ModelProfile(
        output_mode=mode,
        input_usd_per_mtok=price_in,
        output_usd_per_mtok=price_out,
        temperature=None if reasoning else 0.0,
        max_tokens_param="max_completion_tokens" if reasoning else "max_tokens",
    )


# Built-in profiles for OpenAI's hosted models (list prices per million tokens, USD; check
# your provider's current prices). Any other model, e.g. on Ollama, vLLM or llama.cpp,
# gets JSON mode and no cost until TRIAGE_LLM_MODELS says otherwise. Longest pattern wins.
BUILTIN_MODELS: dict[str, ModelProfile] = {
    "gpt-4o-mini*": _profile("json_schema", 0.15, 0.60),
    "gpt-4o*": _profile("json_schema", 2.50, 10.00),
    "gpt-4.1-nano*": _profile("json_schema", 0.10, 0.40),
    "gpt-4.1-mini*": _profile("json_schema", 0.40, 1.60),
    "gpt-4.1*": _profile("json_schema", 2.00, 8.00),
    "gpt-5-nano*": _profile("json_schema", 0.05, 0.40, reasoning=True),
    "gpt-5-mini*": _profile("json_schema", 0.25, 2.00, reasoning=True),
    "gpt-5*": _profile("json_schema", 1.25, 10.00, reasoning=True),
    "o4-mini*": _profile("json_schema", 1.10, 4.40, reasoning=True),
    "o3*": _profile("json_schema", 2.00, 8.00, reasoning=True),
    # Small local models (a few tokens a second on a CPU): the compact prompt, few and short
    # suggestions, and a timeout that fits the output limit.
    "gemma3*270m*": ModelProfile(prompt="classify-v1-compact", max_suggestions=2, max_text_chars=160, timeout_seconds=300),
}


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
        description="Commitment catalogue (YAML) that defines the report being monitored. Defaults to the shipped 2024 Apulia interim catalogue.",
    )
    feeds: Path = Field(
        default_factory=lambda: resources.data_dir("feeds"),
        description="Source registry: a YAML file or a directory of YAML files. Defaults to the shipped registry.",
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
        description="Base URL of an OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM, llama.cpp). Falls back to OPENAI_BASE_URL.",
    )
    llm_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("TRIAGE_LLM_API_KEY", "OPENAI_API_KEY"),
        description="API key for the LLM endpoint. Falls back to OPENAI_API_KEY. Shown masked.",
    )
    llm_model: str = Field(
        "gpt-4o-mini",
        description="Model name sent to the LLM endpoint.",
    )

    llm_models: dict[str, ModelProfile] = Field(
        default_factory=dict,
        description="Per-model capabilities and prices as JSON, keyed by model name or pattern "
        '(e.g. {"llama3.1*": {"output_mode": "json_object"}, "my-model": {"output_mode": "json_schema", '
        '"input_usd_per_mtok": 0.2, "output_usd_per_mtok": 0.8}}). Merged over built-in profiles for '
        "OpenAI models; unknown models use JSON mode, validated and repaired, at no cost.",
    )
    llm_output_mode: Literal["auto", "openai", "llamacpp", "ollama", "vllm", "json_schema", "json_object"] = Field(
        "auto",
        description="Server dialect for structured output: `auto` takes it from the model's profile, else from the "
        "stored `triage llm check` result (probing first when there is none); openai (strict json_schema), "
        "llamacpp (json_object with a schema), ollama (format), vllm (guided_json) or json_object (JSON mode) override it.",
    )
    llm_prompt: str = Field("classify-v1", description="Prompt template (prompts/NAME.md) unless the model's profile names one.")
    llm_timeout_seconds: float = Field(60.0, gt=0, description="Timeout of one request to the LLM endpoint.")
    llm_max_retries: int = Field(
        3,
        ge=0,
        le=10,
        description="Retries of one request after a rate limit (429), a server error (5xx), a timeout or a "
        "lost connection. Triage is the only retry layer (the openai client's own retries are off).",
    )
    llm_retry_initial_seconds: float = Field(
        1.0, ge=0, description="First back-off delay; doubles on each retry, with jitter, unless the server sends Retry-After."
    )
    llm_retry_max_wait_seconds: float = Field(60.0, ge=0, description="Longest wait before a retry, also the cap on a server's Retry-After.")
    llm_concurrency: int = Field(4, ge=1, le=128, description="Requests in flight at once (--concurrency overrides).")
    llm_max_output_tokens: int = Field(
        4000, ge=64, description="Upper bound on one answer's output tokens (the limit itself follows from the answer schema)."
    )
    llm_daily_token_budget: int | None = Field(
        None, ge=0, description="Tokens (in + out) the LLM may use per UTC day; classification pauses when reached."
    )
    llm_daily_cost_budget_usd: float | None = Field(
        None, ge=0, description="Estimated cost (USD) the LLM may incur per UTC day; classification pauses when reached."
    )
    rules: Path | None = Field(
        None,
        description="Rules file of the rules classifier and the pre-filter. Defaults to the file beside the catalogue (<catalogue>.rules.yaml).",
    )
    classify_max_attempts: int = Field(3, ge=1, le=20, description="Times an item is tried before it stays failed (each run retries failed items).")
    learned_rescue_threshold: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Probability from the learned model above which an item the rules pass over becomes a suggestion in the possible-evidence lane.",
    )
    learned_min_per_class: int = Field(
        10, ge=2, description="Fewest labels of each class (evidence, not evidence) per commitment before `triage learn` stores a model."
    )
    learned_retrain_min_decisions: int = Field(
        50, ge=1, description="New analyst decisions since the current model that make the nightly job retrain it."
    )
    classify_lease_minutes: float = Field(
        30,
        gt=0,
        description="How long a claimed item is reserved for the worker that claimed it; after that a crashed worker's items are claimed again.",
    )

    # --- web app ------------------------------------------------------------------
    web_secure_cookies: bool = Field(
        True,
        description="Mark the session cookie Secure (sent over HTTPS only). Browsers also accept "
        "Secure cookies on http://127.0.0.1 and http://localhost, so the default works for the "
        "local demo; set false only when serving plain HTTP on another address (a trusted LAN).",
    )
    web_session_hours: int = Field(12, ge=1, description="How long a web login lasts before the analyst must log in again.")
    web_login_max_failures: int = Field(
        5,
        ge=1,
        description="Failed logins allowed per user name and per client address within the window before further attempts get HTTP 429.",
    )
    web_login_window_minutes: int = Field(15, ge=1, description="The window (minutes) over which failed logins are counted.")
    web_page_size: int = Field(50, ge=5, le=500, description="Suggestions per page of the review queue.")
    web_counts_seconds: float = Field(
        10.0,
        ge=0,
        description="How long the queue's counts per filter may be reused before they are recounted "
        "(a decision in the app recounts at once; this bounds staleness from other processes). 0 recounts every page.",
    )

    # --- fetching --------------------------------------------------------------------
    user_agent: str = Field(
        "Triage/0.1 (G7 Research Group compliance monitoring; +https://www.g7.utoronto.ca/; g7@utoronto.ca)",
        description="User-Agent sent with every request: names the tool and a contact, as webmasters expect of a polite robot.",
    )
    fetch_connect_timeout: float = Field(10.0, gt=0, description="Seconds to wait for a connection.")
    fetch_read_timeout: float = Field(20.0, gt=0, description="Seconds to wait for each chunk of a response.")
    fetch_total_timeout: float = Field(60.0, gt=0, description="Seconds one request may take in all, however slowly the server trickles bytes.")
    fetch_max_bytes: int = Field(
        10_000_000, ge=1024, description="Largest response body accepted (after gzip decoding); larger feeds are cut off and reported."
    )
    fetch_max_redirects: int = Field(5, ge=0, description="Redirects followed before a fetch fails (stops redirect loops).")
    fetch_attempts: int = Field(3, ge=1, le=10, description="Attempts per fetch for transient failures (timeouts, network errors, 5xx, 429).")
    fetch_backoff_seconds: float = Field(1.0, ge=0, description="First retry wait; it doubles on each attempt, with random jitter.")
    fetch_retry_after_max: float = Field(
        60.0, ge=0, description="Longest wait honoured from a server's Retry-After header (longer requests are capped)."
    )
    fetch_concurrency: int = Field(8, ge=1, le=64, description="Sources fetched at once.")
    fetch_per_host: int = Field(2, ge=1, le=16, description="Requests at once to one host, so a ministry's server is never hammered.")
    fetch_allow_private_addresses: bool = Field(
        False,
        description="Allow fetches (feeds, pages, articles, discovery) to reach loopback, private, link-local and other non-public "
        "addresses. Off by default so a feed or an entry link cannot point Triage at the network it runs in; turn on for intranet sources.",
    )
    fetch_max_articles: int = Field(
        50, ge=1, le=1000, description="Articles fetched per listing page, sitemap or JSON source in one run (new links only; the rest wait)."
    )
    sitemap_max_files: int = Field(20, ge=1, le=1000, description="Sitemaps read from one sitemap index (a sitemap bomb is cut here).")
    sitemap_max_urls: int = Field(5000, ge=1, le=100_000, description="URLs read from the sitemaps of one source (the newest are kept).")
    source_backoff_max_minutes: int = Field(
        24 * 60,
        ge=5,
        description="Longest delay before a failing source is polled again; the delay doubles with each consecutive failure.",
    )

    # --- ingestion -------------------------------------------------------------------
    ingest_batch_size: int = Field(
        200,
        ge=1,
        le=5000,
        description="Entries stored per database transaction; a crash loses at most one uncommitted batch, which the next run redoes.",
    )
    extract_full_text: bool = Field(
        False,
        description="Fetch the article page and extract its text (trafilatura) when a feed entry is only a teaser.",
    )
    teaser_chars: int = Field(280, ge=0, description="Entries with less text than this count as teasers (for extract_full_text).")
    dedup_max_distance: int = Field(
        18,
        ge=0,
        le=32,
        description="SimHash distance (bits of 64) within which a stored item is compared word by word as a possible copy of the same story.",
    )
    dedup_min_overlap: float = Field(
        0.7, gt=0, le=1, description="Share of the shorter text's word pairs the other must contain for two items to be the same story."
    )
    dedup_window_days: int = Field(3, ge=0, le=365, description="Near-duplicates are looked for among items published this many days either side.")

    # --- scheduling ------------------------------------------------------------------
    schedule_poll_seconds: int = Field(
        60, ge=1, description="How often the scheduler looks for sources that are due (each source keeps its own interval)."
    )
    schedule_classify_seconds: int = Field(
        300, ge=10, description="How often the scheduler classifies new and retryable items (with the configured backend)."
    )
    digest_time: str = Field("07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Time of day (UTC, HH:MM) the daily digest is written.")
    learn_time: str = Field(
        "02:30",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="Time of day (UTC, HH:MM) the learned model is retrained, when enough new decisions exist.",
    )
    digest_dir: Path = Field(
        Path("digests"), description="Directory the daily digest Markdown files are written to (relative to the working directory)."
    )
    coverage_gap_days: int = Field(
        28,
        ge=1,
        le=366,
        description="A member x commitment with no accepted or pending evidence for longer than this many days is a coverage gap "
        "(the leads' dashboard and the daily digest list them).",
    )
    lease_seconds: int = Field(
        300, ge=5, description="How long a scheduler holds a job's lease before another may take it over (renewed while the job runs)."
    )

    # --- workers (several processes on one PostgreSQL) ----------------------------------
    source_claim_seconds: int = Field(
        900,
        ge=10,
        description="How long a due source claimed for fetching stays reserved for its worker; a dead worker's sources are fetched by another after this.",
    )
    fetch_claim_batch: int = Field(50, ge=1, le=10_000, description="Due sources one worker (or scheduler poll) claims at a time.")
    worker_batch: int = Field(
        64,
        ge=1,
        le=10_000,
        description="Items a worker classifies per round; it checks for shutdown (SIGTERM) and due sources between rounds.",
    )
    worker_idle_seconds: float = Field(5.0, gt=0, le=3600, description="How long a worker with nothing to do waits before looking again.")
    heartbeat_seconds: int = Field(30, ge=1, description="How often schedulers and workers record that they are alive.")
    health_heartbeat_max_seconds: int = Field(
        180, ge=5, description="/healthz fails when the newest scheduler heartbeat is older than this (or there is none)."
    )
    health_failing_sources_max: float = Field(0.5, ge=0, le=1, description="/healthz fails when more than this share of enabled sources are failing.")
    metrics_dir: Path | None = Field(
        None,
        description="Directory shared by the processes of one host for Prometheus multiprocess metrics (several web workers, "
        "and workers beside them). Unset: each process counts alone, and /metrics shows the web process's own counts.",
    )

    # --- operations --------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Logging level of the CLI, scheduler and web app.")
    log_format: Literal["text", "json"] = Field(
        "text", description="`json`: one JSON object per log line (time, level, logger, message, process), for log collectors."
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
                "the llm backend needs an endpoint: set TRIAGE_LLM_BASE_URL (or OPENAI_BASE_URL) and/or TRIAGE_LLM_API_KEY (or OPENAI_API_KEY)"
            )
        if choice not in ("rules", "llm"):
            raise ConfigError(f"unknown backend {choice!r}: use rules or llm")
        return choice  # type: ignore[return-value]

    def model_profile(self, model: str | None = None) -> ModelProfile:
        """The profile of a model: configured patterns first, then built-in ones; longest pattern wins."""
        model = model or self.llm_model
        profile = ModelProfile()
        for table in (BUILTIN_MODELS, self.llm_models):
            matches = [p for p in table if fnmatchcase(model, p)]
            if matches:
                profile = table[max(matches, key=len)]
        if self.llm_output_mode != "auto":
            profile = profile.model_copy(update={"output_mode": self.llm_output_mode})
        return profile

    def llm_timeout(self, profile: ModelProfile | None = None) -> float:
        profile = profile or self.model_profile()
        return profile.timeout_seconds or self.llm_timeout_seconds


def env_names(name: str) -> list[str]:
    """Environment variables that set field `name`, in order of precedence."""
    field = Settings.model_fields[name]
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(c) for c in alias.choices]
    return [f"TRIAGE_{name.upper()}"]


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
            produced = field.default_factory()  # type: ignore[call-arg]  # our factories take no arguments
            default = "(shipped data)" if isinstance(produced, Path) else f"`{produced}`"
        elif field.default is None:
            default = "(unset)"
        else:
            default = f"`{field.default}`"
        env = ", ".join(f"`{e}`" for e in env_names(name))
        lines.append(f"| {env} | {default} | {field.description} |")
    return "\n".join(lines) + "\n"
