"""`triage demo`: the whole flow on bundled data, then the web app."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from triage import demo as demo_job
from triage.cli.common import console, load_settings


def demo(
    db_file: Path = typer.Option(
        Path("triage-demo.db"), "--db", help="SQLite file for the demo; replaced on every run (only if the demo made it, unless --force)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace the file at --db even if it is not a database the demo made."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to serve on."),
    port: int = typer.Option(8000, "--port", help="Port to serve on."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Prepare the data, print the login, and stop."),
) -> None:
    """Fresh database, sample feeds ingested and classified (rules), sample evidence imported, app served."""
    url = demo_job.fresh_sqlite(db_file, force=force)
    settings = load_settings(database_url=url)
    with console.status("Preparing the demo: migrate, ingest the sample feeds, classify, import evidence…"):
        result = demo_job.prepare(settings)
    ing, cls, ev = result.ingest.as_json(), result.classify, result.evidence
    table = Table(title=f"Demo database {db_file}")
    table.add_column("stage")
    table.add_column("result")
    table.add_row("catalogue", f"{result.init.catalogue.catalogue}: {result.init.catalogue.commitments} commitments")
    table.add_row("sources", f"{result.init.sources} in the registry (not fetched: the demo uses bundled samples)")
    table.add_row("ingest", f"{ing['new']} new items, {ing['duplicates']} duplicates, {ing['failed']} failed")
    table.add_row(
        "classify (rules)",
        f"{cls.items} items: {cls.candidates} candidates, {cls.classified} with suggestions, {cls.suggestions} suggestions, {cls.failed} failed",
    )
    numbers = ", ".join(str(n) for n in ev.commitments) or "none"
    table.add_row("evidence", f"{ev.accepted} accepted pieces of evidence imported for commitment(s) {numbers} (the published assessment)")
    console.print(table)
    address = f"http://{host}:{port}/"
    console.print(f"Log in at [bold]{address}[/] as [bold]{result.username}[/] with the one-time password [bold]{result.password}[/]")
    console.print("(it must be changed at the first login)", highlight=False)
    path = Path(db_file).resolve()
    console.print(f"The demo's data is in {path}. Run any command on it with", highlight=False, markup=False)
    console.print(f"  .venv/bin/triage --db {path} scores show", highlight=False, markup=False, soft_wrap=True)
    console.print(f"  (or export TRIAGE_DATABASE_URL={url})", highlight=False, markup=False, soft_wrap=True)
    if no_serve:
        return
    from triage.server import serve

    console.print("Serving; Ctrl+C stops it.")
    serve(settings, host, port)
