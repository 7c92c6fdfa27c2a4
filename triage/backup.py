"""Backup and restore: everything the database knows, in one portable, versioned, checksummed file.

The file is gzip-compressed JSON lines, written from the SQLModel metadata, so a table added
by any module is included without a change here:

    {"format": "triage-backup", "version": 1, "revision": "0416", "tables": [...], ...}   header
    {"table": "source", "columns": ["id", "url", ...]}                                  each table...
    ["g7-uk", "https://...", ...]                                                      ...its rows
    {"end": true, "rows": {"source": 12, ...}, "content_sha256": "..."}                 trailer

Values are encoded by column type (datetimes as ISO 8601 in UTC, dates as ISO dates, JSON
as JSON), rows in primary-key order compared bytewise (PostgreSQL sorts text with the "C"
collation, as SQLite does), so the same content gives the same bytes on either database and
`content_sha256`, a SHA-256 over the table and row lines, is a checksum of the content, not
of the file: backup on SQLite, restore on PostgreSQL, back up again, and the checksums match.

Left out: coordination state that means nothing in another installation (leases, source
claims, heartbeats) and, unless `with_secrets`, secrets: password hashes (replaced by a
marker no password matches; set new ones with `triage users`) and web sessions.

Restore reads the whole file once to check it (gzip CRC, format, version, schema revision,
checksum) before writing anything, refuses a database that holds any row, inserts every
table in foreign-key order in one transaction, and moves PostgreSQL's id sequences past the
restored ids.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Integer, String, Table, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from triage import __version__, db
from triage.errors import ConfigError, InputError

FORMAT = "triage-backup"
VERSION = 1
TRANSIENT = {"lease", "source_claim", "heartbeat"}  # coordination state of running processes
SECRET_TABLES = {"web_session"}
SECRET_COLUMNS = {("users", "password_hash")}
NO_PASSWORD = "!restored-without-secrets"  # not an argon2 hash: verification always fails
BATCH = 1000


@dataclass
class BackupSummary:
    path: Path
    revision: str | None
    with_secrets: bool
    rows: dict[str, int] = field(default_factory=dict)
    content_sha256: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "revision": self.revision,
            "with_secrets": self.with_secrets,
            "rows": self.rows,
            "total_rows": sum(self.rows.values()),
            "content_sha256": self.content_sha256,
        }


def tables() -> list[Table]:
    """Every table of the metadata worth keeping, parents before children."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in TRANSIENT]


# --- values --------------------------------------------------------------------------------------
def _encoder(table: Table, name: str, with_secrets: bool) -> Callable[[Any], Any]:
    column = table.c[name]
    if (table.name, name) in SECRET_COLUMNS and not with_secrets:
        return lambda v: NO_PASSWORD if v is not None else None
    kind = column.type
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):

        def datetime(v: dt.datetime | None) -> str | None:
            if v is None:
                return None
            return (v.astimezone(dt.UTC).replace(tzinfo=None) if v.tzinfo else v).isoformat(timespec="microseconds")

        return datetime
    if isinstance(kind, Date):
        return lambda v: v.isoformat() if v is not None else None
    return lambda v: v


def _decoder(table: Table, name: str) -> Callable[[Any], Any]:
    kind = table.c[name].type
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        aware = not isinstance(kind, DateTime)  # UTCDateTime wants UTC-aware values

        def datetime(v: str | None) -> dt.datetime | None:
            if v is None:
                return None
            value = dt.datetime.fromisoformat(v)
            return value.replace(tzinfo=dt.UTC) if aware else value

        return datetime
    if isinstance(kind, Date):
        return lambda v: dt.date.fromisoformat(v) if v is not None else None
    return lambda v: v


