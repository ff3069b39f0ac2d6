"""The demo city: the main job runs on a fresh data directory and loads the system of record."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from citycarbon.cli import app
from citycarbon.demo import city
from citycarbon.demo.run import demo_records, scale_to_ceads
from citycarbon.demo.seed import DEMO_PASSWORD, seed
from citycarbon.enterprise.credit_code import is_valid_credit_code
from citycarbon.service.users import authenticate
from citycarbon.store.models import Enterprise, Region, RegionActivity, Report, ReportLine
from citycarbon.store.open import open_store


@pytest.fixture(scope="module")
def records():
    return scale_to_ceads(demo_records())


def test_seed_loads_a_consistent_city(db_sessions: sessionmaker[Session], records):
    with db_sessions.begin() as session:
        counts = seed(session, records)
    assert counts["enterprise"] == len(city.enterprises())
    with db_sessions() as session:
        regions = session.scalars(select(Region)).all()
        by_code = {r.code: r for r in regions}
        for region in regions:
            parent = by_code.get(region.parent_code or "")
            expected = (parent.path if parent else "/") + region.code + "/"
            assert region.path == expected
            assert (region.function_zone is not None) == (region.level == "township")
        codes = session.scalars(select(Enterprise.credit_code)).all()
        assert all(is_valid_credit_code(c) for c in codes)
        assert {by_code[c].level for c in session.scalars(select(Enterprise.region_code))} == {
            "township"
        }
        # every enterprise record of the live year is in its monthly reports, season included
        coal = sum(
            r.quantity for r in records if r.entity and r.year == 2024 and r.activity == "raw_coal"
        )
        reported = session.scalar(
            select(func.sum(ReportLine.quantity))
            .join(Report, Report.id == ReportLine.report_id)
            .where(Report.year == 2024, ReportLine.activity == "raw_coal")
        )
        assert reported == pytest.approx(coal, rel=1e-9)
        regional = session.scalar(select(func.count()).select_from(RegionActivity))
        assert regional == len({
            (r.region, r.year, r.period, r.category, r.activity, r.qualifier)
            for r in records
            if not r.entity
        })  # fmt: skip
        actor = authenticate(session, "district-321102", DEMO_PASSWORD)
        assert actor.region_path == "/320000/321100/321102/"
    with db_sessions.begin() as session:
        assert seed(session, records) == {}  # a loaded database is left as it is


def test_demo_command_on_a_fresh_data_directory(tmp_path: Path):
    runner = CliRunner()
    first = runner.invoke(app, ["--lang", "en", "demo", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "loaded into the database" in first.output
    assert (tmp_path / "citycarbon.sqlite3").exists()
    again = runner.invoke(app, ["--lang", "en", "demo", "--data-dir", str(tmp_path)])
    assert again.exit_code == 0, again.output
    assert "database already loaded" in again.output
    sessions = open_store(None, tmp_path)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Enterprise)) == len(
            city.enterprises()
        )
