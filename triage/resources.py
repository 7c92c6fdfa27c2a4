"""Where the shipped data directories are, in a checkout and in an installed wheel.

The repository keeps `commitments/`, `feeds/`, `prompts/` and `db/` at its top
level; the wheel build copies them to `triage/_data/` (see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_INSTALLED = _PACKAGE_DIR / "_data"
_CHECKOUT = _PACKAGE_DIR.parent

DATA_DIRS = ("commitments", "feeds", "prompts", "db")


def data_dir(name: str) -> Path:
    """Return the directory holding one kind of shipped data."""
    if name not in DATA_DIRS:
        raise ValueError(f"unknown data directory {name!r}")
    installed = _INSTALLED / name
    if installed.is_dir():
        return installed
    return _CHECKOUT / name


def default_catalogue() -> Path:
    return data_dir("commitments") / "2024-apulia-interim.yaml"


def migrations_dir() -> Path:
    return data_dir("db") / "migrations"
