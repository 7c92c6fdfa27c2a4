"""Averages and percentages exactly as the reports print them."""

from __future__ import annotations

from fractions import Fraction

import pytest

from triage.scoring.aggregate import average, format_average, format_percent, percent, printed, summarise


@pytest.mark.parametrize(
    "value, shown, pct",
    [
        (Fraction(3, 8), "+0.38", 69),  # 0.375 -> +0.38; 68.75% -> 69%
        (Fraction(1, 8), "+0.13", 56),  # 0.125: half rounds away from zero (banker's would give 0.12)
        (Fraction(-1, 8), "-0.13", 44),  # 43.75% -> 44%
        (Fraction(0), "0.00", 50),
        (Fraction(1), "+1.00", 100),
        (Fraction(-1), "-1.00", 0),
        (Fraction(1, 3), "+0.33", 67),
        (Fraction(-1, 3), "-0.33", 33),
        (Fraction(1, 200), "+0.01", 50),  # 50.25% -> 50
        (Fraction(-1, 200), "-0.01", 50),  # 0.005 half away from zero; 49.75% -> 50
        (Fraction(1, 100), "+0.01", 51),  # 50.5% -> 51 (half up)
        (Fraction(-1, 100), "-0.01", 50),  # 49.5% -> 50 (half up)
    ],
)
def test_printing(value, shown, pct):
    assert format_average(value) == shown
    assert percent(value) == pct


def test_float_input_uses_its_exact_value():
    # 0.375 is exact in binary; 0.125 too; the printed value must not depend on float repr
    assert format_average(0.375) == "+0.38"
    assert format_average(0.125) == "+0.13"


def test_printed_form():
    assert printed(Fraction(3, 8)) == "+0.38 (69%)"
    assert printed(None) == "n/a"
    assert format_percent(None) == "n/a"


def test_average_skips_unassessed_cells():
    assert average([1, None, 0, -1, 1]) == Fraction(1, 4)
    assert average([None, None]) is None


def test_summary_by_member_commitment_and_overall():
    members = ["A", "B"]
    table = {(1, "A"): 1, (1, "B"): 0, (2, "A"): -1, (2, "B"): None}
    s = summarise(table, members, [1, 2])
    assert s.by_member == {"A": Fraction(0), "B": Fraction(0)}
    assert s.by_commitment == {1: Fraction(1, 2), 2: Fraction(-1)}
    assert s.overall == Fraction(0)  # mean of the three scored cells, not of the two commitment means
    assert s.cells == 3
