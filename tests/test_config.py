"""Settings: environment variables, fallbacks, masking, backend choice, and docs kept true."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.config import Settings, docs_markdown
from triage.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_defaults(tmp_path):
    s = Settings()
    assert s.database_url.startswith("sqlite:///")
    assert s.catalogue.name == "2024-apulia-interim.yaml" and s.catalogue.exists()
    assert s.feeds.is_dir()
    assert s.resolve_backend() == "rules"


def test_openai_variables_are_fallbacks(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fallback-0000")
    s = Settings()
    assert s.llm_base_url == "http://127.0.0.1:9/v1"
    assert s.llm_api_key.get_secret_value() == "sk-fallback-0000"
    assert s.resolve_backend() == "llm"
    monkeypatch.setenv("TRIAGE_LLM_BASE_URL", "http://127.0.0.1:8/v1")
    monkeypatch.setenv("TRIAGE_LLM_API_KEY", "sk-triage-1111")
    s = Settings()
    assert s.llm_base_url == "http://127.0.0.1:8/v1"
    assert s.llm_api_key.get_secret_value() == "sk-triage-1111"


def test_backend_override_and_refusal(monkeypatch):
    assert Settings().resolve_backend("rules") == "rules"
    with pytest.raises(ConfigError, match="needs an endpoint"):
        Settings().resolve_backend("llm")
    monkeypatch.setenv("TRIAGE_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    assert Settings().resolve_backend() == "llm"
    assert Settings().resolve_backend("rules") == "rules"
    monkeypatch.setenv("TRIAGE_BACKEND", "rules")
    assert Settings().resolve_backend() == "rules"


def test_config_command_masks_secrets(cli, monkeypatch):
    monkeypatch.setenv("TRIAGE_LLM_API_KEY", "sk-very-secret-key-9876")
    monkeypatch.setenv("TRIAGE_LLM_MODEL", "llama3.1:8b")
    result = cli("config", "--json")
    assert result.code == 0
    assert "sk-very-secret" not in result.out
    data = result.json
    assert data["llm_api_key"]["value"] == "****9876"
    assert data["llm_model"] == {"value": "llama3.1:8b", "source": "environment", "env": "TRIAGE_LLM_MODEL"}
    assert data["effective_backend"]["value"] == "llm"
    table = cli("config")
    assert "sk-very-secret" not in table.out and "llama3.1:8b" in table.out


def test_invalid_setting_is_a_clear_error(cli, monkeypatch):
    monkeypatch.setenv("TRIAGE_DATABASE_URL", "mysql://nope")
    result = cli("config")
    assert result.code == 2
    assert "database_url" in result.err and "Traceback" not in result.err


def test_every_setting_is_documented():
    """docs/configuration.md holds the generated table; regenerate with `triage config --docs`."""
    doc = (ROOT / "docs" / "configuration.md").read_text()
    assert docs_markdown() in doc, "docs/configuration.md is stale: paste the output of `triage config --docs`"
    for name in Settings.model_fields:
        assert f"TRIAGE_{name.upper()}" in doc
