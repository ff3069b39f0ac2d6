"""A small hand-built city for the target and assessment tests (imported by name: tests
have no packages): a city, two districts and a township, and the statistics the plan
indicators read, with round numbers the tests can check by hand."""

from __future__ import annotations

from sqlalchemy.orm import Session

from citycarbon.service.actor import Actor
from citycarbon.service.roles import Role
from citycarbon.store.models import Region, RegionStatistic

CITY, A, B, TOWN = "321100", "321102", "321111", "321102001"
ADMIN = Actor(username="admin", role=Role.ADMIN, user_id=1)
DISTRICT_A = Actor(username="district-a", role=Role.DISTRICT_OFFICIAL, user_id=2,
                   region_code=A, region_path=f"/320000/{CITY}/{A}/")  # fmt: skip
FIRM = Actor(username="firm", role=Role.ENTERPRISE, user_id=3, enterprise_id=1)
# GDP grows 10 % a year in A and 5 % in B from 2015 (100 and 200 万元)
GROWTH = {A: (100.0, 0.10), B: (200.0, 0.05)}
# statistic → region → {year: value}; 2023 values are what the assessment tests judge
STATS: dict[str, dict[str, dict[int, float]]] = {
    "public_institution_energy_per_capita": {
        CITY: {2020: 350.0}, A: {2020: 400.0, 2023: 380.0}, B: {2020: 300.0, 2023: 290.0},
    },
    "non_fossil_share": {
        CITY: {2020: 15.0, 2023: 17.0}, A: {2020: 10.0, 2023: 13.5}, B: {2020: 20.0, 2023: 22.8},
    },
    "public_transport_share": {
        CITY: {2020: 25.0, 2023: 27.0}, A: {2020: 20.0, 2023: 21.0}, B: {2020: 30.0, 2023: 33.0},
    },
}  # fmt: skip


def gdp(region: str, year: int) -> float:
    start, rate = GROWTH[region]
    return start * (1 + rate) ** (year - 2015)


def load(session: Session) -> None:
    session.add_all([
        Region(code="320000", name_zh="江苏省", name_en="Jiangsu", level="province",
               path="/320000/"),
        Region(code=CITY, name_zh="镇江市", name_en="Zhenjiang", level="city",
               parent_code="320000", path=f"/320000/{CITY}/"),
        Region(code=A, name_zh="京口区", name_en="Jingkou", level="county", parent_code=CITY,
               path=f"/320000/{CITY}/{A}/"),
        Region(code=B, name_zh="润州区", name_en="Runzhou", level="county", parent_code=CITY,
               path=f"/320000/{CITY}/{B}/", function_zone="ecological"),
    ])  # fmt: skip
    session.flush()
    session.add(Region(code=TOWN, name_zh="某街道", name_en="a sub-district", level="township",
                       parent_code=A, path=f"/320000/{CITY}/{A}/{TOWN}/",
                       function_zone="optimized"))  # fmt: skip
    rows = [
        RegionStatistic(region_code=region, year=year, indicator="gdp", value=gdp(region, year),
                        unit="万元", source="test")
        for region in (A, B)
        for year in range(2015, 2025)
    ]  # fmt: skip
    for code, by_region in STATS.items():
        for region, by_year in by_region.items():
            for year, value in by_year.items():
                rows.append(RegionStatistic(region_code=region, year=year, indicator=code,
                                            value=value, unit="%", source="test"))  # fmt: skip
    session.add_all(rows)
    session.flush()
