"""The demo city: Zhenjiang (镇江) with SYNTHETIC activity data (合成演示数据).

Every number generated here is invented, shaped like a real city: six county-level
divisions on their GB/T 2260 codes, power plants, cement and chemical works, paper mills,
a few hundred other manufacturers, households, commerce, road transport, farming, landfill,
incineration and wastewater, and net imported electricity. The city's fossil and cement
CO2 is then scaled, year by year, to the published CEADs series for Zhenjiang (52.79 Mt in
2017, 53.29 Mt in 2019); after 2019, where CEADs has no data, the target falls 1 % a year —
an assumption, labelled as such. Deterministic: the same seed gives the same city.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources

import numpy as np

from citycarbon.accounting.records import ActivityRecord
from citycarbon.enterprise.credit_code import make_credit_code, organisation_check_character

SOURCE = "synthetic demo data 合成演示数据"
YEARS = list(range(2015, 2025))
HISTORY = list(range(2008, 2015))  # landfill deposits before the inventory years (FOD)
CLIMATE = "boreal_temperate_wet"  # Zhenjiang: mean annual temperature < 20 °C, wet
MANURE = "region=asia;temperature=16;moisture=moist"  # Zhenjiang's mean is about 15.6 °C


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    name_en: str
    population_10k: float
    weight: float  # share of the city's households, commerce and traffic


DISTRICTS = (
    District("321102", "京口区", "Jingkou", 60.0, 0.18),
    District("321111", "润州区", "Runzhou", 32.0, 0.10),
    District("321112", "丹徒区", "Dantu", 33.0, 0.11),
    District("321181", "丹阳市", "Danyang", 98.0, 0.30),
    District("321182", "扬中市", "Yangzhong", 34.0, 0.10),
    District("321183", "句容市", "Jurong", 64.0, 0.21),
)
CITY = "321100"


@dataclass(frozen=True)
class Enterprise:
    entity: str
    name_zh: str
    district: str
    industry: str  # GB/T 4754 division
    records: tuple[
        tuple[str, str, float, str, str], ...
    ]  # (category, activity, qty, unit, qualifier)


def _credit_code(serial: int) -> str:
    """A synthetic but valid 统一社会信用代码 (GB 32100) registered in Zhenjiang (321100),
    its organisation code (GB 11714) and its own check character both correct."""
    body = f"MA{serial:06d}"
    return make_credit_code(f"91321100{body}{organisation_check_character(body)}")


def enterprises(seed: int = 2017) -> list[Enterprise]:
    rng = np.random.default_rng(seed)
    out: list[Enterprise] = []
    serial = 1

    def add(
        name: str, district: str, industry: str, records: list[tuple[str, str, float, str, str]]
    ) -> None:
        nonlocal serial
        out.append(Enterprise(_credit_code(serial), name, district, industry, tuple(records)))
        serial += 1

    # Power: two large coal plants and a gas plant, in energy industries.
    add(
        "合成电厂甲（燃煤）",
        "321102",
        "D4411",
        [("1.A.1.a", "raw_coal", 5.6e6, "t", ""), ("1.A.1.a", "diesel", 2.0e3, "t", "")],
    )
    add("合成电厂乙（燃煤）", "321112", "D4411", [("1.A.1.a", "raw_coal", 3.1e6, "t", "")])
    add(
        "合成燃机电厂丙（天然气）",
        "321112",
        "D4411",
        [("1.A.1.a", "natural_gas", 6.0e4, "10^4 Nm3", "")],
    )
    # Cement works in Jurong: kiln fuel and process CO2.
    for i in range(4):
        cement = float(rng.uniform(1.5e6, 2.6e6))
        add(
            f"合成水泥厂{i + 1}",
            "321183",
            "C3011",
            [
                ("2.A.1", "cement", cement, "t", "portland"),
                ("1.A.2.f", "raw_coal", cement * 0.11, "t", ""),
                ("IND.1", "electricity", cement * 0.085, "MWh", ""),
            ],
        )
    # Glass works in Danyang.
    for i in range(2):
        glass = float(rng.uniform(1.0e5, 2.0e5))
        add(
            f"合成玻璃厂{i + 1}",
            "321181",
            "C3041",
            [
                ("2.A.3", "glass", glass, "t", "container_flint"),
                ("1.A.2.f", "natural_gas", glass * 0.025, "10^4 Nm3", ""),
                ("IND.1", "electricity", glass * 0.4, "MWh", ""),
            ],
        )
    # Chemical works and paper mills in Jingkou and Dantu.
    for i in range(12):
        district = ("321102", "321112")[i % 2]
        add(
            f"合成化工企业{i + 1}",
            district,
            "C2614",
            [
                ("1.A.2.c", "raw_coal", float(rng.uniform(5e4, 3e5)), "t", ""),
                ("1.A.2.c", "natural_gas", float(rng.uniform(500, 5000)), "10^4 Nm3", ""),
                ("IND.1", "electricity", float(rng.uniform(5e4, 4e5)), "MWh", ""),
            ],
        )
    for i in range(5):
        add(
            f"合成造纸企业{i + 1}",
            "321102",
            "C2221",
            [
                ("1.A.2.d", "raw_coal", float(rng.uniform(1e5, 6e5)), "t", ""),
                ("IND.1", "electricity", float(rng.uniform(1e5, 5e5)), "MWh", ""),
            ],
        )
    # Other manufacturers spread over all districts.
    industries = ("C3360", "C3484", "C3989", "C2929", "C1713", "C3670")
    for i in range(220):
        district = DISTRICTS[i % len(DISTRICTS)].code
        fuel = ("natural_gas", "diesel", "raw_coal", "lpg")[int(rng.integers(0, 4))]
        unit = "10^4 Nm3" if fuel == "natural_gas" else "t"
        size = float(rng.lognormal(0.0, 1.0))
        qty = {"natural_gas": 120.0, "diesel": 300.0, "raw_coal": 2500.0, "lpg": 150.0}[fuel]
        add(
            f"合成制造企业{i + 1}",
            district,
            industries[i % len(industries)],
            [
                ("1.A.2.m", fuel, qty * size, unit, ""),
                ("IND.1", "electricity", 3000.0 * size, "MWh", ""),
            ],
        )
    return out


def _trend(year: int, rate: float) -> float:
    return float((1.0 + rate) ** (year - YEARS[0]))


def region_records(year: int) -> list[ActivityRecord]:
    """Statistics-bureau style activity of households, commerce, transport, farming,
    waste and net imported electricity, by district."""
    out = []
    for d in DISTRICTS:
        w = d.weight
        rows = [
            ("1.A.4.b", "natural_gas", 9000 * w * _trend(year, 0.06), "10^4 Nm3", ""),
            ("1.A.4.b", "lpg", 30000 * w * _trend(year, -0.03), "t", ""),
            ("1.A.4.b", "raw_coal", 40000 * w * _trend(year, -0.12), "t", ""),
            ("1.A.4.a", "natural_gas", 6000 * w * _trend(year, 0.05), "10^4 Nm3", ""),
            ("1.A.4.a", "diesel", 20000 * w * _trend(year, -0.02), "t", ""),
            ("1.A.3.b", "gasoline", 380000 * w * _trend(year, 0.04), "t", ""),
            ("1.A.3.b", "diesel", 420000 * w * _trend(year, 0.01), "t", ""),
            ("1.A.4.c", "diesel", 25000 * w * _trend(year, -0.01), "t", ""),
            ("IND.3", "electricity", 4.0e6 * w * _trend(year, 0.05), "MWh", ""),
            ("4.C.1", "msw_plastics", 60000 * w * _trend(year, 0.08), "t", "continuous_stoker"),
            ("4.C.1", "msw_food", 160000 * w * _trend(year, 0.08), "t", "continuous_stoker"),
            (
                "4.D.1",
                "ww_domestic",
                d.population_10k * 1e4 * 0.85,
                "person",
                "centralised_aerobic",
            ),
        ]
        out += [
            ActivityRecord(year, d.code, c, a, float(q), u, qualifier=qual, source=SOURCE)
            for c, a, q, u, qual in rows
        ]
    return out


@dataclass(frozen=True)
class Farming:
    """Per-district farming and forest, as shares of invented city totals."""

    rice_ha: float
    swine_head: float
    cattle_head: float
    synthetic_n_t: float
    forest_increment_m3: float
    forest_harvest_m3: float


FARMING = {
    "321102": Farming(800, 8_000, 200, 600, 12_000, 2_000),
    "321111": Farming(500, 5_000, 100, 400, 20_000, 3_000),
    "321112": Farming(9_000, 90_000, 2_500, 6_500, 60_000, 9_000),
    "321181": Farming(22_000, 160_000, 3_000, 15_000, 40_000, 6_000),
    "321182": Farming(4_000, 30_000, 400, 2_800, 8_000, 1_000),
    "321183": Farming(18_000, 140_000, 4_000, 12_000, 160_000, 25_000),
}


def farming_records(year: int) -> list[ActivityRecord]:
    """Rice, livestock, fertiliser and forest growing stock (蓄积量) by district."""
    out = []
    for d in DISTRICTS:
        f = FARMING[d.code]
        rows = [
            (
                "3.C.7",
                "rice",
                f.rice_ha * _trend(year, -0.01),
                "hectare",
                "water=single_drainage;region=east_asia;days=130",
            ),
            ("3.A.1", "swine", f.swine_head * _trend(year, -0.02), "head", "region=asia"),
            ("3.A.1", "cattle_other", f.cattle_head, "head", "region=asia"),
            ("3.A.2", "swine", f.swine_head * _trend(year, -0.02), "head", MANURE),
            ("3.C.6", "swine", f.swine_head * _trend(year, -0.02), "head", MANURE),
            ("3.A.2", "cattle_other", f.cattle_head, "head", MANURE),
            ("3.C.4", "synthetic_n", f.synthetic_n_t * _trend(year, -0.02), "t", "moisture=wet"),
            ("3.C.5", "synthetic_n", f.synthetic_n_t * _trend(year, -0.02), "t", ""),
            (
                "3.B.1.a",
                "stock_increment",
                f.forest_increment_m3 * _trend(year, 0.02),
                "m**3",
                "type=cunninghamia",
            ),
            ("3.B.1.a", "stock_loss", f.forest_harvest_m3, "m**3", "type=cunninghamia"),
        ]
        out += [
            ActivityRecord(year, d.code, c, a, float(q), u, qualifier=qual, source=SOURCE)
            for c, a, q, u, qual in rows
        ]
    return out


def landfill_records(year: int) -> list[ActivityRecord]:
    """Waste landfilled in ``year`` (first-order decay needs the years before 2015 too)."""
    share = max(0.2, 1.0 - 0.07 * (year - HISTORY[0]))  # incineration replaces landfill
    out = []
    for d in DISTRICTS:
        total = 280000.0 * d.weight * share
        for waste, fraction in (
            ("msw_food", 0.55),
            ("msw_paper", 0.12),
            ("msw_wood", 0.04),
            ("msw_textiles", 0.04),
            ("msw_garden", 0.05),
        ):
            out.append(
                ActivityRecord(
                    year,
                    d.code,
                    "4.A",
                    waste,
                    total * fraction,
                    "t",
                    qualifier=f"managed_anaerobic/{CLIMATE}",
                    source=SOURCE,
                )
            )
    return out


def enterprise_records(year: int, firms: list[Enterprise]) -> list[ActivityRecord]:
    growth = {
        2015: 0.93,
        2016: 0.97,
        2017: 1.0,
        2018: 1.01,
        2019: 1.02,
        2020: 0.99,
        2021: 1.03,
        2022: 1.02,
        2023: 1.01,
        2024: 1.0,
    }[year]
    return [
        ActivityRecord(
            year, f.district, c, a, q * growth, u, entity=f.entity, qualifier=qual, source=SOURCE
        )
        for f in firms
        for c, a, q, u, qual in f.records
    ]


def ceads_targets() -> dict[int, float]:
    """Target fossil + cement CO2 (t) per year: CEADs where published, else −1 %/yr."""
    text = (
        resources.files("citycarbon.demo")
        .joinpath("data/ceads_zhenjiang.csv")
        .read_text(encoding="utf-8")
    )
    rows = csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#"))
    published = {int(r["year"]): float(r["co2_mt"]) * 1e6 for r in rows}
    last = max(published)
    return {y: published.get(y, published[last] * (1 - 0.01 * (y - last))) for y in YEARS}


def is_scaled(category: str) -> bool:
    """The CEADs scope: fossil fuel combustion and cement process CO2."""
    return category.startswith("1.") or category == "2.A.1"


def gdp_10k_cny(year: int) -> float:
    """Synthetic GDP (万元): 3,500 亿元 in 2015 growing 6 %/yr. Not a statistic."""
    return 3.5e7 * _trend(year, 0.06)
