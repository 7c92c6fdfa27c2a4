"""`triage serve`: the analyst web app."""

from __future__ import annotations

import typer

from triage.cli.common import console, open_settings


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Web worker processes (set TRIAGE_METRICS_DIR so /metrics adds them up)."),
) -> None:
    """Serve the review queue and the other pages until interrupted (Ctrl+C)."""
    from triage.server import serve as run

    settings = open_settings()
    console.print(f"Triage on [bold]http://{host}:{port}/[/] (database {settings.database_url}); Ctrl+C stops it.")
    run(settings, host, port, workers=workers)
