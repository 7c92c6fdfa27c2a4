"""`triage feeds list|add|check|verify|discover`: the source registry and its health."""

from __future__ import annotations

import datetime as dt

import typer
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text
from sqlmodel import Session

from triage import db
from triage.cli.common import console, load_settings, plain, print_json, styled
from triage.errors import InputError, Problem
from triage.sources.discover import discover as discover_feeds
from triage.sources.health import CheckResult, check_sources, health, verify_sources
from triage.sources.ingest import require_database
from triage.sources.registry import SourceSpec, add_source

app = typer.Typer(help="The sources Triage polls: list with their health, add, check, verify, discover.", no_args_is_help=True)

STATUS_STYLE = {
    "ok": "green",
    "failing": "red",
    "blocked": "red",
    "not_a_feed": "red",
    "empty": "yellow",
    "stale": "yellow",
    "never fetched": "yellow",
    "disabled": "dim",
}


def _when(value: dt.datetime | dt.date | None) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat() if value else "—"


@app.command("list")
def list_sources(
    as_json: bool = typer.Option(False, "--json", help="Print the health view as JSON."),
    all_sources: bool = typer.Option(False, "--all", help="Include ad-hoc sources created by `ingest --file`."),
) -> None:
    """Every source with its health (and why, since when), verification, last success, next check."""
    settings = load_settings()
    require_database(settings.database_url)
    with Session(db.engine_for(settings.database_url)) as session:
        rows = health(session, include_adhoc=all_sources)
    if as_json:
        print_json([r.as_json() for r in rows])
        return
    table = Table(title=f"{len(rows)} sources")
    for col in ("Source", "Members", "Office", "Format", "Health", "Since", "Verification", "Last success", "Errors", "Next check", "Items"):
        table.add_column(col, justify="right" if col in ("Errors", "Items") else "left", no_wrap=col not in ("Health", "Verification"))
    for r in rows:
        status = Text.assemble(styled(r.status, STATUS_STYLE.get(r.status, "white")), plain(f" ({r.reason[:60]})" if r.reason else ""))
        verification = plain(r.verification or "—")
        if r.note:
            verification.append(f" · {r.note[:60]}", style="dim")
        table.add_row(
            plain(r.id),
            plain(", ".join(r.members) if r.members else (r.member or "any")),
            plain(r.office or "—"),
            plain(r.format),
            status,
            _when(r.health_since),
            verification,
            _when(r.last_success_at),
            str(r.error_count),
            (_when(r.next_fetch_at) if r.next_fetch_at else "due now") if r.enabled else "—",
            str(r.items),
        )
    console.print(table)
    bad = [r for r in rows if r.enabled and r.status not in ("ok", "never fetched", "disabled")]
    if bad:
        console.print(
            styled(f"{len(bad)} sources not ok", "red"),
            plain(": failing ones are polled less often until they answer again; `triage feeds check ID` says why."),
        )


@app.command("add")
def add(
    url: str = typer.Argument(..., help="The source's URL (a feed, a listing page, a sitemap or a JSON API)."),
    source_id: str = typer.Option(..., "--id", help="Stable id: lowercase letters, digits, '.', '_', '-'."),
    member: str = typer.Option(..., "--member", help="Catalogue member key, or 'any' for general news."),
    publisher: str = typer.Option(..., "--publisher", help="Publisher as a citation prints it."),
    city: str = typer.Option(None, "--city", help="City as a citation prints it."),
    language: str = typer.Option(None, "--language", help="ISO 639-1 code; detected per item when omitted."),
    kind: str = typer.Option("official", "--kind", help="official or news."),
    office: str = typer.Option(None, "--office", help="head, foreign, interior, justice, finance, police, border, eu-agency or g7."),
    poll_minutes: int = typer.Option(60, "--poll-minutes", help="Polling interval (5 to 10080)."),
) -> None:
    """Add a feed source to this database (not to the YAML registry; see docs/ingestion.md)."""
    settings = load_settings()
    require_database(settings.database_url)
    try:
        spec = SourceSpec(
            id=source_id,
            url=url,
            member=member,
            publisher=publisher,
            city=city,
            language=language,
            kind=kind,
            office=office,
            poll_minutes=poll_minutes,
        )
    except ValidationError as exc:
        raise InputError([Problem(f"{'.'.join(map(str, e['loc']))}: {e['msg']}") for e in exc.errors()]) from None
    with db.session_scope(settings.database_url) as session:
        add_source(session, spec)
    console.print(Text.assemble("Added source ", (spec.id, "bold"), f" ({spec.url}); `triage ingest` polls it from now on."))


