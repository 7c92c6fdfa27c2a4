"""Importing a published score table as final scores.

A CSV file with a header naming at least the columns commitment, member and score
(other columns are ignored; an Excel byte-order mark is fine):

    commitment,member,score
    19,Canada,0
    19,United Kingdom,+1
    20,Japan,

An empty score (or n/a) means the member was not assessed: the cell is set to "not
assessed" and stays out of every average. Scores are -1, 0, +1 (1 and the typographic
minus are accepted). The whole file is checked first; an unknown member or commitment,
a score outside -1..+1, a duplicate (commitment, member) or a malformed row refuses the
file with every problem's line, and nothing is written. Each imported cell is a final
score with origin 'import', audited like a lead's change; re-importing the same table
records nothing new. Each cell is written by compare-and-swap on the version read here:
a lead who changes a cell while the import runs wins, and the import is refused whole
(Conflict) rather than overwriting it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from triage.accounts import can, get_user
from triage.catalogue.index import CatalogueIndex
from triage.errors import InputError, Problem
from triage.review.scores import score_row
from triage.scoring.final import parse_score, record_final

COLUMNS = ("commitment", "member", "score")


@dataclass
class ScoreLine:
    lineno: int
    commitment_id: int
    member_id: int
    score: int | None


@dataclass
class ScoreImportResult:
    rows: int
    changed: int
    not_assessed: int


def _read(path: Path) -> list[tuple[int, list[str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            rows = []
            for row in reader:
                rows.append((reader.line_num, row))
            return rows
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", path) from None
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", path) from None


def check_file(path: Path, index: CatalogueIndex) -> list[ScoreLine]:
    path = Path(path)
    rows = [(n, r) for n, r in _read(path) if any(cell.strip() for cell in r)]
    if not rows:
        raise InputError("empty file: expected a header with the columns commitment, member, score", path)
    header_line, header = rows[0]
    names = [h.strip().casefold() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise InputError(f"the header lacks the column(s) {', '.join(missing)} (found: {', '.join(header)})", path, header_line)
    at = {c: names.index(c) for c in COLUMNS}
    problems: list[Problem] = []
    lines: list[ScoreLine] = []
    seen: dict[tuple[int, int], int] = {}
    for lineno, row in rows[1:]:
        if len(row) != len(header):
            problems.append(Problem(f"expected {len(header)} fields like the header, found {len(row)}", path, lineno))
            continue
        number_text, member_text, score_text = (row[at[c]].strip() for c in COLUMNS)
        number = number_text if number_text.lstrip("+").isdigit() else None
        if number is None:
            problems.append(Problem(f"commitment {number_text!r} is not a number", path, lineno))
        found, wrong = index.problems(member=member_text, commitment=number)
        problems.extend(Problem(p.message, path, lineno) for p in wrong)
        commitment, member = found.commitment, found.member
        try:
            score = parse_score(score_text)
        except InputError as exc:
            problems.append(Problem(exc.problems[0].message, path, lineno))
            continue
        if commitment is None or member is None:
            continue
        key = (commitment.id, member.id)
        if key in seen:
            problems.append(Problem(f"duplicate row: commitment {commitment.number}, {member.name} already at line {seen[key]}", path, lineno))
            continue
        seen[key] = lineno
        lines.append(ScoreLine(lineno, commitment.id, member.id, score))
    if problems:
        raise InputError(problems)
    if not lines:
        raise InputError("no score rows after the header", path)
    return lines


def import_scores(session: Session, index: CatalogueIndex, *, path: Path, username: str | None = None) -> ScoreImportResult:
    """Check the whole table, then set every cell; the caller's transaction makes it all or nothing."""
    user = None
    if username is not None:
        user = get_user(session, username)
        if user is None:
            raise InputError(f"unknown user {username!r}")
        if not can(user, "score"):
            raise InputError(f"user {username!r} may not set final scores (leads and admins may)")
    lines = check_file(Path(path), index)
    changed = 0
    why = f"Imported from {Path(path).name}."
    for line in lines:
        row = score_row(session, commitment_id=line.commitment_id, member_id=line.member_id)
        session.flush()
        changed += record_final(session, row, line.score, user=user, justification=why, origin="import")
    return ScoreImportResult(len(lines), changed, sum(1 for line in lines if line.score is None))
