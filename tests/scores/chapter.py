"""An import file built like a published chapter's evidence paragraphs: the dev items whose id
starts with `c19-` (../shared/gold/c19_dev.jsonl), plus a line of each hard kind a chapter has."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.conftest import gold_file

# A city per member for the test's citations (the dev items carry none).
CITY = {
    "Canada": "Ottawa",
    "France": "Paris",
    "Germany": "Berlin",
    "Italy": "Rome",
    "Japan": "Tokyo",
    "United Kingdom": "London",
    "United States": "Washington",
    "European Union": "Brussels",
}

HARD = [
    # A source dated by month only: printed "July 2024".
    {
        "member": "Japan",
        "commitment": 19,
        "dimensions": ["prevent"],
        "strength": "weak",
        "action_date": "2024-07",
        "text": "In July 2024, Japan's Ministry of Foreign Affairs published its annual review of measures against trafficking in persons.",
        "source_title": "Japan's Actions to Combat Trafficking in Persons",
        "source_publisher": "Ministry of Foreign Affairs of Japan",
        "source_city": "Tokyo",
        "source_date": "2024-07",
        "url": "https://www.mofa.go.jp/policy/i_crime/people/actions-2024.html",
        "accessed": "2024-11-02",
    },
    # A paragraph whose footnote the report lost: kept, "citation missing".
    {
        "member": "Germany",
        "commitment": 19,
        "dimensions": ["counter"],
        "strength": "weak",
        "action_date": "2024-08-20",
        "text": "On 20 August 2024, Germany discussed cooperation against smuggling networks with its neighbours.",
    },
    # Two actions citing one source, on different dates: distinct evidence.
    {
        "member": "Canada",
        "commitment": 19,
        "dimensions": ["prevent"],
        "strength": "weak",
        "action_date": "2024-12-02",
        "text": "On 2 December 2024, Canada announced that it would follow up the foreign ministers' statement with partners in the Americas.",
        "source_title": "G7 Foreign Ministers' Meeting Statement",
        "source_publisher": "G7 Information Centre",
        "source_city": "Fiuggi – Anagni",
        "source_date": "2024-11-26",
        "url": "https://www.g7.utoronto.ca/foreign/241126-statement.html",
        "accessed": "2024-12-11",
    },
    # Cited, crediting no dimension: in the draft, counted for no score.
    {
        "member": "Italy",
        "commitment": 19,
        "dimensions": [],
        "action_date": "2024-09-10",
        "text": "On 10 September 2024, Italy's police dismantled a drug-trafficking ring in Calabria.",
        "source_title": "Operazione antidroga in Calabria",
        "source_publisher": "State Police",
        "source_city": "Rome",
        "source_date": "2024-09-10",
        "url": "https://www.poliziadistato.it/articolo/operazione-antidroga-calabria",
        "accessed": "2024-10-01",
        "translated": True,
    },
    # "Context" evidence an analyst keeps.
    {
        "member": "United Kingdom",
        "commitment": 19,
        "kind": "context",
        "action_date": "2024-10-15",
        "text": "On 15 October 2024, the UK consulted civil society on human rights in its migration policy.",
        "source_title": "Consultation on human rights and migration",
        "source_publisher": "Home Office",
        "source_city": "London",
        "source_date": "2024-10-15",
        "url": "https://www.gov.uk/government/consultations/human-rights-and-migration",
        "accessed": "2024-10-30",
    },
]


def chapter_lines() -> list[dict]:
    lines = []
    for raw in gold_file("c19_dev.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(raw)
        if not item["id"].startswith("c19-"):
            continue
        for gold in item["gold"]:
            published = item["published"]
            day = dt.date.fromisoformat(published) if len(published) == 10 else dt.date.fromisoformat(published + "-01")
            line = {
                "member": gold["member"],
                "commitment": 19,
                "dimensions": gold["dimensions"] or [],
                "text": item["text"],
                "source_title": item["title"],
                "source_publisher": item["publisher"],
                "source_city": CITY[gold["member"]],
                "source_date": published,
                "url": item["url"],
                "accessed": (day + dt.timedelta(days=10)).isoformat(),
            }
            if gold["dimensions"] and gold["strength"]:
                line["strength"] = gold["strength"]
            else:
                line["dimensions"] = []
            lines.append(line)
    return lines + HARD


def write_chapter(path: Path) -> Path:
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in chapter_lines()), encoding="utf-8")
    return path
