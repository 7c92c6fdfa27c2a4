"""The `triage` command: thin commands over the service modules."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from triage.cli import (
    backup,
    catalogue,
    classify,
    demo,
    evidence,
    export,
    feeds,
    ingest,
    learn,
    llm,
    schedule,
    score,
    scores,
    serve,
    setup,
    users,
    worker,
)
from triage.cli import eval as eval_cli
from triage.cli.common import print_error
from triage.errors import InputError, TriageError

app = typer.Typer(
    name="triage",
    help="Monitor summit commitments: ingest sources, classify evidence, review, score and export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _global_options(
    database: str = typer.Option(
        None,
        "--db",
        metavar="FILE|URL",
        help="The database for this command: a SQLite file (e.g. triage-demo.db) or a database URL. Overrides TRIAGE_DATABASE_URL.",
    ),
) -> None:
    """Monitor summit commitments: ingest sources, classify evidence, review, score and export."""
    if database:
        # Every command reads its settings from the environment, so one assignment reaches them all.
        url = database if "://" in database else f"sqlite:///{Path(database).expanduser().resolve()}"
        os.environ["TRIAGE_DATABASE_URL"] = url


# In the order data flows: setup, sources, classification, review, scores, exports.
app.command("demo")(demo.demo)
app.command("init")(setup.init)
app.command("config")(setup.show_config)
app.add_typer(catalogue.app, name="catalogue")
app.add_typer(feeds.app, name="feeds")
app.command("ingest")(ingest.ingest)
app.command("classify")(classify.classify)
app.command("eval")(eval_cli.eval_command)
app.command("learn")(learn.learn_command)
app.add_typer(llm.app, name="llm")
app.command("schedule")(schedule.schedule)
app.command("worker")(worker.worker)
app.command("serve")(serve.serve)
app.add_typer(users.app, name="users")
app.command("score")(score.score)
app.add_typer(scores.app, name="scores")
app.add_typer(evidence.app, name="evidence")
app.add_typer(export.app, name="export")
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run a command and turn known errors into a message and an exit code.

    Usage errors are Typer's own (exit 2); Triage's errors carry their exit code;
    anything else is a bug and keeps its traceback.
    """
    try:
        app(args=argv, prog_name="triage")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except InputError as exc:
        for problem in exc.problems:  # messages quote user input and remote text: printed as plain text
            print_error(problem)
        return exc.exit_code
    except TriageError as exc:
        print_error(exc)
        return exc.exit_code
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