def _line(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _ordered(conn: Connection, table: Table):
    keys = list(table.primary_key.columns) or list(table.columns)
    postgres = conn.dialect.name == "postgresql"
    order = [c.collate("C") if postgres and isinstance(c.type, String) and not isinstance(c.type, JSON) else c for c in keys]
    return select(*table.columns).order_by(*order)


# --- backup -------------------------------------------------------------------------------------
def backup(url: str, out: Path, *, with_secrets: bool = False, progress: Callable[[str, int], None] | None = None) -> BackupSummary:
    """Write the database at `url` to `out` (replaced atomically)."""
    db.require_schema(url)
    out = Path(out)
    revision = db.current_revision(url)
    chosen = [t for t in tables() if with_secrets or t.name not in SECRET_TABLES]
    summary = BackupSummary(out, revision, with_secrets)
    digest = hashlib.sha256()
    partial = out.with_name(out.name + ".partial")
    engine = db.engine_for(url)
    with engine.connect() as conn, gzip.open(partial, "wt", encoding="utf-8", newline="\n") as f:
        if conn.dialect.name == "postgresql":  # one consistent snapshot of every table
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        header = {
            "format": FORMAT,
            "version": VERSION,
            "revision": revision,
            "triage": __version__,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "source_dialect": conn.dialect.name,
            "with_secrets": with_secrets,
            "tables": [t.name for t in chosen],
        }
        f.write(_line(header) + "\n")
        for table in chosen:
            names = [c.name for c in table.columns]
            head = _line({"table": table.name, "columns": names})
            f.write(head + "\n")
            digest.update(head.encode() + b"\n")
            encoders = [_encoder(table, n, with_secrets) for n in names]
            count = 0
            for row in conn.execution_options(yield_per=BATCH).execute(_ordered(conn, table)):
                line = _line([enc(v) for enc, v in zip(encoders, row)])
                f.write(line + "\n")
                digest.update(line.encode() + b"\n")
                count += 1
            summary.rows[table.name] = count
            if progress:
                progress(table.name, count)
        summary.content_sha256 = digest.hexdigest()
        f.write(_line({"end": True, "rows": summary.rows, "content_sha256": summary.content_sha256}) + "\n")
    partial.replace(out)
    return summary


# --- reading ------------------------------------------------------------------------------------
@dataclass
class _Section:
    table: str
    columns: list[str]
    rows: list[list[Any]]


def _read(path: Path) -> Iterator[tuple[str, Any]]:
    """("header", dict), ("table", name, columns), ("row", list)..., ("end", dict); damage raises InputError."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such backup file", path)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                try:
                    yield ("line", (number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise InputError(f"damaged backup: line {number} is not JSON ({exc.msg})", path) from None
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise InputError(f"damaged backup: {exc}", path) from None


def verify(path: Path) -> dict[str, Any]:
    """Check the whole file (format, version, checksum, row counts); returns its header and trailer."""
    header: dict[str, Any] | None = None
    trailer: dict[str, Any] | None = None
    digest = hashlib.sha256()
    rows: dict[str, int] = {}
    current: str | None = None
    for _, (number, obj) in _read(path):
        if header is None:
            if not isinstance(obj, dict) or obj.get("format") != FORMAT:
                raise InputError("not a Triage backup (no triage-backup header)", path)
            if obj.get("version") != VERSION:
                raise InputError(f"backup format version {obj.get('version')!r}; this Triage reads version {VERSION}", path)
            header = obj
            continue
        if trailer is not None:
            raise InputError(f"damaged backup: data after the end (line {number})", path)
        if isinstance(obj, dict) and obj.get("end"):
            trailer = obj
            continue
        line = _line(obj)
        digest.update(line.encode() + b"\n")
        if isinstance(obj, dict) and "table" in obj:
            current = obj["table"]
            rows[current] = 0
        elif isinstance(obj, list) and current is not None:
            rows[current] += 1
        else:
            raise InputError(f"damaged backup: unexpected line {number}", path)
    if header is None:
        raise InputError("damaged backup: empty file", path)
    if trailer is None:
        raise InputError("damaged backup: truncated (no end marker)", path)
    if trailer.get("content_sha256") != digest.hexdigest() or trailer.get("rows") != rows:
        raise InputError("damaged backup: the content does not match its checksum", path)
    return {"header": header, "trailer": trailer}


# --- restore ------------------------------------------------------------------------------------
def _nonempty(conn: Connection) -> list[str]:
    return [t.name for t in tables() if conn.execute(select(func.count()).select_from(t)).scalar()]


def restore(url: str, path: Path, *, progress: Callable[[str, int], None] | None = None) -> BackupSummary:
    """Restore the backup at `path` into the empty database at `url` (created and migrated if need be)."""
    info = verify(path)
    header, trailer = info["header"], info["trailer"]
    if db.current_revision(url) is None:
        db.migrate(url)
    current = db.current_revision(url)
    if header["revision"] != current:
        raise ConfigError(
            f"the backup is of schema revision {header['revision']}, the database is at {current}: "
            "restore with the Triage version that wrote it, then upgrade with `triage init`"
        )
    known = {t.name: t for t in tables()}
    unknown = [name for name in header["tables"] if name not in known]
    if unknown:
        raise InputError(f"the backup has tables this Triage does not know: {', '.join(unknown)}", path)
    engine = db.engine_for(url)
    summary = BackupSummary(Path(path), current, bool(header.get("with_secrets")), content_sha256=trailer["content_sha256"])
    with engine.begin() as conn:
        filled = _nonempty(conn)
        if filled:
            raise ConfigError(
                f"the database is not empty ({', '.join(filled[:5])}{'...' if len(filled) > 5 else ''} hold rows): restore needs an empty one"
            )
        table: Table | None = None
        columns: list[str] = []
        decoders: list[Callable[[Any], Any]] = []
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            if batch and table is not None:
                conn.execute(insert(table), batch)
                batch.clear()

        for _, (_number, obj) in _read(path):
            if isinstance(obj, dict):
                if "table" in obj:
                    flush()
                    if table is not None and progress:
                        progress(table.name, summary.rows[table.name])
                    table, columns = known[obj["table"]], obj["columns"]
                    missing = [c for c in columns if c not in table.c]
                    if missing:
                        raise InputError(f"table {table.name}: columns this Triage does not know: {', '.join(missing)}", path)
                    decoders = [_decoder(table, c) for c in columns]
                    summary.rows[table.name] = 0
                continue
            assert table is not None
            batch.append({c: dec(v) for c, dec, v in zip(columns, decoders, obj)})
            summary.rows[table.name] += 1
            if len(batch) >= BATCH:
                flush()
        flush()
        if table is not None and progress:
            progress(table.name, summary.rows[table.name])
        if conn.dialect.name == "postgresql":
            _advance_sequences(conn)
    return summary


def _advance_sequences(conn: Connection) -> None:
    """Explicit ids were inserted: move each serial column's sequence past the largest."""
    for table in tables():
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer) and column.autoincrement in (True, "auto"):
                seq = f'"{table.name}"'
                conn.execute(
                    text(f'SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX("{column.name}"), 0) + 1, false) FROM "{table.name}"'),
                    {"t": seq, "c": column.name},
                )
