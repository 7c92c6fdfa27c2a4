"""`triage users add|list|passwd`."""

from __future__ import annotations

import getpass
import sys

import typer
from rich.table import Table
from sqlmodel import select

from triage import db
from triage.accounts import create_user, generate_password, get_user, set_password
from triage.cli.common import console, open_settings
from triage.errors import InputError
from triage.models import User

app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)


def _read_password() -> str:
    """Prompted twice on a terminal; otherwise the first line of standard input (for scripts)."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Repeat password: "):
            raise InputError("the passwords do not match")
        return first
    line = sys.stdin.readline()
    if not line:
        raise InputError("no password on standard input")
    return line.rstrip("\r\n")


@app.command("add")
def add(
    name: str = typer.Argument(..., help="User name used to log in."),
    role: str = typer.Option("analyst", "--role", "-r", help="analyst, lead or admin."),
    display_name: str = typer.Option(None, "--display-name", help="Name shown in the audit trail."),
) -> None:
    """Create an account; the password is prompted for, or read from standard input."""
    settings = open_settings()
    password = _read_password()
    with db.session_scope(settings.database_url) as session:
        user = create_user(session, username=name, role=role, password=password, display_name=display_name)
        console.print(f"created {user.role} [bold]{user.username}[/]")


@app.command("list")
def list_users() -> None:
    """List accounts and their roles."""
    settings = open_settings()
    with db.session_scope(settings.database_url) as session:
        users = session.exec(select(User).order_by(User.username)).all()
        table = Table(title="Users")
        for col in ("name", "role", "display name", "active", "created"):
            table.add_column(col)
        for u in users:
            table.add_row(u.username, u.role, u.display_name or "", "yes" if u.active else "no", u.created_at.strftime("%Y-%m-%d"))
        console.print(table)


@app.command("passwd")
def passwd(
    name: str = typer.Argument(..., help="The account whose password to set."),
    temporary: bool = typer.Option(False, "--temporary", help="Generate a temporary password, print it once; it must be changed at the next login."),
) -> None:
    """Set a user's password (prompted for, or read from standard input), or give a temporary one.

    Their web sessions end; the password policy applies (length, not blank, not common)."""
    settings = open_settings()
    password = generate_password() if temporary else _read_password()
    with db.session_scope(settings.database_url) as session:
        user = get_user(session, name)
        if user is None:
            raise InputError(f"no user {name!r} (see `triage users list`)")
        set_password(session, user=user, password=password, temporary=temporary)
    if temporary:
        console.print(f"temporary password for [bold]{name}[/] (shown once; to be changed at the next login):", highlight=False)
        console.print(password, markup=False, highlight=False)
    else:
        console.print(f"password of [bold]{name}[/] changed; their web sessions were ended", highlight=False)
