"""What every command shares: consoles, settings, and turning errors into exit codes."""

from __future__ import annotations

import json
import sys

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

from triage.config import Settings
from triage.errors import ConfigError

console = Console()
err_console = Console(stderr=True)


def load_settings(**overrides) -> Settings:
    """Settings from the environment, with command-line values on top."""
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid settings: {problems}") from None
    updates = {k: v for k, v in overrides.items() if v is not None}
    if updates:
        try:
            settings = Settings.model_validate({**settings.model_dump(), **updates})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ConfigError(f"invalid option: {problems}") from None
    return settings


def open_settings(**overrides) -> Settings:
    """Settings for a command that needs an initialised database."""
    from triage import db

    settings = load_settings(**overrides)
    db.require_schema(settings.database_url)
    return settings


def print_json(data) -> None:
    # Plain print: rich would wrap long lines and break the JSON for machines.
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def plain(value: object, style: str = "") -> Text:
    """Remote text (a server's headers, a feed's titles, an error) or a user's argument, never read as markup."""
    return Text("" if value is None else str(value), style=style)


def styled(value: object, style: str) -> Text:
    """Text in a style, without markup parsing (`[/x]` stays `[/x]`)."""
    return plain(value, style)


def print_error(message: object) -> None:
    err_console.print(Text.assemble(("error:", "bold red"), " ", str(message)), highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> None:
    print_error(message)
    raise typer.Exit(code)
