"""Project carbon assessment (项目碳评估), part one: the intake, the emissions and energy of a
proposed project through the engine, the benchmark comparison and the 两高
flag. Grading (zone rules, district budget, findings, grade) is in
:mod:`citycarbon.assessment.project_grading`, the workflow in
:mod:`citycarbon.assessment.project_workflow`. Pure domain: no I/O; the reference rows
(benchmarks, 两高 industries, zone rules) come in as code-list rows read by the caller.

Emissions go through the engine's per-record path
(:func:`citycarbon.accounting.records.compute_record`), as an enterprise report line does:

* each fuel as stationary combustion in manufacturing (IPCC 1.A.2): CO2, CH4, N2O with the
  factor set's NCV, carbon content and oxidation rate, standard coal by GB/T 2589;
* purchased electricity (IND.1) with the factor set's grid series for the project's first
  operating year (the nearest published year where that year has none: the factor id in
  the trace names the year used) and standard coal at the factor set's basis (the
  calorific equivalent 0.1229 kgce/kWh in the packaged sets);
* purchased heat (IND.2) with the factor set's heat factor, 0.03412 kgce/MJ;
* process emissions as given by the applicant, in t CO2e (no energy).

The project total is the gross figure (direct + purchased electricity and heat), the basis
of the district's carbon-intensity target (gross emissions including net imported
electricity): a new plant's electricity adds to the district's imports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from citycarbon.accounting import energy  # noqa: F401 - registers the energy methods
from citycarbon.accounting.records import ActivityRecord, compute_record
from citycarbon.errors import CitycarbonError, Message
from citycarbon.gases import GwpTable
from citycarbon.refdata.model import FactorSet
from citycarbon.trace import TracedValue

COMBUSTION_CATEGORY = "1.A.2"  # stationary combustion in manufacturing and construction
ELECTRICITY_CATEGORY = "IND.1"
HEAT_CATEGORY = "IND.2"
FALLBACK_BENCHMARK = "general_manufacturing"
PER_10K_CNY = "万元"
# Units a fuel may be given in: mass, gas volume or energy (the engine converts by NCV or
# directly). A closed list, so that a typo is named rather than parsed into something odd.
FUEL_UNITS = (
    "t", "kg", "10^4 t", "Nm3", "10^4 Nm3", "10^8 Nm3", "m3", "10^4 m3", "MJ", "GJ", "TJ",
)  # fmt: skip
# The longest texts the intake takes (what the system of record keeps).
TEXT_LIMITS = {
    "name_zh": 200, "name_en": 300, "applicant": 200, "region_code": 12, "industry": 5,
    "product": 60, "capacity_unit": 30, "output_unit": 30,
}  # fmt: skip
# A ceiling far above any plant (the world burns about 10^10 t of coal a year): larger
# numbers are typing errors, and would overflow the arithmetic.
MAX_AMOUNT = 1e12


class ProjectInputError(CitycarbonError):
    """A proposed project's intake is incomplete or impossible (names the field)."""


def _fail(zh: str, en: str, field: str) -> ProjectInputError:
    return ProjectInputError(Message(zh=zh, en=en), field=field)


# ── the intake ───────────────────────────────────────────────────────────────────────────


