"""The demo city's plan "14fyp" (2020→2025): the statistics the plan indicators read,
city targets decomposed to the six districts, measure projects of the nine actions and a
few bonus and penalty points (ALL SYNTHETIC, 合成演示数据).

Baselines are the stored 2020 values (the indicator layer), so the numbers hang together.
The share statistics grow at a different pace per district so that the 2023 and 2024
lights differ: some districts run ahead, some just behind (yellow) and some far behind (red).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from citycarbon.demo import city
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.assessment_rubric import set_adjustment
from citycarbon.service.measures import create_measure
from citycarbon.service.targets import decompose, set_target, stored_value
from citycarbon.store.models import RegionStatistic

PLAN = "14fyp"
BASE_YEAR, TARGET_YEAR = 2020, 2025
SOURCE = "synthetic demo data 合成演示数据"
DISTRICT_CODES = tuple(d.code for d in city.DISTRICTS)

# statistic → (unit, 2020 level per district, yearly change per district)
SHARES: dict[str, tuple[str, dict[str, float], dict[str, float]]] = {
    "non_fossil_share": (
        "%",
        {
            "321102": 11.0,
            "321111": 14.0,
            "321112": 9.5,
            "321181": 12.5,
            "321182": 13.0,
            "321183": 15.0,
        },
        {
            "321102": 1.2,
            "321111": 0.95,
            "321112": 0.6,
            "321181": 1.1,
            "321182": 0.93,
            "321183": 1.05,
        },
    ),
    "public_transport_share": (
        "%",
        {
            "321102": 26.0,
            "321111": 29.0,
            "321112": 14.0,
            "321181": 18.0,
            "321182": 16.0,
            "321183": 15.0,
        },
        {
            "321102": 0.95,
            "321111": 1.0,
            "321112": 0.5,
            "321181": 0.9,
            "321182": 0.85,
            "321183": 0.88,
        },
    ),
    "green_building_share": (
        "%",
        {
            "321102": 68.0,
            "321111": 72.0,
            "321112": 55.0,
            "321181": 62.0,
            "321182": 60.0,
            "321183": 58.0,
        },
        {"321102": 4.4, "321111": 3.7, "321112": 3.4, "321181": 4.2, "321182": 4.0, "321183": 4.6},
    ),
    "strategic_emerging_share": (
        "%",
        {
            "321102": 30.0,
            "321111": 22.0,
            "321112": 18.0,
            "321181": 26.0,
            "321182": 24.0,
            "321183": 16.0,
        },
        dict.fromkeys(DISTRICT_CODES, 1.6),
    ),
    "green_material_share": (
        "%",
        dict.fromkeys(DISTRICT_CODES, 40.0),
        dict.fromkeys(DISTRICT_CODES, 3.0),
    ),
    "star_green_building_share": (
        "%",
        dict.fromkeys(DISTRICT_CODES, 15.0),
        dict.fromkeys(DISTRICT_CODES, 2.0),
    ),
    "public_institution_energy_per_capita": (
        "kgce/人",
        dict.fromkeys(DISTRICT_CODES, 380.0),
        dict.fromkeys(DISTRICT_CODES, -4.0),
    ),
    "public_institution_energy_per_area": (
        "kgce/m2",
        dict.fromkeys(DISTRICT_CODES, 18.0),
        dict.fromkeys(DISTRICT_CODES, -0.2),
    ),
    "irrigation_water_efficiency": (
        "1",
        dict.fromkeys(DISTRICT_CODES, 0.60),
        dict.fromkeys(DISTRICT_CODES, 0.004),
    ),
    "forest_fire_damage_rate": (
        "‰",
        dict.fromkeys(DISTRICT_CODES, 0.5),
        dict.fromkeys(DISTRICT_CODES, -0.02),
    ),
    "straw_utilisation": (
        "%",
        dict.fromkeys(DISTRICT_CODES, 88.0),
        dict.fromkeys(DISTRICT_CODES, 1.2),
    ),
}
# before 2020 the shares moved at half the pace (the plan period sped them up)
EARLY_PACE = 0.5
# city targets: (indicator, rule, amount, method): decline = % below the baseline,
# rise = percentage points above it
CITY_TARGETS = (
    ("carbon_intensity", "decline", 18.0, "zone"),
    ("energy_intensity", "decline", 13.5, "zone"),
    ("co2_intensity", "decline", 18.0, "zone"),
    ("non_fossil_share", "rise", 5.0, "equal"),
    ("forest_coverage", "rise", 0.5, "equal"),
    ("public_transport_share", "rise", 4.0, "equal"),
    ("green_building_share", "rise", 20.0, "equal"),
)
DEPARTMENTS = {
    "spatial_layout": "自然资源和规划局 Natural Resources and Planning",
    "low_carbon_industry": "工业和信息化局 Industry and IT",
    "low_carbon_production": "发展和改革委员会 Development and Reform",
    "low_carbon_lifestyle": "机关事务管理局 Government Offices Administration",
    "carbon_sinks": "林业局 Forestry",
    "low_carbon_transport": "交通运输局 Transport",
    "low_carbon_energy": "发展和改革委员会 Development and Reform",
    "environment": "生态环境局 Ecology and Environment",
    "low_carbon_buildings": "住房和城乡建设局 Housing and Urban-Rural Development",
}
PROJECTS = {  # action → (zh, en, indicators)
    "spatial_layout": (
        "功能区产业布局优化",
        "zoning-led relocation of industry",
        ["carbon_intensity"],
    ),
    "low_carbon_industry": (
        "新能源装备产业园",
        "new-energy equipment industrial park",
        ["carbon_intensity", "energy_intensity"],
    ),
    "low_carbon_production": (
        "重点企业节能技改",
        "energy-saving retrofits of key enterprises",
        ["energy_intensity", "co2_intensity"],
    ),
    "low_carbon_lifestyle": (
        "公共机构节能行动",
        "energy saving in public institutions",
        ["energy_intensity"],
    ),
    "carbon_sinks": ("长江岸线造林", "afforestation along the Yangtze", ["forest_coverage"]),
    "low_carbon_transport": (
        "新能源公交替换",
        "replacing buses with new-energy buses",
        ["public_transport_share"],
    ),
    "low_carbon_energy": ("屋顶分布式光伏", "rooftop distributed solar", ["non_fossil_share"]),
    "environment": (
        "污水处理厂提标改造",
        "upgrade of a wastewater treatment plant",
        ["carbon_total"],
    ),
    "low_carbon_buildings": (
        "既有建筑绿色改造",
        "green retrofit of existing buildings",
        ["green_building_share"],
    ),
}
ADJUSTMENTS = (  # (region, code, points, note)
    ("321111", "national_pilot", 3.0, "国家低碳城区试点（演示）demo: national low-carbon pilot"),
    ("321183", "innovation", 2.0, "碳普惠机制创新（演示）demo: carbon inclusion scheme"),
    ("321181", "data_quality", 2.0, "统计数据迟报（演示）demo: statistics reported late"),
)


def share_value(code: str, district: str, year: int) -> float:
    _, base, slope = SHARES[code]
    years = year - BASE_YEAR
    step = slope[district] * (years if years >= 0 else years * EARLY_PACE)
    return max(0.0, base[district] + step)


def statistic_rows() -> list[RegionStatistic]:
    """The plan statistics of the districts, and of the city as the GDP-weighted mean."""
    from citycarbon.demo.statistics import GDP_SHARE

    rows = []
    for code, (unit, _, _) in SHARES.items():
        for year in city.YEARS:
            values = {d: share_value(code, d, year) for d in DISTRICT_CODES}
            values[city.CITY] = sum(values[d] * GDP_SHARE[d] for d in DISTRICT_CODES)
            rows += [
                RegionStatistic(
                    region_code=r,
                    year=year,
                    indicator=code,
                    value=round(v, 4),
                    unit=unit,
                    source=SOURCE,
                )
                for r, v in values.items()
            ]
    return rows


def _city_targets(session: Session) -> int:
    count = 0
    for indicator, rule, amount, _ in CITY_TARGETS:
        base = stored_value(session, indicator, city.CITY, BASE_YEAR)
        if base is None:
            continue  # nothing stored to start from: no target
        goal = base * (1 - amount / 100) if rule == "decline" else base + amount
        set_target(
            session,
            LOCAL_ADMIN,
            PLAN,
            city.CITY,
            indicator,
            baseline_year=BASE_YEAR,
            baseline_value=base,
            target_year=TARGET_YEAR,
            target_value=goal,
            note="演示目标 demo target",
        )
        count += 1
    return count


def _measures(session: Session) -> int:
    districts = list(DISTRICT_CODES)
    count = 0
    for i, (action, (zh, en, indicators)) in enumerate(PROJECTS.items()):
        for k in range(4 if i >= 3 and i % 2 == 0 else 3):  # 30 projects in all
            district = districts[(i * 2 + k) % len(districts)]
            start = dt.date(2021 + k % 2, 1 + (i * 3 + k) % 12, 1)
            due = dt.date(2024 + (i + k) % 3, 6 + (i + k) % 6, 30)
            # every fifth is done; late starters lag; the rest run roughly on time
            done = (i + k) % 5 == 0
            completion = 1.0 if done else [0.35, 0.55, 0.8, 0.9][(i + 2 * k) % 4]
            status = "done" if done else ("in_progress" if completion > 0.3 else "planned")
            create_measure(
                session,
                LOCAL_ADMIN,
                {
                    "region_code": district,
                    "action": action,
                    "name_zh": f"{city_name(district)}{zh}（{k + 1}期）",
                    "name_en": f"{en} (phase {k + 1}), {district}",
                    "department": DEPARTMENTS[action],
                    "start_date": start,
                    "due_date": due,
                    "status": status,
                    "completion": completion,
                    "indicators": indicators,
                    "investment_10k_cny": 800.0 + 350.0 * ((i * 7 + k * 3) % 11),
                    "expected_reduction_t": 1500.0 + 900.0 * ((i * 5 + k) % 9),
                    "note": "合成演示数据 synthetic demo data",
                },
            )
            count += 1
    return count


def city_name(code: str) -> str:
    return next(d.name_zh for d in city.DISTRICTS if d.code == code)


def seed_plan(session: Session) -> dict[str, int]:
    """Statistics, targets (city and decomposed), measure projects and adjustments."""
    stats = statistic_rows()
    session.add_all(stats)
    session.flush()
    targets = _city_targets(session)
    children = 0
    for indicator, _, _, method in CITY_TARGETS:
        found = decompose(
            session, LOCAL_ADMIN, PLAN, indicator, method, region_code=city.CITY, save=True
        )
        children += len(found["children"])
    measures = _measures(session)
    for year in (2023, 2024):
        for region, code, points, note in ADJUSTMENTS:
            set_adjustment(session, LOCAL_ADMIN, region, year, code, points, note)
    return {
        "plan statistics": len(stats),
        "targets": targets + children,
        "measure projects": measures,
        "adjustments": 2 * len(ADJUSTMENTS),
    }
