"""`triage scores show|set|import`: the score matrix, final scores, published score tables."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from triage import db
from triage.accounts import get_user
from triage.catalogue.index import CatalogueIndex
from triage.catalogue.rules import format_score
from triage.cli.common import console, open_settings, print_json
from triage.errors import InputError
from triage.imports.scores import import_scores
from triage.scoring.aggregate import printed
from triage.scoring.final import parse_score, set_final
from triage.scoring.matrix import Cell, dashboard

app = typer.Typer(help="Scores: the matrix, final scores set by leads, published tables.", no_args_is_help=True)

COLOURS = {1: "green", 0: "yellow", -1: "red"}


def _cell_text(cell: Cell) -> str:
    score = cell.score
    text = "·" if score is None else format_score(score)
    if score is not None:
        text = f"[{COLOURS.get(score, 'white')}]{text}[/]"
    if cell.final_set:
        text = f"[bold]{text}[/]"
        if cell.differs:
            text += "*"
    elif score is not None:
        text = f"[dim]{text}?[/]"
    return text


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="Print the dashboard data as JSON.")) -> None:
    """The member x commitment matrix with averages as the reports print them."""
    settings = open_settings()
    with db.session_scope(settings.database_url) as session:
        board = dashboard(session)
    if as_json:
        print_json(board.as_json())
        return
    m, avg = board.matrix, board.averages
    table = Table(title=f"{m.title}: scores")
    table.add_column("#", justify="right")
    table.add_column("Commitment")
    for _key, name in m.members:
        table.add_column(name, justify="center")
    table.add_column("Average", justify="right")
    table.add_column("Pending", justify="right")
    for c in m.commitments:
        title = c.title if c.complete else f"[dim]{c.title} (incomplete)[/]"
        table.add_row(
            str(c.number),
            title,
            *[_cell_text(m.cell(c.number, k)) for k, _n in m.members],
            printed(avg.commitment(c.number)),
            str(board.backlog[c.number].pending or ""),
        )
    table.add_section()
    table.add_row("", "[bold]Average[/]", *[printed(avg.member(k)) for k, _n in m.members], f"[bold]{printed(avg.overall)}[/]", "")
    console.print(table)
    console.print("[bold]bold[/]: final score; [dim]dim?[/]: suggested only; *: final differs from the suggestion; ·: no score")


@app.command("set", context_settings={"ignore_unknown_options": True})  # so "-1" is a score, not an option
def set_score(
    commitment: int = typer.Argument(..., help="Commitment number."),
    member: str = typer.Argument(..., help="Member name or code."),
    score: str = typer.Argument(..., help="-1, 0, +1, or n/a (not assessed)."),
    as_user: str = typer.Option(..., "--as", help="The lead setting the score."),
    justification: str = typer.Option(None, "--justification", "-j", help="Why; required when it differs from the suggestion."),
    seen: int = typer.Option(
        None, "--seen", help="The score version you looked at (`scores show --json`: version); refused (exit 4) if someone changed it since."
    ),
) -> None:
    """Set a final score; every change is audited, and a change made meanwhile by someone else wins (exit 4)."""
    settings = open_settings()
    with db.session_scope(settings.database_url) as session:
        user = get_user(session, as_user)
        if user is None:
            raise InputError(f"unknown user {as_user!r}")
        change = set_final(
            session,
            CatalogueIndex.load(session),
            commitment=commitment,
            member=member,
            score=parse_score(score),
            user=user,
            justification=justification,
            version=seen,
        )
        row = change.score
    shown = "not assessed" if row.final is None else format_score(row.final)
    if change.changed:
        console.print(f"commitment {commitment}, {member}: final score {shown} (suggested {format_score(row.suggested)})")
    else:
        console.print(f"commitment {commitment}, {member}: already {shown}; nothing changed")


@app.command("import")
def import_file(
    file: Path = typer.Argument(..., help="CSV with columns commitment, member, score (empty score: not assessed)."),
    as_user: str = typer.Option(None, "--as", help="A lead to record as the author (optional)."),
) -> None:
    """Load a published score table as final scores; all or nothing; re-runs change nothing."""
    settings = open_settings()
    with db.session_scope(settings.database_url) as session:
        result = import_scores(session, CatalogueIndex.load(session), path=file, username=as_user)
    console.print(f"{result.rows} cells ({result.not_assessed} not assessed): {result.changed} changed.")
