"""Allowance allocation (配额分配) for one compliance year: the benchmark method of the power
sector, the historical-intensity method for other sectors, pre-allocation and true-up.

Pure domain: benchmark values and coefficients are reference data (code list
``cn_ets_power_benchmarks``), read by :mod:`citycarbon.enterprise.power_benchmarks`;
nothing here knows a number. All allowances are in t CO2.

**Benchmark method** (as the national market allocates to power units, 国环规气候〔2020〕3号).
Per generating unit of category *k*:

* electricity part = E × B_e(k) × F_cool × F_heat × F_load, where E is the electricity
  supplied (供电量, MWh) and B_e the category's electricity benchmark (t CO2/MWh);
* heat part = H × B_h(k), H the heat supplied (供热量, GJ), B_h in t CO2/GJ;
* the unit's allowance is their sum; the allocation is the sum over units.

Coefficients are the list's rows of kind ``cooling``, ``heat_supply`` and ``load`` whose
``applies_to`` names the category (a category without rows of a kind takes 1): the cooling row
whose condition is the unit's cooling (``water`` | ``air``); the heat-supply row with
x = heat-supply ratio (供热比, 0–1); the load row whose band holds x = 100 × load factor, only
for a pure-condensing unit (no heat supplied) where the row's condition is ``pure_condensing``.
Forms: ``constant`` = a; ``a-b*x``; ``a+b*(c-x)``; ``a^(b-c*x)`` (x/100 in the power form).
A unit that supplies heat must state a heat-supply ratio above 0, and one that supplies none a
ratio of 0. A rated capacity, when given, must lie in the category's capacity bounds.

**Historical-intensity method**: per product line, output × historical intensity (t CO2 per
unit of output) × decline factor (0 < f ≤ 1). :func:`historical_intensity` gives the
intensity of base years as Σ emissions / Σ output (output-weighted).

Every part carries its inputs: output and unit, the benchmark (or intensity) with its row code
(or its stated source), each coefficient with its code, variable, input and value, and the
equation. **Pre-allocation** (:func:`pre_allocate`): the rule's share (70 % in 2019–2020) of
an allocation computed on the base year's output — allowances are linear in output, so this
equals the allocation of that share of the output. **True-up** (:func:`true_up`): the final
allocation on actual output minus the pre-allocation, per line and in total; a negative
adjustment is taken back. Bad input raises :class:`AllocationError` naming the field
(``units[0].heat_supply_ratio``) and the reason in zh-CN and en.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from citycarbon.enterprise.ets_rules import EtsRules
from citycarbon.enterprise.power_benchmarks import (
    BENCHMARK_TABLE,
    PURE_CONDENSING,
    Category,
    Coefficient,
    PowerBenchmarks,
    bad_table,
)
from citycarbon.errors import CitycarbonError, Message

UNIT = "t CO2"
MAX_AMOUNT = 1e12  # larger numbers are typing errors (no unit supplies 10^12 MWh)
COOLING = ("water", "air")


class AllocationError(CitycarbonError):
    """The input of an allocation is incomplete or impossible (names the field)."""


def _fail(zh: str, en: str, field: str) -> AllocationError:
    return AllocationError(Message(zh=zh, en=en), field=field)


def _amount(value: object, field: str, *, positive: bool = False) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _fail(f"{field} 应为数字", f"{field} must be a number", field) from None
    if not math.isfinite(number) or number > MAX_AMOUNT:
        raise _fail(
            f"{field} 应为有限数值且不超过 10^12",
            f"{field} must be finite and at most 10^12",
            field,
        )
    if number < 0 or (positive and number == 0):
        zh, en = (
            ("应大于零", "must be above zero") if positive else ("不能为负", "must not be negative")
        )
        raise _fail(f"{field} {zh}", f"{field} {en}", field)
    return number


# ── results ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class AppliedCoefficient:
    code: str  # the list's row code (cooling.air …) or decline_factor
    variable: str
    x: float | None  # the input the coefficient was evaluated at
    value: float


@dataclass(frozen=True, slots=True)
class AllocationPart:
    """One product of one line: output × benchmark (or intensity) × coefficients."""

    product: str
    output: float
    output_unit: str
    benchmark: float
    benchmark_unit: str
    benchmark_ref: str  # table:row code, or the stated source of an intensity
    coefficients: tuple[AppliedCoefficient, ...]
    allowance_t: float
    equation: str

    def as_dict(self) -> dict[str, object]:
        return {
            "product": self.product,
            "output": self.output,
            "output_unit": self.output_unit,
            "benchmark": self.benchmark,
            "benchmark_unit": self.benchmark_unit,
            "benchmark_ref": self.benchmark_ref,
            "coefficients": [
                {"code": c.code, "variable": c.variable, "x": c.x, "value": c.value}
                for c in self.coefficients
            ],
            "allowance_t": self.allowance_t,
            "unit": UNIT,
            "equation": self.equation,
        }


@dataclass(frozen=True, slots=True)
class AllocationLine:
    line_id: str  # a generating unit, or a product line
    category: str  # the unit category, or the product
    parts: tuple[AllocationPart, ...]

    @property
    def allowance_t(self) -> float:
        return sum(p.allowance_t for p in self.parts)


@dataclass(frozen=True)
class Allocation:
    """An allocation for one year's output, line by line, with its sources."""

    method: str  # benchmark | historical_intensity
    year: int  # the year of the output
    lines: tuple[AllocationLine, ...]
    sources: tuple[str, ...]

    @property
    def total_t(self) -> float:
        return sum(line.allowance_t for line in self.lines)

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "year": self.year,
            "total_t": self.total_t,
            "unit": UNIT,
            "sources": list(self.sources),
            "lines": [
                {
                    "line_id": line.line_id,
                    "category": line.category,
                    "allowance_t": line.allowance_t,
                    "parts": [p.as_dict() for p in line.parts],
                }
                for line in self.lines
            ],
        }


