"""Fixtures for classification tests: the shipped rules, a fake LLM server on loopback, items."""

from __future__ import annotations

import pytest

from triage.catalogue import load_catalogue
from triage.classify.rules.backend import RulesClassifier
from triage.classify.rules.load import default_rules_path, load_rules
from triage.testing.fake_openai import FakeOpenAI

from .helpers import CATALOGUE


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(CATALOGUE)


@pytest.fixture(scope="session")
def ruleset(catalogue):
    return load_rules(default_rules_path(CATALOGUE), catalogue)


@pytest.fixture(scope="session")
def rules(ruleset):
    return RulesClassifier(ruleset)


@pytest.fixture
def fake_llm():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def llm_env(monkeypatch, fake_llm):
    """Settings pointing at the fake server, with short timeouts and back-off so tests stay fast."""
    monkeypatch.setenv("TRIAGE_LLM_BASE_URL", fake_llm.base_url)
    monkeypatch.setenv("TRIAGE_LLM_API_KEY", "sk-test-0000")
    monkeypatch.setenv("TRIAGE_LLM_MODEL", "gpt-4o-mini")
    monkeypatch.setenv("TRIAGE_LLM_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("TRIAGE_LLM_MAX_RETRIES", "2")
    monkeypatch.setenv("TRIAGE_LLM_RETRY_INITIAL_SECONDS", "0.01")
    monkeypatch.setenv("TRIAGE_LLM_RETRY_MAX_WAIT_SECONDS", "1")
    return fake_llm
