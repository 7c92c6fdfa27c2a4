"""`triage catalogue list|validate`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from triage.catalogue import load_catalogue
from triage.catalogue.review import CommitmentReview, RuleCheck, review
from triage.catalogue.review import as_json as review_json
from triage.cli.common import console, load_settings, print_json

app = typer.Typer(help="Inspect and check commitment catalogues.", no_args_is_help=True)

MAX_SHOWN = 4


@app.command("list")
def list_commitments(
    catalogue: Path = typer.Option(None, "--catalogue", "-c", help="Catalogue file (default: TRIAGE_CATALOGUE)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List the commitments of a catalogue and whether each is complete enough to score."""
    path = catalogue or load_settings().catalogue
    cat = load_catalogue(path)
    if as_json:
        print_json(
            [
                {"number": c.number, "area": c.area, "title": c.title, "complete": c.complete, "missing": c.missing, "dimensions": c.dimension_keys}
                for c in cat.commitments
            ]
        )
        return
    table = Table(title=f"{cat.title} ({cat.compliance_period.start} to {cat.compliance_period.end})")
    table.add_column("#", justify="right")
    table.add_column("Area")
    table.add_column("Title")
    table.add_column("Dimensions")
    table.add_column("Status")
    for c in cat.commitments:
        status = "[green]complete[/]" if c.complete else f"[yellow]incomplete[/] (no {', '.join(c.missing)})"
        table.add_row(str(c.number), c.area, c.title, ", ".join(c.dimension_keys), status)
    console.print(table)
    console.print(f"{len(cat.members)} members: {', '.join(m.name for m in cat.members)}")


def _scores(outcome) -> str:
    return " and ".join(f"{v:+d}" if v else "0" for v in sorted(set(outcome), reverse=True)) or "no score"


def _print_groups(label: str, groups) -> None:
    """Plain cases one by one; cases with contradictory action summarised in one line."""
    plain = [g for g in groups if not g.contradictory]
    contra = [g for g in groups if g.contradictory]
    for g in plain[:MAX_SHOWN]:
        console.print(f"      {label}: {g.words()} ({g.combinations} combinations; {_scores(g.outcome)})")
    if len(plain) > MAX_SHOWN:
        console.print(f"      … and {len(plain) - MAX_SHOWN} more such cases; --json lists them all")
    if contra:
        n = sum(g.combinations for g in contra)
        example = contra[0]
        console.print(
            f"      {label}: contradictory action together with other action ({n} combinations; e.g. {example.words()}: {_scores(example.outcome)})"
        )


def _print_check(check: RuleCheck) -> None:
    cov = check.coverage
    if cov.exact:
        console.print(f"  [green]✓[/] {check.name}: each of the {cov.total} combinations gets exactly one score")
        return
    console.print(f"  [yellow]![/] {check.name} ({check.source}):")
    _print_groups("[red]no score[/]", cov.uncovered)
    _print_groups("[yellow]two scores[/]", cov.conflicting)
    if cov.redundant:
        n = sum(g.combinations for g in cov.redundant)
        console.print(f"      {n} combinations meet two conditions of the same score (harmless)")


def _print_review(r: CommitmentReview) -> None:
    c = r.commitment
    console.print(f"[bold]{c.number}. {c.area}: {c.title}[/]")
    if r.rule:
        _print_check(r.rule)
    if r.published:
        console.print("  The published methodology, encoded literally:")
    for check in r.published:
        _print_check(check)
    plain = [d for d in r.disagreements if "no contradictory" in d.case]
    if plain:
        console.print("  [bold]Inconsistency:[/] the published texts score these cases differently:")
        names = list(plain[0].scores)
        table = Table(show_edge=False, pad_edge=False, box=None)
        table.add_column("    case")
        table.add_column("combinations", justify="right")
        for name in names:
            table.add_column(name.replace("_", " "))
        for d in plain:
            table.add_row(f"    {d.case}", str(d.combinations), *(d.scores[n] for n in names))
        console.print(table)
    if r.resolution:
        console.print(f"  [bold]Resolution:[/] {r.resolution}")