# ── benchmark method ─────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class GeneratingUnit:
    unit_id: str
    category: str  # a category code of the list
    electricity_mwh: float  # 供电量, electricity supplied
    heat_gj: float = 0.0  # 供热量, heat supplied
    cooling: str = "water"  # water | air
    heat_supply_ratio: float = 0.0  # 供热比, 0–1
    load_factor: float | None = None  # 负荷（出力）系数, 0–1; needed for pure-condensing coal
    capacity_mw: float | None = None  # rated capacity, checked against the category


def load_factor(generation_mwh: float, capacity_mw: float, hours: float) -> float:
    """负荷（出力）系数 = generation / (rated capacity × operating hours)."""
    generation = _amount(generation_mwh, "generation_mwh")
    capacity = _amount(capacity_mw, "capacity_mw", positive=True)
    running = _amount(hours, "hours", positive=True)
    return generation / (capacity * running)


def _check_unit(unit: GeneratingUnit, table: PowerBenchmarks, at: str) -> Category:
    if not unit.unit_id.strip():
        raise _fail("机组编号不能为空", "the unit id must not be empty", f"{at}.unit_id")
    category = table.categories.get(unit.category)
    if category is None:
        known = ", ".join(sorted(table.categories))
        raise _fail(
            f"未知的机组类别 {unit.category}（可选：{known}）",
            f"unknown unit category {unit.category} (one of: {known})",
            f"{at}.category",
        )
    _amount(unit.electricity_mwh, f"{at}.electricity_mwh")
    heat = _amount(unit.heat_gj, f"{at}.heat_gj")
    if unit.cooling not in COOLING:
        raise _fail(
            "冷却方式应为 water（水冷）或 air（空冷）",
            "cooling must be water or air",
            f"{at}.cooling",
        )
    ratio = _amount(unit.heat_supply_ratio, f"{at}.heat_supply_ratio")
    if ratio > 1:
        raise _fail(
            "供热比应在 0 与 1 之间",
            "the heat-supply ratio must lie between 0 and 1",
            f"{at}.heat_supply_ratio",
        )
    if (heat > 0) != (ratio > 0):
        raise _fail(
            "供热的机组供热比应大于零，不供热的机组供热比应为零",
            "a unit that supplies heat needs a heat-supply ratio above 0, "
            "one that supplies none a ratio of 0",
            f"{at}.heat_supply_ratio",
        )
    if (
        unit.load_factor is not None
        and not 0 <= _amount(unit.load_factor, f"{at}.load_factor") <= 1
    ):
        raise _fail(
            "负荷系数应在 0 与 1 之间",
            "the load factor must lie between 0 and 1",
            f"{at}.load_factor",
        )
    if unit.capacity_mw is not None:
        capacity = _amount(unit.capacity_mw, f"{at}.capacity_mw", positive=True)
        low, high = category.capacity_min_mw, category.capacity_max_mw
        if (low is not None and capacity < low) or (high is not None and capacity >= high):
            raise _fail(
                f"额定容量 {capacity:g} MW 不属于类别 {category.name_zh}",
                f"a rated capacity of {capacity:g} MW is outside the category {category.name_en}",
                f"{at}.capacity_mw",
            )
    return category


def _one(found: list[Coefficient], what: str, category: str) -> Coefficient | None:
    if len(found) > 1:
        raise bad_table(
            f"类别 {category} 有多行 {what}", f"category {category} has several {what} rows"
        )
    return found[0] if found else None


