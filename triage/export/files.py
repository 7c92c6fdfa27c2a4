"""One entry point per export, returning a file: name, media type and content.

The CLI writes these to disk or standard output; the web app returns them as downloads
(`Response(content=f.data, media_type=f.media_type, headers={"Content-Disposition": ...})`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from triage.catalogue.index import CatalogueIndex
from triage.errors import InputError
from triage.export.report import commitment_report, whole_report
from triage.export.tables import EVIDENCE_FORMATS, SCORE_FORMATS
from triage.scoring.accepted import evidence_rows
from triage.scoring.matrix import load_matrix

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "svg": "image/svg+xml",
    "png": "image/png",
}
REPORT_FORMATS = ("md", "docx")


@dataclass
class ExportFile:
    filename: str
    media_type: str
    data: str | bytes

    @property
    def binary(self) -> bool:
        return isinstance(self.data, bytes)


def _format(fmt: str, allowed) -> str:
    fmt = (fmt or "").lower()
    if fmt not in allowed:
        raise InputError(f"unknown format {fmt!r}: use {', '.join(allowed)}")
    return fmt


def _commitment(index: CatalogueIndex, number: int | None) -> None:
    if number is not None:
        index.resolve(commitment=number)


def export_scores(session: Session, index: CatalogueIndex, *, fmt: str) -> ExportFile:
    fmt = _format(fmt, SCORE_FORMATS)
    data = SCORE_FORMATS[fmt](load_matrix(session, index))
    return ExportFile(f"{index.catalogue.id}-scores.{fmt}", MEDIA_TYPES[fmt], data)


def export_evidence(session: Session, index: CatalogueIndex, *, fmt: str, commitment: int | None = None) -> ExportFile:
    fmt = _format(fmt, EVIDENCE_FORMATS)
    _commitment(index, commitment)
    data = EVIDENCE_FORMATS[fmt](evidence_rows(session, index, commitment, context=True))
    part = f"-c{commitment}" if commitment is not None else ""
    return ExportFile(f"{index.catalogue.id}-evidence{part}.{fmt}", MEDIA_TYPES[fmt], data)


def export_report(session: Session, index: CatalogueIndex, *, fmt: str, commitment: int | None = None, first_footnote: int = 1) -> ExportFile:
    """A report draft; footnotes are numbered from `first_footnote` (a chapter inside a longer report)."""
    fmt = _format(fmt, REPORT_FORMATS)
    _commitment(index, commitment)
    if first_footnote < 1:
        raise InputError(f"first footnote: {first_footnote} is not a footnote number (1 or more)")
    if commitment is None:
        return ExportFile(f"{index.catalogue.id}-report.{fmt}", MEDIA_TYPES[fmt], whole_report(session, index, fmt, first_footnote))
    data = commitment_report(session, index, commitment, fmt, first_footnote)
    return ExportFile(f"{index.catalogue.id}-c{commitment}.{fmt}", MEDIA_TYPES[fmt], data)
