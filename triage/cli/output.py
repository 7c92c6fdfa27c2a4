"""Writing an export: text to standard output or a file, binary formats only to a file."""

from __future__ import annotations

import sys
from pathlib import Path

from triage.cli.common import err_console
from triage.errors import InputError


def write_export(data: str | bytes, out: Path | None, fmt: str) -> None:
    if out is None:
        if isinstance(data, bytes):
            raise InputError(f"{fmt} is a binary format: give a file with --out")
        sys.stdout.write(data)
        return
    try:
        if isinstance(data, bytes):
            out.write_bytes(data)
        else:
            out.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", out) from None
    err_console.print(f"wrote {out} ({len(data)} {'bytes' if isinstance(data, bytes) else 'characters'})", highlight=False)
