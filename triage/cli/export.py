"""`triage export scores|evidence|report`: tables and report drafts from the database."""

from __future__ import annotations

from pathlib import Path

import typer

from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.cli.common import open_settings
from triage.cli.output import write_export
from triage.export.files import export_evidence, export_report, export_scores

app = typer.Typer(help="Export scores, evidence and report drafts.", no_args_is_help=True)

OUT = typer.Option(None, "--out", "-o", help="File to write (text formats default to standard output).")


def _run(make, fmt: str, out: Path | None, **kwargs) -> None:
    settings = open_settings()
    with db.session_scope(settings.database_url) as session:
        result = make(session, CatalogueIndex.load(session), fmt=fmt, **kwargs)
    write_export(result.data, out, fmt.lower())


@app.command("scores")
def scores(fmt: str = typer.Option("csv", "--format", "-f", help="csv, xlsx or json."), out: Path = OUT) -> None:
    """Suggested and final scores with explanations and justifications, and the averages."""
    _run(export_scores, fmt, out)


@app.command("evidence")
def evidence(
    fmt: str = typer.Option("csv", "--format", "-f", help="csv or json."),
    commitment: int = typer.Option(None, "--commitment", "-n", help="Only this commitment."),
    out: Path = OUT,
) -> None:
    """Accepted evidence, one row per piece (member x dimension), with its citation."""
    _run(export_evidence, fmt, out, commitment=commitment)


@app.command("report")
def report(
    commitment: int = typer.Option(None, "--commitment", "-n", help="One commitment's section; without it, the whole report."),
    fmt: str = typer.Option("md", "--format", "-f", help="md or docx."),
    first_footnote: int = typer.Option(1, "--first-footnote", help="Number of the first footnote (footnotes run on from it)."),
    out: Path = OUT,
) -> None:
    """A report draft in the research group's layout, with footnoted citations and a review list."""
    _run(export_report, fmt, out, commitment=commitment, first_footnote=first_footnote)
