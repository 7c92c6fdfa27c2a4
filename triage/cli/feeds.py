"""`triage feeds list|add|check`: the source registry and its health."""

from __future__ import annotations

import datetime as dt

import typer
from pydantic import ValidationError
from rich.table import Table
from sqlmodel import Session

from triage import db
from triage.cli.common import console, load_settings, print_json
from triage.errors import InputError
from triage.sources.health import check_sources, health
from triage.sources.ingest import require_database
from triage.sources.registry import SourceSpec, add_source

app = typer.Typer(help="The sources Triage polls: list with their health, add, check.", no_args_is_help=True)

STATUS_STYLE = {"ok": "green", "failing": "red", "never fetched": "yellow", "disabled": "dim"}


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


@app.command("list")
def list_sources(
    as_json: bool = typer.Option(False, "--json", help="Print the health view as JSON."),
    all_sources: bool = typer.Option(False, "--all", help="Include ad-hoc sources created by `ingest --file`."),
) -> None:
    """Every source with its health: status, last success, consecutive errors, next check."""
    settings = load_settings()
    require_database(settings.database_url)
    with Session(db.engine_for(settings.database_url)) as session:
        rows = health(session, include_adhoc=all_sources)
    if as_json:
        print_json([r.as_json() for r in rows])
        return
    table = Table(title=f"{len(rows)} sources")
    for col in ("Source", "Member", "Status", "Last success", "Errors", "Next check", "Items"):
        table.add_column(col, justify="right" if col in ("Errors", "Items") else "left", no_wrap=True)
    for r in rows:
        style = STATUS_STYLE.get(r.status, "white")
        status = f"[{style}]{r.status}[/]" + (f" ({r.last_error[:40]})" if r.last_error else "")
        table.add_row(
            r.id,
            r.member or "any",
            status,
            _when(r.last_success_at),
            str(r.error_count),
            (_when(r.next_fetch_at) if r.next_fetch_at else "due now") if r.enabled else "—",
            str(r.items),
        )
    console.print(table)
    failing = sum(1 for r in rows if r.status == "failing")
    if failing:
        console.print(f"[red]{failing} failing[/]: they are polled less often until they answer again (`triage feeds check ID`).")


@app.command("add")
def add(
    url: str = typer.Argument(..., help="The feed's URL (RSS, Atom or RDF)."),
    source_id: str = typer.Option(..., "--id", help="Stable id: lowercase letters, digits, '.', '_', '-'."),
    member: str = typer.Option(..., "--member", help="Catalogue member key, or 'any' for general news."),
    publisher: str = typer.Option(..., "--publisher", help="Publisher as a citation prints it."),
    city: str = typer.Option(None, "--city", help="City as a citation prints it."),
    language: str = typer.Option(None, "--language", help="ISO 639-1 code; detected per item when omitted."),
    kind: str = typer.Option("official", "--kind", help="official or news."),
    poll_minutes: int = typer.Option(60, "--poll-minutes", help="Polling interval (5 to 10080)."),
) -> None:
    """Add a source to this database (not to the YAML registry; see docs/ingestion.md)."""
    settings = load_settings()
    require_database(settings.database_url)
    try:
        spec = SourceSpec(
            id=source_id, url=url, member=member, publisher=publisher, city=city, language=language, kind=kind, poll_minutes=poll_minutes
        )
    except ValidationError as exc:
        raise InputError([f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]) from None
    with db.session_scope(settings.database_url) as session:
        add_source(session, spec)
    console.print(f"Added source [bold]{spec.id}[/] ({spec.url}); `triage ingest` polls it from now on.")


@app.command("check")
def check(
    source_id: str = typer.Argument(None, help="Source id (default: every enabled source)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Fetch once and report status, entry count and newest date; stores nothing. Exit 1 if any fails."""
    settings = load_settings()
    require_database(settings.database_url)
    with console.status("Fetching…"):
        results = check_sources(settings, [source_id] if source_id else None)
    if as_json:
        print_json([r.as_json() for r in results])
    else:
        table = Table(title="Feed check")
        for col in ("Source", "Outcome", "HTTP", "Entries", "Newest", "ms", "Problem"):
            table.add_column(col, justify="right" if col in ("HTTP", "Entries", "ms") else "left")
        for r in results:
            colour = "green" if r.ok else "red"
            table.add_row(
                r.id,
                f"[{colour}]{r.outcome}[/]",
                str(r.http_status or "—"),
                str(r.entries),
                _when(r.newest),
                str(r.duration_ms),
                (r.error or r.bozo or "")[:80],
            )
        console.print(table)
    if any(not r.ok for r in results):
        raise typer.Exit(1)