@app.command("validate")
def validate(
    file: Path = typer.Argument(None, help="Catalogue file (default: TRIAGE_CATALOGUE)."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 if a rule used leaves a case uncovered or covers it twice."),
) -> None:
    """Check a catalogue: errors exit 2; then every rule's coverage of every case is reported."""
    path = file or load_settings().catalogue
    cat = load_catalogue(path)
    reviews = review(cat)
    if as_json:
        print_json({"catalogue": cat.id, "file": str(path), "valid": True, "commitments": review_json(reviews)})
    else:
        complete = sum(1 for c in cat.commitments if c.complete)
        console.print(
            f"[green]valid[/]: {path} — {cat.title}; {len(cat.members)} members, "
            f"{len(cat.commitments)} commitments ({complete} complete, {len(cat.commitments) - complete} incomplete)"
        )
        incomplete = [str(r.commitment.number) for r in reviews if not r.commitment.complete]
        if incomplete:
            console.print(f"[dim]Incomplete (title only, not scorable yet): {', '.join(incomplete)}[/]")
        for r in reviews:
            if r.commitment.complete:
                _print_review(r)
    if strict and any(r.rule and not r.rule.coverage.exact for r in reviews):
        raise typer.Exit(1)


@app.command("draft")
def draft(
    chapter: Path = typer.Argument(..., help="The methodology chapter as text (extracted from the report's PDF)."),
    commitment: int = typer.Option(None, "--commitment", "-n", help="Which chapter, when the text holds several."),
    out: Path = typer.Option(..., "--out", "-o", help="Catalogue file to write: the base catalogue with this entry in it."),
    catalogue: Path = typer.Option(None, "--catalogue", "-c", help="Base catalogue (default: TRIAGE_CATALOGUE)."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 if anything is left for the lead."),
) -> None:
    """Draft a commitment's catalogue entry from its methodology text (no LLM): every doubt is listed with its line."""
    from triage.catalogue.draft import draft_commitment, merge, render

    base = load_catalogue(catalogue or load_settings().catalogue)
    d = draft_commitment(chapter, commitment, base)
    merged = merge(base, d.commitment)
    out.write_text(render(merged, d), encoding="utf-8")
    c = d.commitment
    if as_json:
        print_json(
            {
                "commitment": c.number,
                "out": str(out),
                "complete": c.complete,
                "dimensions": c.dimension_keys,
                "exclusions": [e.belongs_to for e in c.exclusions],
                "for_lead": [{"line": p.line, "message": p.message} for p in d.for_lead],
                "review": review_json([d.review])[0] if d.review else None,
            }
        )
    else:
        console.print(f"[green]drafted[/]: commitment {c.number}. {c.area}: {c.title} -> {out}", markup=True, highlight=False)
        console.print(f"  dimensions: {', '.join(c.dimension_keys)}; exclusions: {', '.join(str(e.belongs_to) for e in c.exclusions) or 'none'}")
        if d.review and d.review.rule:
            _print_review(d.review)
        if d.for_lead:
            console.print(f"[bold]For the lead[/] ({len(d.for_lead)}):")
            for p in d.for_lead:
                console.print(f"  {p}", markup=False, highlight=False)
    if strict and d.for_lead:
        raise typer.Exit(1)


@app.command("load")
def load(
    file: Path = typer.Argument(..., help="Catalogue file to load into the database, active beside the others."),
) -> None:
    """Load (or reload) a catalogue and make it active: items are classified against every active catalogue."""
    from triage import db
    from triage.catalogue.store import sync_catalogue

    cat = load_catalogue(file)
    settings = load_settings()
    with db.session_scope(settings.database_url) as session:
        result = sync_catalogue(session, cat, file.resolve())
    console.print(
        f"[green]loaded[/]: {result.catalogue}: {result.members} members, {result.commitments} commitments ({result.complete} complete)",
        highlight=False,
    )


@app.command("deactivate")
def deactivate(catalogue_id: str = typer.Argument(..., help="Id of the catalogue to stop classifying against.")) -> None:
    """Stop classifying against a catalogue; its suggestions, decisions and scores are kept."""
    from triage import db
    from triage.errors import NotFound
    from triage.models import CatalogueRow

    with db.session_scope(load_settings().database_url) as session:
        row = session.get(CatalogueRow, catalogue_id)
        if row is None:
            raise NotFound(f"no catalogue {catalogue_id!r} in the database")
        row.active = False
        session.add(row)
    console.print(f"deactivated: {catalogue_id}", highlight=False)
