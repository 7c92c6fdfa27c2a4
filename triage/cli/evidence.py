"""`triage evidence import`: evidence gathered before Triage, recorded as accepted."""

from __future__ import annotations

from pathlib import Path

import typer

from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.cli.common import console, open_settings
from triage.imports.evidence import import_evidence

app = typer.Typer(help="Evidence gathered outside Triage.", no_args_is_help=True)


@app.command("import")
def import_file(
    file: Path = typer.Argument(..., help="JSONL, one piece of evidence a line (see docs/scores-and-exports.md)."),
    as_user: str = typer.Option(..., "--as", help="The analyst recorded as having accepted the evidence."),
) -> None:
    """Record each line as an item, suggestions and accepted decisions; all or nothing; re-runs add nothing."""
    settings = open_settings()
    with console.status("Importing evidence…"), db.session_scope(settings.database_url) as session:
        result = import_evidence(session, CatalogueIndex.load(session), file, as_user)
    console.print(
        f"{result.lines} lines: {result.items_created} new items ({result.items_existing} already stored), "
        f"{result.suggestions_created} new suggestions, {result.accepted} accepted, "
        f"{result.already_decided} already decided (left as they are)."
    )
    for flag, n in sorted(result.flags.items()):
        console.print(f"[yellow]flagged[/] {flag}: {n}")
