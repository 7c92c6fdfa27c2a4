"""Score and evidence tables as CSV, XLSX and JSON: str or bytes, for files and downloads.

Scores: one row per (commitment, member) with the suggested score and its explanation,
the final score with its justification, and the score that counts (final once set,
else suggested); the averages as the reports print them go in the JSON and in the
XLSX's second sheet. Evidence: one row per accepted piece, with its citation.

Spreadsheets run formulas: text that starts with =, +, - or @ (or their fullwidth forms
＝＋－＠, which some spreadsheets read as the same) is written so that it stays text (a
leading apostrophe in CSV, the string type in XLSX). CSV quotes a field holding `;` too,
for the locales whose list separator it is. XLSX holds numbers as numbers (averages
included, formatted as the reports print them) and text without the control characters
XML forbids.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable
from fractions import Fraction

from openpyxl import Workbook
from openpyxl.styles import Font

from triage.export.citation import citation, xml_safe
from triage.scoring.accepted import EvidenceRow
from triage.scoring.aggregate import percent
from triage.scoring.matrix import Matrix

SCORE_COLUMNS = [
    "catalogue",
    "commitment",
    "area",
    "title",
    "complete",
    "member",
    "score",
    "suggested",
    "explanation",
    "final",
    "final_set",
    "justification",
    "set_by",
    "set_at",
    "origin",
    "evidence",
]
EVIDENCE_COLUMNS = [
    "commitment",
    "member",
    "dimension",
    "strength",
    "contradictory",
    "action_date",
    "quote",
    "source_title",
    "publisher",
    "city",
    "source_date",
    "accessed",
    "url",
    "citation",
    "kind",
    "quote_edited",
    "citation_key",
    "agent",
    "decided_by",
    "decided_at",
    "decision_id",
    "suggestion_id",
    "item_id",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_CSV_QUOTE = (",", '"', "\n", "\r", ";")


def score_rows(matrix: Matrix) -> list[dict]:
    rows = []
    for c in matrix.commitments:
        for key, _name in matrix.members:
            cell = matrix.cell(c.number, key)
            rows.append(
                {
                    "catalogue": matrix.catalogue_id,
                    "commitment": c.number,
                    "area": c.area,
                    "title": c.title,
                    "complete": c.complete,
                    "member": cell.member_name,
                    "score": cell.score,
                    "suggested": cell.suggested,
                    "explanation": cell.explanation,
                    "final": cell.final,
                    "final_set": cell.final_set,
                    "justification": cell.justification,
                    "set_by": cell.set_by,
                    "set_at": cell.set_at.isoformat() if cell.set_at else None,
                    "origin": cell.origin,
                    "evidence": cell.evidence,
                }
            )
    return rows


def evidence_dicts(rows: Iterable[EvidenceRow]) -> list[dict]:
    out = []
    for e in rows:
        s = e.source
        out.append(
            {
                "commitment": e.commitment,
                "member": e.member_name,
                "dimension": e.dimension,
                "strength": e.strength,
                "contradictory": e.contradictory,
                "action_date": e.action_date.isoformat() if e.action_date else None,
                "quote": e.quote,
                "source_title": s.title,
                "publisher": s.publisher,
                "city": s.city,
                "source_date": _iso_day(s.date),
                "accessed": _iso_day(s.accessed),
                "url": s.url,
                "citation": citation(s),
                "kind": str(e.kind),
                "quote_edited": e.quote_edited,
                "citation_key": e.citation_key,
                "agent": e.agent,
                "decided_by": e.decided_by,
                "decided_at": e.decided_at.isoformat(),
                "decision_id": e.decision_id,
                "suggestion_id": e.suggestion_id,
                "item_id": e.item_id,
            }
        )
    return out


def _iso_day(value: dt.date | dt.datetime | None) -> str | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date().isoformat()
    return value.isoformat() if value else None


def _safe(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _field(value) -> str:
    # The csv module quotes only for its own delimiter; a field holding ';' is quoted too.
    text = "" if value is None else str(_safe(value))
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in _CSV_QUOTE) else text


def _csv(columns: list[str], rows: list[dict]) -> str:
    lines = [",".join(_field(c) for c in columns)]
    lines += [",".join(_field(row[k]) for k in columns) for row in rows]
    return "\n".join(lines) + "\n"


def _averages_json(matrix: Matrix) -> dict:
    return {
        "score": matrix.averages("score").as_json(),
        "suggested": matrix.averages("suggested").as_json(),
        "final": matrix.averages("final").as_json(),
    }


def scores_csv(matrix: Matrix) -> str:
    return _csv(SCORE_COLUMNS, score_rows(matrix))


def scores_json(matrix: Matrix) -> str:
    data = {
        "catalogue": matrix.catalogue_id,
        "title": matrix.title,
        "period": [matrix.period[0].isoformat(), matrix.period[1].isoformat()],
        "members": [name for _key, name in matrix.members],
        "scores": score_rows(matrix),
        "averages": _averages_json(matrix),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _text_cell(ws, row: int, col: int, value) -> None:
    cell = ws.cell(row=row, column=col, value=xml_safe(value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with


AVERAGE_FORMAT = "+0.00;-0.00;0.00"  # +0.38, -0.13, 0.00 as the reports print averages


def _number_cell(ws, row: int, col: int, value: Fraction | int | None, number_format: str | None = None) -> None:
    cell = ws.cell(row=row, column=col, value=None if value is None else float(value))
    if number_format:
        cell.number_format = number_format


def scores_xlsx(matrix: Matrix) -> bytes:
    """Sheet 'Scores' (one row per cell) and sheet 'Summary' (the matrix with averages)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Scores"
    for col, name in enumerate(SCORE_COLUMNS, start=1):
        ws.cell(row=1, column=col, value=name).font = Font(bold=True)
    for r, row in enumerate(score_rows(matrix), start=2):
        for col, name in enumerate(SCORE_COLUMNS, start=1):
            _text_cell(ws, r, col, row[name])
    ws.freeze_panes = "A2"

    summary = wb.create_sheet("Summary")
    averages = matrix.averages("score")
    header = ["#", "Commitment", *[name for _k, name in matrix.members], "Average", "Percent"]
    for col, name in enumerate(header, start=1):
        summary.cell(row=1, column=col, value=name).font = Font(bold=True)
    r = 1
    for c in matrix.commitments:
        r += 1
        summary.cell(row=r, column=1, value=c.number)
        _text_cell(summary, r, 2, f"{c.area}: {c.title}" + ("" if c.complete else " (incomplete)"))
        for col, (key, _name) in enumerate(matrix.members, start=3):
            summary.cell(row=r, column=col, value=matrix.cell(c.number, key).score)
        avg = averages.commitment(c.number)
        _number_cell(summary, r, len(header) - 1, avg, AVERAGE_FORMAT)
        summary.cell(row=r, column=len(header), value=percent(avg))
    r += 1
    _text_cell(summary, r, 2, "Average")
    summary.cell(row=r, column=2).font = Font(bold=True)
    for col, (key, _name) in enumerate(matrix.members, start=3):
        _number_cell(summary, r, col, averages.member(key), AVERAGE_FORMAT)
    _number_cell(summary, r, len(header) - 1, averages.overall, AVERAGE_FORMAT)
    summary.cell(row=r, column=len(header), value=percent(averages.overall))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def evidence_csv(rows: Iterable[EvidenceRow]) -> str:
    return _csv(EVIDENCE_COLUMNS, evidence_dicts(rows))


def evidence_json(rows: Iterable[EvidenceRow]) -> str:
    return json.dumps({"evidence": evidence_dicts(rows)}, indent=2, ensure_ascii=False) + "\n"


SCORE_FORMATS = {"csv": scores_csv, "json": scores_json, "xlsx": scores_xlsx}
EVIDENCE_FORMATS = {"csv": evidence_csv, "json": evidence_json}
