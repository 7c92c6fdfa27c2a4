"""`triage eval`: score a backend against labeled items (a gold JSONL file)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from triage import db
from triage.classify.base import Classifier
from triage.classify.eval import evaluate
from triage.classify.prefilter import Prefilter
from triage.classify.service import build_backend, load_ruleset, log_calls
from triage.cli.classify import progress_bar
from triage.cli.common import console, err_console, fail, load_settings, print_json


class EvalBackend(StrEnum):
    rules = "rules"
    llm = "llm"
    learned = "learned"


class _RouteAll:
    """The learned model alone judges every item: no pre-filter in front of it."""

    def __init__(self, prefilter: Prefilter):
        self.prefilter = prefilter

    def route(self, item):
        route = self.prefilter.route(item)
        route.commitments = sorted(self.prefilter.ruleset.commitments)
        route.matched = {n: route.matched.get(n, "(model alone: every item)") for n in route.commitments}
        return route


def _stage(url: str | None, ruleset, settings):
    """The learned stage of the deployed pipeline, when the configured database holds a model."""
    if url is None:
        return None
    from triage.classify.learned import stage_for

    with db.session_scope(url) as session:
        return stage_for(session, ruleset, settings)


def _database_ready(url: str) -> bool:
    """True when the configured database exists and is migrated (then the LLM cache and call log are used)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path in ("", ":memory:") or not Path(path).exists():
            return False
    try:
        return db.current_revision(url) is not None
    except Exception:  # unreachable server, no such database: evaluate without it
        return False