def _number(value: object, field: str, label: Message) -> float:
    """A finite, non-negative number below :data:`MAX_AMOUNT`, else an error naming
    ``field``."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _fail(
            f"{label.zh}应为数字（{field}）", f"{label.en} must be a number ({field})", field
        ) from None
    if not math.isfinite(number):
        raise _fail(
            f"{label.zh}应为有限数值（{field}）", f"{label.en} must be finite ({field})", field
        )
    if number > MAX_AMOUNT:
        raise _fail(
            f"{label.zh}过大（{field}，上限 10^12）",
            f"{label.en} is too large ({field}, at most 10^12)",
            field,
        )
    if number < 0:
        raise _fail(
            f"{label.zh}应不小于零（{field}）", f"{label.en} must be zero or more ({field})", field
        )
    return number


@dataclass(frozen=True, slots=True)
class FuelUse:
    """One fuel the project burns a year: a fuel code of the factor set, quantity, unit."""

    fuel: str
    quantity: float
    unit: str

    def as_dict(self) -> dict[str, Any]:
        return {"fuel": self.fuel, "quantity": self.quantity, "unit": self.unit}


@dataclass(frozen=True, slots=True)
class ProjectIntake:
    """A proposed project as submitted. Construction validates it: a bad value raises
    :class:`ProjectInputError` naming the field, in Chinese and English."""

    name_zh: str
    region_code: str  # the township (GB/T 2260 / 统计用区划代码)
    industry: str  # GB/T 4754-2017 code, 2–4 digits
    annual_output: float
    output_unit: str
    output_value_10k_cny: float  # 万元 a year
    start_year: int
    energy: tuple[FuelUse, ...] = ()
    electricity_mwh: float = 0.0
    heat_gj: float = 0.0
    process_emissions_t: float = 0.0  # t CO2e a year, as given
    product: str = ""  # a benchmark product code; empty → the per-万元 fallback
    capacity: float | None = None
    capacity_unit: str = ""
    name_en: str = ""
    applicant: str = ""

    def __post_init__(self) -> None:
        for name, limit in TEXT_LIMITS.items():
            if len(getattr(self, name)) > limit:
                raise _fail(
                    f"{name} 过长（最多 {limit} 个字符）",
                    f"{name} is too long (at most {limit} characters)",
                    name,
                )
        if not self.name_zh.strip():
            raise _fail("项目名称不能为空", "the project needs a name", "name_zh")
        if not self.region_code.strip():
            raise _fail(
                "请选择项目所在乡镇（街道）", "choose the project's township", "region_code"
            )
        if not (self.industry.isdigit() and 2 <= len(self.industry) <= 4):
            raise _fail(
                "行业代码应为 GB/T 4754-2017 的 2–4 位数字代码",
                "the industry must be a 2–4 digit GB/T 4754-2017 code",
                "industry",
            )
        output = _number(self.annual_output, "annual_output", Message("年产量", "annual output"))
        value = _number(
            self.output_value_10k_cny,
            "output_value_10k_cny",
            Message("年产值（万元）", "annual output value (10k CNY)"),
        )
        if output > 0 and value == 0:
            raise _fail(
                "有产量的项目产值不能为零（强度按万元产值计算）",
                "a project with output needs an output value above zero "
                "(intensity is per 10k CNY of output value)",
                "output_value_10k_cny",
            )
        if output > 0 and not self.output_unit.strip():
            raise _fail("请填写产量单位", "give the unit of the annual output", "output_unit")
        if not 1900 <= self.start_year <= 2200:
            raise _fail(
                "投产年份应在 1900–2200 之间", "the start year must be 1900–2200", "start_year"
            )
        _number(self.electricity_mwh, "electricity_mwh", Message("外购电力", "electricity"))
        _number(self.heat_gj, "heat_gj", Message("外购热力", "purchased heat"))
        _number(
            self.process_emissions_t,
            "process_emissions_t",
            Message("工业过程排放", "process emissions"),
        )
        if self.capacity is not None:
            _number(self.capacity, "capacity", Message("产能", "capacity"))
        for n, use in enumerate(self.energy):
            where = f"energy[{n}]"
            if not use.fuel.strip():
                raise _fail("请选择燃料品种", "choose the fuel", f"{where}.fuel")
            _number(use.quantity, f"{where}.quantity", Message("燃料用量", "fuel quantity"))
            if use.unit not in FUEL_UNITS:
                raise _fail(
                    f"燃料单位应为 {', '.join(FUEL_UNITS)} 之一",
                    f"the fuel's unit must be one of {', '.join(FUEL_UNITS)}",
                    f"{where}.unit",
                )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name_zh": self.name_zh, "name_en": self.name_en, "applicant": self.applicant,
            "region_code": self.region_code, "industry": self.industry, "product": self.product,
            "capacity": self.capacity, "capacity_unit": self.capacity_unit,
            "annual_output": self.annual_output, "output_unit": self.output_unit,
            "output_value_10k_cny": self.output_value_10k_cny, "start_year": self.start_year,
            "energy": [u.as_dict() for u in self.energy], "electricity_mwh": self.electricity_mwh,
            "heat_gj": self.heat_gj, "process_emissions_t": self.process_emissions_t,
        }  # fmt: skip


def known_fuels(factors: FactorSet) -> list[str]:
    """Fuel codes the factor set can burn: those with a carbon content."""
    return factors.subjects("carbon_content")


# ── emissions and energy through the engine ──────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One source of the project: its category, activity, emissions, energy and trace."""

    source: str  # fuel | electricity | heat | process
    category: str
    activity: str
    quantity: float
    unit: str
    scope: str  # direct | indirect
    gases_t: Mapping[str, float]
    co2e_t: float
    energy_tce: float
    method: str = ""
    equation: str = ""
    factors: tuple[TracedValue, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "category": self.category, "activity": self.activity,
            "quantity": self.quantity, "unit": self.unit, "scope": self.scope,
            "gases_t": dict(self.gases_t), "co2e_t": self.co2e_t, "energy_tce": self.energy_tce,
            "method": self.method, "equation": self.equation,
            "factors": [
                {"name": f.name, "value": f.value, "unit": f.unit, "origin": f.origin,
                 "factor_id": f.factor_id, "factor_set": f.factor_set}
                for f in self.factors
            ],
        }  # fmt: skip


