"""Demo peak pathways of 镇江市 (321100): business as usual calibrated on the stored
inventory, a policy scenario that inherits from it and an enhanced one that inherits from the
policy scenario (BAU → policy → enhanced); and a calibrated BAU of each district.

The levers are synthetic (合成演示数据), round numbers chosen so that the three scenarios
tell apart. The demo city's stored history peaked in 2019 (57.3 Mt CO2e, the CEADs-scaled
series, then −1 %/yr); from the 2024 base year BAU grows again and keeps growing past 2030.
The policy scenario (intensity of industry and power improving at BAU's pace until ``KNEE``
and much faster after it, local power moving to gas, industry electrifying after 2035, a
cleaner grid by 2030 and 2060, faster gains in transport, commerce and processes, growing
sinks) rises above the 2019 level and peaks in 2030; the enhanced scenario (slower growth of
heavy industry, still faster gains) stays below the 2019 level, so the city's peak stays in
2019 (its own projected maximum comes in 2029). The uncertainty block is set on BAU
(value-added growth shifts, the industry improvement rate, the grid's change) and inherited;
the children drop the industry rate (their industry follows milestones) and add the transport
rate's distribution around their own rate. Call after the inventories are stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from citycarbon.demo import city
from citycarbon.service.pathways_calibrate import calibrate_bau
from citycarbon.service.pathways_store import list_scenarios, save_scenario
from citycarbon.service.users import actor_for_username

ANALYST = "analyst"
KNEE = 2029  # the policy scenarios' measures take effect from this year
END = 2060
ENHANCED_INDUSTRY = 0.06  # yearly intensity improvement of industry after KNEE (policy: 0.05)
ENHANCED_GROWTH = 0.85  # heavy-industry value added grows at this multiple of BAU's rates


def _scaled_growth(driver: dict[str, Any], factor: float) -> dict[str, Any]:
    """The driver's growth rule with every rate times ``factor`` (slower growth)."""
    out: dict[str, Any] = {"growth": driver["growth"] * factor}
    if "growth_changes" in driver:
        out["growth_changes"] = {y: r * factor for y, r in driver["growth_changes"].items()}
    return out


def uncertainty(improvement: float) -> dict[str, Any]:
    return {
        "drivers.va_industry.growth_shift": {"normal": {"mean": 0.0, "sd": 0.008}},
        "drivers.va_tertiary.growth_shift": {"normal": {"mean": 0.0, "sd": 0.008}},
        "sectors.industry.improvement": {
            "triangular": {
                "low": improvement - 0.01,
                "mode": improvement,
                "high": improvement + 0.01,
            }
        },
        "grid.change_scale": {"triangular": {"low": 0.8, "mode": 1.0, "high": 1.15}},
    }


def _knee(intensity: float, bau_rate: float, t0: int, rate: float) -> dict[int, float]:
    """Intensity milestones: BAU's yearly improvement until ``KNEE``, ``rate`` after it."""
    at_knee = intensity * (1 - bau_rate) ** (KNEE - t0)
    return {KNEE: at_knee, END: at_knee * (1 - rate) ** (END - KNEE)}


