"""Allowance allocation for an enterprise and compliance year, stored with its trace, and the
ledger entries it issues: the pre-allocation, then the true-up once the year is verified.

The calculation is the pure core's (:mod:`citycarbon.enterprise.allocation`) on packaged
reference data (``cn_ets_power_benchmarks``, ``cn_ets_rules``); this module reads the outputs
from the enterprise's verified reports and keeps everything the numbers came from.

An allocation **spec** (JSON; the CLI reads it from a file) says how:

* ``{"method": "benchmark", "base_year": 2022, "units": [...]}`` — power plants. A unit:
  ``unit_id``, ``category`` (a category code of the list), ``cooling`` (water | air),
  ``capacity_mw``, ``heat_supply_ratio`` (0–1), and either ``load_factor`` (0–1) or
  ``operating_hours`` (load factor = electricity / (capacity × hours)); ``output_share``
  (0–1) splits the plant's verified output between units (needed with several units);
  ``years`` may give a year's ``electricity_mwh``, ``heat_gj``, ``load_factor`` or
  ``heat_supply_ratio`` explicitly. Otherwise electricity supplied comes from the verified
  production ``electricity_supplied`` (MWh), else ``electricity_generated`` (flagged: generated
  stands in for supplied), and heat from ``heat_supplied`` (GJ).
* ``{"method": "historical_intensity", "base_year": 2022, "lines": [...]}`` — other sectors.
  A line: ``line_id``, ``product``, ``output_unit``, ``decline_factor`` (0–1], ``source``, and
  either ``historical_intensity`` (t CO2 per unit) or ``base_years`` (the intensity is then
  Σ verified direct CO2 / Σ verified output of those years; one line per enterprise then);
  ``years`` may give a year's ``output``.

The pre-allocation is the rule's share of the allocation on ``base_year`` output (default the
year before); the final allocation uses the compliance year's verified output.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.enterprise.allocation import (
    Allocation,
    AllocationError,
    BaseYear,
    GeneratingUnit,
    IntensityLine,
    benchmark_allocation,
    historical_intensity,
    intensity_allocation,
    load_factor,
    pre_allocate,
    true_up,
)
from citycarbon.enterprise.assets import EntryKind
from citycarbon.enterprise.ets_rules import RULES_TABLE
from citycarbon.enterprise.power_benchmarks import BENCHMARK_TABLE, PowerBenchmarks
from citycarbon.errors import Message
from citycarbon.refdata.loader import load_codelist, table_infos
from citycarbon.service import audit
from citycarbon.service.access import Permission
from citycarbon.service.actor import Actor
from citycarbon.service.carbon_assets import (
    EntryInput,
    enterprise_for,
    ets_rules,
    post_for_enterprise,
)
from citycarbon.service.carbon_assets_verified import VerifiedYear, verified_year
from citycarbon.store.models import Enterprise, utcnow
from citycarbon.store.models_assets import AllowanceAllocation

ELECTRICITY = ("electricity_supplied", "electricity_generated")
HEAT = "heat_supplied"
METHODS = ("benchmark", "historical_intensity")


def _fail(zh: str, en: str, field: str) -> AllocationError:
    return AllocationError(Message(zh=zh, en=en), field=field)


@cache
def power_benchmarks() -> PowerBenchmarks:
    return PowerBenchmarks.from_codelist(
        load_codelist(BENCHMARK_TABLE), source=table_infos()[BENCHMARK_TABLE].document
    )


def refdata_sources(method: str) -> dict[str, Any]:
    """The refdata tables an allocation reads, with their document and edition."""
    infos = table_infos()
    tables = [RULES_TABLE] + ([BENCHMARK_TABLE] if method == "benchmark" else [])
    return {
        "tables": [
            {
                "table": t,
                "document": infos[t].document,
                "edition": infos[t].edition,
                "sha256": infos[t].sha256,
            }
            for t in tables
        ],
        "pre_allocation_rule": ets_rules().pre_allocation_share.reference,
        "offset_rule": ets_rules().offset_cap.reference,
    }


# ---- reading the spec ----------------------------------------------------------------------


class _Outputs:
    """Verified figures per year, read once (a year's ledger is not cheap)."""

    def __init__(self, session: Session, enterprise_id: int) -> None:
        self.session, self.enterprise_id = session, enterprise_id
        self.years: dict[int, VerifiedYear] = {}
        self.notes: list[str] = []

    def year(self, year: int, field: str) -> VerifiedYear:
        if year not in self.years:
            self.years[year] = verified_year(self.session, self.enterprise_id, year)
        found = self.years[year]
        if not found.complete:
            raise _fail(
                f"{year} 年的排放报告尚未全部核查，无法取得产量与排放（请在 spec 中给出）",
                f"the reports of {year} are not all verified: no output or emissions to use "
                "(give them in the spec)",
                field,
            )
        return found

    def product(self, year: int, names: tuple[str, ...], unit: str, field: str) -> float:
        production = self.year(year, field).production
        for name in names:
            if (name, unit) in production:
                if name == "electricity_generated":
                    self.notes.append(
                        f"{year}: electricity_generated used as electricity supplied (供电量)"
                    )
                return production[(name, unit)]
        raise _fail(
            f"{year} 年核查报告中没有产品 {' / '.join(names)}（{unit}）",
            f"the verified reports of {year} have no product {' / '.join(names)} ({unit})",
            field,
        )


def _text(spec: Mapping[str, Any], key: str, field: str, default: str | None = None) -> str:
    value = spec.get(key, default)
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise _fail(
            f"{field} 应为非空文字（至多 200 字）",
            f"{field} must be a non-empty text of at most 200 characters",
            field,
        )
    return value.strip()


def _is_year(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1990 <= value <= 2100


def _number(spec: Mapping[str, Any], key: str, field: str, default: float | None = None) -> float:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"{field} 应为数字", f"{field} must be a number", field)
    return float(value)


def _year_values(item: Mapping[str, Any], year: int) -> Mapping[str, Any]:
    years = item.get("years") or {}
    if not isinstance(years, Mapping):
        raise _fail("years 应为按年份的对象", "years must map a year to its values", "years")
    found = years.get(str(year)) or {}
    return found if isinstance(found, Mapping) else {}


def _units(spec: Mapping[str, Any], year: int, outputs: _Outputs) -> list[GeneratingUnit]:
    units = spec.get("units")
    if not isinstance(units, list) or not units:
        raise _fail("基准法需列出机组 units", "the benchmark method needs its units", "units")
    out = []
    for i, unit in enumerate(units):
        at = f"units[{i}]"
        if not isinstance(unit, Mapping):
            raise _fail(f"{at} 应为对象", f"{at} must be an object", at)
        given = _year_values(unit, year)
        share = _number(
            unit, "output_share", f"{at}.output_share", 1.0 if len(units) == 1 else None
        )
        if not 0 < share <= 1:
            raise _fail(
                "output_share 应在 (0, 1] 之间",
                "output_share must lie in (0, 1]",
                f"{at}.output_share",
            )
        if "electricity_mwh" in given:
            mwh = _number(given, "electricity_mwh", f"{at}.years.{year}.electricity_mwh")
        else:
            mwh = share * outputs.product(year, ELECTRICITY, "MWh", f"{at}.years.{year}")
        ratio = _number(
            given,
            "heat_supply_ratio",
            f"{at}.heat_supply_ratio",
            _number(unit, "heat_supply_ratio", f"{at}.heat_supply_ratio", 0.0),
        )
        if "heat_gj" in given:
            heat = _number(given, "heat_gj", f"{at}.years.{year}.heat_gj")
        elif ratio > 0:
            heat = share * outputs.product(year, (HEAT,), "GJ", f"{at}.years.{year}")
        else:
            heat = 0.0
        capacity = (
            None
            if unit.get("capacity_mw") is None
            else _number(unit, "capacity_mw", f"{at}.capacity_mw")
        )
        lf: float | None = None
        if "load_factor" in given or "load_factor" in unit:
            lf = _number(
                given if "load_factor" in given else unit, "load_factor", f"{at}.load_factor"
            )
        elif "operating_hours" in unit and capacity is not None:
            hours = _number(unit, "operating_hours", f"{at}.operating_hours")
            if capacity <= 0 or hours <= 0:
                raise _fail(
                    "额定容量与运行小时应大于零",
                    "the capacity and operating hours must be above zero",
                    f"{at}.operating_hours",
                )
            lf = load_factor(mwh, capacity, hours)
        out.append(
            GeneratingUnit(
                unit_id=_text(unit, "unit_id", f"{at}.unit_id"),
                category=_text(unit, "category", f"{at}.category"),
                electricity_mwh=mwh,
                heat_gj=heat,
                cooling=_text(unit, "cooling", f"{at}.cooling", "water"),
                heat_supply_ratio=ratio,
                load_factor=lf,
                capacity_mw=capacity,
            )
        )
    return out


def _lines(spec: Mapping[str, Any], year: int, outputs: _Outputs) -> list[IntensityLine]:
    lines = spec.get("lines")
    if not isinstance(lines, list) or not lines:
        raise _fail(
            "历史强度法需列出产品线 lines",
            "the historical-intensity method needs its lines",
            "lines",
        )
    out = []
    for i, line in enumerate(lines):
        at = f"lines[{i}]"
        if not isinstance(line, Mapping):
            raise _fail(f"{at} 应为对象", f"{at} must be an object", at)
        product = _text(line, "product", f"{at}.product")
        unit = _text(line, "output_unit", f"{at}.output_unit")
        given = _year_values(line, year)
        if "output" in given:
            output = _number(given, "output", f"{at}.years.{year}.output")
        else:
            output = outputs.product(year, (product,), unit, f"{at}.years.{year}")
        if "historical_intensity" in line:
            intensity = _number(line, "historical_intensity", f"{at}.historical_intensity")
        else:
            intensity = _intensity(line, at, product, unit, outputs, several=len(lines) > 1)
        out.append(
            IntensityLine(
                line_id=_text(line, "line_id", f"{at}.line_id"),
                product=product,
                output=output,
                output_unit=unit,
                historical_intensity=intensity,
                decline_factor=_number(line, "decline_factor", f"{at}.decline_factor"),
                source=_text(line, "source", f"{at}.source"),
            )
        )
    return out


def _intensity(
    line: Mapping[str, Any], at: str, product: str, unit: str, outputs: _Outputs, *, several: bool
) -> float:
    years = line.get("base_years")
    if not isinstance(years, list) or not years or not all(_is_year(y) for y in years):
        raise _fail(
            "请给出 historical_intensity 或基准年 base_years",
            "give historical_intensity or base_years",
            f"{at}.base_years",
        )
    if several:
        raise _fail(
            "多条产品线时须分别给出 historical_intensity（企业排放无法按产品拆分）",
            "with several lines give each its historical_intensity (the enterprise's "
            "emissions cannot be split by product)",
            f"{at}.historical_intensity",
        )
    history = [
        BaseYear(
            y,
            outputs.year(y, f"{at}.base_years").direct_co2_t,
            outputs.product(y, (product,), unit, f"{at}.base_years"),
        )
        for y in years
    ]
    return historical_intensity(history)


def compute(
    session: Session, enterprise_id: int, spec: Mapping[str, Any], year: int
) -> tuple[Allocation, list[str]]:
    """The allocation of ``spec`` on the output of ``year``, and notes on its inputs."""
    method = spec.get("method")
    if method not in METHODS:
        raise _fail(
            "method 应为 benchmark 或 historical_intensity",
            "method must be benchmark or historical_intensity",
            "method",
        )
    outputs = _Outputs(session, enterprise_id)
    if method == "benchmark":
        allocation = benchmark_allocation(_units(spec, year, outputs), power_benchmarks(), year)
    else:
        allocation = intensity_allocation(_lines(spec, year, outputs), year)
    return allocation, sorted(set(outputs.notes))


# ---- use cases -----------------------------------------------------------------------------


def allocate(
    session: Session,
    actor: Actor,
    credit_code: str,
    compliance_year: int,
    spec: Mapping[str, Any],
    *,
    issue_on: dt.date,
) -> AllowanceAllocation:
    """Compute and store the pre-allocation and post it to the ledger (``assets.manage``).
    One allocation per enterprise and year: a second is refused."""
    firm, _ = enterprise_for(session, actor, credit_code, Permission.MANAGE_ASSETS)
    existing = session.scalar(
        select(AllowanceAllocation.id).where(
            AllowanceAllocation.enterprise_id == firm.id,
            AllowanceAllocation.compliance_year == compliance_year,
        )
    )
    if existing is not None:
        raise _fail(
            f"{firm.name_zh} {compliance_year} 年度已分配配额（第 {existing} 号）",
            f"{firm.name_en or firm.credit_code} already has an allocation for "
            f"{compliance_year} (no. {existing})",
            "compliance_year",
        )
    base_year = spec.get("base_year", compliance_year - 1)
    if not _is_year(base_year):
        raise _fail(
            "base_year 应为 1990–2100 之间的年份",
            "base_year must be a year in 1990–2100",
            "base_year",
        )
    base, notes = compute(session, firm.id, spec, base_year)
    pre = pre_allocate(base, ets_rules(), compliance_year)
    row = AllowanceAllocation(
        enterprise_id=firm.id,
        compliance_year=compliance_year,
        method=base.method,
        base_year=base_year,
        inputs=dict(spec),
        sources=refdata_sources(base.method),
        pre_share=pre.share,
        pre_t=pre.total_t,
        trace={"base": base.as_dict(), "base_notes": notes},
        computed_by=actor.user_id,
        computed_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "assets.allocate",
        "allowance_allocation",
        row.id,
        after=audit.snapshot(row, exclude=("trace",)),
    )
    _issue(
        session,
        actor,
        firm,
        row,
        EntryKind.ALLOCATION,
        pre.total_t,
        issue_on,
        "pre",
        f"预分配 {pre.share:.0%} × {base_year} 年产出 / pre-allocation {pre.share:.0%} "
        f"of the {base_year} output",
    )
    return row


def settle_true_up(
    session: Session, actor: Actor, credit_code: str, compliance_year: int, *, issue_on: dt.date
) -> AllowanceAllocation:
    """The final allocation on the compliance year's verified output; issue the difference
    to the pre-allocation, or take it back when negative (``assets.manage``)."""
    firm, _ = enterprise_for(session, actor, credit_code, Permission.MANAGE_ASSETS)
    row = session.scalar(
        select(AllowanceAllocation).where(
            AllowanceAllocation.enterprise_id == firm.id,
            AllowanceAllocation.compliance_year == compliance_year,
        )
    )
    if row is None:
        raise _fail(
            f"{compliance_year} 年度尚未预分配配额",
            f"no pre-allocation for {compliance_year}",
            "compliance_year",
        )
    if row.final_t is not None:
        raise _fail(
            f"{compliance_year} 年度配额已核定（最终 {row.final_t:g} t）",
            f"the allocation of {compliance_year} is already final ({row.final_t:g} t)",
            "compliance_year",
        )
    base, _ = compute(session, firm.id, row.inputs, row.base_year)
    pre = pre_allocate(base, ets_rules(), compliance_year)
    final, notes = compute(session, firm.id, row.inputs, compliance_year)
    result = true_up(pre, final)
    before = audit.snapshot(row, exclude=("trace",))
    row.final_t = final.total_t
    row.true_up_t = result.adjustment_t
    row.trace = {
        **row.trace,
        "final": final.as_dict(),
        "final_notes": notes,
        "true_up": [
            {
                "line_id": t.line_id,
                "pre_t": t.pre_t,
                "final_t": t.final_t,
                "adjustment_t": t.adjustment_t,
            }
            for t in result.lines
        ],
    }
    row.trued_up_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "assets.true_up",
        "allowance_allocation",
        row.id,
        before=before,
        after=audit.snapshot(row, exclude=("trace",)),
    )
    adjustment = result.adjustment_t
    if abs(adjustment) > 1e-6:
        kind = EntryKind.ALLOCATION if adjustment > 0 else EntryKind.ALLOCATION_RETURN
        _issue(
            session,
            actor,
            firm,
            row,
            kind,
            abs(adjustment),
            issue_on,
            "true_up",
            f"核定调整：最终 {final.total_t:,.0f} t − 预分配 {pre.total_t:,.0f} t / "
            f"true-up: final {final.total_t:,.0f} t − pre-allocated {pre.total_t:,.0f} t",
        )
    return row


def _issue(
    session: Session,
    actor: Actor,
    firm: Enterprise,
    row: AllowanceAllocation,
    kind: EntryKind,
    quantity: float,
    on: dt.date,
    stage: str,
    note: str,
) -> None:
    entry = EntryInput(
        kind.value, on, quantity, reference=f"allocation:{row.id}:{stage}", note=note
    )
    post_for_enterprise(session, actor, firm, row.compliance_year, entry, row.id)
