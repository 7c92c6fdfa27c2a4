"""`triage init` and `triage config`."""

from __future__ import annotations

import typer
from rich.table import Table

from triage import config as settings_registry
from triage.bootstrap import initialise
from triage.cli.common import console, load_settings, print_json


def init() -> None:
    """Create or upgrade the database, then load the commitment catalogue and the source registry."""
    settings = load_settings()
    with console.status("Migrating and loading…"):
        result = initialise(settings)
    c = result.catalogue
    console.print(f"Database [bold]{settings.database_url}[/] at revision {result.revision}.")
    console.print(
        f"Catalogue [bold]{c.catalogue}[/]: {c.members} members, {c.commitments} commitments ({c.complete} complete, {c.dimensions} dimensions)."
    )
    console.print(f"Sources: {result.sources} in the registry.")


def show_config(
    as_json: bool = typer.Option(False, "--json", help="Print the settings as JSON."),
    docs: bool = typer.Option(False, "--docs", help="Print the settings reference as Markdown (docs/configuration.md)."),
) -> None:
    """Show the effective settings (secrets masked) and where each came from."""
    if docs:
        typer.echo(settings_registry.docs_markdown(), nl=False)
        return
    settings = load_settings()
    rows = settings_registry.describe(settings)
    if as_json:
        print_json(
            {r["name"]: {"value": r["value"], "source": r["source"], "env": r["env"]} for r in rows}
            | {"effective_backend": {"value": settings.resolve_backend(), "source": "derived", "env": ""}}
        )
        return
    table = Table(title="Triage settings")
    for col in ("Setting", "Environment", "Value", "Source"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], r["env"], r["value"], r["source"])
    console.print(table)
    console.print(f"Classifier backend in effect: [bold]{settings.resolve_backend()}[/]")