def _coefficients(
    unit: GeneratingUnit, table: PowerBenchmarks, at: str
) -> tuple[AppliedCoefficient, ...]:
    applied: list[AppliedCoefficient] = []
    cooling_rows = table.applicable("cooling", unit.category)
    if cooling_rows:
        row = _one(
            [c for c in cooling_rows if c.condition == unit.cooling], "cooling", unit.category
        )
        if row is None:
            raise _fail(
                f"类别 {unit.category} 没有冷却方式 {unit.cooling} 的修正系数",
                f"category {unit.category} has no coefficient for cooling {unit.cooling}",
                f"{at}.cooling",
            )
        applied.append(AppliedCoefficient(row.code, row.variable, None, row.value(0.0)))
    heat_row = _one(table.applicable("heat_supply", unit.category), "heat_supply", unit.category)
    if heat_row is not None:
        x = unit.heat_supply_ratio
        applied.append(AppliedCoefficient(heat_row.code, heat_row.variable, x, heat_row.value(x)))
    pure_condensing = unit.heat_gj == 0
    load_rows = [
        c
        for c in table.applicable("load", unit.category)
        if c.condition != PURE_CONDENSING or pure_condensing
    ]
    if load_rows:
        if unit.load_factor is None:
            raise _fail(
                "纯凝常规燃煤机组需填写负荷（出力）系数",
                "a pure-condensing conventional coal unit needs its load factor",
                f"{at}.load_factor",
            )
        pct = unit.load_factor * 100.0
        row = _one([c for c in load_rows if c.holds(pct)], "load", unit.category)
        if row is None:
            raise bad_table(f"负荷系数 {pct:g}% 不在任何区间内", f"no load band holds {pct:g} %")
        applied.append(AppliedCoefficient(row.code, row.variable, pct, row.value(pct)))
    return tuple(applied)


def _part(
    product: str,
    output: float,
    output_unit: str,
    benchmark: float,
    benchmark_unit: str,
    ref: str,
    coefficients: tuple[AppliedCoefficient, ...],
) -> AllocationPart:
    value = output * benchmark
    for c in coefficients:
        value *= c.value
    names = " × ".join(["output", "benchmark", *(c.code for c in coefficients)])
    return AllocationPart(
        product, output, output_unit, benchmark, benchmark_unit, ref, coefficients, value, names
    )


def allocate_unit(unit: GeneratingUnit, table: PowerBenchmarks, at: str = "unit") -> AllocationLine:
    """One unit's allowance: its electricity part and, if it supplies heat, its heat part."""
    _check_unit(unit, table, at)
    coefficients = _coefficients(unit, table, at)
    bench = table.benchmarks[(unit.category, "electricity")]
    parts = [
        _part(
            "electricity",
            float(unit.electricity_mwh),
            "MWh",
            bench.value,
            bench.unit,
            f"{BENCHMARK_TABLE}:{bench.code}",
            coefficients,
        )
    ]
    if unit.heat_gj > 0:
        heat = table.benchmarks.get((unit.category, "heat"))
        if heat is None:
            raise bad_table(
                f"类别 {unit.category} 缺少供热基准值",
                f"category {unit.category} lacks a heat benchmark",
            )
        parts.append(
            _part(
                "heat",
                float(unit.heat_gj),
                "GJ",
                heat.value,
                heat.unit,
                f"{BENCHMARK_TABLE}:{heat.code}",
                (),
            )
        )
    return AllocationLine(unit.unit_id, unit.category, tuple(parts))


def benchmark_allocation(
    units: Sequence[GeneratingUnit], table: PowerBenchmarks, year: int
) -> Allocation:
    """Σ over units of :func:`allocate_unit`; unit ids must be unique."""
    seen: set[str] = set()
    lines = []
    for i, unit in enumerate(units):
        if unit.unit_id in seen:
            raise _fail(
                f"机组编号 {unit.unit_id} 重复",
                f"unit id {unit.unit_id} is repeated",
                f"units[{i}].unit_id",
            )
        seen.add(unit.unit_id)
        lines.append(allocate_unit(unit, table, f"units[{i}]"))
    return Allocation("benchmark", year, tuple(lines), (f"{BENCHMARK_TABLE} ({table.source})",))


# ── historical-intensity method ──────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class BaseYear:
    year: int
    emissions_t: float
    output: float


def historical_intensity(history: Sequence[BaseYear]) -> float:
    """Σ emissions / Σ output over the base years (t CO2 per unit of output)."""
    if not history:
        raise _fail("至少需要一个基准年", "at least one base year is needed", "history")
    years = [b.year for b in history]
    if len(set(years)) != len(years):
        raise _fail("基准年重复", "a base year is repeated", "history.year")
    emissions = sum(
        _amount(b.emissions_t, f"history[{i}].emissions_t") for i, b in enumerate(history)
    )
    output = sum(_amount(b.output, f"history[{i}].output") for i, b in enumerate(history))
    if output == 0:
        raise _fail("基准年产量合计为零", "the base years' output sums to zero", "history.output")
    return emissions / output