def definitions(bau: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The three scenarios' stored forms: BAU in full, the children as overrides."""
    t0 = bau["base_year"]
    grid0 = bau["grid"]["base"]
    sinks0 = bau.get("sinks", {}).get("base", 0.0)
    sectors = bau["sectors"]
    industry, power = sectors["industry"], sectors["power_heat"]
    root = {**bau, "uncertainty": uncertainty(industry["improvement"])}
    policy: dict[str, Any] = {
        "sectors": {
            "industry": {
                "improvement": None,  # milestones instead: measures bite from KNEE on
                "intensity_milestones": _knee(
                    industry["intensity"], industry["improvement"], t0, 0.05
                ),
                "mix": {
                    "industry_fuels": {2035: 1.0, END: 0.4},
                    "electricity": {2035: 0.0, END: 0.6},
                },
            },
            "power_heat": {
                "improvement": None,
                "intensity_milestones": _knee(power["intensity"], power["improvement"], t0, 0.04),
                "mix": {
                    "power_heat_fuels": {KNEE: 1.0, END: 0.3},
                    "natural_gas": {KNEE: 0.0, END: 0.7},
                },
            },
            "transport": {"improvement": 0.03},
            "commercial": {"improvement": 0.025},
        },
        "other": {"ippu": {"improvement": 0.03}},
        "grid": {"growth": None, "milestones": {2030: round(grid0 * 0.8, 4), END: 0.1}},
        "uncertainty": {
            "sectors.industry.improvement": None,  # industry follows milestones here
            "sectors.transport.improvement": {
                "triangular": {"low": 0.02, "mode": 0.03, "high": 0.04}
            },
        },
    }
    if sinks0 > 0:
        policy["sinks"] = {"growth": None, "milestones": {END: round(sinks0 * 3.0, 1)}}
    enhanced: dict[str, Any] = {
        "drivers": {"va_industry": _scaled_growth(bau["drivers"]["va_industry"], ENHANCED_GROWTH)},
        "sectors": {
            "industry": {
                "intensity_milestones": _knee(
                    industry["intensity"], industry["improvement"], t0, ENHANCED_INDUSTRY
                )
            },
            "transport": {"improvement": 0.04},
        },
        "uncertainty": {
            "sectors.transport.improvement": {
                "triangular": {"low": 0.03, "mode": 0.04, "high": 0.05}
            },
        },
    }
    return {"bau": root, "policy": policy, "enhanced": enhanced}


LABELS = {
    "bau": (
        "基准情景（惯性发展）",
        "business as usual",
        "按清单基准年校准，增速与强度下降按近年趋势逐期放缓（合成演示数据）",
        (
            "calibrated on the base-year inventory; growth and intensity trends slowing period "
            "by period (synthetic demo data)"
        ),
    ),
    "policy": (
        "政策情景",
        "policy",
        "工业与电力能效提升、工业电气化、本地电源转向天然气、电网清洁化、碳汇增长",
        (
            "faster efficiency gains in industry and power, electrification of industry, local "
            "power moving to gas, a cleaner grid, growing sinks"
        ),
    ),
    "enhanced": (
        "强化情景",
        "enhanced",
        "在政策情景基础上放缓重工业增加值增速、进一步提高能效",
        (
            "the policy scenario with slower growth of heavy industry and still faster "
            "efficiency gains"
        ),
    ),
}


def _district_uncertainty(bau: dict[str, Any]) -> dict[str, Any]:
    """The city BAU's block, without what a district lacks (industry, a value-added driver)."""
    industry = bau["sectors"].get("industry")
    block = uncertainty(industry["improvement"] if industry else 0.0)
    if industry is None:
        del block["sectors.industry.improvement"]
    drivers = bau["drivers"]
    return {
        k: v for k, v in block.items() if not k.startswith("drivers.") or k.split(".")[1] in drivers
    }


def seed_district_baus(session: Session) -> int:
    """A calibrated BAU for every district (their officials read their own region's), with
    the city BAU's uncertainty block; returns how many were stored."""
    analyst = actor_for_username(session, ANALYST)
    stored = 0
    for district in city.DISTRICTS:
        if list_scenarios(session, analyst, district.code):
            continue
        bau, _ = calibrate_bau(session, analyst, district.code)
        label_zh, label_en, about_zh, about_en = LABELS["bau"]
        save_scenario(
            session,
            analyst,
            district.code,
            "bau",
            overrides={**bau, "uncertainty": _district_uncertainty(bau)},
            parent=None,
            label_zh=label_zh,
            label_en=label_en,
            description=f"{about_zh} / {about_en}",
        )
        stored += 1
    return stored


def seed_pathways(session: Session, region_code: str = city.CITY) -> int:
    """Store the demo scenarios of the city as the analyst (none if it has some already),
    and a BAU of each district; returns how many were stored."""
    analyst = actor_for_username(session, ANALYST)
    if list_scenarios(session, analyst, region_code):
        return seed_district_baus(session)
    bau, _ = calibrate_bau(session, analyst, region_code)
    parents = {"bau": None, "policy": "bau", "enhanced": "policy"}
    for name, body in definitions(bau).items():
        label_zh, label_en, about_zh, about_en = LABELS[name]
        save_scenario(
            session,
            analyst,
            region_code,
            name,
            overrides=body,
            parent=parents[name],
            label_zh=label_zh,
            label_en=label_en,
            description=f"{about_zh} / {about_en}",
        )
    return len(parents) + seed_district_baus(session)