@dataclass(frozen=True)
class ProjectEmissions:
    """The project's annual emissions (t CO2e) and energy (tce) by source."""

    lines: tuple[SourceLine, ...]
    factor_set: str
    gwp_set: str
    year: int

    @property
    def direct_t(self) -> float:
        return sum(x.co2e_t for x in self.lines if x.scope == "direct")

    @property
    def indirect_t(self) -> float:
        return sum(x.co2e_t for x in self.lines if x.scope == "indirect")

    @property
    def total_t(self) -> float:
        return self.direct_t + self.indirect_t

    @property
    def energy_tce(self) -> float:
        return sum(x.energy_tce for x in self.lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "factor_set": self.factor_set, "gwp_set": self.gwp_set, "year": self.year,
            "direct_t": self.direct_t, "indirect_t": self.indirect_t, "total_t": self.total_t,
            "energy_tce": self.energy_tce, "co2e_unit": "t CO2e", "energy_unit": "tce",
            "lines": [x.as_dict() for x in self.lines],
        }  # fmt: skip


def _engine_line(
    source: str,
    category: str,
    activity: str,
    quantity: float,
    unit: str,
    year: int,
    factors: FactorSet,
    gwp: GwpTable,
    field: str,
) -> SourceLine:
    record = ActivityRecord(
        year=year, region="", category=category, activity=activity, quantity=quantity, unit=unit
    )
    try:
        result = compute_record(record, factors, year_fallback=True)
    except CitycarbonError as exc:
        raise ProjectInputError(
            Message(
                zh=f"无法核算 {activity}（{quantity} {unit}）：{exc.message.zh}",
                en=f"cannot compute {activity} ({quantity} {unit}): {exc.message.en}",
            ),
            field=field,
        ) from exc
    co2e = sum(t * gwp.gwp(g) for g, t in result.gases_t.items())
    return SourceLine(
        source=source,
        category=category,
        activity=activity,
        quantity=quantity,
        unit=unit,
        scope="indirect" if category.startswith("IND") else "direct",
        gases_t=dict(result.gases_t),
        co2e_t=co2e,
        energy_tce=result.energy_tce or 0.0,
        method=result.trace.method,
        equation=result.trace.equation,
        factors=tuple(v for v in result.trace.inputs if v.origin != "activity"),
    )


def project_emissions(intake: ProjectIntake, factors: FactorSet, gwp: GwpTable) -> ProjectEmissions:
    """Annual emissions and energy of the project with the factor set and GWP set given."""
    fuels = set(known_fuels(factors))
    lines: list[SourceLine] = []
    for n, use in enumerate(intake.energy):
        if use.fuel not in fuels:
            raise _fail(
                f"未知的燃料品种 {use.fuel!r}（因子集 {factors.ref} 中没有其排放因子）",
                f"unknown fuel {use.fuel!r} (factor set {factors.ref} has no factor for it)",
                f"energy[{n}].fuel",
            )
        lines.append(
            _engine_line(
                "fuel",
                COMBUSTION_CATEGORY,
                use.fuel,
                use.quantity,
                use.unit,
                intake.start_year,
                factors,
                gwp,
                f"energy[{n}].unit",
            )
        )
    if intake.electricity_mwh > 0:
        lines.append(
            _engine_line(
                "electricity",
                ELECTRICITY_CATEGORY,
                "electricity",
                intake.electricity_mwh,
                "MWh",
                intake.start_year,
                factors,
                gwp,
                "electricity_mwh",
            )
        )
    if intake.heat_gj > 0:
        lines.append(
            _engine_line(
                "heat",
                HEAT_CATEGORY,
                "purchased_heat",
                intake.heat_gj,
                "GJ",
                intake.start_year,
                factors,
                gwp,
                "heat_gj",
            )
        )
    if intake.process_emissions_t > 0:
        lines.append(
            SourceLine(
                source="process",
                category="2",
                activity="process_emissions_as_given",
                quantity=intake.process_emissions_t,
                unit="t CO2e",
                scope="direct",
                gases_t={},
                co2e_t=intake.process_emissions_t,
                energy_tce=0.0,
                method="as_given",
                equation="as given by the applicant (t CO2e)",
            )
        )
    return ProjectEmissions(tuple(lines), factors.ref, gwp.gwp_set, intake.start_year)


