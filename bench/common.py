"""Helpers shared by the benchmarks: timing, peak memory, and one way to print results.

Benchmarks print ratios (to a baseline or to an ideal) so that numbers compare
across machines; targets are stated beside each ratio.
"""

from __future__ import annotations

import os
import statistics
import time
import tracemalloc
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from triage import db

console = Console()


@dataclass
class Row:
    name: str
    value: float
    unit: str = ""
    target: str = ""
    ok: bool | None = None


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Best wall-clock seconds of `repeat` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


@contextmanager
def peak_memory():
    """Peak Python heap allocation (bytes) inside the block: box['peak']."""
    box = {"peak": 0}
    tracemalloc.start()
    try:
        yield box
    finally:
        box["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(median, p95) of samples."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def report(title: str, rows: list[Row]) -> None:
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target")
    table.add_column("")
    for r in rows:
        mark = "" if r.ok is None else ("[green]ok[/]" if r.ok else "[red]missed[/]")
        table.add_row(r.name, f"{r.value:,.3f} {r.unit}".strip(), r.target, mark)
    console.print(table)


# --- scratch PostgreSQL databases for the benchmarks that need a server -------------------------

SERVER = os.environ.get("TRIAGE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin():
    return create_engine(make_url(SERVER).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")


def create_database() -> str:
    name = f"triage_bench_{uuid.uuid4().hex[:10]}"
    with _admin().connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(SERVER).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    db.dispose_engines()
    with _admin().connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
