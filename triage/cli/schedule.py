"""`triage schedule`: run the scheduler in the foreground."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from triage import logs
from triage.cli.common import console, load_settings
from triage.sources.ingest import require_database


def schedule(
    once: bool = typer.Option(False, "--once", help="Run every job once now (through its lease) and exit."),
    list_jobs: bool = typer.Option(False, "--list", help="List the jobs and their triggers, then exit."),
    exit_after: float = typer.Option(None, "--exit-after", hidden=True, help="Stop after this many seconds (tests)."),
) -> None:
    """Poll due sources, write the daily digest; jobs persist in the database and never
    run in two scheduler processes at once. Stop with Ctrl-C."""
    from triage.schedule.jobs import JOBS, run_all_once
    from triage.schedule.runner import run_forever

    settings = load_settings()
    require_database(settings.database_url)
    logs.configure(settings.log_level, settings.log_format)
    if list_jobs:
        table = Table(title="Scheduled jobs")
        for col in ("Job", "Trigger", "What"):
            table.add_column(col)
        for spec in JOBS:
            table.add_row(spec.id, escape(str(spec.trigger(settings))), spec.description)
        console.print(table)
        return
    if once:
        run_all_once()
        return
    console.print(f"Scheduler started on {settings.database_url}; Ctrl-C stops it.")
    run_forever(settings, exit_after=exit_after)
