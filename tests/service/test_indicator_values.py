"""Indicator values from the store: subtree sums over leaf categories, statistics, lag, one
GWP set per trend, the public seeing published runs only, and every input traced."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.service.actor import PUBLIC
from citycarbon.service.indicator_values import indicator_values
from citycarbon.store.models import (
    FactorSetVersion,
    InventoryRun,
    InventoryValue,
    Region,
    RegionStatistic,
)

CITY, DISTRICT = "321100", "321102"


def _load(session: Session) -> dict[int, int]:
    session.add_all(
        [
            Region(code=CITY, name_zh="镇江市", level="city", path=f"/{CITY}/"),
            Region(code=DISTRICT, name_zh="京口区", level="county", parent_code=CITY,
                   path=f"/{CITY}/{DISTRICT}/"),
            FactorSetVersion(ref="cn-city@1", name="cn-city", version="1",
                             catalogue_sha256="0" * 64),
        ]
    )  # fmt: skip
    session.flush()
    runs = {}
    for year, gwp, published in ((2018, "AR5", False), (2023, "AR5", True), (2019, "AR4", True)):
        run = InventoryRun(
            region_code=CITY, year=year, factor_set="cn-city@1", gwp_set=gwp,
            input_digest="x" * 64, input_rows=1, published=published,
        )  # fmt: skip
        session.add(run)
        session.flush()
        runs[year] = run.id
        scale = {2018: 1.0, 2023: 0.8, 2019: 5.0}[year]
        for category, measure, value in (
            ("TOTAL", "gross_CO2e", 1000.0),
            ("1.A.1.a", "CO2", 300.0),
            ("1.A.2.c", "CO2", 200.0),
            ("1.B", "CO2", 50.0),
            ("IND.3", "CO2", 100.0),
            ("2.A.1", "CO2", 40.0),
        ):
            session.add(
                InventoryValue(run_id=run.id, region_code=DISTRICT, category=category,
                               measure=measure, value=value * scale, unit="t")
            )  # fmt: skip
    for year, gdp in ((2018, 400.0), (2023, 500.0), (2019, 420.0)):
        session.add(RegionStatistic(region_code=DISTRICT, year=year, indicator="gdp", value=gdp,
                                    unit="万元", source="test bureau"))  # fmt: skip
    session.flush()
    return runs


@pytest.fixture
def loaded(db_sessions: sessionmaker[Session]):
    with db_sessions.begin() as session:
        runs = _load(session)
    with db_sessions() as session:
        yield session, runs


def test_formulas_sum_category_subtrees_and_trace_their_inputs(loaded):
    session, runs = loaded
    values = indicator_values(session, [DISTRICT], [2023], ["co2_intensity", "carbon_intensity"])
    co2 = values[("co2_intensity", DISTRICT, 2023)]
    # (1.A.1.a + 1.A.2.c + 1.B + IND.3) × 0.8 / GDP; 2.A.1 is not energy
    assert co2.value == pytest.approx((300 + 200 + 50 + 100) * 0.8 / 500)
    assert co2.unit == "t CO2/万元"
    traced = {i["ref"]: i for i in co2.inputs}
    assert traced['inv("CO2", "1")']["run_id"] == runs[2023]
    assert traced['stat("gdp")']["source"] == "test bureau"
    assert values[("carbon_intensity", DISTRICT, 2023)].value == pytest.approx(800 / 500)


def test_a_trend_uses_one_gwp_set_and_lag_reads_five_years_back(loaded):
    session, runs = loaded
    values = indicator_values(session, [DISTRICT], [2023, 2024], ["carbon_intensity_decline_5y"])
    decline = values[("carbon_intensity_decline_5y", DISTRICT, 2023)]
    assert decline.value == pytest.approx(1 - (800 / 500) / (1000 / 400))
    assert {i.get("run_id") for i in decline.inputs if "run_id" in i} == {runs[2023], runs[2018]}
    # the AR4 run of 2019 is left out of an AR5 trend, so 2019 has no inventory figures
    ar4 = indicator_values(session, [DISTRICT], [2019], ["carbon_intensity"])
    assert ar4[("carbon_intensity", DISTRICT, 2019)].value is None
    missing = values[("carbon_intensity_decline_5y", DISTRICT, 2024)]
    assert missing.value is None
    assert missing.reason is not None
    assert "no data" in missing.reason.en


def test_the_public_sees_published_inventories_only(loaded):
    session, _ = loaded
    values = indicator_values(session, [DISTRICT], [2018, 2023], ["carbon_intensity"], actor=PUBLIC)
    assert values[("carbon_intensity", DISTRICT, 2023)].value == pytest.approx(1.6)
    assert values[("carbon_intensity", DISTRICT, 2018)].value is None  # not published
