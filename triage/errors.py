"""Errors that reach a user: one clear message and an exit code, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    message: str
    path: str | Path | None = None
    line: int | None = None
    field: str | None = None  # the form field or input key at fault, when there is one

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field and self.path is None else ""
        if self.path is not None:
            where = f"{self.path}"
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        return where + self.message


class TriageError(Exception):
    """Base for errors shown to users; `exit_code` is what the CLI returns."""

    exit_code = 1


@dataclass
class InputError(TriageError):
    """Bad input (file, catalogue, evidence, option). Exit code 2, like a usage error."""

    problems: list[Problem] = field(default_factory=list)
    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem | str, path=None, line=None):
        if isinstance(problems, str):
            problems = [Problem(problems, path, line)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ConfigError(TriageError):
    """Settings that cannot work (e.g. the LLM backend asked for but not configured)."""

    exit_code = 2


class Forbidden(TriageError):
    """The user's role does not allow the action (HTTP 403)."""

    exit_code = 3


class NotFound(InputError):
    """The thing named does not exist (HTTP 404)."""


class Conflict(TriageError):
    """Someone changed the thing first (HTTP 409): a compare-and-swap lost.

    `current` carries what is current now, so a caller can show it instead of overwriting it.
    """

    exit_code = 4

    def __init__(self, message: str, current: object = None):
        super().__init__(message)
        self.current = current
