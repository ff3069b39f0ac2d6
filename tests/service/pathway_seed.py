"""A small hand-built city for the pathway tests (imported by name: tests have no packages):
a province, a city and a district, five years of statistics, and stored inventory runs of
2022 and 2023 whose figures are round numbers with CO2e = CO2 + 28 CH4 + 265 N2O (AR5), so
that the calibration can be checked by hand."""

from __future__ import annotations

from sqlalchemy.orm import Session

from citycarbon.service.actor import Actor
from citycarbon.service.roles import Role
from citycarbon.store.models import (
    FactorSetVersion,
    InventoryRun,
    InventoryValue,
    Region,
    RegionStatistic,
)

CITY, DISTRICT = "321100", "321102"
ADMIN = Actor(username="admin", role=Role.ADMIN, user_id=None)
CITY_OFFICE = Actor(
    username="city", role=Role.CITY_OFFICE, region_code=CITY, region_path=f"/320000/{CITY}/"
)
OFFICIAL = Actor(
    username="district",
    role=Role.DISTRICT_OFFICIAL,
    region_code=DISTRICT,
    region_path=f"/320000/{CITY}/{DISTRICT}/",
)
FIRM = Actor(username="firm", role=Role.ENTERPRISE, enterprise_id=1)
GWP = {"CH4": 28.0, "N2O": 265.0}
FACTOR_SET = "cn-city@2026.1"
# statistic → (2023 value, yearly growth over 2018–2023)
STATS = {
    "va_primary": (100.0, 0.02),
    "va_industry": (1000.0, 0.05),
    "va_construction": (200.0, 0.04),
    "va_tertiary": (1500.0, 0.07),
    "population": (300.0, 0.002),
}
# category → measures of 2023 (t, tce); 2022 is 2023 / 1.03
CATEGORIES: dict[str, dict[str, float]] = {
    "1.A.1.a": {"energy_tce": 4000.0, "CO2": 10000.0, "CH4": 1.0, "N2O": 0.2},
    "1.A.2.c": {"energy_tce": 2000.0, "CO2": 5000.0, "CH4": 0.5, "N2O": 0.1},
    "1.A.2.d": {"energy_tce": 500.0, "CO2": 1200.0, "CH4": 0.1, "N2O": 0.0},
    "1.A.3.b": {"energy_tce": 800.0, "CO2": 1700.0, "CH4": 0.4, "N2O": 0.05},
    "1.A.4.a": {"energy_tce": 100.0, "CO2": 150.0},
    "1.A.4.b": {"energy_tce": 300.0, "CO2": 500.0, "CH4": 0.3},
    "2.A.1": {"CO2": 900.0},
    "3.A.1": {"CH4": 10.0},
    "3.B.1.a": {"CO2": -400.0},
    "4.A": {"CH4": 20.0},
    "IND.1": {"energy_tce": 123.0, "CO2": 800.0},  # memo: not in the city total
    "IND.3": {"energy_tce": 246.0, "CO2": 1000.0},
}
SINKS = ("3.B.1.a",)
MEMO = ("IND.1",)


def co2e(measures: dict[str, float]) -> float:
    return (
        measures.get("CO2", 0.0)
        + GWP["CH4"] * measures.get("CH4", 0.0)
        + GWP["N2O"] * measures.get("N2O", 0.0)
    )


def figures(year: int) -> dict[str, dict[str, float]]:
    scale = 1.0 if year == 2023 else 1.0 / 1.03 ** (2023 - year)
    out = {c: {m: v * scale for m, v in ms.items()} for c, ms in CATEGORIES.items()}
    for measures in out.values():
        measures["CO2e"] = co2e(measures)
    return out


def totals(year: int) -> dict[str, float]:
    data = figures(year)
    counted = {c: m for c, m in data.items() if c not in MEMO}
    gross = sum(m["CO2e"] for c, m in counted.items() if c not in SINKS)
    sinks = sum(m["CO2e"] for c, m in counted.items() if c in SINKS)
    energy = sum(m.get("energy_tce", 0.0) for m in counted.values())
    return {
        "energy_tce": energy,
        "gross_CO2e": gross,
        "net_CO2e": gross + sinks,
        "sink_CO2e": sinks,
    }


def stat(code: str, year: int) -> float:
    value, rate = STATS[code]
    return value * (1 + rate) ** (year - 2023)


def load(session: Session, years: tuple[int, ...] = (2022, 2023)) -> dict[int, int]:
    """The city and its stored runs; returns year → run id."""
    session.add_all(
        [
            Region(
                code="320000",
                name_zh="江苏省",
                name_en="Jiangsu",
                level="province",
                path="/320000/",
            ),
            Region(
                code=CITY,
                name_zh="镇江市",
                name_en="Zhenjiang",
                level="city",
                parent_code="320000",
                path=f"/320000/{CITY}/",
            ),
            Region(
                code=DISTRICT,
                name_zh="京口区",
                name_en="Jingkou",
                level="county",
                parent_code=CITY,
                path=f"/320000/{CITY}/{DISTRICT}/",
            ),
            FactorSetVersion(
                ref=FACTOR_SET, name="cn-city", version="2026.1", catalogue_sha256="0" * 64
            ),
        ]
    )
    session.flush()
    session.add_all(
        RegionStatistic(
            region_code=CITY,
            year=year,
            indicator=code,
            value=stat(code, year),
            unit="万人" if code == "population" else "万元",
            source="test bureau",
        )
        for code in STATS
        for year in range(2018, 2024)
    )
    runs: dict[int, int] = {}
    for year in years:
        run = InventoryRun(
            region_code=CITY,
            year=year,
            factor_set=FACTOR_SET,
            gwp_set="AR5",
            input_digest="0" * 64,
            input_rows=1,
        )
        session.add(run)
        session.flush()
        runs[year] = run.id
        for category, measures in figures(year).items():
            for measure, value in measures.items():
                session.add(
                    InventoryValue(
                        run_id=run.id,
                        region_code=CITY,
                        category=category,
                        measure=measure,
                        value=value,
                        unit="t",
                    )
                )
        for measure, value in totals(year).items():
            session.add(
                InventoryValue(
                    run_id=run.id,
                    region_code=CITY,
                    category="TOTAL",
                    measure=measure,
                    value=value,
                    unit="t",
                )
            )
    session.flush()
    return runs
