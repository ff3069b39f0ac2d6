"""The demo city's enterprises: about 2,000 SYNTHETIC firms (合成演示企业) across GB/T
4754-2017 industries, each with yearly energy, process and production figures for
2015–2024 and a seasonal monthly shape.

A few large plants shape the city (coal and gas power, cement in 句容, paper and chemicals
along the river in 京口 and 丹徒, glass and special steel), and many small and medium
manufacturers fill it: machinery, electrical equipment (扬中), car parts, textiles and
eyewear-related glass (丹阳), food, plastics, electronics. Every quantity is invented; the
run scales the city's fossil and cement CO2 to CEADs afterwards (see :mod:`run`).
Deterministic: each firm draws from its own generator seeded by (seed, serial), so a firm's
figures do not depend on how many others there are.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from citycarbon.accounting.records import ActivityRecord
from citycarbon.demo import city
from citycarbon.enterprise.credit_code import make_credit_code, organisation_check_character

Line = tuple[str, str, float, str, str]  # (category, activity, quantity, unit, qualifier)
Product = tuple[str, str, float, float]  # (product, unit, quantity, 万元 per unit)

# Monthly shapes (mean 1): power follows heating and cooling, cement the building season,
# manufacturing dips at the Spring Festival, food peaks before it.
SEASONS: dict[str, tuple[float, ...]] = {
    "power": (1.10, 0.95, 0.97, 0.92, 0.95, 1.03, 1.12, 1.14, 0.99, 0.93, 0.95, 1.05),
    "cement": (0.88, 0.62, 1.02, 1.08, 1.10, 1.02, 0.92, 0.92, 1.05, 1.12, 1.14, 1.13),
    "plant": (1.02, 0.90, 1.01, 1.00, 1.01, 1.00, 1.00, 1.00, 1.01, 1.02, 1.01, 1.02),
    "manufacturing": (0.96, 0.76, 1.03, 1.03, 1.04, 1.04, 1.02, 1.02, 1.03, 1.00, 1.03, 1.04),
    "food": (1.15, 1.02, 0.94, 0.92, 0.95, 0.96, 0.97, 0.99, 1.05, 1.01, 0.98, 1.06),
}
# The city's industrial cycle (2017 = 1): the 2020 pandemic dip, the 2021 rebound.
CYCLE = {2015: 0.93, 2016: 0.96, 2017: 1.0, 2018: 1.02, 2019: 1.03, 2020: 0.99, 2021: 1.05,
         2022: 1.04, 2023: 1.05, 2024: 1.06}  # fmt: skip
# Sectors of the national carbon market's first coverage list (发改办气候〔2016〕57号):
# power, building materials, chemicals, paper, iron and steel, non-ferrous metals.
# Where firms settle by the township's 主体功能区 type: none in ecological-balance areas.
ZONE_WEIGHT = {"key": 3.0, "optimized": 1.0, "moderate": 1.0, "ecological": 0.0}
ETS_DIVISIONS = frozenset({"44", "30", "26", "25", "22", "31", "32"})


@dataclass(frozen=True)
class Enterprise:
    entity: str  # 统一社会信用代码
    name_zh: str
    name_en: str
    district: str
    township: int  # 1-based, among the district's townships
    industry: str  # GB/T 4754-2017, section letter + class (C3011)
    records: tuple[Line, ...]  # annual quantities in the base year 2017
    products: tuple[Product, ...]
    growth: float  # the firm's own yearly trend
    season: str  # key of SEASONS

    def year_factor(self, year: int) -> float:
        """How much of its base-year activity the firm has in ``year`` (before CEADs)."""
        wobble = 1.0 + 0.03 * math.sin(int(self.entity[10:16], 36) % 97 + year * 1.7)
        return CYCLE[year] * (1.0 + self.growth) ** (year - 2017) * wobble


@dataclass(frozen=True)
class Profile:
    """An industry of the demo city and how its firms look."""

    industry: str
    zh: str
    en: str
    weight: float  # share of the small and medium firms (0 for a fixed set of plants)
    electricity_mwh: float  # median purchased electricity
    fuels: tuple[tuple[str, str, float, str], ...]  # (category, fuel, per MWh, unit)
    product: tuple[str, str, float, float]  # (product, unit, per MWh, 万元 per unit)
    districts: tuple[float, ...]  # weights over city.DISTRICTS
    season: str = "manufacturing"
    heat_gj_per_mwh: float = 0.0
    growth: float = 0.02


EVERYWHERE = (0.16, 0.08, 0.14, 0.30, 0.12, 0.20)
PROFILES = (
    Profile("C3360", "金属表面处理", "metal finishing", 0.05, 1200,
            (("1.A.2.m", "natural_gas", 0.012, "10^4 Nm3"),), ("metal_parts", "t", 0.9, 0.9),
            EVERYWHERE),
    Profile("C3311", "金属结构", "structural metal", 0.06, 900,
            (("1.A.2.m", "diesel", 0.01, "t"),), ("steel_structures", "t", 1.5, 0.7), EVERYWHERE),
    Profile("C3484", "通用零部件", "machine parts", 0.09, 1500,
            (("1.A.2.m", "natural_gas", 0.008, "10^4 Nm3"),), ("machine_parts", "t", 0.4, 2.2),
            EVERYWHERE),
    Profile("C3599", "专用设备", "special machinery", 0.07, 1300,
            (("1.A.2.m", "diesel", 0.006, "t"),), ("special_equipment", "piece", 0.05, 30.0),
            (0.25, 0.08, 0.2, 0.2, 0.07, 0.2)),
    Profile("C3670", "汽车零部件", "car parts", 0.10, 2200,
            (("1.A.2.m", "natural_gas", 0.01, "10^4 Nm3"),), ("car_parts", "t", 0.35, 3.5),
            (0.1, 0.05, 0.15, 0.45, 0.05, 0.2)),
    Profile("C3731", "船舶配套", "ship fittings", 0.02, 2500,
            (("1.A.2.m", "diesel", 0.02, "t"),), ("ship_fittings", "t", 0.3, 2.5),
            (0.45, 0.1, 0.3, 0.05, 0.1, 0.0)),
    Profile("C3821", "电气设备", "electrical equipment", 0.13, 1400,
            (("1.A.2.m", "natural_gas", 0.006, "10^4 Nm3"),), ("electrical_equipment", "piece",
            0.4, 1.6), (0.08, 0.05, 0.1, 0.12, 0.55, 0.1), growth=0.05),
    Profile("C3985", "电子元件", "electronic components", 0.06, 2600, (),
            ("electronic_components", "piece", 120.0, 0.01), (0.3, 0.25, 0.15, 0.15, 0.05, 0.1),
            growth=0.08),
    Profile("C1713", "棉纺织", "cotton textiles", 0.07, 2000,
            (("1.A.2.l", "natural_gas", 0.004, "10^4 Nm3"),), ("yarn_and_fabric", "t", 0.25,
            2.0), (0.02, 0.02, 0.1, 0.6, 0.08, 0.18), heat_gj_per_mwh=4.0, growth=-0.02),
    Profile("C1811", "服装", "garments", 0.05, 500, (), ("garments", "piece", 60.0, 0.012),
            (0.03, 0.05, 0.12, 0.55, 0.1, 0.15), growth=-0.03),
    Profile("C1462", "调味品", "condiments and vinegar", 0.03, 800,
            (("1.A.2.e", "natural_gas", 0.01, "10^4 Nm3"),), ("condiments", "t", 3.0, 0.6),
            (0.3, 0.2, 0.25, 0.1, 0.05, 0.1), "food", 2.0),
    Profile("C1391", "农副食品加工", "food processing", 0.04, 700,
            (("1.A.2.e", "natural_gas", 0.012, "10^4 Nm3"),), ("processed_food", "t", 4.0, 0.5),
            (0.05, 0.05, 0.25, 0.25, 0.1, 0.3), "food", 1.5),
    Profile("C2927", "塑料制品", "plastic products", 0.07, 1800,
            (("1.A.2.m", "lpg", 0.004, "t"),), ("plastic_products", "t", 0.5, 1.4), EVERYWHERE),
    Profile("C3021", "水泥制品和混凝土", "concrete products", 0.04, 600,
            (("1.A.2.f", "diesel", 0.03, "t"),), ("ready_mixed_concrete", "m**3", 40.0, 0.035),
            EVERYWHERE, "cement"),
    Profile("C3049", "光学玻璃制品", "optical glass products", 0.03, 900,
            (("1.A.2.f", "natural_gas", 0.02, "10^4 Nm3"),), ("glass_products", "t", 0.3, 4.0),
            (0.02, 0.02, 0.06, 0.85, 0.02, 0.03)),
    Profile("C2710", "化学药品", "pharmaceuticals", 0.02, 3000,
            (("1.A.2.c", "natural_gas", 0.01, "10^4 Nm3"),), ("pharmaceuticals", "t", 0.02, 60.0),
            (0.3, 0.1, 0.3, 0.1, 0.05, 0.15), heat_gj_per_mwh=3.0, growth=0.04),
    Profile("C2110", "木质家具", "wooden furniture", 0.03, 500, (),
            ("furniture", "piece", 3.0, 0.2), (0.05, 0.05, 0.15, 0.35, 0.05, 0.35)),
    Profile("C2319", "包装印刷", "packaging print", 0.02, 700,
            (("1.A.2.m", "natural_gas", 0.005, "10^4 Nm3"),), ("printed_matter", "t", 0.4, 1.2),
            EVERYWHERE),
    Profile("C4190", "其他制造", "other manufacturing", 0.03, 600, (),
            ("other_products", "t", 0.5, 1.0), EVERYWHERE),
)  # fmt: skip


def _credit_code(serial: int) -> str:
    """A synthetic but valid 统一社会信用代码 (GB 32100) registered in Zhenjiang (321100),
    its organisation code (GB 11714) and its own check character both correct."""
    body = f"MA{serial:06d}"
    return make_credit_code(f"91321100{body}{organisation_check_character(body)}")


# The plants: (industry, zh, en, district, base-year lines, products, season); fixed sizes.
PLANTS: tuple[tuple[str, str, str, str, tuple[Line, ...], tuple[Product, ...], str], ...] = (
    ("D4411", "合成电厂甲（燃煤）", "Synthetic coal power plant A", "321102",
     (("1.A.1.a", "raw_coal", 5.6e6, "t", ""), ("1.A.1.a", "diesel", 2.0e3, "t", "")),
     (("electricity_generated", "MWh", 1.3e7, 0.03),), "power"),
    ("D4411", "合成电厂乙（燃煤）", "Synthetic coal power plant B", "321112",
     (("1.A.1.a", "raw_coal", 3.1e6, "t", ""),),
     (("electricity_generated", "MWh", 7.2e6, 0.03),), "power"),
    ("D4411", "合成燃机电厂丙（天然气）", "Synthetic gas power plant C", "321112",
     (("1.A.1.a", "natural_gas", 6.0e4, "10^4 Nm3", ""),),
     (("electricity_generated", "MWh", 3.1e6, 0.06),), "power"),
    ("D4412", "合成热电厂丁（燃煤热电联产）", "Synthetic coal CHP plant D", "321181",
     (("1.A.1.a", "raw_coal", 6.5e5, "t", ""),),
     (("electricity_generated", "MWh", 1.0e6, 0.035), ("heat_supplied", "GJ", 6.0e6, 0.005)),
     "power"),
    ("C3011", "合成水泥厂1", "Synthetic cement works 1", "321183", (), (), "cement"),
    ("C3011", "合成水泥厂2", "Synthetic cement works 2", "321183", (), (), "cement"),
    ("C3011", "合成水泥厂3", "Synthetic cement works 3", "321183", (), (), "cement"),
    ("C3011", "合成水泥厂4", "Synthetic cement works 4", "321112", (), (), "cement"),
    ("C2221", "合成造纸企业1（铜版纸）", "Synthetic paper mill 1", "321102",
     (("1.A.2.d", "raw_coal", 6.0e5, "t", ""), ("IND.1", "electricity", 6.0e5, "MWh", "")),
     (("coated_paper", "t", 1.6e6, 0.55),), "plant"),
    ("C2221", "合成造纸企业2", "Synthetic paper mill 2", "321102",
     (("1.A.2.d", "raw_coal", 2.2e5, "t", ""), ("IND.1", "electricity", 2.4e5, "MWh", "")),
     (("paper", "t", 5.0e5, 0.45),), "plant"),
    ("C3041", "合成玻璃厂1", "Synthetic glass works 1", "321181", (), (), "plant"),
    ("C3041", "合成玻璃厂2", "Synthetic glass works 2", "321181", (), (), "plant"),
    ("C3120", "合成特钢厂（电炉）", "Synthetic special steel works (EAF)", "321112",
     (("1.A.2.a", "natural_gas", 3.0e3, "10^4 Nm3", ""),
      ("IND.1", "electricity", 4.5e5, "MWh", "")),
     (("steel", "t", 8.0e5, 0.45),), "plant"),
    ("C3216", "合成铝业（铝加工）", "Synthetic aluminium rolling", "321102",
     (("1.A.2.b", "natural_gas", 2.5e3, "10^4 Nm3", ""),
      ("IND.1", "electricity", 3.0e5, "MWh", "")),
     (("aluminium_sheet", "t", 2.5e5, 1.9),), "plant"),
)  # fmt: skip
CHEMICALS = 14  # coal- and gas-fired chemical works in the river industrial parks


def _cement(rng: np.random.Generator) -> tuple[tuple[Line, ...], tuple[Product, ...]]:
    cement = float(rng.uniform(1.5e6, 2.6e6))
    lines = (("2.A.1", "cement", cement, "t", "portland"),
             ("1.A.2.f", "raw_coal", cement * 0.11, "t", ""),
             ("IND.1", "electricity", cement * 0.085, "MWh", ""))  # fmt: skip
    return lines, (("cement", "t", cement, 0.035), ("clinker", "t", cement * 0.8, 0.0))


def _glass(rng: np.random.Generator) -> tuple[tuple[Line, ...], tuple[Product, ...]]:
    glass = float(rng.uniform(1.0e5, 2.0e5))
    lines = (("2.A.3", "glass", glass, "t", "container_flint"),
             ("1.A.2.f", "natural_gas", glass * 0.025, "10^4 Nm3", ""),
             ("IND.1", "electricity", glass * 0.4, "MWh", ""))  # fmt: skip
    return lines, (("glass", "t", glass, 0.25),)


def _chemical(rng: np.random.Generator) -> tuple[tuple[Line, ...], tuple[Product, ...]]:
    mwh = float(rng.uniform(5e4, 4e5))
    lines = (("1.A.2.c", "raw_coal", float(rng.uniform(5e4, 3e5)), "t", ""),
             ("1.A.2.c", "natural_gas", float(rng.uniform(500, 5000)), "10^4 Nm3", ""),
             ("IND.1", "electricity", mwh, "MWh", ""),
             ("IND.2", "heat", mwh * 2.5, "GJ", ""))  # fmt: skip
    return lines, (("chemical_products", "t", mwh * 1.2, 0.8),)


def enterprises(count: int = 2000, seed: int = 2017) -> list[Enterprise]:
    """The demo city's first ``count`` firms: the plants (power, cement, paper, glass,
    metals), the chemical works, then small and medium firms of the PROFILES industries
    (each drawn by the profiles' weights). A smaller city is a prefix of a larger one."""
    out: list[Enterprise] = []

    def rng_for(serial: int) -> np.random.Generator:
        return np.random.default_rng([seed, serial])

    def add(industry: str, zh: str, en: str, district: str, lines: tuple[Line, ...],
            products: tuple[Product, ...], season: str, growth: float) -> None:  # fmt: skip
        serial = len(out) + 1
        rng = rng_for(serial)
        zones = np.array([ZONE_WEIGHT[z] for z in city.TOWNSHIPS[district]])
        township = 1 + int(rng.choice(len(zones), p=zones / zones.sum()))
        out.append(Enterprise(_credit_code(serial), zh, en, district, township, industry,
                              lines, products, growth, season))  # fmt: skip

    for industry, zh, en, district, fixed, made, season in PLANTS:
        rng = rng_for(len(out) + 1)
        drawn = {"C3011": _cement, "C3041": _glass}.get(industry)
        lines, products = drawn(rng) if drawn else (fixed, made)
        add(industry, zh, en, district, lines, products, season, 0.0)
    for i in range(CHEMICALS):
        lines, products = _chemical(rng_for(len(out) + 1))
        add("C2614" if i % 3 else "C2651", f"合成化工企业{i + 1}",
            f"Synthetic chemical works {i + 1}", ("321102", "321112")[i % 2], lines, products,
            "plant", 0.01)  # fmt: skip
    # the small and medium firms: each draws its industry, so a smaller city is a prefix
    shares = np.array([p.weight for p in PROFILES])
    seen: Counter[str] = Counter()
    while len(out) < count:
        rng = rng_for(len(out) + 1)
        profile = PROFILES[int(rng.choice(len(PROFILES), p=shares / shares.sum()))]
        seen[profile.industry] += 1
        k = seen[profile.industry]
        place = city.DISTRICTS[
            int(rng.choice(6, p=np.array(profile.districts) / sum(profile.districts)))
        ]
        size = float(rng.lognormal(0.0, 1.1))
        mwh = profile.electricity_mwh * size
        lines = (
            *tuple(
                (cat, fuel, per * mwh * float(rng.uniform(0.7, 1.3)), unit, "")
                for cat, fuel, per, unit in profile.fuels
            ),
            ("IND.1", "electricity", mwh, "MWh", ""),
        )
        if profile.heat_gj_per_mwh:
            lines += (("IND.2", "heat", mwh * profile.heat_gj_per_mwh, "GJ", ""),)
        product, unit, per, price = profile.product
        add(profile.industry, f"合成{place.name_zh[:2]}{profile.zh}企业{k}",
            f"Synthetic {profile.en} firm {k}, {place.name_en}", place.code,
            lines, ((product, unit, per * mwh, price),), profile.season,
            profile.growth + float(rng.normal(0.0, 0.02)))  # fmt: skip
    return out[:count]


def enterprise_records(year: int, firms: list[Enterprise]) -> list[ActivityRecord]:
    """The firms' annual activity of ``year`` (region = district; the seed splits it into
    months and puts it in each firm's township)."""
    return [
        ActivityRecord(
            year,
            f.district,
            c,
            a,
            q * f.year_factor(year),
            u,
            entity=f.entity,
            qualifier=qual,
            source=city.SOURCE,
        )
        for f in firms
        for c, a, q, u, qual in f.records
    ]


def month_weights(firms: list[Enterprise], seed: int = 4754) -> np.ndarray:
    """(firm, year, month) shares of each year's activity: the firm's seasonal shape with a
    few per cent of noise, summing to 1 over the months of every year."""
    rng = np.random.default_rng(seed)
    shape = np.array([SEASONS[f.season] for f in firms])[:, None, :]
    noisy = shape * (1.0 + 0.04 * rng.standard_normal((len(firms), len(city.YEARS), 12)))
    noisy = np.clip(noisy, 0.3, None)
    weights: np.ndarray = noisy / noisy.sum(axis=2, keepdims=True)
    return weights


def production(firm: Enterprise, year: int) -> list[tuple[str, str, float, float]]:
    """(product, unit, quantity, output value 万元) of a year: output grows 2 %/yr faster
    than energy use (efficiency gains)."""
    gain = 1.02 ** (year - 2017)
    return [
        (
            product,
            unit,
            qty * firm.year_factor(year) * gain,
            qty * firm.year_factor(year) * gain * price,
        )
        for product, unit, qty, price in firm.products
    ]