@dataclass(frozen=True, slots=True)
class IntensityLine:
    line_id: str
    product: str
    output: float
    output_unit: str
    historical_intensity: float  # t CO2 per output_unit
    decline_factor: float  # 0 < f ≤ 1
    source: str  # where the intensity and the factor come from (plan, base years)


def intensity_allocation(lines: Sequence[IntensityLine], year: int) -> Allocation:
    """Per line: output × historical intensity × decline factor."""
    seen: set[str] = set()
    out = []
    for i, line in enumerate(lines):
        at = f"lines[{i}]"
        if not line.line_id.strip() or line.line_id in seen:
            raise _fail("产品线编号为空或重复", "the line id is empty or repeated", f"{at}.line_id")
        seen.add(line.line_id)
        if not line.output_unit.strip():
            raise _fail(
                "产量单位不能为空", "the output unit must not be empty", f"{at}.output_unit"
            )
        if not line.source.strip():
            raise _fail(
                "请注明历史强度与下降系数的来源",
                "name the source of the intensity and factor",
                f"{at}.source",
            )
        output = _amount(line.output, f"{at}.output")
        intensity = _amount(line.historical_intensity, f"{at}.historical_intensity", positive=True)
        factor = _amount(line.decline_factor, f"{at}.decline_factor", positive=True)
        if factor > 1:
            raise _fail(
                "下降系数应在 0 与 1 之间",
                "the decline factor must lie in (0, 1]",
                f"{at}.decline_factor",
            )
        coefficient = AppliedCoefficient("decline_factor", "decline_factor", None, factor)
        part = _part(
            line.product,
            output,
            line.output_unit,
            intensity,
            f"t CO2/{line.output_unit}",
            line.source,
            (coefficient,),
        )
        out.append(AllocationLine(line.line_id, line.product, (part,)))
    sources = tuple(dict.fromkeys(line.source for line in lines))
    return Allocation("historical_intensity", year, tuple(out), sources)


# ── pre-allocation and true-up ───────────────────────────────────────────────────────────


@dataclass(frozen=True)
class PreAllocation:
    """The share of an allocation on the base year's output issued for a compliance year."""

    compliance_year: int
    base: Allocation
    share: float
    rule: str  # the rule's reference (table:code (document))

    def line_t(self, line_id: str) -> float:
        return (
            sum(line.allowance_t for line in self.base.lines if line.line_id == line_id)
            * self.share
        )

    @property
    def total_t(self) -> float:
        return self.base.total_t * self.share


def pre_allocate(base: Allocation, rules: EtsRules, compliance_year: int) -> PreAllocation:
    """The rule's share of ``base`` (an allocation on the base year's output)."""
    if base.year >= compliance_year:
        raise _fail(
            f"基准年 {base.year} 应早于履约年度 {compliance_year}",
            f"the base year {base.year} must precede the compliance year {compliance_year}",
            "compliance_year",
        )
    share = rules.pre_allocation_share
    return PreAllocation(compliance_year, base, share.value, share.reference)


@dataclass(frozen=True, slots=True)
class TrueUpLine:
    line_id: str
    pre_t: float
    final_t: float

    @property
    def adjustment_t(self) -> float:
        return self.final_t - self.pre_t


@dataclass(frozen=True)
class TrueUp:
    """Final allocation on actual output against the pre-allocation: issue the difference,
    or take it back when negative."""

    pre: PreAllocation
    final: Allocation
    lines: tuple[TrueUpLine, ...]

    @property
    def adjustment_t(self) -> float:
        return self.final.total_t - self.pre.total_t


def true_up(pre: PreAllocation, final: Allocation) -> TrueUp:
    """Per line (a unit closed since the base year gets 0: its pre-allocation is taken back)."""
    if final.year != pre.compliance_year:
        raise _fail(
            f"最终核定应基于履约年度 {pre.compliance_year} 的实际产出，而非 {final.year} 年",
            f"the final allocation must be on the output of {pre.compliance_year}, "
            f"not {final.year}",
            "year",
        )
    if final.method != pre.base.method:
        raise _fail(
            "预分配与最终核定的分配方法不同",
            "the pre-allocation and the final allocation use different methods",
            "method",
        )
    ids = list(
        dict.fromkeys(
            [line.line_id for line in pre.base.lines] + [line.line_id for line in final.lines]
        )
    )
    finals = {line.line_id: line.allowance_t for line in final.lines}
    return TrueUp(pre, final, tuple(TrueUpLine(i, pre.line_t(i), finals.get(i, 0.0)) for i in ids))
