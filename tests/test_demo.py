"""The demo city loads into the system of record (SQLite and PostgreSQL), consistently:
regions to townships with function zones, statistics, enterprises in townships with valid
credit codes and locations inside their district, monthly reports for 2015–2024 that add
up to the annual activity, production, the live month's workflow and one user per role."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.demo import city, firms, geo
from citycarbon.demo.reports import LIVE_MONTH, LIVE_STATES, LIVE_YEAR
from citycarbon.demo.run import demo_records, scale_to_ceads
from citycarbon.demo.seed import DEMO_PASSWORD, seed
from citycarbon.enterprise.credit_code import is_valid_credit_code
from citycarbon.service.roles import Role
from citycarbon.service.users import authenticate
from citycarbon.store.models import (
    Enterprise,
    Region,
    RegionActivity,
    RegionStatistic,
    Report,
    ReportLine,
    ReportProduction,
    User,
)

SMALL = 24


@pytest.fixture(scope="module")
def records():
    return scale_to_ceads(demo_records(SMALL))


def test_seed_loads_a_consistent_city(db_sessions: sessionmaker[Session], records):
    with db_sessions.begin() as session:
        counts = seed(session, records, enterprises=SMALL)
    assert counts["enterprise"] == SMALL
    assert counts["report"] == SMALL * len(city.YEARS) * 12
    with db_sessions() as session:
        _check_regions_and_firms(session)
        _check_reports(session, records, counts)
        regional = session.scalar(select(func.count()).select_from(RegionActivity))
        assert regional == len({
            (r.region, r.year, r.period, r.category, r.activity, r.qualifier)
            for r in records
            if not r.entity
        })  # fmt: skip
        stats = session.scalars(
            select(RegionStatistic).where(RegionStatistic.indicator == "gdp")
        ).all()  # fmt: skip
        assert {(s.region_code, s.year) for s in stats} == {
            (code, y) for code in [city.CITY, *(d.code for d in city.DISTRICTS)] for y in city.YEARS
        }
        assert all(s.source == city.SOURCE for s in stats)
        roles = set(session.scalars(select(User.role)))
        assert roles == {r.value for r in Role}
        actor = authenticate(session, "district-321102", DEMO_PASSWORD)
        assert actor.region_path == "/320000/321100/321102/"
        firm = authenticate(session, "firm-1", DEMO_PASSWORD)
        assert firm.role is Role.ENTERPRISE
    with db_sessions.begin() as session:
        assert seed(session, records, enterprises=SMALL) == {}  # a loaded database stays


def _check_regions_and_firms(session: Session) -> None:
    regions = session.scalars(select(Region)).all()
    by_code = {r.code: r for r in regions}
    for region in regions:
        parent = by_code.get(region.parent_code or "")
        expected = (parent.path if parent else "/") + region.code + "/"
        assert region.path == expected
        assert (region.function_zone is not None) == (region.level == "township")
    townships = [r for r in regions if r.level == "township"]
    assert len(townships) == sum(len(z) for z in city.TOWNSHIPS.values())
    assert {r.function_zone for r in townships} == {"optimized", "key", "moderate", "ecological"}
    assert all("合成" in r.name_zh for r in townships)
    rows = session.scalars(select(Enterprise)).all()
    assert all(is_valid_credit_code(f.credit_code) for f in rows)
    assert all("合成" in f.name_zh and "ynthetic" in f.name_en for f in rows)
    for f in rows:
        township = by_code[f.region_code]
        assert township.level == "township"
        assert township.function_zone != "ecological"
        assert f.lon is not None
        assert f.lat is not None
        assert geo.contains(township.parent_code or "", f.lon, f.lat)


def _check_reports(session: Session, records, counts: dict[str, int]) -> None:
    # the monthly lines of every year add up to the firms' annual activity
    annual: dict[tuple[int, str], float] = defaultdict(float)
    for r in records:
        if r.entity:
            annual[(r.year, r.activity)] += r.quantity
    reported = session.execute(
        select(Report.year, ReportLine.activity, func.sum(ReportLine.quantity))
        .join(Report, Report.id == ReportLine.report_id)
        .group_by(Report.year, ReportLine.activity)
    ).all()
    assert {(y, a): pytest.approx(q, rel=1e-9) for y, a, q in reported} == annual
    months = session.execute(
        select(Report.month, func.sum(ReportLine.quantity))
        .join(Report, Report.id == ReportLine.report_id)
        .where(Report.year == 2019, ReportLine.activity == "electricity")
        .group_by(Report.month)
    ).all()
    by_month = dict(months)
    assert by_month[2] < by_month[3]  # the Spring Festival dip
    states = session.execute(select(Report.state, func.count()).group_by(Report.state)).all()
    live = {"draft", "submitted", "returned", "checked", "verified"}
    assert dict(states)["locked"] == counts["report"] - len(live)
    december = session.scalars(
        select(Report.state).where(Report.year == LIVE_YEAR, Report.month == LIVE_MONTH)
    )
    assert set(LIVE_STATES) <= set(december)
    production = session.scalar(select(func.count()).select_from(ReportProduction))
    assert production is not None
    assert production >= counts["report"]
    value = session.scalar(select(func.sum(ReportProduction.output_value_10k_cny)))
    assert value is not None
    assert value > 0


def test_seed_refuses_records_of_another_city(db_sessions: sessionmaker[Session], records):
    with db_sessions.begin() as session, pytest.raises(ValueError, match="not in a city"):
        seed(session, records, enterprises=SMALL - 4)


def test_firms_split_their_year_into_months():
    firm_list = firms.enterprises(SMALL)
    weights = firms.month_weights(firm_list)
    assert weights.shape == (SMALL, len(city.YEARS), 12)
    assert weights.sum(axis=2) == pytest.approx(1.0)
    assert (weights > 0).all()
    again = firms.month_weights(firms.enterprises(SMALL))
    assert (again == weights).all()  # deterministic
