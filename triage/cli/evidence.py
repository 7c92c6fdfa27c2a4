"""`triage evidence import|cite`: evidence gathered before Triage, recorded as accepted; citation corrections."""

from __future__ import annotations

from pathlib import Path

import typer

from triage import db
from triage.accounts import get_user
from triage.catalogue.index import CatalogueIndex
from triage.cli.common import console, open_settings
from triage.errors import InputError
from triage.export.citation import citation
from triage.imports.evidence import import_evidence, partial_date
from triage.review import cited

app = typer.Typer(help="Evidence gathered outside Triage.", no_args_is_help=True)


@app.command("import")
def import_file(
    file: Path = typer.Argument(..., help="JSONL, one piece of evidence a line (see docs/scores-and-exports.md)."),
    as_user: str = typer.Option(..., "--as", help="The analyst recorded as having accepted the evidence."),
) -> None:
    """Record each line as an item, suggestions and accepted decisions; all or nothing; re-runs add nothing."""
    settings = open_settings()
    with console.status("Importing evidence…"), db.session_scope(settings.database_url) as session:
        result = import_evidence(session, CatalogueIndex.load(session), path=file, username=as_user)
    console.print(
        f"{result.lines} lines: {result.items_created} new items ({result.items_existing} already stored), "
        f"{result.suggestions_created} new suggestions, {result.accepted} accepted, "
        f"{result.already_decided} already decided (left as they are), {result.context} context paragraphs (no score), "
        f"{result.citations_missing} with the citation missing."
    )
    for flag, n in sorted(result.flags.items()):
        console.print(f"[yellow]flagged[/] {flag}: {n}")


@app.command("cite")
def cite(
    key: str = typer.Argument(..., help="The evidence's citation key (the evidence export's citation_key, e.g. s:42)."),
    as_user: str = typer.Option(..., "--as", help="The analyst making the correction."),
    title: str = typer.Option(None, "--title"),
    publisher: str = typer.Option(None, "--publisher"),
    city: str = typer.Option(None, "--city"),
    date: str = typer.Option(None, "--date", help="YYYY-MM-DD, YYYY-MM (printed 'July 2024') or YYYY."),
    accessed: str = typer.Option(None, "--accessed", help="YYYY-MM-DD."),
    url: str = typer.Option(None, "--url"),
    translated: bool = typer.Option(None, "--translated/--not-translated", help="Whether the footnote carries the translation note."),
    note: str = typer.Option(None, "--note", help="Why (kept in the audit trail)."),
) -> None:
    """Correct a piece of evidence's citation; the old version stays in the audit trail."""
    import datetime as dt

    changes: dict = {
        k: v for k, v in {"title": title, "publisher": publisher, "city": city, "url": url, "translated": translated}.items() if v is not None
    }
    try:
        if date is not None:
            changes["date"], changes["precision"] = partial_date(date)
        if accessed is not None:
            changes["accessed"] = dt.date.fromisoformat(accessed)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    settings = open_settings()
    with db.session_scope(settings.database_url) as session:
        user = get_user(session, as_user)
        if user is None:
            raise InputError(f"unknown user {as_user!r}")
        row = cited.correct(session, key=key, user=user, note=note, **changes)
        text = citation(cited.CitedSource.from_row(row))
    console.print(f"{key}: {text}", markup=False, highlight=False, soft_wrap=True)
