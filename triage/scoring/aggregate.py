"""Averages by member, by commitment and overall, printed as the reports print them.

Rounding: averages are exact fractions until printed. The printed average has a
sign and two decimals (+0.38); the percentage is (average + 1) / 2 * 100 as a
whole number (69%). Both round half away from zero (0.125 -> +0.13, 68.75% -> 69%,
-0.125 -> -0.13), computed on the exact fraction, so a value stored as a binary
float never tips a half the wrong way. Zero prints as 0.00. Cells with no score
(a member not assessed) are left out of every average; an average over no cells
is empty (printed as "n/a").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction


def average(scores: Iterable[int | None]) -> Fraction | None:
    present = [s for s in scores if s is not None]
    if not present:
        return None
    return Fraction(sum(present), len(present))


def _exact_decimal(value: Fraction) -> Decimal:
    # Enough precision that quantize sees the true digit after the rounding place.
    with localcontext() as ctx:
        ctx.prec = 50
        return Decimal(value.numerator) / Decimal(value.denominator)


def round_half_away(value: Fraction, places: int) -> Decimal:
    q = Decimal(1).scaleb(-places)
    return _exact_decimal(value).quantize(q, rounding=ROUND_HALF_UP)


def format_average(value: Fraction | float | None) -> str:
    """+0.38, -0.13, 0.00; 'n/a' for an empty average."""
    if value is None:
        return "n/a"
    rounded = round_half_away(Fraction(value), 2)
    if rounded == 0:
        return "0.00"
    return f"{rounded:+.2f}"


def percent(value: Fraction | float | None) -> int | None:
    """(average + 1) / 2 * 100, rounded half away from zero to a whole number."""
    if value is None:
        return None
    return int(round_half_away((Fraction(value) + 1) * 50, 0))


def format_percent(value: Fraction | float | None) -> str:
    p = percent(value)
    return "n/a" if p is None else f"{p}%"


def printed(value: Fraction | None) -> str:
    """'+0.38 (69%)', the way a report prints an average."""
    if value is None:
        return "n/a"
    return f"{format_average(value)} ({format_percent(value)})"


@dataclass
class Summary:
    """Averages of a member x commitment table of scores."""

    by_member: dict[str, Fraction | None]
    by_commitment: dict[int, Fraction | None]
    overall: Fraction | None
    cells: int  # scored cells


def summarise(table: Mapping[tuple[int, str], int | None], members: Iterable[str], commitments: Iterable[int]) -> Summary:
    """`table[(commitment, member)]` is a score or None (not assessed).

    The overall average is the mean of every scored cell, which is how the reports
    compute their overall compliance score; with empty cells it can differ from the
    mean of the per-commitment averages.
    """
    members = list(members)
    commitments = list(commitments)
    by_member = {m: average(table.get((c, m)) for c in commitments) for m in members}
    by_commitment = {c: average(table.get((c, m)) for m in members) for c in commitments}
    cells = [table.get((c, m)) for c in commitments for m in members]
    return Summary(by_member, by_commitment, average(cells), sum(1 for s in cells if s is not None))