def _check_table(title: str, results: list[CheckResult]) -> Table:
    table = Table(title=title)
    for col in ("Source", "Health", "HTTP", "Entries", "Newest", "ms", "Why"):
        table.add_column(col, justify="right" if col in ("HTTP", "Entries", "ms") else "left")
    for r in results:
        table.add_row(
            plain(r.id),
            styled(r.health, STATUS_STYLE.get(r.health, "white")),
            str(r.http_status or "—"),
            str(r.entries),
            _when(r.newest),
            str(r.duration_ms),
            plain((r.reason or r.error or r.bozo or "")[:100]),
        )
    return table


@app.command("check")
def check(
    source_id: str = typer.Argument(None, help="Source id (default: every enabled source)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Fetch once and report health, entry count and newest date; stores nothing. Exit 1 unless every source is ok."""
    settings = load_settings()
    require_database(settings.database_url)
    with console.status("Fetching…"):
        results = check_sources(settings, [source_id] if source_id else None)
    if as_json:
        print_json([r.as_json() for r in results])
    else:
        console.print(_check_table("Source check", results))
        for r in results:
            if not r.ok:
                console.print(plain(f"{r.id}: {r.health}: {r.reason or r.error or 'unknown'}"))
    if any(not r.ok for r in results):
        raise typer.Exit(1)


@app.command("verify")
def verify(
    source_id: str = typer.Argument(None, help="Source id (default: every enabled source)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Probe every enabled source once and record what was found (health, verification, date, evidence)."""
    settings = load_settings()
    require_database(settings.database_url)
    with console.status("Probing sources…"):
        results = verify_sources(settings, [source_id] if source_id else None)
    if as_json:
        print_json([r.as_json() for r in results])
    else:
        console.print(_check_table("Source verification (recorded)", results))
        ok = sum(1 for r in results if r.ok)
        console.print(plain(f"{ok} of {len(results)} sources ok; `triage feeds list` shows the recorded verification."))
    if any(not r.ok for r in results):
        raise typer.Exit(1)


@app.command("discover")
def discover(
    url: str = typer.Argument(..., help="A publisher's page (news page or home page)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List the feeds and sitemaps a page advertises (link tags, common paths, robots.txt), each checked."""
    settings = load_settings()
    if not url.startswith(("http://", "https://")):
        raise InputError(f"not an http(s) URL: {url}")
    with console.status("Looking for feeds…"):
        found = discover_feeds(settings, url)
    if as_json:
        print_json([c.as_json() for c in found])
        return
    table = Table(title=f"Feeds for {url}")
    for col in ("URL", "Found by", "Format", "Health", "HTTP", "Entries", "Newest", "Why"):
        table.add_column(col, justify="right" if col in ("HTTP", "Entries") else "left")
    for c in found:
        table.add_row(
            plain(c.url),
            plain(c.found_by),
            plain(c.format),
            styled(c.health, STATUS_STYLE.get(c.health, "white")),
            str(c.http_status or "—"),
            str(c.entries),
            _when(c.newest),
            plain((c.reason or "")[:80]),
        )
    console.print(table)
    working = [c for c in found if c.health in ("ok", "stale")]
    console.print(plain(f"{len(working)} working: register one in feeds/*.yaml (see feeds/README.md)." if working else "No working feed found."))
