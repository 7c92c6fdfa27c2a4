"""The matrix and its averages: a full published table checked against the test's own arithmetic,
the commitment-19 row from the analysts' conclusions, and the rest of the dashboard data."""

from __future__ import annotations

import datetime as dt
import json
import random

from sqlmodel import select

from tests.conftest import gold_file
from tests.scores.conftest import PUBLISHED_C19
from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.imports.scores import import_scores
from triage.items import ItemDraft, store_item
from triage.models import User
from triage.review.decisions import decide
from triage.scoring.matrix import dashboard, load_matrix
from triage.suggestions import Proposal, store_suggestion

UTC = dt.UTC
MEMBERS = ["Canada", "France", "Germany", "Italy", "Japan", "United Kingdom", "United States", "European Union"]

# Rows chosen to land on halves: 1/8 = 0.125 -> +0.13 (56.25% -> 56); -1/8 -> -0.13 (44%);
# 3/8 -> +0.38 (68.75% -> 69); 1/4 over four assessed members -> +0.25 (62.5% -> 63, a half);
# -3/4 -> -0.75 (12.5% -> 13, a half); all zero -> 0.00 (50%); nobody assessed -> n/a.
FIXED = {
    1: [1, 0, 0, 0, 0, 0, 0, 0],
    2: [-1, 0, 0, 0, 0, 0, 0, 0],
    3: [1, 1, 1, 0, 0, 0, 0, 0],
    4: [1, 0, 0, 0, None, None, None, None],
    5: [-1, -1, -1, 0, None, None, None, None],
    6: [0] * 8,
    7: [None] * 8,
}


def published_table() -> dict[tuple[int, str], int | None]:
    rnd = random.Random(2024)
    table = {}
    for number in range(1, 21):
        row = FIXED.get(number) or [rnd.choice([1, 1, 1, 0, 0, -1, None]) for _ in MEMBERS]
        for member, score in zip(MEMBERS, row):
            table[(number, member)] = score
    return table


