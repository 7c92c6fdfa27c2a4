"""`triage classify`: run the classification stage over the items waiting for it."""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from triage.classify.service import classify_pending
from triage.cli.common import console, err_console, load_settings, print_json


class BackendChoice(StrEnum):
    rules = "rules"
    llm = "llm"


def parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def progress_bar(enabled: bool, label: str):
    """A rich progress bar on stderr (stdout stays clean for --json), or nothing."""
    if not enabled:
        return None, None
    bar = Progress(SpinnerColumn(), TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err_console, transient=True)
    task = bar.add_task(label, total=None)
    return bar, lambda done, total: bar.update(task, completed=done, total=total)


def classify(
    backend: BackendChoice = typer.Option(None, "--backend", "-b", help="rules or llm (default: TRIAGE_BACKEND; auto picks llm when configured)."),
    since: str = typer.Option(None, "--since", help="Only items published (or fetched) on or after this date, YYYY-MM-DD.", callback=parse_date),
    limit: int = typer.Option(None, "--limit", "-n", min=1, help="Classify at most this many items."),
    concurrency: int = typer.Option(None, "--concurrency", "-c", min=1, max=128, help="LLM requests in flight (default: TRIAGE_LLM_CONCURRENCY)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Pre-filter and classify new items, retry failed ones, and store the suggestions for review."""
    settings = load_settings()
    kind = settings.resolve_backend(backend.value if backend else None)
    bar, update = progress_bar(not as_json and err_console.is_terminal, f"Classifying ({kind})")
    if bar is not None:
        with bar:
            summary = classify_pending(settings, backend=kind, since=since, limit=limit, concurrency=concurrency, progress=update)
    else:
        summary = classify_pending(settings, backend=kind, since=since, limit=limit, concurrency=concurrency)
    if as_json:
        print_json(summary.as_dict())
    else:
        show_summary(summary)
    if summary.stopped:
        err_console.print(f"[bold red]error:[/] classification stopped: {summary.stopped}", highlight=False)
        raise typer.Exit(1)


def show_summary(summary) -> None:
    table = Table(title=f"Classification ({summary.agent})")
    table.add_column("Measure")
    table.add_column("Count", justify="right")
    rows = [
        ("Items taken", summary.items),
        ("  not candidates (pre-filter)", summary.not_candidate),
        ("  candidates", summary.candidates),
        ("  classified (with suggestions)", summary.classified),
        ("  not relevant", summary.not_relevant),
        ("  failed (retried next run)", summary.failed),
        ("  handed back unclassified", summary.released),
        ("Items still waiting", summary.waiting),
        ("Suggestions stored", summary.suggestions),
        ("  flagged for the reviewer", summary.flagged),
        ("  invalid, dropped", summary.dropped),
        ("Possible prompt injections", summary.injection_suspected),
        ("LLM calls", summary.llm_calls),
        ("  answers from cache", summary.cached),
        ("Tokens in / out", f"{summary.tokens_in:,} / {summary.tokens_out:,}"),
        ("Estimated cost (USD)", f"{summary.cost_usd:.4f}"),
        ("Seconds", f"{summary.seconds:.1f}"),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    if summary.paused:
        console.print(
            f"[yellow]Paused:[/] {summary.paused}. {summary.waiting} item(s) wait for the next run "
            "(raise TRIAGE_LLM_DAILY_TOKEN_BUDGET / TRIAGE_LLM_DAILY_COST_BUDGET_USD, or wait for tomorrow, UTC).",
            highlight=False,
        )
    sys.stdout.flush()
