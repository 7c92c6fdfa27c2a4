"""`triage ingest --file/--samples`: the bundled samples, ad-hoc sources, syndication, the CLI contract."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from tests.ingest.feedserver import SAMPLES, add_source, fast_settings, item, rss
from triage import db
from triage.config import Settings
from triage.models import FetchLog, Item, Sighting, Source
from triage.sources.ingest import ingest_file, ingest_samples

pytestmark = pytest.mark.timeout(120)


def _count(url, model) -> int:
    with Session(db.engine_for(url)) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_samples_cover_every_member_and_language(loaded_db):
    summary = ingest_samples(Settings(database_url=loaded_db)).as_json()
    assert summary["failed"] == 0 and summary["sources"] == len(list(SAMPLES.iterdir()))
    assert 40 <= summary["entries"] <= 80
    assert summary["new"] + summary["duplicates"] == summary["entries"]
    assert summary["duplicates"] >= 3 and summary["dates_missing"] == 1
    with Session(db.engine_for(loaded_db)) as s:
        items = list(s.exec(select(Item)))
        languages = {i.language for i in items}
        assert {"en", "fr", "de", "it", "ja"} <= languages
        assert sum(1 for i in items if i.in_period) >= len(items) - 1  # all but the undated one fall in the 2024 period
        xss = [i for i in items if i.title.startswith("Readout")]
        assert xss and all(bad not in i.title + i.text for i in xss for bad in ("<", "script", "onerror", "javascript:", "alert"))
        assert any(i.url is None for i in items)  # the wire story without a link
        assert s.exec(select(func.count()).select_from(FetchLog)).one() == summary["sources"]
        german = s.exec(select(Item).where(Item.title.like("BKA-Forschungsbericht%"))).one()
        assert "Schleusung" in german.text  # the ISO-8859-1 file decoded


def test_syndicated_story_is_one_item_with_several_sightings(loaded_db):
    ingest_samples(Settings(database_url=loaded_db))
    with Session(db.engine_for(loaded_db)) as s:

        def sightings(title_start):
            item = s.exec(select(Item).where(Item.title.like(f"{title_start}%"))).one()
            return item, sorted(s.exec(select(Sighting.source_id).where(Sighting.item_id == item.id)))

        # the same release from the Council and from DHS (same text, other URL)
        item, seen = sightings("Joint press release following the EU-U.S.")
        assert seen == ["file-europa-jha", "file-news-digest"]
        # Europol's release re-posted with tracking parameters
        item, seen = sightings("France arrests 26")
        assert seen == ["file-europa-jha", "file-news-digest"] and item.canonical_url.endswith("indian-sub-continent")
        # a wire rewrite: new headline, agency prefix, last sentence cut (a near-duplicate)
        item, seen = sightings("People smuggling ring jailed")
        assert seen == ["file-gov-uk-news", "file-news-digest"] and item.publisher == "Home Office"
        # templated Europol releases about different operations stay apart
        assert len(list(s.exec(select(Item).where(Item.publisher == "Europol")))) == 3


def test_adhoc_file_takes_publisher_and_language_from_entries(loaded_db):
    ingest_samples(Settings(database_url=loaded_db))
    with Session(db.engine_for(loaded_db)) as s:

        def one(title_start):
            return s.exec(select(Item).where(Item.title.like(f"{title_start}%"))).one()

        assert one("Paris et Rabat").publisher == "France 24" and one("Paris et Rabat").language == "fr"  # <source>, dc:language
        assert one("G7外相会合").publisher == "外務省" and one("G7外相会合").language == "ja"  # RDF dc:publisher
        assert one("Le Canada et l").publisher == "Agence des services frontaliers du Canada"  # Atom author
        assert one("Le Canada et l").language == "fr"  # entry xml:lang
        assert one("UK/Iraq").publisher == "Home Office" and one("UK/Iraq").city is None
        assert one("Release of the 2024").publisher == "Press Releases – United States Department of State"  # feed title
        source = s.get(Source, "file-news-digest")
        assert source.origin == "adhoc" and source.enabled is False  # never polled


def test_undeclared_language_is_detected(loaded_db, tmp_path):
    path = tmp_path / "x.xml"
    path.write_text(
        rss(
            item(
                1,
                title="Arrestati undici trafficanti di migranti",
                text="La Polizia di Stato ha eseguito misure cautelari nei confronti di undici persone indagate "
                "per favoreggiamento dell'immigrazione clandestina.",
            )
        ),
        encoding="utf-8",
    )
    ingest_file(Settings(database_url=loaded_db), path)
    with Session(db.engine_for(loaded_db)) as s:
        it = s.exec(select(Item)).one()
    assert it.language == "it" and it.language_detected is True


def test_file_as_a_registered_source(loaded_db, tmp_path):
    add_source(loaded_db, "ca-test", "https://example.org/feed", publisher="Public Safety Canada", language="en", city="Ottawa")
    path = tmp_path / "feed.xml"
    path.write_text(rss(item(1), item(2)), encoding="utf-8")
    summary = ingest_file(Settings(database_url=loaded_db), path, "ca-test").as_json()
    assert summary["new"] == 2
    with Session(db.engine_for(loaded_db)) as s:
        items = list(s.exec(select(Item)))
        assert {(i.publisher, i.city, i.language, i.language_detected) for i in items} == {("Public Safety Canada", "Ottawa", "en", False)}
        assert set(s.exec(select(Sighting.source_id))) == {"ca-test"}


def test_cli_json_summary_and_exit_codes(cli, loaded_db, tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text(rss(item(1), item(2)), encoding="utf-8")
    result = cli("ingest", "--file", path, "--json")
    assert result.code == 0, result.err
    j = result.json
    assert (j["new"], j["duplicates"], j["failed"], j["sources"]) == (2, 0, 0, 1)
    again = cli("ingest", "--file", path, "--json").json
    assert (again["new"], again["seen"]) == (0, 2)
    empty = tmp_path / "page.xml"
    empty.write_text("<html><body>not a feed</body></html>")
    bad = cli("ingest", "--file", empty, "--json")
    assert bad.code == 1 and bad.json["failed"] == 1 and bad.json["results"][0]["outcome"] == "parse_error"
    missing = cli("ingest", "--file", tmp_path / "nope.xml")
    assert missing.code == 2 and "no such feed file" in missing.err
    unknown = cli("ingest", "--file", path, "--source", "no-such-source")
    assert unknown.code == 2 and "unknown source" in unknown.err


def test_cli_samples_table(cli, loaded_db):
    result = cli("ingest", "--samples")
    assert result.code == 0, result.err
    assert "file-news-digest" in result.out and "new items" in result.out and "0 failed" in result.out


def test_ingest_needs_an_initialised_database(cli, tmp_path):
    result = cli("ingest", "--samples")
    assert result.code == 1 and "triage init" in result.err


def test_kill_safe_batches_commit_progressively(loaded_db, tmp_path):
    """Batches commit on their own: a feed of 120 entries in batches of 50 is three commits,
    and re-running after the first batch was stored only adds the rest (see test_crash for kill -9)."""
    path = tmp_path / "big.xml"
    path.write_text(rss(*(item(i) for i in range(120))), encoding="utf-8")
    settings = fast_settings(loaded_db, ingest_batch_size=50)
    first = tmp_path / "first.xml"
    first.write_text(rss(*(item(i) for i in range(50))), encoding="utf-8")
    ingest_file(settings, first, None)
    # the same entries under the same ad-hoc source: nothing is stored twice
    path.rename(tmp_path / "first.xml")
    out = ingest_file(settings, tmp_path / "first.xml").as_json()
    assert (out["new"], out["seen"]) == (70, 50)
    assert _count(loaded_db, Item) == 120 and _count(loaded_db, Sighting) == 120


def test_a_concurrent_writer_is_resolved_by_the_unique_hash(loaded_db, tmp_path, monkeypatch):
    """Another process stores one of the batch's stories between the lookup and the insert:
    the bulk insert is refused and the batch falls back to store_item, entry by entry."""
    from triage.sources import processor

    path = tmp_path / "feed.xml"
    path.write_text(rss(item(1), item(2), item(3)), encoding="utf-8")
    settings = Settings(database_url=loaded_db)
    parsed_first = ingest_file(settings, path).as_json()
    assert parsed_first["new"] == 3
    with db.session_scope(loaded_db) as s:  # a second copy of the feed, under another source
        s.add(Source(id="other", url="https://example.org/other", publisher="Other", origin="adhoc", enabled=False))
    monkeypatch.setattr(processor, "find_existing_many", lambda session, drafts: {})  # the lookup misses them
    monkeypatch.setattr(processor, "simhash_many", lambda texts, **k: [None] * len(texts))  # and so does the near-duplicate search
    fallback = []
    original = processor.Processor._store_one_by_one
    monkeypatch.setattr(processor.Processor, "_store_one_by_one", lambda self, *a: fallback.append(1) or original(self, *a))
    out = ingest_file(settings, path, "other").as_json()
    assert fallback == [1]
    assert (out["new"], out["duplicates"], out["failed"]) == (0, 3, 0)
    assert _count(loaded_db, Item) == 3 and _count(loaded_db, Sighting) == 6
