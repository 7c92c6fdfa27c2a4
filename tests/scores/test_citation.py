"""The report's citation style and dated paragraphs, as the methodology's footnotes print them."""

from __future__ import annotations

import datetime as dt
import locale

import pytest
from sqlmodel import select

from triage.catalogue.index import CatalogueIndex
from triage.export.citation import Source, citation, dated_paragraph, report_date

UTC = dt.UTC


def test_the_communique_footnote_of_the_methodology():
    source = Source(
        "Apulia G7 Leaders' Communiqué",
        "G7 Information Centre",
        "Apulia",
        dt.date(2024, 6, 14),
        dt.date(2024, 9, 7),
        "https://www.g7.utoronto.ca/summit/2024apulia/240614-apulia-communique.html",
    )
    assert citation(source) == (
        "Apulia G7 Leaders' Communiqué, G7 Information Centre (Apulia) 14 June 2024. Access Date: 7 September 2024. "
        "https://www.g7.utoronto.ca/summit/2024apulia/240614-apulia-communique.html"
    )


def test_no_date_prints_nd_and_a_title_keeps_its_question_mark():
    source = Source(
        "What is Trafficking in Persons?",
        "International Organization for Migration",
        "Grand-Saconnex",
        None,
        dt.date(2024, 9, 17),
        "https://indonesia.iom.int/what-trafficking-persons",
    )
    assert citation(source) == (
        "What is Trafficking in Persons?, International Organization for Migration (Grand-Saconnex) n.d. "
        "Access Date: 17 September 2024. https://indonesia.iom.int/what-trafficking-persons"
    )


@pytest.mark.parametrize(
    "source, expected",
    [
        (
            Source("T", "P", None, dt.date(2024, 7, 1), dt.date(2024, 7, 2), "https://x.org/a"),
            "T, P 1 July 2024. Access Date: 2 July 2024. https://x.org/a",
        ),
        (Source("T", None, "Rome", dt.date(2024, 7, 1), dt.date(2024, 7, 2), None), "T (Rome) 1 July 2024. Access Date: 2 July 2024."),
        (Source("T", "P", "C", None, None, None), "T, P (C) n.d."),
        (
            Source("  Two\n lines ", " P ", " C ", dt.date(2024, 12, 9), dt.date(2025, 1, 3), " https://x.org "),
            "Two lines, P (C) 9 December 2024. Access Date: 3 January 2025. https://x.org",
        ),
    ],
)
def test_missing_parts_drop_with_their_punctuation(source, expected):
    assert citation(source) == expected


def test_access_date_is_the_utc_day_of_the_fetch():
    # 23:30 in Toronto on 1 October is 2 October in UTC: Triage stores and prints UTC days.
    toronto = dt.timezone(dt.timedelta(hours=-4))
    fetched = dt.datetime(2024, 10, 1, 23, 30, tzinfo=toronto)
    assert (
        citation(Source("T", "P", "C", dt.datetime(2024, 9, 30, 12, tzinfo=UTC), fetched))
        == "T, P (C) 30 September 2024. Access Date: 2 October 2024."
    )


def test_item_with_a_fallback_date_cites_nd():
    class FakeItem:
        title, publisher, city, url = "T", "P", "C", "https://x.org"
        published_at = dt.datetime(2024, 8, 1, tzinfo=UTC)
        fetched_at = dt.datetime(2024, 8, 1, 9, tzinfo=UTC)
        date_missing = True

    assert citation(Source.from_item(FakeItem())) == "T, P (C) n.d. Access Date: 1 August 2024. https://x.org"


def test_dates_have_no_leading_zero_and_english_months_whatever_the_locale():
    try:
        locale.setlocale(locale.LC_TIME, "fr_FR.UTF-8")
        changed = True
    except locale.Error:
        changed = False
    try:
        assert report_date(dt.date(2024, 7, 5)) == "5 July 2024"
        assert report_date(dt.datetime(2024, 8, 9, 1, tzinfo=UTC)) == "9 August 2024"
        assert report_date(None) == "n.d."
    finally:
        if changed:
            locale.setlocale(locale.LC_TIME, "C")


def test_paragraph_gets_its_date_once():
    day = dt.date(2024, 7, 12)
    assert dated_paragraph(day, "On 12 July 2024, the Home Office acted.") == "On 12 July 2024, the Home Office acted."
    assert dated_paragraph(day, "On July 12, 2024, the Home Office acted.") == "On July 12, 2024, the Home Office acted."
    assert dated_paragraph(day, "The Home Office acted.") == "On 12 July 2024, the Home Office acted."
    assert dated_paragraph(day, "Canada acted.") == "On 12 July 2024, Canada acted."
    assert dated_paragraph(day, "A joint team acted.") == "On 12 July 2024, a joint team acted."
    assert dated_paragraph(day, "UNODC acted.") == "On 12 July 2024, UNODC acted."
    assert dated_paragraph(None, "Canada acted.") == "Canada acted."


def test_an_analyst_corrects_a_citation_audited(imported, cli, session_for):
    from triage.models import EvidenceCitation
    from triage.scoring.accepted import evidence_rows

    s = session_for(imported)
    index = CatalogueIndex.load(s)
    row = next(e for e in evidence_rows(s, index, 19, "Canada") if "Justice Laws" in (e.source.publisher or ""))
    refused = cli("evidence", "cite", row.citation_key, "--as", "ana", "--city", "Ottawa")
    assert refused.code == 2 and "changes nothing" in refused.err
    ok = cli("evidence", "cite", row.citation_key, "--as", "ana", "--city", "n/a", "--date", "2024-09", "--note", "As printed.")
    assert ok.code == 0, ok.err
    assert "Justice Laws Website (n/a) September 2024. Access Date: 3 October 2024." in ok.out
    s.expire_all()
    fixed = next(e for e in evidence_rows(s, index, 19, "Canada") if e.citation_key == row.citation_key)
    assert fixed.source.city == "n/a" and fixed.source.precision == "month"
    trail = s.exec(select(EvidenceCitation).where(EvidenceCitation.evidence_key == row.citation_key).order_by(EvidenceCitation.id)).all()
    assert [(t.origin, t.city, t.note) for t in trail] == [("import", "Ottawa", None), ("correction", "n/a", "As printed.")]
    assert cli("evidence", "cite", "s:999999", "--as", "ana", "--city", "x").code == 2
