"""`triage score`: suggested scores from a file of accepted evidence."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from triage.catalogue import load_catalogue
from triage.cli.common import console, load_settings, print_json
from triage.errors import InputError
from triage.scoring.aggregate import format_average, format_percent
from triage.scoring.evidence import read_evidence_file
from triage.scoring.rule import score_commitment


def score(
    evidence: Path = typer.Option(..., "--evidence", "-e", help="JSONL of accepted evidence, one dimension per line."),
    catalogue: Path = typer.Option(None, "--catalogue", "-c", help="Catalogue file (default: TRIAGE_CATALOGUE)."),
    commitment: int = typer.Option(None, "--commitment", "-n", help="Commitment number (needed when the file covers several)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Score every member on a commitment by the catalogue's rule; members without evidence took no action."""
    cat = load_catalogue(catalogue or load_settings().catalogue)
    lines = read_evidence_file(evidence, cat)
    if commitment is None:
        numbers = sorted({e.commitment for e in lines})
        if len(numbers) != 1:
            found = ", ".join(map(str, numbers)) or "none"
            raise InputError(f"the evidence covers commitments {found}: choose one with --commitment", evidence)
        commitment = numbers[0]
    result = score_commitment(cat, commitment, lines)
    if as_json:
        print_json(result.as_json())
        return
    c = result.commitment
    table = Table(title=f"Commitment {c.number}: {c.area}: {c.title}")
    table.add_column("Member")
    table.add_column("Score", justify="right")
    table.add_column("Explanation")
    for m in result.members:
        table.add_row(m.member, _score_text(m.score), m.verdict.explanation)
    avg = result.average
    table.add_section()
    table.add_row("[bold]Average[/]", f"[bold]{format_average(avg)}[/]", f"{format_percent(avg)}")
    console.print(table)


def _score_text(score: int | None) -> str:
    if score is None:
        return "[yellow]n/a[/]"
    colour = {1: "green", 0: "yellow", -1: "red"}.get(score, "white")
    return f"[{colour}]{'+' if score > 0 else ''}{score}[/]"
