"""Citations in the research group's style, and report dates.

    Title, Publisher (City) D Month YYYY. Access Date: D Month YYYY. URL

as in the compliance reports' footnotes ("Apulia G7 Leaders' Communiqué, G7 Information
Centre (Apulia) 14 June 2024. Access Date: 7 September 2024. https://..."). Rules, from
the methodology's footnotes:

- The day has no leading zero and the month is its English name, whatever the locale.
- A source without a date prints `n.d.` where the date goes ("People Smuggling, United
  Nations High Commissioner for Refugees (Geneva) n.d. Access Date: 16 September 2024.").
- The title is printed as it is, even when it ends in punctuation ("What is Trafficking
  in Persons?, International Organization for Migration (Grand-Saconnex) n.d. ...").
- Missing parts are left out with their punctuation: no city, no parentheses; no
  publisher, no comma; no URL, the citation ends after the access date.
- The access date is when Triage fetched the page (`Item.fetched_at`); without one
  (a hand-made citation) the access date is left out.

Dates are calendar dates in UTC: Triage stores every timestamp in UTC, and an import's
dates are taken as UTC days, so a date prints the same on every machine.
"""

from __future__ import annotations

import datetime as dt
import re

from triage.review.cited import CitedSource as Source

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
NO_DATE = "n.d."


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.date()
    return value


def report_date(value: dt.date | dt.datetime | None, precision: str = "day") -> str:
    """'12 July 2024' (no leading zero, English month); 'July 2024' for a month-only date; 'n.d.' for no date."""
    if value is None:
        return NO_DATE
    day = _as_date(value)
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{MONTHS[day.month - 1]} {day.year}"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


# The note a footnote carries when the analyst translated the source into English.
TRANSLATION_NOTE = "Translated by the analyst."
MISSING = "Citation missing."
# XML 1.0 forbids these (a pasted vertical tab, Word's line break, stops DOCX and XLSX cold).
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text with the control characters XML cannot hold removed (a vertical tab becomes a space)."""
    return _XML_FORBIDDEN.sub(lambda m: " " if m.group(0) in "\x0b\x0c" else "", text)


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def citation(source: Source) -> str:
    """The footnote text for a source ("Citation missing." when the report lost it)."""
    if source.missing:
        return MISSING
    text = _clean(source.title)
    publisher, city = _clean(source.publisher), _clean(source.city)
    if publisher:
        text += f", {publisher}"
    if city:
        text += f" ({city})"
    text += f" {report_date(source.date, source.precision)}"
    if not text.endswith("."):
        text += "."
    if source.accessed is not None:
        text += f" Access Date: {report_date(source.accessed)}."
    url = _clean(source.url)
    if url:
        text += f" {url}"
    if source.translated:
        text += f" {TRANSLATION_NOTE}"
    return text


# "On 12 July 2024," or "On July 12, 2024,": the paragraph already says when.
_DATED = re.compile(
    r"^\s*(?:On\s+(?:\d{1,2}\s+(?:%s)\s+\d{4}|(?:%s)\s+\d{1,2},\s+\d{4})|In\s+(?:%s)\s+\d{4}),\s*"
    % ("|".join(MONTHS), "|".join(MONTHS), "|".join(MONTHS))
)
# Words that start a sentence but not a name: lower-cased after "On <date>, ".
_LOWER_FIRST = {"the", "a", "an", "this", "these", "that", "its", "their", "his", "her", "during", "at", "in", "as", "following", "after"}


def dated_paragraph(day: dt.date | None, text: str, precision: str = "day") -> str:
    """'On 12 July 2024, the Home Office ...'; text that already starts with its date is kept.

    Only a leading article or similar word is lower-cased after the date, never a name
    ("On 5 November 2024, the Council ..." but "On 5 November 2024, Canada ...").
    """
    text = _clean(text)
    if day is None or _DATED.match(text):
        return text
    first, _, rest = text.partition(" ")
    if first.casefold() in _LOWER_FIRST and first[:1].isupper() and (len(first) == 1 or first[1:].islower()):
        text = first.lower() + (" " + rest if rest else "")
    return f"{'On' if precision == 'day' else 'In'} {report_date(day, precision)}, {text}"


_LEADING_DAY = re.compile(r"^\s*On\s+(?:(\d{1,2})\s+(%s)\s+(\d{4})|(%s)\s+(\d{1,2}),\s+(\d{4}))," % ("|".join(MONTHS), "|".join(MONTHS)))


def leading_date(text: str) -> dt.date | None:
    """The day a paragraph opens with ("On 11 July 2024, ..." or "On July 11, 2024, ..."), if any."""
    found = _LEADING_DAY.match(text or "")
    if not found:
        return None
    day, month, year = (found.group(1), found.group(2), found.group(3)) if found.group(1) else (found.group(5), found.group(4), found.group(6))
    try:
        return dt.date(int(year), MONTHS.index(month) + 1, int(day))
    except ValueError:
        return None
