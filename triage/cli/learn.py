"""`triage learn`: train the learned model from decisions and labeled files, report, store."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.table import Table

from triage.cli.common import console, open_settings, print_json


def learn_command(
    gold: list[Path] = typer.Option([], "--gold", "-g", help="Labeled items in the gold format (repeatable); added to the database's decisions."),
    as_user: str = typer.Option(None, "--as", help="Recorded as who trained the model (default: the login name)."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Train the learned model, report cross-validated figures and calibration, store it as a new version."""
    from triage.classify.learned.service import learn  # scikit-learn loads only for this command

    settings = open_settings()
    result = learn(settings, gold=gold, created_by=as_user or getpass.getuser())
    if as_json:
        print_json(result)
        return
    t = result["trained_on"]
    console.print(
        f"Stored {result['agent']} (by {result['created_by']}, {result['created_at']}): {t['examples']} labels "
        f"({t['evidence']} evidence, {t['not_evidence']} not) from {t['decisions']} decision(s) and {t['gold_labels']} gold line(s)",
        highlight=False,
        markup=False,
    )
    for number, m in result["metrics"]["commitments"].items():
        r = m["relevance"]
        table = Table(title=f"Commitment {number}: held-out folds ({r['n']} labels)")
        for col in ("Precision", "Recall", "F1", "ROC AUC", "Brier", "ECE"):
            table.add_column(col, justify="right")
        table.add_row(*(f"{r[k]:.3f}" if r[k] is not None else "-" for k in ("precision", "recall", "f1", "roc_auc", "brier", "ece")))
        console.print(table)
        rel = Table(title="Reliability (predicted probability vs share accepted)")
        for col in ("Bin", "Items", "Predicted", "Observed"):
            rel.add_column(col, justify="right")
        for b in r["reliability"]:
            rel.add_row(b["bin"], str(b["n"]), f"{b['predicted']:.3f}", f"{b['observed']:.3f}")
        console.print(rel)
