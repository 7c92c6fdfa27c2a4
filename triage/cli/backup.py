"""`triage backup --out FILE` and `triage restore FILE`: the whole installation in one file."""

from __future__ import annotations

from pathlib import Path

import typer

from triage.cli.common import console, load_settings, open_settings, print_json


def backup(
    out: Path = typer.Option(..., "--out", "-o", help="The file to write (gzip-compressed JSON lines; replaced if it exists)."),
    with_secrets: bool = typer.Option(False, "--with-secrets", help="Include password hashes and web sessions (keep the file safe)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Write everything the database holds (catalogues, sources, items, suggestions, decisions,
    scores, the LLM call log, users) to one portable, versioned, checksummed file."""
    from triage.backup import backup as run

    settings = open_settings()
    summary = run(settings.database_url, out, with_secrets=with_secrets)
    if as_json:
        print_json(summary.as_dict())
        return
    total = sum(summary.rows.values())
    secrets = "with" if with_secrets else "without"
    console.print(f"Wrote {out}: {total:,} rows in {len(summary.rows)} tables, {secrets} secrets.", highlight=False, markup=False)
    console.print(f"Content checksum (sha256): {summary.content_sha256}", highlight=False, markup=False)


def restore(
    path: Path = typer.Argument(..., help="A file written by `triage backup`."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Restore a backup into an empty database (TRIAGE_DATABASE_URL; created and migrated if need be).
    Refuses a database that holds any row, and a damaged or truncated file."""
    from triage.backup import restore as run

    settings = load_settings()
    summary = run(settings.database_url, path)
    if as_json:
        print_json(summary.as_dict())
        return
    total = sum(summary.rows.values())
    console.print(f"Restored {total:,} rows in {len(summary.rows)} tables from {path}.", highlight=False, markup=False)
    console.print(f"Content checksum (sha256): {summary.content_sha256}", highlight=False, markup=False)
    if not summary.with_secrets:
        console.print(
            "The backup holds no password hashes: users cannot log in until given new passwords (back up with --with-secrets to keep them).",
            highlight=False,
        )
