"""Project carbon assessment (项目碳评估) in the system of record: submit a proposed project,
list and read the ones an actor may see, assess it (the pure core over factors, reference
tables and the district's stored inventory, GDP and targets), decide on it, and read its
audit trail.

Who may do what is :mod:`citycarbon.service.access`'s: submitting and reading need
``SUBMIT_PROJECT``, assessing and deciding ``ASSESS_PROJECT``, both within the actor's region
(a township of their district, or anywhere for the city office without a region).
Every change writes an audit entry in the same transaction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citycarbon.assessment.project import (
    FuelUse,
    ProjectInputError,
    ProjectIntake,
    benchmarks_from_rows,
    intensity,
    known_fuels,
    project_emissions,
)
from citycarbon.assessment.project_grading import (
    DistrictContext,
    IntensityTarget,
    ProjectAssessment,
    assess_project,
)
from citycarbon.assessment.project_workflow import ProjectAction, ProjectState, project_step
from citycarbon.errors import Message
from citycarbon.refdata.loader import load_codelist, load_factor_set, load_gwp
from citycarbon.service import audit
from citycarbon.service.access import Permission, Target, require, require_grant, visible_regions
from citycarbon.service.actor import Actor
from citycarbon.service.inventories import TOTAL
from citycarbon.service.ledger import not_found, region_by_code
from citycarbon.store.models import (
    AuditEntry,
    InventoryRun,
    InventoryValue,
    ProjectProposal,
    Region,
    RegionStatistic,
    RegionTarget,
    utcnow,
)

ENTITY = "project"
BENCHMARKS = "citycarbon_project_benchmarks"
TWO_HIGH = "cn_two_high_industries"
ZONE_RULES = "citycarbon_zone_admission_rules"
DEFAULT_GWP = "AR5"
TOWNSHIP = "township"


# ---- reference tables (packaged code lists)


def benchmark_rows() -> tuple[dict[str, str], ...]:
    return load_codelist(BENCHMARKS)


def two_high_rows() -> tuple[dict[str, str], ...]:
    return load_codelist(TWO_HIGH)


def zone_rule_rows() -> tuple[dict[str, str], ...]:
    return load_codelist(ZONE_RULES)


def fuel_choices(factor_set: str | None = None) -> list[str]:
    return known_fuels(load_factor_set(factor_set))


def zone_names() -> dict[str, dict[str, str]]:
    """Main-function-zone types by code, with their names."""
    return {r["code"]: r for r in load_codelist("cn_main_function_zones")}


def _divisions() -> set[str]:
    return {r["code"] for r in load_codelist("cn_gbt4754_2017") if r["code"].isdigit()}


# ---- intake


def intake_of(row: ProjectProposal) -> ProjectIntake:
    """The stored proposal as the core's intake."""
    return ProjectIntake(
        name_zh=row.name_zh, name_en=row.name_en, applicant=row.applicant,
        region_code=row.region_code, industry=row.industry, product=row.product,
        capacity=row.capacity, capacity_unit=row.capacity_unit,
        annual_output=row.annual_output, output_unit=row.output_unit,
        output_value_10k_cny=row.output_value_10k_cny, start_year=row.start_year,
        energy=tuple(FuelUse(str(e["fuel"]), float(e["quantity"]), str(e["unit"]))
                     for e in row.energy or []),
        electricity_mwh=row.electricity_mwh, heat_gj=row.heat_gj,
        process_emissions_t=row.process_emissions_t,
    )  # fmt: skip


