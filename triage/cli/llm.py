"""`triage llm check` (what the configured endpoint supports) and `triage llm log` (what was asked and answered)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from triage import db
from triage.cli.common import console, load_settings, print_json

app = typer.Typer(help="The LLM endpoint: probe it, and read the requests made to it.", no_args_is_help=True)


@app.command("check")
def check(
    as_json: Annotated[bool, typer.Option("--json", help="Print the probe result as JSON.")] = False,
    store: Annotated[bool, typer.Option("--store/--no-store", help="Keep the result for output_mode auto (needs `triage init`).")] = True,
) -> None:
    """Send a few small requests to the configured endpoint: which dialect it speaks, whether its usage figures are plausible, its speed."""
    from triage.catalogue import load_catalogue
    from triage.classify.llm import probe as probing
    from triage.classify.llm.log import write_calls

    settings = load_settings()
    result = probing.probe(settings, catalogue=load_catalogue(settings.catalogue))
    stored = False
    if store and _initialised(settings.database_url):
        write_calls(settings.database_url, [(None, result.calls)])  # probes are requests too: logged and budgeted
        with db.session_scope(settings.database_url) as session:
            probing.store(session, result)
        stored = True
    if as_json:
        print_json({**result.report(), "stored": stored})
        return
    out = console.print
    out(f"Endpoint {result.base_url}, model {result.model}", markup=False, highlight=False)
    for t in result.tries:
        status = f"HTTP {t.http_status}" if t.http_status else "no answer"
        out(f"  {t.dialect:<12} {t.result:<8} {status}" + (f": {t.message}" if t.message else ""), markup=False, highlight=False)
    if result.dialect is None:
        out("No dialect worked: the LLM backend cannot use this endpoint.", markup=False)
        raise typer.Exit(1)
    skipped = [t.dialect for t in result.fell_back]
    line = f"Dialect: {result.dialect}"
    if skipped:
        line += f" (fell back: {', '.join(skipped)} did not work, see above)"
    out(line, markup=False, highlight=False)
    if result.usage_reported:
        verdict = "plausible: used for budgets" if result.usage_plausible else "implausible: budgets use a local estimate"
        out(f"Usage: {result.prompt_tokens_reported} prompt tokens reported, {result.prompt_tokens_estimated} estimated ({verdict})", markup=False)
    else:
        out("Usage: not reported (budgets use a local estimate)", markup=False)
    for note in result.notes:
        out(f"  {note}", markup=False, highlight=False)
    out(f"Context length: {result.context_length or 'not reported'}", markup=False)
    speed = f"{result.tokens_per_second} tokens/s" if result.tokens_per_second else "not measured"
    out(f"Latency of the probe: {result.latency_ms} ms; output speed: {speed}", markup=False)
    for name, tokens in result.prompt_sizes.items():
        out(f"Prompt {name}: about {tokens:,} tokens per item", markup=False)
    out("Stored: output_mode auto uses this result." if stored else "Not stored (no database, or --no-store).", markup=False)


def _initialised(url: str) -> bool:
    from triage.errors import ConfigError

    try:
        db.require_schema(url)
    except ConfigError:
        return False
    return True


@app.command("log")
def show_log(
    item: Annotated[int | None, typer.Option("--item", help="Only the requests made for this item.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Most recent requests shown.")] = 20,
    full: Annotated[bool, typer.Option("--full", help="Show the whole request and response texts.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The requests made to the LLM: outcome, tokens (and whether the server or an estimate counted them), and what the model said."""
    from sqlmodel import col, select

    from triage.classify.llm.log import texts
    from triage.cli.common import open_settings
    from triage.models import LLMCall

    settings = open_settings()
    with db.session_scope(settings.database_url) as session:
        query = select(LLMCall).order_by(col(LLMCall.id).desc()).limit(limit)
        if item is not None:
            query = query.where(LLMCall.item_id == item)
        rows = list(reversed(session.exec(query).all()))
        found = texts(session, *[r.request_sha256 for r in rows], *[r.response_sha256 for r in rows])
        entries: list[dict[str, Any]] = []
        for r in rows:
            request = found.get(r.request_sha256 or "")
            response = found.get(r.response_sha256 or "")
            entries.append(
                {
                    "id": r.id,
                    "at": r.created_at.isoformat(timespec="seconds"),
                    "item_id": r.item_id,
                    "model": r.model,
                    "prompt_version": r.prompt_version,
                    "dialect": r.output_mode,
                    "attempt": r.attempt,
                    "outcome": r.outcome,
                    "http_status": r.http_status,
                    "tokens_in": r.tokens_in,
                    "tokens_out": r.tokens_out,
                    "token_source": r.token_source,
                    "server_tokens_in": r.server_tokens_in,
                    "server_tokens_out": r.server_tokens_out,
                    "latency_ms": r.latency_ms,
                    "cost_usd": r.cost_usd,
                    "error": r.error,
                    "request_sha256": r.request_sha256,
                    "response_sha256": r.response_sha256,
                    "request": request.text if request else None,
                    "response": response.text if response else None,
                    "response_chars": response.chars if response else None,
                }
            )
    if as_json:
        print_json(entries)
        return
    if not entries:
        console.print("No LLM requests logged" + (f" for item {item}." if item is not None else "."), markup=False)
        return
    table = Table("id", "at", "item", "outcome", "tokens in/out", "by", "ms", "response" if not full else "")
    for e in entries:
        said: str = e["response"] or e["error"] or ""
        if not full and len(said) > 80:
            said = said[:80] + f"... ({e['response_chars'] or len(said):,} chars)"
        table.add_row(
            str(e["id"]),
            e["at"],
            str(e["item_id"] or "-"),
            f"{e['outcome']}" + (f" ({e['http_status']})" if e["http_status"] not in (None, 200) else ""),
            f"{e['tokens_in']}/{e['tokens_out']}",
            e["token_source"] or "-",
            str(e["latency_ms"]),
            "" if full else said,
        )
    console.print(table, markup=False, highlight=False)
    if full:
        for e in entries:
            console.rule(f"request {e['id']} ({e['outcome']})")
            console.print(e["request"] or "(not stored)", markup=False, highlight=False)
            console.rule(f"response {e['id']}")
            console.print(e["response"] or e["error"] or "(none)", markup=False, highlight=False)
