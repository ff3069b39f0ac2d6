"""Plan targets of regions, their decomposition from a city to its districts, the assessment
rubric and the bonus and penalty points of a year.

Targets are checked by the core :class:`~citycarbon.assessment.targets.PlanTarget` before
they are stored, so a target with no baseline is refused with its reason.

Decomposition (:func:`decompose`) reads the districts' base-year figures from the indicator
layer: the district's own value of the indicator (its baseline), GDP (statistic ``gdp``) and,
for an intensity, the numerator as value × GDP (the emissions or energy of the base year).
Projected GDP of the target year is the base GDP grown at the district's own average yearly
rate over the five years before the base year (the result says so). How each kind is split:

* intensity — the core's :func:`~citycarbon.assessment.decompose.split_intensity`: a
  reduction rate per district, target = baseline × (1 − rate); reconciled with projected GDP;
* total — the required change (target − baseline of the city) is split by the method's
  weights and added to each district's own baseline; the changes add up to the city's;
* share — each district's change in percentage points is the city's change times
  ``n × w_i / Σw`` (equal: the city's change each); the mean change equals the city's
  (shares are not additive, so no weighting by the base quantity is attempted).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.assessment.decompose import (
    ZONE_TYPES,
    District,
    Method,
    TotalDecomposition,
    reconcile,
    split_intensity,
    weights,
)
from citycarbon.assessment.targets import IndicatorKind, PlanTarget, TargetError
from citycarbon.errors import Message
from citycarbon.refdata.loader import load_codelist
from citycarbon.service.access import Permission, Target, require, require_grant
from citycarbon.service.actor import Actor
from citycarbon.service.audit import record, snapshot
from citycarbon.service.indicator_values import (
    indicator_by_code,
    indicator_fields,
    indicator_values,
)
from citycarbon.service.ledger import not_found, region_by_code
from citycarbon.store.models import Region, RegionStatistic, RegionTarget, utcnow

GROWTH_YEARS = 5  # projected GDP: the district's own average growth over these years


def _fail(zh: str, en: str, field: str | None = None) -> TargetError:
    return TargetError(Message(zh=zh, en=en), field=field)


# ---- targets


def target_dict(row: RegionTarget, region: Region | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "plan": row.plan,
        "region_code": row.region_code,
        "region_zh": region.name_zh if region else None,
        "region_en": region.name_en if region else None,
        "indicator": row.indicator,
        **indicator_fields(row.indicator),
        "baseline_year": row.baseline_year,
        "baseline_value": row.baseline_value,
        "target_year": row.target_year,
        "target_value": row.target_value,
        "change_pct": (
            100.0 * (row.target_value / row.baseline_value - 1) if row.baseline_value else None
        ),
        "method": row.method,
        "parent_id": row.parent_id,
        "note": row.note,
    }


def core_target(row: RegionTarget) -> PlanTarget:
    return PlanTarget(
        region=row.region_code,
        indicator=indicator_by_code(row.indicator).definition,
        baseline_year=row.baseline_year,
        baseline_value=row.baseline_value,
        target_year=row.target_year,
        target_value=row.target_value,
    )


def stored_targets(
    session: Session, plan: str, regions: Sequence[str] | None = None
) -> list[RegionTarget]:
    stmt = select(RegionTarget).where(RegionTarget.plan == plan)
    if regions is not None:
        stmt = stmt.where(RegionTarget.region_code.in_(list(regions)))
    return list(session.scalars(stmt.order_by(RegionTarget.region_code, RegionTarget.indicator)))


def list_targets(
    session: Session, actor: Actor, plan: str, region_code: str | None = None
) -> list[dict[str, Any]]:
    """The plan's targets the actor may read (a regional role: its region and below)."""
    require_grant(actor, Permission.READ_TARGETS)
    rows = stored_targets(session, plan, [region_code] if region_code else None)
    regions = {
        r.code: r
        for r in session.scalars(
            select(Region).where(Region.code.in_({t.region_code for t in rows}))
        )
    }
    out = []
    for row in rows:
        region = regions[row.region_code]
        if actor.region_path is None or region.path.startswith(actor.region_path):
            out.append(target_dict(row, region))
    return out


def set_target(
    session: Session,
    actor: Actor,
    plan: str,
    region_code: str,
    indicator: str,
    *,
    baseline_year: int | None,
    baseline_value: float | None,
    target_year: int,
    target_value: float,
    method: str = "manual",
    parent_id: int | None = None,
    note: str = "",
) -> RegionTarget:
    """Create or replace the target of (plan, region, indicator), checked by the core."""
    region = region_by_code(session, region_code)
    require(actor, Permission.MANAGE_TARGETS, Target(region_path=region.path))
    definition = indicator_by_code(indicator).definition
    PlanTarget(region_code, definition, baseline_year, baseline_value, target_year, target_value)
    assert baseline_year is not None  # checked just above
    assert baseline_value is not None
    if not plan.strip():
        raise _fail("规划代码不能为空", "a plan needs a code", "plan")
    row = session.scalar(
        select(RegionTarget).where(
            RegionTarget.plan == plan,
            RegionTarget.region_code == region_code,
            RegionTarget.indicator == indicator,
        )
    )
    before = snapshot(row) if row is not None else None
    if row is None:
        row = RegionTarget(plan=plan, region_code=region_code, indicator=indicator)
        session.add(row)
    row.baseline_year, row.baseline_value = baseline_year, float(baseline_value)
    row.target_year, row.target_value = target_year, float(target_value)
    row.method, row.parent_id, row.note = method, parent_id, note
    row.updated_at = utcnow()
    session.flush()
    record(
        session, actor, "target.set", "region_target", row.id, before=before, after=snapshot(row)
    )
    return row