def intake_from_mapping(data: Mapping[str, Any]) -> ProjectIntake:
    """An intake from plain data (a JSON body or a form); a missing or malformed field is a
    :class:`ProjectInputError` naming it."""

    def text(name: str) -> str:
        value = data.get(name)
        return "" if value is None else str(value).strip()

    def number(name: str, default: float | None = None) -> float:
        value = data.get(name)
        if value is None or value == "":
            if default is not None:
                return default
            raise ProjectInputError(
                Message(zh=f"缺少必填项 {name}", en=f"{name} is required"), field=name
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            raise ProjectInputError(
                Message(zh=f"{name} 应为有限数值", en=f"{name} must be a finite number"),
                field=name,
            )
        return number

    fuels = []
    for n, item in enumerate(data.get("energy") or []):
        if not isinstance(item, Mapping):
            raise ProjectInputError(
                Message("燃料行格式有误", "a fuel row must be an object"), field=f"energy[{n}]"
            )
        if not str(item.get("fuel") or "").strip() and item.get("quantity") in (None, ""):
            continue  # an empty row of the form
        try:
            quantity = float(item.get("quantity"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ProjectInputError(
                Message("燃料用量应为数字", "the fuel quantity must be a number"),
                field=f"energy[{n}].quantity",
            ) from None
        fuels.append(FuelUse(str(item.get("fuel") or ""), quantity, str(item.get("unit") or "")))
    capacity = data.get("capacity")
    return ProjectIntake(
        name_zh=text("name_zh"), name_en=text("name_en"), applicant=text("applicant"),
        region_code=text("region_code"), industry=text("industry"), product=text("product"),
        capacity=None if capacity in (None, "") else number("capacity"),
        capacity_unit=text("capacity_unit"), annual_output=number("annual_output"),
        output_unit=text("output_unit"), output_value_10k_cny=number("output_value_10k_cny"),
        start_year=int(number("start_year")), energy=tuple(fuels),
        electricity_mwh=number("electricity_mwh", 0.0), heat_gj=number("heat_gj", 0.0),
        process_emissions_t=number("process_emissions_t", 0.0),
    )  # fmt: skip


def _check_intake(session: Session, intake: ProjectIntake) -> Region:
    """What the core cannot know: the township exists and is a township, the industry is a
    GB/T 4754 division, the fuels and product are in the packaged tables."""
    region = session.get(Region, intake.region_code)
    if region is None or region.level != TOWNSHIP:
        raise ProjectInputError(
            Message(
                zh=f"{intake.region_code} 不是已登记的乡镇（街道）",
                en=f"{intake.region_code} is not a registered township",
            ),
            field="region_code",
        )
    if intake.industry[:2] not in _divisions():
        raise ProjectInputError(
            Message(
                zh=f"行业代码 {intake.industry} 不属于 GB/T 4754-2017 的任何大类",
                en=f"industry {intake.industry} is in no GB/T 4754-2017 division",
            ),
            field="industry",
        )
    # fuels, units and the product's unit are checked by computing the project once
    emissions = project_emissions(intake, load_factor_set(), load_gwp(DEFAULT_GWP))
    intensity(intake, emissions, benchmarks_from_rows(benchmark_rows()))
    return region


# ---- reading


def _get(session: Session, project_id: int) -> tuple[ProjectProposal, Region]:
    row = session.get(ProjectProposal, project_id)
    if row is None:
        raise not_found("该项目", "project", project_id)
    return row, region_by_code(session, row.region_code)


def get_project(session: Session, actor: Actor, project_id: int) -> ProjectProposal:
    row, region = _get(session, project_id)
    require(actor, Permission.SUBMIT_PROJECT, Target(region_path=region.path))
    return row


@dataclass(frozen=True)
class ProjectFilters:
    status: str | None = None
    region_code: str | None = None  # the region and its townships


def list_projects(
    session: Session, actor: Actor, filters: ProjectFilters | None = None, limit: int = 1000
) -> list[ProjectProposal]:
    """The proposals in the actor's regions, newest first."""
    require_grant(actor, Permission.SUBMIT_PROJECT)
    filters = filters or ProjectFilters()
    visible = visible_regions(actor, select(Region.code))
    stmt = select(ProjectProposal).where(ProjectProposal.region_code.in_(visible))
    if filters.status:
        stmt = stmt.where(ProjectProposal.status == filters.status)
    if filters.region_code:
        under = select(Region.code).where(
            Region.path.contains(f"/{filters.region_code}/", autoescape=True)
        )
        stmt = stmt.where(ProjectProposal.region_code.in_(under))
    stmt = stmt.order_by(ProjectProposal.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def history(session: Session, actor: Actor, project_id: int) -> list[AuditEntry]:
    get_project(session, actor, project_id)
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity == ENTITY, AuditEntry.entity_key == str(project_id))
        .order_by(AuditEntry.id)
    )
    return list(session.scalars(stmt))


def _state(row: ProjectProposal) -> dict[str, Any]:
    return {
        "status": row.status, "grade": row.grade, "conditions": row.conditions,
        "decision_reason": row.decision_reason,
    }  # fmt: skip


def proposal_dict(row: ProjectProposal, region: Region | None = None) -> dict[str, Any]:
    """A proposal as plain data: the intake, state, grade and the stored result."""
    state = ProjectState(row.status)
    zone = region.function_zone if region else None
    return {
        "id": row.id, "name_zh": row.name_zh, "name_en": row.name_en,
        "applicant": row.applicant, "region_code": row.region_code,
        "region_zh": region.name_zh if region else None,
        "region_en": region.name_en if region else None,
        "function_zone": zone,
        "function_zone_zh": zone_names().get(zone or "", {}).get("name_zh"),
        "function_zone_en": zone_names().get(zone or "", {}).get("name_en"),
        "industry": row.industry, "product": row.product, "capacity": row.capacity,
        "capacity_unit": row.capacity_unit, "annual_output": row.annual_output,
        "output_unit": row.output_unit, "output_value_10k_cny": row.output_value_10k_cny,
        "energy": list(row.energy or []), "electricity_mwh": row.electricity_mwh,
        "heat_gj": row.heat_gj, "process_emissions_t": row.process_emissions_t,
        "start_year": row.start_year, "status": state.value, "status_zh": state.label.zh,
        "status_en": state.label.en, "grade": row.grade, "conditions": row.conditions,
        "decision_reason": row.decision_reason, "submitted_at": row.submitted_at,
        "assessed_at": row.assessed_at, "decided_at": row.decided_at,
        "emissions_t": (row.result or {}).get("emissions", {}).get("total_t"),
        "energy_tce": (row.result or {}).get("emissions", {}).get("energy_tce"),
        "two_high": (row.result or {}).get("two_high", {}).get("flagged"),
        "result": row.result,
    }  # fmt: skip


def regions_of(session: Session, rows: list[ProjectProposal]) -> dict[str, Region]:
    codes = {r.region_code for r in rows}
    return {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))}


