"""Dashboards and the metered-vs-reported reconciliation on a real lake: the load curve in kW,
the district nowcast through the grid factor with its id, the park map, and a monthly report
whose metered electricity runs 15 % above the reported one is flagged for its verifier."""

from __future__ import annotations

from pathlib import Path

import pytest
from monitoring_fixtures import export_dims, local_epoch, readings, write
from mrv_city import FIRM_A, FIRM_B, City, build_city
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.monitoring.meters import Carrier
from citycarbon.service import report_contents, report_workflow, reports
from citycarbon.service.access import ForbiddenError
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.monitoring_dashboards import district_nowcast, load_curve, park_map
from citycarbon.service.monitoring_reconcile import reconcile_report
from citycarbon.service.reports import LineInput
from citycarbon.store.models_monitoring import Park, ParkMember
from citycarbon.testing.meters import add_meter

NOW = local_epoch(2026, 11, 15, 12)
OCT_1, NOV_1 = local_epoch(2026, 10, 1), local_epoch(2026, 11, 1)


@pytest.fixture
def city(db_sessions: sessionmaker[Session]) -> City:
    return build_city(db_sessions)


@pytest.fixture
def lake(db_sessions: sessionmaker[Session], city: City, tmp_path: Path) -> Path:
    """Firm A: two electricity meters (40 and 10 kWh per 15 min; October without the 5th),
    one hourly gas meter (16 m3 an hour); firm B: no meter. Firm A sits in a park."""
    root = tmp_path / "lake"
    with db_sessions.begin() as session:
        session.add(Park(code="P1", name_zh="京口工业园", name_en="Jingkou park",
                         region_code="321102", lon=119.47, lat=32.2))  # fmt: skip
        session.add(ParkMember(enterprise_id=city.enterprise_ids[FIRM_A], park_code="P1"))
        e1 = add_meter(session, city.enterprise_ids[FIRM_A], "A-E1")
        e2 = add_meter(session, city.enterprise_ids[FIRM_A], "A-E2")
        gas = add_meter(session, city.enterprise_ids[FIRM_A], "A-G1", Carrier.NATURAL_GAS, 3600)
        export_dims(session, root)
    day = 96 * 900
    write(root, readings(e1, OCT_1 + 900, 4 * 96, 40.0))  # 1–4 October
    write(root, readings(e1, OCT_1 + 5 * day + 900, 26 * 96, 40.0))  # 6–31 October
    write(root, readings(gas, OCT_1 + 3600, 31 * 24, 16.0, interval_s=3600))
    write(root, readings(e1, NOV_1 + 900, (NOW - NOV_1) // 900, 40.0))
    write(root, readings(e2, NOV_1 + 900, (NOW - NOV_1) // 900, 10.0))
    return root


def test_load_curve_sums_meters_in_kilowatts(
    db_sessions: sessionmaker[Session], city: City, lake: Path
):
    with db_sessions() as session:
        model = load_curve(session, lake, city.actors["firm_a"], FIRM_A, NOW)
        assert len(model["points"]) == 96  # the last 24 hours
        assert {kw for _, kw in model["points"]} == {200.0}  # (40 + 10) kWh × 4
        assert model["last_ts"] == NOW
        (used,) = model["today_factors"]  # what today's tce and CO2 came from
        assert (used["carrier"], used["year"]) == ("electricity", 2026)
        assert used["co2_factor_id"].startswith("cn_grid_emission_factors:")
        today = {t["carrier"]: t for t in model["today"]}
        assert today["electricity"]["quantity"] == pytest.approx(48 * 50.0)  # 12 hours
        assert today["electricity"]["tce"] == pytest.approx(2400 * 0.0001229, abs=1e-3)
        with pytest.raises(ForbiddenError):
            load_curve(session, lake, city.actors["district"], FIRM_B, NOW)  # 润州区


def test_nowcast_converts_with_the_grid_factor_and_projects_by_elapsed_share(
    db_sessions: sessionmaker[Session], city: City, lake: Path
):
    with db_sessions() as session:
        model = district_nowcast(session, lake, city.actors["city"], NOW)
        grid = model["grid_factor"]
        assert grid["factor_id"].startswith("cn_grid_emission_factors:")
        assert model["factor_ids_used"] == [grid["factor_id"]]
        rows = {r["code"]: r for r in model["districts"]}
        kwh = 1392 * 50.0
        assert rows["321102"]["kwh"] == pytest.approx(kwh)
        assert rows["321102"]["tco2"] == pytest.approx(kwh * grid["tco2_per_kwh"], abs=1e-3)
        assert rows["321102"]["projected_tco2"] == pytest.approx(rows["321102"]["tco2"] * 30 / 14.5)
        assert (rows["321102"]["metered_enterprises"], rows["321111"]["metered_enterprises"]) == (
            1,
            0,
        )
        assert rows["321102"]["reporting_enterprises"] == 1
        assert model["method"]["zh"]
        assert model["method"]["en"]
        district = district_nowcast(session, lake, city.actors["district"], NOW)
        assert [r["code"] for r in district["districts"]] == ["321102"]
        with pytest.raises(ForbiddenError):
            district_nowcast(session, lake, city.actors["firm_a"], NOW)


def test_park_map_sums_its_enterprises(db_sessions: sessionmaker[Session], city: City, lake: Path):
    with db_sessions() as session:
        model = park_map(session, lake, city.actors["city"], NOW)
        (park,) = model["parks"]
        assert park["code"] == "P1"
        assert park["tce"] == pytest.approx(1392 * 50.0 * 0.0001229, abs=2e-3)
        assert [e["credit_code"] for e in park["enterprises"]] == [FIRM_A]


def _october_report(sessions: sessionmaker[Session]) -> int:
    lines = [
        LineInput(category="IND.1", activity="electricity", quantity=100.0, unit="MWh"),
        LineInput(category="1.A.2.m", activity="natural_gas", quantity=1.2, unit="10^4 Nm3"),
    ]
    with sessions.begin() as session:
        report = reports.open_report(session, LOCAL_ADMIN, FIRM_A, 2026, 10)
        report_contents.put_lines(session, LOCAL_ADMIN, report.id, lines)
        report_workflow.assign_verifier(session, LOCAL_ADMIN, report.id, "verifier_a")
        report_workflow.submit(session, LOCAL_ADMIN, report.id)
        report_workflow.check(session, LOCAL_ADMIN, report.id)
        return report.id


def test_metered_above_reported_by_more_than_five_percent_is_flagged(
    db_sessions: sessionmaker[Session], city: City, lake: Path
):
    report_id = _october_report(db_sessions)
    with db_sessions() as session:
        model = reconcile_report(session, lake, city.actors["verifier_a"], report_id, now=NOW)
        assert model is not None
        assert model["flagged"]
        assert model["month_complete"]
        assert model["tolerance_pct"] == pytest.approx(5.0)
        rows = {r["carrier"]: r for r in model["rows"]}
        power = rows["electricity"]
        assert power["metered"] == pytest.approx(30 * 96 * 40.0)  # 115,200 kWh
        assert power["reported"] == pytest.approx(100_000.0)
        assert power["difference_pct"] == pytest.approx(15.2)
        assert power["flagged"]
        # A-E1 missed 5 October; A-E2 sent nothing in October: 1 + 31 meter-days below 90 %
        assert power["completeness"]["incomplete_days"] == 32
        assert power["completeness"]["mean"] == pytest.approx(30 / 31 / 2)
        gas = rows["natural_gas"]
        assert gas["metered"] == pytest.approx(31 * 24 * 16.0)  # 11,904 m3 vs 12,000 m3
        assert gas["difference_pct"] == pytest.approx(-0.8)
        assert not gas["flagged"], gas
        assert gas["completeness"]["complete"], gas["completeness"]
        with pytest.raises(ForbiddenError):
            reconcile_report(session, lake, city.actors["verifier_other"], report_id, now=NOW)
        district = reconcile_report(session, lake, city.actors["district"], report_id, now=NOW)
        assert district is not None
        assert district["flagged"]
