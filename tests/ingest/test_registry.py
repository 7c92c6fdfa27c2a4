"""The shipped registry's coverage, and `triage feeds list|add|check`."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.conftest import CATALOGUE, ROOT
from tests.ingest.feedserver import Reply, add_source, item, rss
from triage import db
from triage.catalogue import load_catalogue
from triage.errors import InputError
from triage.models import Source
from triage.sources.registry import load_registry, registry_files

pytestmark = pytest.mark.timeout(60)
HEAD, FOREIGN, INTERIOR_OR_JUSTICE = {"head"}, {"foreign"}, {"interior", "justice"}


def test_registry_covers_every_member_and_validates():
    members = [m.key for m in load_catalogue(CATALOGUE).members]
    registry = load_registry(ROOT / "feeds", members)  # raises on any invalid entry, naming file and line
    assert len(members) == 8
    enabled = [s for s in registry.sources if s.enabled]
    for member in members:
        offices = {s.office for s in enabled if s.kind == "official" and s.member_keys and member in s.member_keys}
        assert offices & HEAD, f"{member}: no enabled head-of-government source"
        assert offices & FOREIGN, f"{member}: no enabled foreign-affairs source"
        assert offices & INTERIOR_OR_JUSTICE, f"{member}: no enabled interior or justice source"
    assert all(s.office for s in registry.sources if s.kind == "official")
    news = [s for s in registry.sources if s.member_keys is None and s.kind == "news"]
    assert len(news) >= 1
    eu = {s.publisher for s in registry.sources if s.member_keys == ["european-union"] and s.enabled}
    assert {"Council of the EU", "European Commission", "Europol", "Eurojust", "Frontex"} <= eu
    assert all(str(s.url).startswith("https://") for s in registry.sources)
    # samples are data for `ingest --samples`, never part of the registry
    assert all(p.parent == ROOT / "feeds" for p in registry_files(ROOT / "feeds"))


def test_registry_marks_what_the_review_found():
    registry = load_registry(ROOT / "feeds")
    by_id = {s.id: s for s in registry.sources}
    for s in registry.sources:
        assert s.verification is not None, f"{s.id}: no verification"
        if s.enabled and s.verification.review == "doubtful":
            assert s.note, f"{s.id} is doubtful and enabled without a note"
        if s.verification.status == "blocked":
            assert not s.enabled and s.note, s.id
    for blocked in ("jp-mofa-en", "jp-mofa", "it-esteri", "fr-gouvernement"):
        assert not by_id[blocked].enabled and by_id[blocked].note.startswith("disabled:")
    # section 6 corrections
    assert "dept=departmentofforeignaffairstradeanddevelopment" in str(by_id["ca-global-affairs"].url)
    assert "dept=departmentfinance&" in str(by_id["ca-finance"].url)
    assert str(by_id["it-governo"].url) == "https://www.governo.it/feed/rss"
    assert str(by_id["jp-kantei-en"].url) == "https://japan.kantei.go.jp/index-e2.rdf"
    assert str(by_id["us-white-house"].url) == "https://www.whitehouse.gov/news/feed/"
    # publishers the chapter cites, in the format they need
    assert by_id["fr-elysee"].format == "sitemap" and "sitemap.publication.xml" in str(by_id["fr-elysee"].url)
    for sid, fmt in [("ca-rcmp-news", "html"), ("it-governo-en", "html"), ("eu-frontex-news", "html"), ("fr-vie-publique", "feed")]:
        assert by_id[sid].format == fmt and by_id[sid].enabled, sid
    g7 = [s for s in registry.sources if s.office == "g7" and s.enabled]
    assert {s.publisher for s in g7} >= {"G7 Information Centre", "G7 Italian Presidency 2024"} and all(s.member_keys is None for s in g7)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("members: [canada]\n    member: canada", "either member"),
        ("member: canada\n    office: embassy", "office"),
        ("member: canada\n    format: html", "entries.link"),
        ("member: canada\n    format: html\n    entries: {link: 'a[['}", "invalid CSS selector"),
        ("member: canada\n    format: json\n    entries: {link: url}", "entries.items"),
        ("members: [canada, narnia]", "unknown member 'narnia'"),
        ("member: canada\n    verification: {status: maybe}", "verification.status"),
    ],
)
def test_registry_loader_refuses_bad_entries_with_file_and_line(tmp_path, entry, message):
    path = tmp_path / "bad.yaml"
    path.write_text(
        f"sources:\n  - id: ok-1\n    url: https://example.org/f\n    member: canada\n    publisher: X\n  - id: bad-1\n    url: https://example.org/g\n    {entry}\n    publisher: X\n"
    )
    with pytest.raises(InputError) as caught:
        load_registry(path, ["canada", "france"])
    text = "\n".join(str(p) for p in caught.value.problems)
    assert message in text and f"{path}:" in text, text


def test_feeds_add_then_list(cli, loaded_db):
    ok = cli("feeds", "add", "https://www.example.org/feed.xml", "--id", "ca-extra", "--member", "canada", "--publisher", "Extra", "--language", "en")
    assert ok.code == 0, ok.err
    with Session(db.engine_for(loaded_db)) as s:
        row = s.get(Source, "ca-extra")
        assert row.origin == "cli" and row.member == "canada" and row.enabled
    listed = cli("feeds", "list", "--json")
    assert any(r["id"] == "ca-extra" and r["status"] == "never fetched" for r in listed.json)
    assert cli("feeds", "add", "https://x.org/f", "--id", "ca-extra", "--member", "canada", "--publisher", "X").code == 2
    bad = cli("feeds", "add", "https://x.org/f", "--id", "narnia-1", "--member", "narnia", "--publisher", "X")
    assert bad.code == 2 and "unknown member 'narnia'" in bad.err
    bad = cli("feeds", "add", "not a url", "--id", "x", "--member", "canada", "--publisher", "X")
    assert bad.code == 2 and "url" in bad.err.lower()


def test_feeds_check_against_loopback(cli, loaded_db, server, monkeypatch):
    monkeypatch.setenv("TRIAGE_FETCH_ATTEMPTS", "1")
    monkeypatch.setenv("TRIAGE_FETCH_READ_TIMEOUT", "0.5")
    server.routes["/good"] = Reply(200, rss(item(1, date="Tue, 02 Jul 2024 10:00:00 +0000"), item(2)).encode())
    server.routes["/gone"] = Reply(404)
    add_source(loaded_db, "good", server.url("/good"), stale_days=100_000)  # entries from 2024 are not stale here
    add_source(loaded_db, "gone", server.url("/gone"))
    result = cli("feeds", "check", "good", "--json")
    assert result.code == 0, result.err
    [row] = result.json
    assert (row["outcome"], row["http_status"], row["entries"]) == ("ok", 200, 2)
    assert row["newest"].startswith("2024-07-02T10:00")
    both = cli("feeds", "check")
    assert both.code == 1 and "HTTP 404" in both.out and "good" in both.out
    assert cli("feeds", "check", "nope").code == 2
    with Session(db.engine_for(loaded_db)) as s:  # a check stores nothing
        assert s.get(Source, "good").last_fetch_at is None


def test_feeds_list_shows_health(cli, loaded_db, server, monkeypatch):
    monkeypatch.setenv("TRIAGE_FETCH_ATTEMPTS", "1")
    server.routes["/bad"] = Reply(500)
    add_source(loaded_db, "bad", server.url("/bad"))
    assert cli("ingest").code == 1
    result = cli("feeds", "list")
    assert result.code == 0 and "failing" in result.out and "HTTP 500" in result.out