def townships(session: Session, actor: Actor) -> list[Region]:
    """Townships the actor may submit projects in (for the intake form)."""
    stmt = visible_regions(actor, select(Region).where(Region.level == TOWNSHIP))
    return list(session.scalars(stmt.order_by(Region.code)))


# ---- writing


def submit(session: Session, actor: Actor, intake: ProjectIntake) -> ProjectProposal:
    """Store a proposed project (state ``submitted``) after checking its intake."""
    require_grant(actor, Permission.SUBMIT_PROJECT)
    region = _check_intake(session, intake)
    require(actor, Permission.SUBMIT_PROJECT, Target(region_path=region.path))
    row = ProjectProposal(
        name_zh=intake.name_zh, name_en=intake.name_en, applicant=intake.applicant,
        region_code=intake.region_code, industry=intake.industry, product=intake.product,
        capacity=intake.capacity, capacity_unit=intake.capacity_unit,
        annual_output=intake.annual_output, output_unit=intake.output_unit,
        output_value_10k_cny=intake.output_value_10k_cny,
        energy=[u.as_dict() for u in intake.energy], electricity_mwh=intake.electricity_mwh,
        heat_gj=intake.heat_gj, process_emissions_t=intake.process_emissions_t,
        start_year=intake.start_year, status=ProjectState.SUBMITTED.value,
        submitted_by=actor.user_id, submitted_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "project.submit", ENTITY, row.id, after=intake.as_dict() | _state(row)
    )
    return row


def _latest_total(session: Session, district: str) -> tuple[InventoryRun, dict[str, float]] | None:
    """The newest stored inventory (latest year, then latest run) with the district's
    TOTAL figures."""
    stmt = (
        select(InventoryRun)
        .join(InventoryValue, InventoryValue.run_id == InventoryRun.id)
        .where(InventoryValue.region_code == district, InventoryValue.category == TOTAL)
        .order_by(InventoryRun.year.desc(), InventoryRun.id.desc())
        .limit(1)
    )
    run = session.scalars(stmt).first()
    if run is None:
        return None
    values = session.execute(
        select(InventoryValue.measure, InventoryValue.value).where(
            InventoryValue.run_id == run.id,
            InventoryValue.region_code == district,
            InventoryValue.category == TOTAL,
        )
    )
    return run, {str(m): float(v) for m, v in values}


