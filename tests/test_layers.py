"""The layer contracts hold, and they would catch an upward import (run on a copy of the package)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(where: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=where, env=env, capture_output=True, text=True, timeout=120)


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "triage", tmp_path / "triage", ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_name_every_layer_and_hold(tmp_path):
    where = _copy(tmp_path)
    result = _lint(where)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    # Every top-level module and package of triage is placed in a layer.
    import tomllib

    layers = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]["layers"]
    named = {part.strip() for layer in layers for part in layer.replace(":", "|").split("|")}
    modules = {
        f"triage.{p.stem}"
        for p in (ROOT / "triage").iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").exists()) and p.stem not in {"__init__", "__main__"}
    }
    assert modules <= named, f"not in any layer: {sorted(modules - named)}"


def test_an_upward_import_breaks_the_contract(tmp_path):
    where = _copy(tmp_path)
    models = where / "triage" / "models" / "__init__.py"
    models.write_text(models.read_text() + "\nimport triage.review.decisions  # an upward import\n")
    result = _lint(where)
    assert result.returncode != 0
    assert "triage.models is not allowed to import triage.review" in result.stdout


def test_cli_importing_web_breaks_the_independence_contract(tmp_path):
    where = _copy(tmp_path)
    serve = where / "triage" / "cli" / "serve.py"
    serve.write_text(serve.read_text() + "\nimport triage.web.app\n")
    result = _lint(where)
    assert result.returncode != 0
    assert "triage.cli is not allowed to import triage.web" in result.stdout