def stored_value(session: Session, indicator: str, region: str, year: int) -> float | None:
    """The indicator's value computed from the store (all runs: the official figure)."""
    return indicator_values(session, [region], [year], [indicator])[(indicator, region, year)].value


# ---- decomposition


def zone_multipliers() -> dict[str, float]:
    """The packaged (illustrative) multipliers per main-function-zone type."""
    return {
        r["zone"]: float(r["multiplier"])
        for r in load_codelist("citycarbon_zone_target_multipliers")
    }


def district_zone(session: Session, district: Region) -> str | None:
    """The district's own zone type, else the type most of its townships have (ties: the
    more developed type, in the order of ZONE_TYPES)."""
    if district.function_zone:
        return district.function_zone
    zones = Counter(
        z
        for z in session.scalars(
            select(Region.function_zone).where(Region.path.startswith(district.path))
        )
        if z
    )
    if not zones:
        return None
    top = max(zones.values())
    return next(z for z in ZONE_TYPES if zones.get(z) == top)


def _gdp(
    session: Session, regions: Sequence[str], years: Sequence[int]
) -> dict[tuple[str, int], float]:
    rows = session.execute(
        select(RegionStatistic.region_code, RegionStatistic.year, RegionStatistic.value).where(
            RegionStatistic.indicator == "gdp",
            RegionStatistic.region_code.in_(list(regions)),
            RegionStatistic.year.in_(list(years)),
        )
    )
    return {(r, y): v for r, y, v in rows}


def city_target(session: Session, plan: str, indicator: str, region_code: str) -> RegionTarget:
    row = session.scalar(
        select(RegionTarget).where(
            RegionTarget.plan == plan,
            RegionTarget.region_code == region_code,
            RegionTarget.indicator == indicator,
        )
    )
    if row is None:
        raise not_found("该地区的规划目标", "plan target", f"{plan}/{region_code}/{indicator}")
    return row