# ── benchmarks ───────────────────────────────────────────────────────────────────────────


class Level(StrEnum):
    ADVANCED = "advanced"  # at or better than the advanced level (标杆 / 1级)
    BETWEEN = "between"  # between advanced and access
    WORSE_THAN_ACCESS = "worse_than_access"
    WORSE_THAN_LIMIT = "worse_than_limit"

    @property
    def label(self) -> Message:
        return LEVEL_LABELS[self]


LEVEL_LABELS = {
    Level.ADVANCED: Message("达到先进值", "advanced level or better"),
    Level.BETWEEN: Message("介于先进值与准入值之间", "between advanced and access"),
    Level.WORSE_THAN_ACCESS: Message("劣于准入值", "worse than access"),
    Level.WORSE_THAN_LIMIT: Message("劣于限定值", "worse than the limit value"),
}


def _float_or_none(text: str) -> float | None:
    return float(text) if text.strip() else None


@dataclass(frozen=True, slots=True)
class Benchmark:
    """One row of ``citycarbon_project_benchmarks``."""

    code: str
    industry: str
    name: Message
    product_unit: str
    unit_label: Message
    energy_unit: str  # kgce | tce per product unit
    energy_advanced: float
    energy_access: float
    energy_limit: float
    carbon_unit: str
    carbon_advanced: float | None
    carbon_limit: float | None
    illustrative: str
    source: str
    note: str = ""

    @classmethod
    def from_row(cls, row: Mapping[str, str]) -> Benchmark:
        return cls(
            code=row["code"], industry=row["industry"],
            name=Message(row["name_zh"], row["name_en"]), product_unit=row["product_unit"],
            unit_label=Message(row["unit_zh"], row["unit_en"]), energy_unit=row["energy_unit"],
            energy_advanced=float(row["energy_advanced"]),
            energy_access=float(row["energy_access"]), energy_limit=float(row["energy_limit"]),
            carbon_unit=row["carbon_unit"],
            carbon_advanced=_float_or_none(row["carbon_advanced"]),
            carbon_limit=_float_or_none(row["carbon_limit"]),
            illustrative=row["illustrative"], source=row["source"], note=row.get("note", ""),
        )  # fmt: skip

    def level(self, energy_per_unit: float) -> Level:
        if energy_per_unit <= self.energy_advanced:
            return Level.ADVANCED
        if energy_per_unit <= self.energy_access:
            return Level.BETWEEN
        if energy_per_unit <= self.energy_limit:
            return Level.WORSE_THAN_ACCESS
        return Level.WORSE_THAN_LIMIT


def benchmarks_from_rows(rows: Sequence[Mapping[str, str]]) -> dict[str, Benchmark]:
    return {row["code"]: Benchmark.from_row(row) for row in rows}


