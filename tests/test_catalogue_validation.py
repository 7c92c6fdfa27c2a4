"""`triage catalogue validate`: the shipped catalogue passes and reports the methodology's gap;
broken catalogues are refused with one clear message naming file and line, exit code 2."""

from __future__ import annotations

import re

import pytest

from tests.conftest import CATALOGUE

SHIPPED = CATALOGUE.read_text(encoding="utf-8")


def line_of(fragment: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `fragment` in the shipped catalogue."""
    hits = [i for i, line in enumerate(SHIPPED.splitlines(), start=1) if fragment in line]
    return hits[occurrence - 1]


def test_shipped_catalogue_is_valid_and_reports_the_inconsistency(cli):
    result = cli("catalogue", "validate", CATALOGUE)
    assert result.code == 0, result.err
    out = re.sub(r"\s+", " ", result.out)
    assert "valid" in out and "20 commitments (1 complete, 19 incomplete)" in out
    assert "rule used: each of the 162 combinations gets exactly one score" in out
    assert "no score: no strong action, weak action in 2 of 4, no contradictory action (6 combinations" in out
    assert "Inconsistency" in out and "Resolution:" in out and "Japan" in out


def test_shipped_catalogue_json(cli):
    data = cli("catalogue", "validate", "--json").json
    c19 = next(c for c in data["commitments"] if c["commitment"] == 19)
    assert c19["rule"]["exact"] is True
    table = next(p for p in c19["published"] if p["name"] == "scoring_guidelines")
    assert table["uncovered"] == [{"case": "no strong action, weak action in 2 of 4, no contradictory action", "combinations": 6, "scores": []}]
    incomplete = [c["commitment"] for c in data["commitments"] if not c["complete"]]
    assert incomplete == [n for n in range(1, 21) if n != 19]


def test_strict_fails_on_a_rule_with_a_gap(cli, tmp_path):
    broken = SHIPPED.replace('- {strong: 0, weak: ">=2", contradictory: false}', '- {strong: 0, weak: ">=3", contradictory: false}')
    path = tmp_path / "gap.yaml"
    path.write_text(broken)
    assert cli("catalogue", "validate", path).code == 0  # a gap is a finding, not a broken file
    assert cli("catalogue", "validate", path, "--strict").code == 1


def test_list_shows_incomplete_commitments(cli):
    result = cli("catalogue", "list", "--json")
    rows = result.json
    assert len(rows) == 20
    assert rows[18] == {
        "number": 19,
        "area": "Migration and Refugees",
        "title": "Preventing Migrant Smuggling and Trafficking",
        "complete": True,
        "missing": [],
        "dimensions": ["prevent", "counter", "dismantle", "disrupt"],
    }
    assert rows[0]["missing"] == ["quote", "dimensions", "scoring rule"]
    table = cli("catalogue", "list")
    assert "incomplete" in table.out and "Border Management" in table.out


# Each case: how to break the shipped file, the line the message must name, and what it must say.
BROKEN = {
    "malformed yaml": (
        lambda s: s.replace("  start: 2024-06-15", "  start: [2024-06-15"),
        lambda: line_of("  end: 2024-12-20"),
        "malformed YAML",
    ),
    "duplicate commitment number": (
        lambda s: s.replace("{number: 20, area: Cybersecurity", "{number: 19, area: Cybersecurity"),
        lambda: line_of("number: 20, area: Cybersecurity"),
        "duplicate commitment number 19",
    ),
    "reversed period": (
        lambda s: s.replace("  start: 2024-06-15", "  start: 2025-01-15"),
        lambda: line_of("  start: 2024-06-15"),
        "compliance period is reversed",
    ),
    "unknown dimension in rule": (
        lambda s: s.replace("- {strong: all, contradictory: false}", "- {strong_in: [prevent, dismantel], contradictory: false}"),
        lambda: line_of("- {strong: all, contradictory: false}"),
        "unknown dimension 'dismantel' in rule",
    ),
    "duplicate dimension key": (
        lambda s: s.replace("      - key: counter", "      - key: prevent"),
        lambda: line_of("      - key: counter"),
        "duplicate dimension key 'prevent'",
    ),
    "count beyond the dimensions": (
        lambda s: s.replace("- {strong: 1..3, contradictory: false}", "- {strong: 1..5, contradictory: false}"),
        lambda: line_of("- {strong: 1..3, contradictory: false}"),
        "strong: 1..5 is more than its 4 dimensions",
    ),
    "count that is not a count": (
        lambda s: s.replace("- {strong: 1..3, contradictory: false}", "- {strong: some, contradictory: false}"),
        lambda: line_of("- {strong: 1..3, contradictory: false}"),
        "'some' is not a count",
    ),
    "score off the scale": (
        lambda s: s.replace(
            "          - score: 1\n            when:\n              - {strong: all",
            "          - score: 2\n            when:\n              - {strong: all",
        ),
        lambda: line_of("          - score: 1"),
        "score 2 is not on the scale",
    ),
    "exclusion to a missing commitment": (
        lambda s: s.replace("belongs_to: 18", "belongs_to: 42"),
        lambda: line_of("belongs_to: 18"),
        "exclusion refers to commitment 42, which is not in the catalogue",
    ),
    "misspelt field": (
        lambda s: s.replace("    area: Migration and Refugees\n    title: Preventing", "    area: Migration and Refugees\n    titel: Preventing"),
        lambda: line_of("number: 19", 1),
        "commitments.18.titel: unknown field",
    ),
    "missing required field": (
        lambda s: s.replace("  - {number: 20, area: Cybersecurity, title: Countering Malicious Behaviour}", "  - {number: 20, area: Cybersecurity}"),
        lambda: line_of("number: 20, area: Cybersecurity"),
        "commitments.19.title: required field is missing",
    ),
    "duplicate yaml key": (
        lambda s: s.replace("report: interim\n", "report: interim\nreport: final\n"),
        lambda: line_of("report: interim") + 1,
        "duplicate key 'report'",
    ),
    "member alias used twice": (
        lambda s: s.replace("aliases: [JP, JPN,", "aliases: [UK, JPN,"),
        lambda: line_of("- key: united-kingdom"),
        "'uk' is used by both Japan and United Kingdom",
    ),
    "rule without dimensions": (
        lambda s: s.replace(
            "  - {number: 20, area: Cybersecurity, title: Countering Malicious Behaviour}",
            "  - number: 20\n    area: Cybersecurity\n    title: Countering Malicious Behaviour\n"
            "    scoring:\n      rule:\n        levels: [{score: 1, when: [{strong: all}]}]",
        ),
        lambda: line_of("number: 20, area: Cybersecurity") + 4,
        "a scoring rule needs dimensions",
    ),
    "bad date": (
        lambda s: s.replace("  end: 2024-12-20", "  end: 2024-13-45"),
        lambda: line_of("  end: 2024-12-20"),
        "compliance_period.end",
    ),
    "not a mapping": (
        lambda s: "- just\n- a list\n",
        lambda: 1,
        "expected a mapping at the top of the file",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_catalogue_is_refused(cli, tmp_path, case):
    mutate, expected_line, message = BROKEN[case]
    broken = mutate(SHIPPED)
    assert broken != SHIPPED, "the mutation must change the file"
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    result = cli("catalogue", "validate", path)
    assert result.code == 2, result.out
    assert "Traceback" not in result.err
    assert f"{path}:{expected_line()}:" in result.err, result.err
    assert message in result.err, result.err


def test_missing_and_undecodable_files(cli, tmp_path):
    result = cli("catalogue", "validate", tmp_path / "none.yaml")
    assert result.code == 2 and "none.yaml: file not found" in result.err
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes("title: Réseau\n".encode("latin-1"))
    result = cli("catalogue", "validate", latin)
    assert result.code == 2 and "not UTF-8" in result.err


def test_several_problems_are_reported_together(cli, tmp_path):
    broken = SHIPPED.replace("belongs_to: 18", "belongs_to: 42").replace("      - key: counter", "      - key: prevent")
    path = tmp_path / "two.yaml"
    path.write_text(broken)
    result = cli("catalogue", "validate", path)
    assert result.code == 2
    assert "belongs_to" not in result.err or "42" in result.err
    assert result.err.count("error:") == 2
