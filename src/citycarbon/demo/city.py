"""The demo city: Zhenjiang (镇江) with SYNTHETIC activity data (合成演示数据).

Every number generated here is invented, shaped like a real city: six county-level
divisions on their GB/T 2260 codes with invented townships, about 2,000 firms across
GB/T 4754 industries (:mod:`citycarbon.demo.firms`), households, commerce, road transport,
farming, forests, landfill, incineration and wastewater, and net imported electricity.
The city's fossil and cement CO2 is then scaled, year by year, to the published CEADs
series for Zhenjiang (52.79 Mt in 2017, 53.29 Mt in 2019); after 2019, where CEADs has no
data, the target falls 1 % a year — an assumption, labelled as such. Deterministic: the
same seed gives the same city.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from citycarbon.accounting.records import ActivityRecord
from citycarbon.errors import Message

if TYPE_CHECKING:
    from citycarbon.demo import firms

SOURCE = "synthetic demo data 合成演示数据"
DEMO_NOTICE = Message(
    zh="演示城市：镇江的企业、能源与活动数据均为合成演示数据，城市 CO2 总量按 CEADs 公布值校准"
    "（Shan et al. 2022, Science Bulletin）",
    en="Demo city: Zhenjiang's enterprises, energy and activity data are SYNTHETIC; the city's CO2 "
    "total is scaled to the published CEADs series (Shan et al. 2022, Science Bulletin)",
)
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
# The invented townships (街道/镇) of each district by 主体功能区 type (codes of the
# cn_main_function_zones list): the old city is optimised, the industrial parks along the
# river are for key development, farmland and Yangzhong's island are moderate, and
# Jurong's and Dantu's hills keep an ecological balance. Codes: district + 3 digits.
TOWNSHIPS = {
    "321102": ("optimized", "optimized", "optimized", "key", "key", "moderate"),
    "321111": ("optimized", "optimized", "optimized", "key", "ecological"),
    "321112": ("key", "key", "key", "moderate", "moderate", "moderate", "ecological"),
    "321181": ("optimized", "key", "key", "key", "key", "moderate", "moderate", "moderate",
               "moderate", "ecological"),
    "321182": ("optimized", "key", "key", "moderate", "moderate", "moderate"),
    "321183": ("optimized", "key", "key", "moderate", "moderate", "moderate", "ecological",
               "ecological", "ecological"),
}  # fmt: skip


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
    """Per-district farming, as shares of invented city totals."""

    rice_ha: float
    swine_head: float
    cattle_head: float
    synthetic_n_t: float


FARMING = {
    "321102": Farming(800, 8_000, 200, 600),
    "321111": Farming(500, 5_000, 100, 400),
    "321112": Farming(9_000, 90_000, 2_500, 6_500),
    "321181": Farming(22_000, 160_000, 3_000, 15_000),
    "321182": Farming(4_000, 30_000, 400, 2_800),
    "321183": Farming(18_000, 140_000, 4_000, 12_000),
}


@dataclass(frozen=True)
class Forest:
    """A district's forest in 2015 (invented): area, growing stock per hectare, species mix
    (forest types of the cn_forest_biomass table). About a quarter of the city is forest,
    most of it in 句容's hills (茅山, 宝华山); poplar belts line the Yangtze (扬中, 丹徒)."""

    area_ha: float
    stock_m3_per_ha: float
    mix: tuple[tuple[str, float], ...]


FOREST = {
    "321102": Forest(6_000, 38.0, (("quercus", 0.5), ("pinus_massoniana", 0.3), ("populus", 0.2))),
    "321111": Forest(5_000, 42.0, (("quercus", 0.6), ("pinus_massoniana", 0.4))),
    "321112": Forest(18_000, 36.0, (("quercus", 0.4), ("pinus_massoniana", 0.3), ("populus", 0.3))),
    "321181": Forest(14_000, 30.0, (("populus", 0.5), ("quercus", 0.3), ("cunninghamia", 0.2))),
    "321182": Forest(5_000, 28.0, (("populus", 0.9), ("quercus", 0.1))),
    "321183": Forest(45_000, 44.0, (("quercus", 0.45), ("pinus_massoniana", 0.35),
                                    ("cunninghamia", 0.2))),
}  # fmt: skip
FOREST_GROWTH = 0.006  # afforestation: forest area +0.6 %/yr
INCREMENT_M3_PER_HA = 3.2  # gross growing-stock increment 蓄积量生长
LOSS_SHARE = 0.28  # harvest and mortality 活立木消耗, as a share of the increment


def forest_area_ha(district: str, year: int) -> float:
    return FOREST[district].area_ha * _trend(year, FOREST_GROWTH)


def forest_stock_m3(district: str, year: int) -> float:
    """Growing stock at the end of ``year``: the 2015 stock plus the net increments."""
    f = FOREST[district]
    stock = f.area_ha * f.stock_m3_per_ha
    for y in range(YEARS[0], year + 1):
        stock += forest_area_ha(district, y) * INCREMENT_M3_PER_HA * (1.0 - LOSS_SHARE)
    return stock


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
        ]
        increment = forest_area_ha(d.code, year) * INCREMENT_M3_PER_HA
        for forest_type, share in FOREST[d.code].mix:
            rows += [
                ("3.B.1.a", "stock_increment", increment * share, "m**3", f"type={forest_type}"),
                ("3.B.1.a", "stock_loss", increment * share * LOSS_SHARE, "m**3",
                 f"type={forest_type}"),
            ]  # fmt: skip
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


GDP_GROWTH = {2016: 0.07, 2017: 0.065, 2018: 0.05, 2019: 0.055, 2020: 0.02, 2021: 0.09,
              2022: 0.045, 2023: 0.05, 2024: 0.048}  # fmt: skip


def gdp_10k_cny(year: int) -> float:
    """Synthetic nominal GDP (万元): 3,500 亿元 in 2015, then the growth of GDP_GROWTH
    (a 2020 dip, a 2021 rebound). Not a statistic."""
    value = 3.5e7
    for y in range(YEARS[0] + 1, year + 1):
        value *= 1.0 + GDP_GROWTH[y]
    return value


def enterprises(count: int = 2000, seed: int = 2017) -> list[firms.Enterprise]:
    """The demo city's enterprises (see :mod:`citycarbon.demo.firms`)."""
    from citycarbon.demo import firms as module

    return module.enterprises(count, seed)