@dataclass(frozen=True)
class Intensity:
    """Energy and carbon per 万元 of output value and per unit of product, and where the
    project stands against its benchmark (the product's, or the per-万元 fallback)."""

    co2e_per_10k_cny: float | None
    tce_per_10k_cny: float | None
    benchmark: Benchmark | None
    energy_per_unit: float | None  # in the benchmark's energy unit per product unit
    carbon_per_unit: float | None  # t CO2e per product unit
    level: Level | None
    carbon_above_limit: bool

    def as_dict(self) -> dict[str, Any]:
        b = self.benchmark
        return {
            "co2e_per_10k_cny": self.co2e_per_10k_cny, "co2e_per_10k_cny_unit": "t CO2e/万元",
            "tce_per_10k_cny": self.tce_per_10k_cny, "tce_per_10k_cny_unit": "tce/万元",
            "benchmark": None if b is None else {
                "code": b.code, "name_zh": b.name.zh, "name_en": b.name.en,
                "product_unit": b.product_unit, "unit_zh": b.unit_label.zh,
                "unit_en": b.unit_label.en, "energy_unit": f"{b.energy_unit}/{b.product_unit}",
                "advanced": b.energy_advanced, "access": b.energy_access, "limit": b.energy_limit,
                "carbon_unit": f"{b.carbon_unit}/{b.product_unit}",
                "carbon_advanced": b.carbon_advanced, "carbon_limit": b.carbon_limit,
                "illustrative": b.illustrative, "source": b.source, "note": b.note,
                "table": "citycarbon_project_benchmarks",
            },
            "energy_per_unit": self.energy_per_unit, "carbon_per_unit": self.carbon_per_unit,
            "level": None if self.level is None else self.level.value,
            "level_zh": None if self.level is None else self.level.label.zh,
            "level_en": None if self.level is None else self.level.label.en,
            "carbon_above_limit": self.carbon_above_limit,
        }  # fmt: skip


def _per(amount: float, base: float) -> float | None:
    """``amount / base``; ``None`` without a base or when the ratio overflows (a vanishing
    base), so that nothing infinite is stored or shown."""
    if base <= 0:
        return None
    ratio = amount / base
    return ratio if math.isfinite(ratio) else None


def intensity(
    intake: ProjectIntake, emissions: ProjectEmissions, benchmarks: Mapping[str, Benchmark]
) -> Intensity:
    """Intensities and the benchmark level. A product benchmark needs the output in the
    benchmark's unit; without a product the per-万元 fallback judges the project."""
    co2e, tce = emissions.total_t, emissions.energy_tce
    per_value_co2e = _per(co2e, intake.output_value_10k_cny)
    per_value_tce = _per(tce, intake.output_value_10k_cny)
    if intake.product:
        benchmark = benchmarks.get(intake.product)
        if benchmark is None:
            raise _fail(
                f"对标产品 {intake.product!r} 不在对标表中",
                f"benchmark product {intake.product!r} is not in the benchmark table",
                "product",
            )
        if intake.output_unit != benchmark.product_unit:
            raise _fail(
                f"{benchmark.name.zh}的产量单位应为 {benchmark.product_unit}"
                f"（{benchmark.unit_label.zh}），而不是 {intake.output_unit!r}",
                f"the output of {benchmark.name.en} must be in {benchmark.product_unit} "
                f"({benchmark.unit_label.en}), not {intake.output_unit!r}",
                "output_unit",
            )
        base = intake.annual_output
    else:
        benchmark = benchmarks.get(FALLBACK_BENCHMARK)
        base = intake.output_value_10k_cny
    if benchmark is None or base <= 0:
        return Intensity(per_value_co2e, per_value_tce, benchmark, None, None, None, False)
    scale = 1000.0 if benchmark.energy_unit == "kgce" else 1.0
    energy_per_unit = _per(tce * scale, base)
    carbon_per_unit = _per(co2e, base)
    if energy_per_unit is None or carbon_per_unit is None:
        return Intensity(per_value_co2e, per_value_tce, benchmark, None, None, None, False)
    above = benchmark.carbon_limit is not None and carbon_per_unit > benchmark.carbon_limit
    return Intensity(
        per_value_co2e, per_value_tce, benchmark, energy_per_unit, carbon_per_unit,
        benchmark.level(energy_per_unit), above,
    )  # fmt: skip


# ── 两高 ────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class TwoHigh:
    """Whether the project's industry is in the 两高 list, and which row says so."""

    flagged: bool
    code: str = ""
    sector: str = ""
    sector_label: Message = field(default_factory=lambda: Message("", ""))

    def as_dict(self) -> dict[str, Any]:
        return {
            "flagged": self.flagged, "matched_code": self.code, "sector": self.sector,
            "sector_zh": self.sector_label.zh, "sector_en": self.sector_label.en,
            "table": "cn_two_high_industries",
        }  # fmt: skip


def two_high(industry: str, rows: Sequence[Mapping[str, str]]) -> TwoHigh:
    """The longest listed code that the industry code starts with."""
    hits = [r for r in rows if industry.startswith(r["code"])]
    if not hits:
        return TwoHigh(False)
    row = max(hits, key=lambda r: len(r["code"]))
    return TwoHigh(True, row["code"], row["sector"], Message(row["sector_zh"], row["sector_en"]))