def decompose(  # noqa: PLR0912, PLR0915 - one decomposition, start to end
    session: Session,
    actor: Actor,
    plan: str,
    indicator: str,
    method: str,
    *,
    region_code: str | None = None,
    zones: Mapping[str, str] | None = None,
    manual: Mapping[str, float] | None = None,
    potential: Mapping[str, float] | None = None,
    calibrate: bool = False,
    save: bool = False,
) -> dict[str, Any]:
    """Hand the city's target of ``indicator`` down to its districts (see the module doc);
    with ``save`` the children are stored (pointing at the city target) and audited."""
    require_grant(actor, Permission.READ_TARGETS)
    if region_code is None:
        region_code = _city_with_target(session, plan, indicator)
    city = region_by_code(session, region_code)
    require(
        actor,
        Permission.MANAGE_TARGETS if save else Permission.READ_TARGETS,
        Target(region_path=city.path),
    )
    parent = city_target(session, plan, indicator, city.code)
    parent_core = core_target(parent)
    definition = parent_core.indicator
    try:
        chosen = Method(method)
    except ValueError:
        allowed = ", ".join(m.value for m in Method)
        raise _fail(
            f"分解方法 {method!r} 无效，应为：{allowed}",
            f"decomposition method {method!r} is not one of: {allowed}",
            "method",
        ) from None
    children = list(
        session.scalars(
            select(Region)
            .where(Region.parent_code == city.code, Region.level == "county")
            .order_by(Region.code)
        )
    )
    if not children:
        raise _fail(f"{city.name_zh} 没有下级区县", f"{city.code} has no districts", "region")
    codes = [c.code for c in children]
    base, goal = parent.baseline_year, parent.target_year
    values = indicator_values(session, codes, [base], [indicator])
    gdp = _gdp(session, codes, [base, base - GROWTH_YEARS])
    missing = [c for c in codes if values[(indicator, c, base)].value is None]
    if missing:
        raise _fail(
            f"区县 {', '.join(missing)} 缺少 {base} 年的 {indicator} 基准值，无法分解",
            f"districts {', '.join(missing)} have no {base} value of {indicator}; "
            "the target cannot be decomposed",
            "baseline",
        )
    rows: dict[str, dict[str, Any]] = {}
    districts = []
    for c in children:
        baseline = values[(indicator, c.code, base)].value
        assert baseline is not None
        g0, g_past = gdp.get((c.code, base)), gdp.get((c.code, base - GROWTH_YEARS))
        growth = (g0 / g_past) ** (1 / GROWTH_YEARS) - 1 if g0 and g_past else None
        projected = g0 * (1 + growth) ** (goal - base) if g0 and growth is not None else None
        zone = (zones or {}).get(c.code) or district_zone(session, c)
        numerator = baseline * g0 if g0 is not None else None
        districts.append(
            District(
                code=c.code,
                zone=zone,
                gdp=g0,
                emissions=numerator,
                potential=(potential or {}).get(c.code),
                projected_gdp=projected,
            )
        )
        rows[c.code] = {
            "region_code": c.code,
            "region_zh": c.name_zh,
            "region_en": c.name_en,
            "zone": zone,
            "baseline_year": base,
            "baseline_value": baseline,
            "target_year": goal,
            "base_gdp": g0,
            "gdp_growth": growth,
            "projected_gdp": projected,
            "base_numerator": numerator,
            "inputs": values[(indicator, c.code, base)].inputs,
        }
    multipliers = zone_multipliers()
    notes: list[dict[str, str]] = []
    if definition.kind is IndicatorKind.INTENSITY:
        split = split_intensity(
            parent_core.reduction_rate,
            districts,
            chosen,
            zone_multipliers=multipliers,
            manual=manual,
            calibrate=calibrate,
        )
        for code, rate in split.rates.items():
            rows[code]["rate"] = rate
            rows[code]["target_value"] = rows[code]["baseline_value"] * (1 - rate)
        check = reconcile(split, tolerance=1e-9)
        notes.append(
            {
                "zh": f"预测 GDP：基准年 GDP 按各区县 {base - GROWTH_YEARS}—{base} 年的年均增速"
                f"增长至 {goal} 年；强度分子（排放或能耗）= 基准年强度 × 基准年 GDP。",
                "en": f"Projected GDP: each district's base-year GDP grown to {goal} at its own "
                f"average yearly rate of {base - GROWTH_YEARS}–{base}; the numerator (emissions or "
                "energy) is the base-year intensity × base-year GDP.",
            }
        )
    else:
        change = parent.target_value - parent.baseline_value
        raw = weights(districts, chosen, zone_multipliers=multipliers, manual=manual)
        total = math.fsum(raw.values())
        scale = len(raw) if definition.kind is IndicatorKind.SHARE else 1
        amounts = {c: change * scale * w / total for c, w in raw.items()}
        for code, amount in amounts.items():
            rows[code]["change"] = amount
            rows[code]["target_value"] = max(0.0, rows[code]["baseline_value"] + amount)
        check = reconcile(TotalDecomposition(change * scale, amounts))
        notes.append(
            {
                "zh": "总量指标：城市的目标变化量按权重分给各区县，加在各自基准值上。"
                if scale == 1
                else "比例指标：各区县的变化（百分点）平均等于城市的变化，"
                "不按基数加权（比例不可相加）。",
                "en": "Total: the city's required change split by the weights and added to each "
                "district's own baseline."
                if scale == 1
                else "Share: the districts' changes "
                "(percentage points) average the city's change; not weighted by the base quantity "
                "(shares do not add).",
            }
        )
    for code, w in weights(districts, chosen, zone_multipliers=multipliers, manual=manual).items():
        rows[code]["weight"] = w
    if chosen is Method.ZONE:
        notes.append(
            {
                "zh": "主体功能区系数为示意值（代码表 citycarbon_zone_target_multipliers）。",
                "en": "The zone multipliers are illustrative (code list "
                "citycarbon_zone_target_multipliers).",
            }
        )
    saved = False
    if save:
        for code, row in rows.items():
            set_target(
                session,
                actor,
                plan,
                code,
                indicator,
                baseline_year=base,
                baseline_value=row["baseline_value"],
                target_year=goal,
                target_value=row["target_value"],
                method=chosen.value,
                parent_id=parent.id,
                note=f"decomposed from {city.code} ({chosen.value})",
            )
        saved = True
    return {
        "plan": plan,
        "indicator": indicator,
        "name_zh": definition.name_zh,
        "name_en": definition.name_en,
        "unit": definition.unit,
        "kind": definition.kind.value,
        "method": chosen.value,
        "calibrate": calibrate,
        "parent": target_dict(parent, city),
        "children": list(rows.values()),
        "reconciliation": {
            "ok": check.ok,
            "parent": check.parent,
            "implied": check.implied,
            "gap": check.gap,
            "zh": check.message.zh,
            "en": check.message.en,
        },
        "notes": notes,
        "saved": saved,
    }


def _city_with_target(session: Session, plan: str, indicator: str) -> str:
    found = session.scalars(
        select(RegionTarget.region_code)
        .join(Region, Region.code == RegionTarget.region_code)
        .where(
            RegionTarget.plan == plan, RegionTarget.indicator == indicator, Region.level == "city"
        )
    ).first()
    if found is None:
        raise not_found("城市级规划目标", "city target", f"{plan}/{indicator}")
    return found