def half_away(numerator: int, denominator: int) -> int:
    """numerator/denominator rounded to an integer, halves away from zero (integers only)."""
    sign = -1 if numerator * denominator < 0 else 1
    n, d = abs(numerator), abs(denominator)
    return sign * ((2 * n + d) // (2 * d))


def printed(scores: list[int | None]) -> str:
    present = [s for s in scores if s is not None]
    if not present:
        return "n/a"
    total, count = sum(present), len(present)
    hundredths = half_away(total * 100, count)
    pct = half_away((total + count) * 100, 2 * count)
    sign = "+" if hundredths > 0 else ("-" if hundredths < 0 else "")
    value = f"{sign}{abs(hundredths) // 100}.{abs(hundredths) % 100:02d}"
    return f"{value} ({pct}%)"


def write_csv(path, table) -> None:
    lines = ["commitment,member,score"]
    for (number, member), score in table.items():
        lines.append(f"{number},{member},{'' if score is None else ('+1' if score == 1 else score)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_full_table_averages_match_independent_arithmetic(people, tmp_path, cli):
    table = published_table()
    assert sum(1 for v in table.values() if v is None) >= 20  # members not assessed
    path = tmp_path / "published.csv"
    write_csv(path, table)
    with db.session_scope(people) as s:
        assert import_scores(s, CatalogueIndex.load(s), path=path).rows == 160
    with db.session_scope(people) as s:
        matrix = load_matrix(s, CatalogueIndex.load(s))
    averages = matrix.averages("score")
    keys = dict((name, key) for key, name in matrix.members)
    for number in range(1, 21):
        expected = printed([table[(number, m)] for m in MEMBERS])
        assert averages.printed(averages.commitment(number)) == expected, number
    for member in MEMBERS:
        expected = printed([table[(n, member)] for n in range(1, 21)])
        assert averages.printed(averages.member(keys[member])) == expected, member
    assert averages.printed(averages.overall) == printed(list(table.values()))
    # The halves, spelled out.
    assert [averages.printed(averages.commitment(n)) for n in range(1, 8)] == [
        "+0.13 (56%)",
        "-0.13 (44%)",
        "+0.38 (69%)",
        "+0.25 (63%)",
        "-0.75 (13%)",
        "0.00 (50%)",
        "n/a",
    ]
    # The CLI prints the same figures.
    out = cli("scores", "show").out
    assert "+0.38 (69%)" in out and "-0.75 (13%)" in out and printed(list(table.values())) in out
    data = cli("scores", "show", "--json").json
    assert data["averages"]["overall"]["printed"] + f" ({data['averages']['overall']['percent']}%)" == printed(list(table.values()))


def test_commitment_19_row_from_the_analysts_conclusions(people):
    """tests/data/c19_member_dimensions.jsonl accepted as evidence gives +0.38 and 69%."""
    lines = [json.loads(line) for line in gold_file("c19_member_dimensions.jsonl").read_text().splitlines() if line.strip()]
    with db.session_scope(people) as s:
        index = CatalogueIndex.load(s)
        ana = s.exec(select(User).where(User.username == "ana")).one()
        for n, line in enumerate(lines):
            item, _ = store_item(
                s, ItemDraft(title=f"Evidence {n}", text=f"Action number {n}.", published_at=dt.datetime(2024, 7, 1, tzinfo=UTC)), index.period
            )
            sug, _ = store_suggestion(
                s,
                index,
                item,
                Proposal(line["member"], 19, line["dimension"], line["strength"], quote=f"Action number {n}.", action_date=dt.date(2024, 7, 1)),
                agent="rules:test",
                agent_kind="rules",
            )
            decide(s, index, suggestion_id=sug.id, user=ana, action="accept", version=sug.version)
    with db.session_scope(people) as s:
        board = dashboard(s)
    row = {key: board.matrix.cell(19, key).suggested for key, _ in board.matrix.members}
    assert row == PUBLISHED_C19
    avg = board.averages.commitment(19)
    assert board.printed(avg) == "+0.38 (69%)"
    assert board.suggested_averages.printed(board.suggested_averages.commitment(19)) == "+0.38 (69%)"
    assert board.final_averages.commitment(19) is None  # no lead has set anything


def test_dashboard_data(imported):
    with db.session_scope(imported) as s:
        index = CatalogueIndex.load(s)
        # One suggestion waits for review.
        item, _ = store_item(
            s,
            ItemDraft(title="Pending", text="Italy seized boats used by smugglers.", published_at=dt.datetime(2024, 9, 1, tzinfo=UTC)),
            index.period,
        )
        store_suggestion(s, index, item, Proposal("Italy", 19, "disrupt", "strong", quote="seized boats"), agent="rules:test", agent_kind="rules")
    with db.session_scope(imported) as s:
        board = dashboard(s)
    m = board.matrix
    assert [c.number for c in m.commitments if c.complete] == [19]
    assert m.commitment(1).complete is False and m.cell(1, "canada").score is None
    assert board.backlog[19].pending == 1 and board.backlog[18].pending == 0
    assert board.backlog[19].oldest.tzinfo is not None
    counts = {d.dimension: (d.strong, d.weak, d.contradictory) for d in board.counts[19]}
    # 44 accepted pieces: the test counts them from the import file's dimensions.
    assert sum(a + b for a, b, _ in counts.values()) == 44
    assert counts["disrupt"] == (4, 0, 0)  # UK 1, US 1, EU 2
    assert counts["prevent"][1] == 3  # Canada, Japan twice
    japan = next(d for d in board.counts[19] if d.dimension == "counter").by_member["japan"]
    assert japan == {"strong": 0, "weak": 1, "contradictory": 0}
    assert m.cell(19, "japan").evidence == 3 and "Weak in prevent and counter" in m.cell(19, "japan").explanation
    t = board.timeline
    assert (t.start, t.end) == (dt.date(2024, 6, 15), dt.date(2024, 12, 20))
    assert t.dates["canada"] == [dt.date(2024, 9, 18), dt.date(2024, 10, 4), dt.date(2024, 11, 26)]
    assert t.cumulative("canada") == [(dt.date(2024, 6, 15), 0), (dt.date(2024, 9, 18), 1), (dt.date(2024, 10, 4), 2), (dt.date(2024, 11, 26), 3)]
    assert t.total == 25
    data = board.as_json()
    json.dumps(data)  # serialisable as it is
    assert data["averages"]["by_commitment"]["19"]["printed"] == "+0.38"
    assert next(c for c in data["commitments"] if c["number"] == 19)["pending"] == 1
