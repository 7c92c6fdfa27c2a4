"""`triage init`: migrate, then load the catalogue and the source registry; safe to repeat."""

from __future__ import annotations

from sqlmodel import Session, func, select

from tests.conftest import CATALOGUE
from triage import db
from triage.models import CommitmentRow, DimensionRow, MemberRow, Source


def test_init_loads_catalogue_and_sources(cli, db_url):
    result = cli("init")
    assert result.code == 0, result.err
    assert "8 members, 20 commitments (1 complete, 4 dimensions)" in result.out
    with Session(db.engine_for(db_url)) as s:
        assert s.exec(select(func.count()).select_from(MemberRow)).one() == 8
        c19 = s.exec(select(CommitmentRow).where(CommitmentRow.number == 19)).one()
        assert c19.complete and c19.quote.startswith("In line with the UN Convention")
        dims = s.exec(select(DimensionRow.key).where(DimensionRow.commitment_id == c19.id).order_by(DimensionRow.position)).all()
        assert dims == ["prevent", "counter", "dismantle", "disrupt"]
        assert s.exec(select(func.count()).select_from(Source)).one() >= 1
        ids = {m.key: m.id for m in s.exec(select(MemberRow))}
    # Running init again changes nothing and keeps ids stable.
    assert cli("init").code == 0
    with Session(db.engine_for(db_url)) as s:
        assert {m.key: m.id for m in s.exec(select(MemberRow))} == ids
        assert s.exec(select(func.count()).select_from(CommitmentRow)).one() == 20


def test_reload_retires_a_removed_dimension(cli, db_url, tmp_path, monkeypatch):
    assert cli("init").code == 0
    edited = (
        CATALOGUE.read_text()
        .replace("      - key: disrupt\n        name: Disrupt business models", "      - key: disrupt_money\n        name: Disrupt business models")
        .replace("{strong: all", "{strong: all")
    )
    path = tmp_path / "edited.yaml"
    path.write_text(edited)
    monkeypatch.setenv("TRIAGE_CATALOGUE", str(path))
    assert cli("init").code == 0, "edited catalogue should load"
    with Session(db.engine_for(db_url)) as s:
        rows = {d.key: d.retired for d in s.exec(select(DimensionRow))}
    assert rows["disrupt"] is True and rows["disrupt_money"] is False


def test_broken_catalogue_changes_nothing(cli, tmp_path, monkeypatch):
    path = tmp_path / "broken.yaml"
    path.write_text(CATALOGUE.read_text().replace("belongs_to: 18", "belongs_to: 99"))
    monkeypatch.setenv("TRIAGE_CATALOGUE", str(path))
    result = cli("init")
    assert result.code == 2
    assert "belongs_to" in result.err or "commitment 99" in result.err
    assert not (tmp_path / "triage.db").exists()


def test_broken_registry_is_refused_with_line(cli, tmp_path, monkeypatch):
    reg = tmp_path / "feeds.yaml"
    reg.write_text(
        "sources:\n"
        "  - id: a\n    url: https://example.org/a.xml\n    member: canada\n    publisher: A\n"
        "  - id: b\n    url: https://example.org/b.xml\n    member: narnia\n    publisher: B\n"
    )
    monkeypatch.setenv("TRIAGE_FEEDS", str(reg))
    result = cli("init")
    assert result.code == 2
    assert f"{reg}:8: source b: unknown member 'narnia'" in result.err
