"""Helpers shared by the benchmarks: timing, peak memory, and one way to print results.

Benchmarks print ratios (to a baseline or to an ideal) so that numbers compare
across machines; targets are stated beside each ratio.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

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