def eval_command(
    gold: Path = typer.Option(..., "--gold", "-g", help="Gold JSONL: {id, title, text, url, publisher, published, gold: [...]} per line."),
    backend: EvalBackend = typer.Option(
        None,
        "--backend",
        "-b",
        help="rules or llm: the pipeline as deployed (with the learned model when one is stored); learned: the model alone. Default: TRIAGE_BACKEND.",
    ),
    concurrency: int = typer.Option(None, "--concurrency", "-c", min=1, max=128, help="LLM requests in flight."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
    show_errors: bool = typer.Option(
        False, "--errors", help="List every missed, false, wrong-member and wrong-dimension item with its rule trace or model score."
    ),
) -> None:
    """Run the pre-filter and a backend over labeled items and report precision, recall and F1."""
    settings = load_settings()
    catalogue, ruleset = load_ruleset(settings)
    ready = settings.database_url if _database_ready(settings.database_url) else None
    stage = _stage(ready, ruleset, settings)
    prefilter: Prefilter | _RouteAll = Prefilter(ruleset)
    classifier: Classifier
    if backend == EvalBackend.learned:
        if stage is None:
            fail("no learned model is stored in the configured database: run `triage learn` first")
        from triage.classify.learned.stage import LearnedClassifier

        kind, classifier, prefilter, stage = "learned", LearnedClassifier(stage), _RouteAll(Prefilter(ruleset)), None
    else:
        kind = settings.resolve_backend(backend.value if backend else None)
        classifier = build_backend(settings, kind, catalogue, ruleset, ready if kind == "llm" else None)
    url = ready if kind == "llm" else None
    bar, update = progress_bar(not as_json and err_console.is_terminal, f"Evaluating ({kind})")
    on_calls = (lambda records: log_calls(url, records)) if url else None
    n = concurrency or settings.llm_concurrency
    if bar is not None:
        with bar:
            result = evaluate(gold, classifier, prefilter, catalogue, n, update, on_calls, stage)
    else:
        result = evaluate(gold, classifier, prefilter, catalogue, n, None, on_calls, stage)
    if as_json:
        print_json(result)
        return
    show_metrics(result)
    if show_errors:
        show_error_list(result["errors"])


def _pct(x: float) -> str:
    return f"{x:.3f}"


def show_metrics(r: dict) -> None:
    table = Table(
        title=f"{r['agent']} on {r['gold']} ({r['items']} items from {r['lines']} lines, commitments {', '.join(map(str, r['commitments']))})"
    )
    for col in ("Metric", "Precision", "Recall", "F1 / accuracy", "Counts"):
        table.add_column(col, justify="left" if col in ("Metric", "Counts") else "right")
    rel, dim = r["relevance"], r["dimension"]
    table.add_row(
        "Relevance (items)",
        _pct(rel["precision"]),
        _pct(rel["recall"]),
        _pct(rel["f1"]),
        f"tp {rel['tp']}, fp {rel['fp']}, fn {rel['fn']}, tn {rel['tn']}",
    )
    table.add_row("Member (relevant items)", "", "", _pct(r["member"]["accuracy"]), f"{r['member']['correct']}/{r['member']['n']}")
    table.add_row(
        "Dimension (item, member, dim)",
        _pct(dim["precision"]),
        _pct(dim["recall"]),
        _pct(dim["f1"]),
        f"tp {dim['tp']}, fp {dim['fp']}, fn {dim['fn']}",
    )
    for key, d in r["dimensions"].items():
        table.add_row(f"  {key}", _pct(d["precision"]), _pct(d["recall"]), _pct(d["f1"]), f"tp {d['tp']}, fp {d['fp']}, fn {d['fn']}")
    line = r["dimension_per_line"]
    table.add_row(
        "Dimension, line by line",
        _pct(line["precision"]),
        _pct(line["recall"]),
        _pct(line["f1"]),
        f"tp {line['tp']}, fp {line['fp']}, fn {line['fn']}",
    )
    table.add_row("Strength (suggested members)", "", "", _pct(r["strength"]["accuracy"]), f"{r['strength']['correct']}/{r['strength']['n']}")
    pf = r["prefilter"]
    table.add_row("Pre-filter: evidence kept", "", "", _pct(pf["evidence_kept"]), f"of {pf['evidence']} evidence items")
    table.add_row("Pre-filter: non-evidence sent on", "", "", _pct(pf["non_evidence_sent"]), f"of {pf['non_evidence']} other items")
    llm = r["llm"]
    table.add_row(
        "LLM calls / tokens in / out",
        "",
        "",
        "",
        f"{llm['calls']} / {llm['tokens_in']:,} / {llm['tokens_out']:,}"
        + (f" (cached {llm['cached']}, failed {llm['failed']}, ${llm['cost_usd']:.4f})" if llm["calls"] or llm["cached"] else ""),
    )
    console.print(table)
    notes = []
    if r.get("rescue"):
        x, alone = r["rescue"], r["rescue"]["without_rescue"]
        notes.append(
            f"learned stage {r['learned']['agent']} (threshold {r['learned']['threshold']}): rescued {x['items']} item(s) "
            f"({x['evidence']} evidence, {x['not_evidence']} not); without it relevance precision {alone['relevance']['precision']:.3f}, "
            f"recall {alone['relevance']['recall']:.3f}, member accuracy {alone['member']['accuracy']:.3f}"
        )
    if r["other_commitments"]:
        notes.append(
            "suggestions for commitments the gold file does not label (not scored): "
            + ", ".join(f"{c}: {v.get('suggestions', 0)} on {v.get('items', 0)} item(s)" for c, v in r["other_commitments"].items())
        )
    if r["excluded"]:
        notes.append("excluded as evidence for another commitment: " + ", ".join(f"{k} x{v}" for k, v in r["excluded"].items()))
    if r["invalid_dropped"]:
        notes.append(f"{r['invalid_dropped']} invalid suggestion(s) dropped")
    if r["not_classified"]:
        notes.append(f"{r['not_classified']} item(s) not classified (budget reached)")
    for note in notes:
        console.print(f"[dim]{note}[/]", highlight=False)


def show_error_list(errors: list[dict]) -> None:
    """One block per error: what went wrong, then the route, the rules that fired and the suggestions' reasons."""
    console.print(f"\n{len(errors)} item(s) with errors", highlight=False)
    for e in errors:
        console.print(f"\n[bold]{e['id']}[/] {', '.join(e['kinds'])}: ", end="")
        console.print(e["title"], markup=False, highlight=False)
        gold = "; ".join(f"{g['member']} {'/'.join(g['dimensions'] or [])}" for g in e["gold"]) or "evidence for nothing"
        console.print(f"  gold: {gold}", markup=False, highlight=False)
        for key in ("members_missed", "members_suggested", "dimensions_missed", "dimensions_extra"):
            if e.get(key):
                console.print(f"  {key.replace('_', ' ')}: {', '.join(e[key])}", markup=False, highlight=False)
        t = e["trace"]
        console.print(f"  {t['route']}", markup=False, highlight=False)
        for r in t.get("rules", []):
            console.print(
                f"  fired {r['rule']} ({r['strength']} {r['dimension']}): {', '.join(map(repr, r['matched']))} {r.get('note', '')}",
                markup=False,
                highlight=False,
            )
        for x in t.get("excluded", []):
            console.print(
                f"  excluded by {x['rule']} (belongs to {x['belongs_to']}): {', '.join(map(repr, x['matched']))}", markup=False, highlight=False
            )
        for s in t.get("suggestions", []):
            flags = f" [{', '.join(s['flags'])}]" if s["flags"] else ""
            console.print(
                f"  -> {s['member']} {s['dimension']} {s['strength']} {s['confidence']}{flags}: {s['rationale']}", markup=False, highlight=False
            )
        if t.get("model"):
            console.print("  model: " + ", ".join(f"{k} {v:.3f}" for k, v in t["model"].items()), markup=False, highlight=False)
