"""Demo proposals for project carbon assessment (项目碳评估), in the states a reviewer meets:
a new 4500 t/d cement clinker line in an ecological-balance township of 丹徒区 left
``submitted`` for the reviewer to assess (the done-when case of issue 5), an electronics
plant assessed and approved, a float-glass line approved with conditions, a zero-energy
research centre assessed and awaiting decision, and a chemical plant rejected.

Every figure is synthetic (合成演示数据), chosen to be plausible for the kind of plant, not
taken from any real project. Call after the inventories are stored: the assessments read
the districts' stored inventories.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from citycarbon.service.projects import assess, decide, intake_from_mapping, submit
from citycarbon.service.users import actor_for_username

CLINKER_DAYS = 310  # kiln operating days a year (synthetic)

CEMENT_LINE: dict[str, Any] = {
    "name_zh": "新建4500t/d新型干法水泥熟料生产线（演示）",
    "name_en": "New 4500 t/d dry-process cement clinker line (demo)",
    "applicant": "镇江合成建材有限公司（演示）",
    "region_code": "321112007",  # 丹徒区, ecological balance
    "industry": "3011",
    "product": "cement_clinker",
    "capacity": 4500,
    "capacity_unit": "t/d",
    "annual_output": 4500 * CLINKER_DAYS,
    "output_unit": "t",
    "output_value_10k_cny": 41_850,  # ≈ 300 元/t clinker
    "energy": [{"fuel": "raw_coal", "quantity": 190_000, "unit": "t"}],
    "electricity_mwh": 76_700,  # ≈ 55 kWh/t clinker
    "process_emissions_t": 732_000,  # ≈ 0.525 t CO2/t clinker (calcination)
    "start_year": 2026,
}

ELECTRONICS: dict[str, Any] = {
    "name_zh": "集成电路封装测试基地（演示）",
    "name_en": "Integrated-circuit packaging and testing plant (demo)",
    "applicant": "镇江合成微电子有限公司（演示）",
    "region_code": "321102004",  # 京口区, key development
    "industry": "3973",
    "capacity": 120,
    "capacity_unit": "万片/a",
    "annual_output": 120,
    "output_unit": "万片",
    "output_value_10k_cny": 400_000,
    "energy": [{"fuel": "natural_gas", "quantity": 50, "unit": "10^4 Nm3"}],
    "electricity_mwh": 60_000,
    "start_year": 2025,
}

GLASS_LINE: dict[str, Any] = {
    "name_zh": "800t/d优质浮法玻璃生产线（演示）",
    "name_en": "800 t/d float glass line (demo)",
    "applicant": "丹阳合成玻璃有限公司（演示）",
    "region_code": "321181003",  # 丹阳市, key development
    "industry": "3041",
    "product": "flat_glass",
    "capacity": 800,
    "capacity_unit": "t/d",
    "annual_output": 5_840_000,  # weight boxes (800 t/d × 365 / 0.05 t)
    "output_unit": "weight_box",
    "output_value_10k_cny": 52_000,
    "energy": [{"fuel": "natural_gas", "quantity": 3_500, "unit": "10^4 Nm3"}],
    "electricity_mwh": 30_000,
    "process_emissions_t": 60_000,  # carbonate raw materials
    "start_year": 2026,
}

RESEARCH_CENTRE: dict[str, Any] = {
    "name_zh": "近零能耗研发中心（演示）",
    "name_en": "Near-zero-energy research centre (demo)",
    "applicant": "镇江合成科创园（演示）",
    "region_code": "321111001",  # 润州区, optimised development
    "industry": "73",
    "annual_output": 0,
    "output_unit": "",
    "output_value_10k_cny": 8_000,
    "start_year": 2026,
}

CHEMICAL_PLANT: dict[str, Any] = {
    "name_zh": "年产20万吨合成氨装置（演示）",
    "name_en": "200,000 t/a synthetic ammonia plant (demo)",
    "applicant": "句容合成化工有限公司（演示）",
    "region_code": "321183004",  # 句容市, moderate development
    "industry": "2611",
    "capacity": 200_000,
    "capacity_unit": "t/a",
    "annual_output": 200_000,
    "output_unit": "t",
    "output_value_10k_cny": 60_000,
    "energy": [{"fuel": "raw_coal", "quantity": 330_000, "unit": "t"}],
    "electricity_mwh": 200_000,
    "start_year": 2026,
}


def seed_projects(session: Session) -> int:
    """Add the demo proposals (submitted by the reviewer or the Jingkou district official)
    and take them to their states; returns how many were added."""
    reviewer = actor_for_username(session, "reviewer")
    district = actor_for_username(session, "district-321102")
    city = actor_for_username(session, "city")
    submit(session, reviewer, intake_from_mapping(CEMENT_LINE))  # left for the reviewer

    plant = submit(session, district, intake_from_mapping(ELECTRONICS))
    assess(session, reviewer, plant.id)
    decide(session, city, plant.id, "approve")

    glass = submit(session, reviewer, intake_from_mapping(GLASS_LINE))
    assess(session, reviewer, glass.id)
    decide(
        session, reviewer, glass.id, "approve_with_conditions",
        conditions="投产前能效须达到标杆水平（8.0 kgce/重量箱），并以等量替代方式落实能耗指标 / "
        "reach the advanced level (8.0 kgce per weight box) before start-up and offset its "
        "energy use one-for-one",
    )  # fmt: skip

    centre = submit(session, reviewer, intake_from_mapping(RESEARCH_CENTRE))
    assess(session, reviewer, centre.id)

    chemical = submit(session, reviewer, intake_from_mapping(CHEMICAL_PLANT))
    assess(session, reviewer, chemical.id)
    decide(
        session, reviewer, chemical.id, "reject",
        reason="适度开发区“两高”项目未达到能效先进值，且煤耗过高 / a two-high project in a "
        "moderate-development zone below the advanced level, with heavy coal use",
    )  # fmt: skip
    return 5
