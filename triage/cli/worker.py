"""`triage worker`: fetch due sources and classify queued items until stopped (SIGTERM, Ctrl-C)."""

from __future__ import annotations

import os
import signal
import threading

import typer

from triage import logs
from triage.cli.classify import BackendChoice
from triage.cli.common import console, load_settings, print_json


def worker(
    concurrency: int = typer.Option(None, "--concurrency", "-c", min=1, max=128, help="LLM requests in flight (default: TRIAGE_LLM_CONCURRENCY)."),
    backend: BackendChoice = typer.Option(None, "--backend", "-b", help="rules or llm (default: TRIAGE_BACKEND)."),
    fetch: bool = typer.Option(True, "--fetch/--no-fetch", help="Fetch due sources."),
    classify: bool = typer.Option(True, "--classify/--no-classify", help="Classify queued items."),
    exit_when_idle: bool = typer.Option(False, "--exit-when-idle", help="Stop when there is nothing to do (batch jobs, tests)."),
    as_json: bool = typer.Option(False, "--json", help="Print the totals as JSON on exit."),
) -> None:
    """Share fetching and classification with the other workers on this database; stop with SIGTERM or Ctrl-C.

    Several workers need PostgreSQL; on SQLite a second one is refused."""
    from triage.schedule.worker import Worker

    settings = load_settings()
    logs.configure(settings.log_level, settings.log_format)
    stop = threading.Event()

    def on_signal(signum, _frame) -> None:
        if stop.is_set():  # the second signal: stop now, claims expire on their own
            raise KeyboardInterrupt
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    kind = settings.resolve_backend(backend.value if backend else None)
    w = Worker(settings, concurrency=concurrency, fetch=fetch, classify=classify, backend=kind, stop=stop)
    if not as_json:
        console.print(f"Worker {os.getpid()} started ({kind} backend); SIGTERM or Ctrl-C stops it after the current round.", highlight=False)
    stats = w.run(exit_when_idle=exit_when_idle)
    if as_json:
        print_json(vars(stats))
    else:
        console.print(
            f"Worker stopped: {stats.rounds} rounds, {stats.sources} sources fetched ({stats.new_items} new items), "
            f"{stats.items} items classified, {stats.suggestions} suggestions.",
            highlight=False,
        )
