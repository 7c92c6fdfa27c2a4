"""An installed wheel (not the checkout) finds its catalogues, prompts, registry and migrations."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # No build isolation and no index: hatchling comes from the test environment.
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return next(out.glob("triage-*.whl"))


def test_wheel_carries_the_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "triage/_data/commitments/2024-apulia-interim.yaml" in names
    assert "triage/_data/db/migrations/env.py" in names
    assert any(n.startswith("triage/_data/db/migrations/versions/0001") for n in names)
    assert any(n.startswith("triage/_data/feeds/") and n.endswith(".yaml") for n in names)
    assert any(n.startswith("triage/_data/prompts/") for n in names)


def test_unpacked_wheel_runs_without_the_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import triage, triage.resources as r;"
        "assert triage.__file__.startswith(sys.argv[1]), triage.__file__;"
        "assert str(r.default_catalogue()).startswith(sys.argv[1]);"
        "from triage.cli import main; sys.exit(main(['init']))"
    )
    env = {"PATH": "/usr/bin:/bin", "TRIAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}", "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "20 commitments" in proc.stdout
