"""Text helpers shared by the pre-filter and the rules: one folding, sentences, dates.

Matching happens on a *folded* form (Unicode NFKC, Latin accents removed, case folded,
typographic punctuation made plain) so that "Ministère", "ministere" and "MINISTÈRE"
are one word. Quotes are always cut from the original text, never from the folded one,
so they can be verified against the item.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# Combining marks of Latin accents only: Japanese voiced marks (U+3099/U+309A) must stay.
_LATIN_MARKS = re.compile("[\u0300-\u036f]")
_PUNCT = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u00a0": " ",
    }
)


def fold(text: str) -> str:
    """The form rules match in: NFKC, no Latin accents, case-folded, plain quotes and dashes."""
    text = unicodedata.normalize("NFKC", text or "").translate(_PUNCT)
    decomposed = unicodedata.normalize("NFD", text)
    if decomposed != text:
        text = unicodedata.normalize("NFC", _LATIN_MARKS.sub("", decomposed))
    return text.casefold()


# A sentence ends at . ! ? (followed by space) or at a Japanese full stop, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9À-ÖØ-Þ\u3000-\u9fff])|(?<=[。！？])|\n+")


_ABBREVIATIONS = re.compile(r"(?:\b(?:[A-Z]\.){1,3}|\b(?:Mr|Mrs|Ms|Dr|St|No|Nr|Art|Abs|Sig|Dott|M|Mme|e\.g|i\.e|vs|ca|approx|Gov|Sen|Rep|Jr|Sr)\.)$")


def sentences(text: str) -> list[str]:
    """Split into sentences, good enough to quote one; never loses text except whitespace."""
    out: list[str] = []
    for part in _SENTENCE_END.split(text or ""):
        part = part.strip()
        if not part:
            continue
        # "the U.S. Council" and "Mr. Smith" are not sentence ends: glue them back.
        if out and _ABBREVIATIONS.search(out[-1]) and not out[-1].endswith(("。",)):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


# --- dates ------------------------------------------------------------------------------

_MONTHS = {
    # en
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    # fr (folded: no accents)
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    # de
    "januar": 1,
    "februar": 2,
    "marz": 3,
    "maerz": 3,
    "juni": 6,
    "juli": 7,
    "oktober": 10,
    "dezember": 12,
    # it
    "gennaio": 1,
    "febbraio": 2,
    "marzo": 3,
    "aprile": 4,
    "maggio": 5,
    "giugno": 6,
    "luglio": 7,
    "agosto": 8,
    "settembre": 9,
    "ottobre": 10,
    "dicembre": 12,
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_PATTERNS = [
    # 5 November 2024, 5. November 2024, 1er novembre 2024, 5th November 2024
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s+({_MONTH_RE})\s+(\d{{4}})\b"), ("d", "m", "y")),
    # November 5, 2024
    (re.compile(rf"\b({_MONTH_RE})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"), ("m", "d", "y")),
    # 2024年11月5日
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), ("y", "m", "d")),
    # 2024-11-05
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("y", "m", "d")),
]


def first_date(text: str) -> dt.date | None:
    """The earliest-placed full date written in the text, in any of the five languages."""
    folded = fold(text)
    best: tuple[int, dt.date] | None = None
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(folded):
            parts = dict(zip(order, match.groups(), strict=True))
            month = parts["m"]
            month_no = int(month) if month.isdigit() else _MONTHS.get(month)
            if month_no is None:
                continue
            try:
                day = dt.date(int(parts["y"]), month_no, int(parts["d"]))
            except (TypeError, ValueError):
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), day)
            break
    return best[1] if best else None


def parse_partial_date(value: str | None) -> dt.date | None:
    """Gold files carry '2024-11-05', '2024-07' or null; a month alone means its first day."""
    match = re.match(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", str(value or ""))
    if not match:
        return None
    year, month, day = match.groups()
    try:
        return dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