def _target(session: Session, district: str, indicator: str) -> IntensityTarget | None:
    """The district's target of the indicator with the latest target year (any plan)."""
    row = session.scalars(
        select(RegionTarget)
        .where(RegionTarget.region_code == district, RegionTarget.indicator == indicator)
        .order_by(RegionTarget.target_year.desc(), RegionTarget.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return IntensityTarget(
        indicator, row.plan, row.target_year, row.target_value,
        row.baseline_year, row.baseline_value,
    )  # fmt: skip


def district_context(session: Session, township: Region) -> DistrictContext:
    """The district (the township's parent): latest inventory, GDP series, targets."""
    district = region_by_code(session, township.parent_code or township.code)
    latest = _latest_total(session, district.code)
    run, totals = latest if latest is not None else (None, {})
    gdp = {
        year: value
        for year, value in session.execute(
            select(RegionStatistic.year, RegionStatistic.value).where(
                RegionStatistic.region_code == district.code, RegionStatistic.indicator == "gdp"
            )
        )
        if run is None or year <= run.year
    }
    return DistrictContext(
        code=district.code, name=Message(district.name_zh, district.name_en or district.name_zh),
        inventory_year=run.year if run else None, emissions_t=totals.get("gross_CO2e"),
        energy_tce=totals.get("energy_tce"), gdp_10k_cny=gdp,
        carbon_target=_target(session, district.code, "carbon_intensity"),
        energy_target=_target(session, district.code, "energy_intensity"),
        inventory_run=run.id if run else None,
    )  # fmt: skip


def run_assessment(session: Session, row: ProjectProposal, region: Region) -> ProjectAssessment:
    """The core's assessment of a stored proposal (nothing is written)."""
    context = district_context(session, region)
    latest = _latest_total(session, context.code)
    gwp = latest[0].gwp_set if latest is not None else DEFAULT_GWP
    return assess_project(
        intake_of(row), region.function_zone, context, load_factor_set(), load_gwp(gwp),
        benchmark_rows(), two_high_rows(), zone_rule_rows(),
    )  # fmt: skip


def assess(session: Session, actor: Actor, project_id: int) -> ProjectProposal:
    """Run (or re-run) the assessment; keep the result and grade; state ``assessed``."""
    row, region = _get(session, project_id)
    require(actor, Permission.ASSESS_PROJECT, Target(region_path=region.path))
    after = project_step(ProjectState(row.status), ProjectAction.ASSESS)
    before = _state(row)
    found = run_assessment(session, row, region)
    result = found.as_dict()
    result["assessed_by"] = actor.username
    row.result, row.grade, row.status = result, found.grade, after.value
    row.assessed_at = utcnow()
    session.flush()
    audit.record(
        session, actor, "project.assess", ENTITY, row.id, before=before,
        after=_state(row) | {
            "emissions_t": found.emissions.total_t, "energy_tce": found.emissions.energy_tce,
            "factor_set": found.emissions.factor_set, "gwp_set": found.emissions.gwp_set,
            "findings": [f.code for f in found.findings],
        },
    )  # fmt: skip
    return row


def decide(
    session: Session,
    actor: Actor,
    project_id: int,
    decision: str,
    *,
    conditions: str = "",
    reason: str = "",
) -> ProjectProposal:
    """Approve, approve with conditions (the conditions required) or reject (a reason
    required) an assessed project."""
    row, region = _get(session, project_id)
    require(actor, Permission.ASSESS_PROJECT, Target(region_path=region.path))
    try:
        action = ProjectAction(decision)
    except ValueError:
        action = None
    if action is None or action is ProjectAction.ASSESS:
        raise ProjectInputError(
            Message(
                zh=f"未知的决定 {decision!r}（approve、approve_with_conditions 或 reject）",
                en=f"unknown decision {decision!r} (approve, approve_with_conditions or reject)",
            ),
            field="decision",
        )
    after = project_step(ProjectState(row.status), action, conditions=conditions, reason=reason)
    before = _state(row)
    row.status = after.value
    row.conditions = conditions.strip() or None
    row.decision_reason = reason.strip() or None
    row.decided_at = utcnow()
    session.flush()
    audit.record(
        session, actor, f"project.{action.value}", ENTITY, row.id, before=before,
        after=_state(row), reason=reason.strip() or conditions.strip() or None,
    )  # fmt: skip
    return row


def count_by_status(session: Session, actor: Actor) -> dict[str, int]:
    require_grant(actor, Permission.SUBMIT_PROJECT)
    visible = visible_regions(actor, select(Region.code))
    rows = session.execute(
        select(ProjectProposal.status, func.count())
        .where(ProjectProposal.region_code.in_(visible))
        .group_by(ProjectProposal.status)
    )
    return {str(status): int(n) for status, n in rows}
