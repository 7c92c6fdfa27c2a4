"""`triage export scores|evidence|report`: tables and report drafts from the database."""

from __future__ import annotations

from pathlib import Path

import typer

from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.cli.common import open_settings
from triage.cli.output import write_export
from triage.errors import InputError
from triage.export.report import commitment_report, whole_report
from triage.export.tables import EVIDENCE_FORMATS, SCORE_FORMATS
from triage.scoring.accepted import evidence_rows
from triage.scoring.matrix import load_matrix

app = typer.Typer(help="Export scores, evidence and report drafts.", no_args_is_help=True)

OUT = typer.Option(None, "--out", "-o", help="File to write (text formats default to standard output).")


def _check(fmt: str, allowed) -> str:
    fmt = fmt.lower()
    if fmt not in allowed:
        raise InputError(f"unknown format {fmt!r}: use {', '.join(allowed)}")
    return fmt


@app.command("scores")
def scores(
    fmt: str = typer.Option("csv", "--format", "-f", help="csv, xlsx or json."),
    out: Path = OUT,
) -> None:
    """Suggested and final scores with explanations and justifications, and the averages."""
    fmt = _check(fmt, SCORE_FORMATS)
    settings = open_settings()
    with db.session_scope(settings.database_url) as session:
        matrix = load_matrix(session, CatalogueIndex.load(session))
        data = SCORE_FORMATS[fmt](matrix)
    write_export(data, out, fmt)


@app.command("evidence")
def evidence(
    fmt: str = typer.Option("csv", "--format", "-f", help="csv or json."),
    commitment: int = typer.Option(None, "--commitment", "-n", help="Only this commitment."),
    out: Path = OUT,
) -> None:
    """Accepted evidence, one row per piece (member x dimension), with its citation."""
    fmt = _check(fmt, EVIDENCE_FORMATS)
    settings = open_settings()
    with db.session_scope(settings.database_url) as session:
        index = CatalogueIndex.load(session)
        if commitment is not None and index.commitment(commitment) is None:
            raise InputError(f"unknown commitment {commitment} in catalogue {index.catalogue.id}")
        data = EVIDENCE_FORMATS[fmt](evidence_rows(session, index, commitment))
    write_export(data, out, fmt)


@app.command("report")
def report(
    commitment: int = typer.Option(None, "--commitment", "-n", help="One commitment's section; without it, the whole report."),
    fmt: str = typer.Option("md", "--format", "-f", help="md or docx."),
    out: Path = OUT,
) -> None:
    """A report draft in the research group's layout, with footnoted citations."""
    fmt = _check(fmt, ("md", "docx"))
    settings = open_settings()
    with db.session_scope(settings.database_url) as session:
        index = CatalogueIndex.load(session)
        data = whole_report(session, index, fmt) if commitment is None else commitment_report(session, index, commitment, fmt)
    write_export(data, out, fmt)
