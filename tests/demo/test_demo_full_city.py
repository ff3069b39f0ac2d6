"""The full-size demo city (2,000 enterprises), without a database: industries, districts,
townships, key-unit flags, forests and the CEADs scaling."""

from __future__ import annotations

from collections import Counter

import pytest

from citycarbon.demo import city, firms, statistics
from citycarbon.demo.run import _compute, demo_records, scale_to_ceads
from citycarbon.demo.seed import key_flags
from citycarbon.refdata.loader import load_codelist


@pytest.fixture(scope="module")
def firm_list() -> list[firms.Enterprise]:
    return firms.enterprises()


@pytest.fixture(scope="module")
def records() -> list:
    return scale_to_ceads(demo_records())


def test_two_thousand_firms_across_gbt4754_industries(firm_list):
    assert len(firm_list) == 2000
    assert len({f.entity for f in firm_list}) == 2000
    sections = {row["code"]: row["parent"] for row in load_codelist("cn_gbt4754_2017")}
    for f in firm_list:
        assert sections[f.industry[1:3]] == f.industry[0]  # C3011: division 30 in section C
        assert 1 <= f.township <= len(city.TOWNSHIPS[f.district])
        assert city.TOWNSHIPS[f.district][f.township - 1] != "ecological"
        assert "合成" in f.name_zh
    divisions = Counter(f.industry[1:3] for f in firm_list)
    assert len(divisions) >= 20
    for division in ("44", "30", "26", "22", "31", "32", "17", "13", "34", "36", "38", "39"):
        assert divisions[division] > 0
    assert {f.district for f in firm_list} == {d.code for d in city.DISTRICTS}
    assert firms.enterprises(50) == firm_list[:50]  # a smaller city is a prefix


def test_key_units_are_the_large_plants(firm_list, records):
    flags = key_flags(records, firm_list)
    emitters = {e for e, (emitter, _) in flags.items() if emitter}
    energy_users = {e for e, (_, user) in flags.items() if user}
    assert firm_list[0].entity in emitters  # the coal power plant
    assert 15 <= len(emitters) <= 60
    assert 20 <= len(energy_users) <= 200
    by_id = {f.entity: f for f in firm_list}
    assert all(by_id[e].industry[1:3] in firms.ETS_DIVISIONS for e in emitters)


def test_full_city_follows_ceads_with_a_forest_sink(records):
    result = _compute(records, None, "AR5")
    cube = result.cube.to_pylist()
    for year, target in ((2017, 52.79e6), (2019, 53.29e6)):
        co2 = sum(
            r["value"]
            for r in cube
            if r["year"] == year and r["gas"] == "CO2" and r["scope"] == "direct"
            and city.is_scaled(r["category"])
        )  # fmt: skip
        assert co2 == pytest.approx(target, rel=1e-3)
    for year in city.YEARS:
        assert -6e5 < result.totals(year)["sink_co2e_t"] < -2e5
    assert all(r.source == city.SOURCE for r in records)


def test_statistics_add_up_and_cover_a_quarter_in_forest():
    rows = statistics.statistics_rows()
    value = {(r["region_code"], r["year"], r["indicator"]): r["value"] for r in rows}
    for year in city.YEARS:
        for indicator in ("gdp", "population", "forest_area", "va_tertiary"):
            assert value[(city.CITY, year, indicator)] == pytest.approx(
                sum(value[(d.code, year, indicator)] for d in city.DISTRICTS)
            )
        assert 22 < value[(city.CITY, year, "forest_coverage")] < 28
        total = sum(value[(city.CITY, year, k)] for k in ("va_primary", "va_secondary",
                                                           "va_tertiary"))  # fmt: skip
        assert total == pytest.approx(value[(city.CITY, year, "gdp")])
    assert value[(city.CITY, 2015, "land_area")] == pytest.approx(3840, rel=0.01)
