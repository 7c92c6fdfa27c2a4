"""`triage ingest`: fetch every due source once, or ingest local feed files."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from triage.cli.common import console, load_settings, plain, print_json, styled
from triage.errors import InputError
from triage.sources.ingest import IngestSummary, SourceResult, ingest_due, ingest_file, ingest_samples, sample_files

OUTCOME_STYLE = {"ok": "green", "not_modified": "cyan", "error": "red", "parse_error": "red"}


def ingest(
    file: list[Path] = typer.Option(None, "--file", "-f", help="Ingest a local RSS/Atom/RDF file instead of polling (repeatable)."),
    source: str = typer.Option(
        None, "--source", "-s", help="With --file: the registered source the file comes from. Without --file: poll only this source."
    ),
    samples: bool = typer.Option(False, "--samples", help="Ingest the bundled sample feeds (no network)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Fetch all due sources once (or ingest files) and print what came in.

    Exit code 0 when every source was read, 1 when any failed (the others are stored
    all the same), 2 for bad input (a missing file, an unknown source).
    """
    settings = load_settings()
    # Problems with single entries (implausible dates, failed extraction) are logged to stderr.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if samples and file:
        raise InputError("use either --samples or --file")
    quiet = as_json
    summary = IngestSummary()
    if samples:
        paths = sample_files()
        if not paths:
            raise InputError("no bundled sample feeds found")
        with _progress(quiet) as progress:
            task = progress.add_task("Ingesting sample feeds", total=len(paths))
            summary = ingest_samples(settings, on_result=lambda _result: progress.advance(task))
    elif file:
        with _progress(quiet) as progress:
            task = progress.add_task("Ingesting files", total=len(file))
            for path in file:
                summary.results.extend(ingest_file(settings, path, source).results)
                progress.advance(task)
    else:
        with _progress(quiet) as progress:
            task = progress.add_task("Fetching sources", total=None)

            def started(n: int) -> None:
                progress.update(task, total=n)

            def done(result: SourceResult) -> None:
                progress.update(task, advance=1, description=f"Fetching sources ({result.source_id})")

            summary = ingest_due(settings, only=[source] if source else None, on_start=started, on_result=done)
    if as_json:
        print_json(summary.as_json())
    else:
        _print(summary)
    if summary.failed:
        raise typer.Exit(1)


def _progress(quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, disable=quiet, transient=True
    )


def _print(summary: IngestSummary) -> None:
    if not summary.results:
        console.print("No source is due. (`triage feeds list` shows when each is next checked.)")
        return
    table = Table(title="Ingestion")
    for col in ("Source", "Outcome", "HTTP", "Entries", "New", "Duplicates", "Seen", "Problem"):
        table.add_column(col, justify="right" if col in ("HTTP", "Entries", "New", "Duplicates", "Seen") else "left")
    for r in sorted(summary.results, key=lambda r: (not r.failed, r.source_id)):
        problem = r.error or r.bozo or ""
        health = f" ({r.health}: {r.reason})" if r.health and r.health != "ok" and r.reason and r.reason != problem else ""
        table.add_row(
            plain(r.source_id),
            styled(r.outcome, OUTCOME_STYLE.get(r.outcome, "white")),
            str(r.http_status or "—"),
            str(r.entries),
            str(r.new),
            str(r.duplicates),
            str(r.seen),
            plain((problem + health)[:120]),  # remote text (headers, feed complaints): never markup
        )
    console.print(table)
    j = summary.as_json()
    console.print(
        f"{j['sources']} sources: {j['ok']} ok, {j['not_modified']} not modified, "
        f"[{'red' if j['failed'] else 'green'}]{j['failed']} failed[/]; "
        f"{j['new']} new items, {j['duplicates']} duplicates, {j['seen']} already seen"
        + (f", {j['rejected']} entries rejected" if j["rejected"] else "")
        + (
            f"; {j['dates_missing']} without a date, {j['dates_implausible']} with an implausible date (fetch time used)"
            if j["dates_missing"] or j["dates_implausible"]
            else ""
        )
    )
