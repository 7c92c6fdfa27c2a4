"""The whole-report DOCX as LibreOffice lays it out: it opens in python-docx, converts to PDF
headless, its Table B (commitments as rows, members as columns) sits on one landscape page
with no word broken mid-syllable (checked on the PDF's text), and the PNG of its first page
goes to test-artifacts/ (with
the Table B page's). LibreOffice is Debian's libreoffice-writer (scripts/test installs it)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document

from triage.catalogue.index import CatalogueIndex
from triage.export.files import export_report

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _convert(docx: Path, fmt: str, tmp_path: Path) -> Path:
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{profile}", "--convert-to", fmt, "--outdir", str(tmp_path), str(docx)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return tmp_path / f"{docx.stem}.{fmt}"


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (Debian's libreoffice-writer) is not installed: scripts/test installs it")
def test_whole_report_table_fits_without_broken_words(imported, session_for, tmp_path):
    if not imported.startswith("sqlite"):
        pytest.skip("the layout does not depend on the database")
    from pypdf import PdfReader

    s = session_for(imported)
    data = export_report(s, CatalogueIndex.load(s), fmt="docx").data
    assert isinstance(data, bytes)
    doc = Document(io.BytesIO(data))
    table = doc.tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["#", "Commitment", "CAN", "FRA", "DEU", "ITA", "JPN", "UK", "US", "EU", "Average"]
    assert len(rows) == 22  # header, 20 commitments, averages
    landscape = [sec for sec in doc.sections if sec.page_width > sec.page_height]
    assert len(landscape) == 1
    path = tmp_path / "report.docx"
    path.write_bytes(data)
    pdf = PdfReader(str(_convert(path, "pdf", tmp_path)))
    pages = [p.extract_text() or "" for p in pdf.pages]
    table_pages = [n for n, text in enumerate(pages) if "Scores by commitment and member" in text]
    assert len(table_pages) == 1
    page = pages[table_pages[0]]
    box = pdf.pages[table_pages[0]].mediabox
    assert box.width > box.height  # landscape
    # Every word of the table's cells appears whole on its page: none broken across lines.
    words = {w for r in rows for cell in r for w in re.findall(r"[A-Za-z][A-Za-z'’-]{3,}", cell)}
    tokens = set(re.findall(r"[A-Za-z][A-Za-z'’-]{3,}", page))
    broken = sorted(words - tokens)
    assert not broken, broken
    assert not re.search(r"[a-z]-\n[a-z]", page)  # no hyphenation at line ends
    # The whole table is on that one page: the last commitment and the averages row too.
    assert re.search(r"^20 Cybersecurity", page, flags=re.M) and "+0.38 (69%)" in page
    assert "(100%)" in page and "(100%\n)" not in page  # the averages stay whole too
    ARTIFACTS.mkdir(exist_ok=True)
    import pypdfium2

    rendered = pypdfium2.PdfDocument(str(tmp_path / "report.pdf"))
    target = ARTIFACTS / "report-docx-first-page.png"
    rendered[0].render(scale=1.5).to_pil().save(target)
    rendered[table_pages[0]].render(scale=1.5).to_pil().save(ARTIFACTS / "report-docx-table-b.png")
    rendered.close()
    assert target.stat().st_size > 1000
