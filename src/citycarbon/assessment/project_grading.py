"""Project carbon assessment, part two: the district's carbon and energy budget, the
main-function-zone admission rules, the findings and the grade (A–E). Pure domain.

District budget (pure arithmetic over numbers the service reads from the store):

* the district's latest stored inventory year ``y0`` gives its gross emissions ``E0``
  (t CO2e, including net imported electricity — the basis of the carbon-intensity
  target) and energy ``T0`` (tce); its GDP ``G0`` (万元) is the same year's;
* GDP is projected to the target year ``Y`` at the district's recent average growth
  rate ``g`` (compound, over the last :data:`GROWTH_YEARS` years of its GDP series):
  ``G_Y = G0 · (1 + g)^(Y − y0)``;
* the allowed emissions in the target year are ``A = I_target · G_Y`` and the remaining
  budget is ``R = A − E0`` (the district's emissions are held at their latest level, an
  assumption stated in the result); the project's share is ``P / R``;
* the district's intensity in the target year without the project is ``E0 / G_Y`` and
  with it ``(E0 + P) / G_Y``: the project's output value is not counted as GDP (its value
  added is not known), so the check errs on the side of caution.

Energy works the same way with the energy-intensity target (tce per 万元).

Grading: every finding carries a code, the grade it allows at best, its severity, a text in
both languages and the numbers behind it; the project's grade is the worst over all
findings (A when nothing speaks against it). The thresholds and the grade of each kind of
finding are the rows of ``citycarbon_zone_admission_rules`` (data, not code).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from citycarbon.assessment.project import (
    Benchmark,
    Intensity,
    Level,
    ProjectEmissions,
    ProjectIntake,
    TwoHigh,
    intensity,
    project_emissions,
    two_high,
)
from citycarbon.errors import Message
from citycarbon.gases import GwpTable
from citycarbon.refdata.model import FactorSet

GRADES = ("A", "B", "C", "D", "E")
SEVERITY = {"A": "info", "B": "minor", "C": "moderate", "D": "major", "E": "veto"}
GRADE_LABELS = {
    "A": Message("优：能效先进，对区县目标无明显影响", "excellent: best-in-class, no strain"),
    "B": Message("良：可准入", "good: admissible"),
    "C": Message("中：可准入，须采取措施", "fair: admissible with measures"),
    "D": Message("差：原则上不予准入，须有条件论证", "poor: not admissible without conditions"),
    "E": Message("不予准入", "not admissible"),
}
GROWTH_YEARS = 5


# ── reference rows ───────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of ``citycarbon_zone_admission_rules``."""

    code: str
    zone: str  # a cn_main_function_zones code, or * for every zone
    kind: str
    qualifier: str
    threshold: float | None
    unit: str
    grade: str
    text: Message

    @classmethod
    def from_row(cls, row: Mapping[str, str]) -> Rule:
        threshold = row["threshold"].strip()
        return cls(
            row["code"], row["zone"], row["kind"], row["qualifier"],
            float(threshold) if threshold else None, row["unit"], row["grade"],
            Message(row["name_zh"], row["name_en"]),
        )  # fmt: skip


def rules_from_rows(rows: Sequence[Mapping[str, str]]) -> tuple[Rule, ...]:
    return tuple(Rule.from_row(r) for r in rows)


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason behind the grade."""

    code: str  # the rule's code
    grade: str  # the best grade this finding allows
    text: Message
    numbers: Mapping[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return SEVERITY[self.grade]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "grade": self.grade, "severity": self.severity,
            "zh": self.text.zh, "en": self.text.en, "numbers": dict(self.numbers),
        }  # fmt: skip


def _finding(rule: Rule, **numbers: Any) -> Finding:
    return Finding(rule.code, rule.grade, rule.text, {"rule": rule.code, **numbers})


def _of_kind(rules: Sequence[Rule], kind: str, zone: str = "*") -> list[Rule]:
    return [r for r in rules if r.kind == kind and r.zone == zone]


# ── district budget ──────────────────────────────────────────────────────────────────────


def average_growth(series: Mapping[int, float], years: int = GROWTH_YEARS) -> float | None:
    """Compound average yearly growth over the last ``years`` years of a series (fewer if
    the series is shorter); ``None`` with fewer than two positive values."""
    known = sorted((y, v) for y, v in series.items() if v > 0)
    if len(known) < 2:
        return None
    last_year, last = known[-1]
    first_year, first = next((y, v) for y, v in known if y >= last_year - years)
    if first_year == last_year:
        return None
    return float((last / first) ** (1.0 / (last_year - first_year)) - 1.0)


@dataclass(frozen=True, slots=True)
class IntensityTarget:
    """A district's intensity target: indicator, plan, target year and value."""

    indicator: str  # carbon_intensity (t CO2e/万元) | energy_intensity (tce/万元)
    plan: str
    target_year: int
    target_value: float
    baseline_year: int | None = None
    baseline_value: float | None = None


@dataclass(frozen=True, slots=True)
class DistrictContext:
    """What the budget needs to know about the district: its latest inventory, its GDP
    series and its targets (any of them may be missing)."""

    code: str
    name: Message
    inventory_year: int | None = None
    emissions_t: float | None = None  # gross CO2e of the inventory year
    energy_tce: float | None = None
    gdp_10k_cny: Mapping[int, float] = field(default_factory=dict)
    carbon_target: IntensityTarget | None = None
    energy_target: IntensityTarget | None = None
    inventory_run: int | None = None


@dataclass(frozen=True)
class Budget:
    """One budget (carbon or energy) of the district and the project's effect on it."""

    measure: str  # carbon | energy
    unit: str  # t CO2e | tce
    intensity_unit: str
    base_year: int
    target_year: int
    current: float
    gdp_base: float
    growth: float
    gdp_target_year: float
    target_intensity: float
    allowed: float
    remaining: float
    project: float
    share: float | None  # None when nothing remains
    intensity_current: float
    intensity_without: float
    intensity_with: float
    plan: str

    @property
    def on_target_without(self) -> bool:
        return self.intensity_without <= self.target_intensity

    @property
    def on_target_with(self) -> bool:
        return self.intensity_with <= self.target_intensity

    def as_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure, "unit": self.unit, "intensity_unit": self.intensity_unit,
            "plan": self.plan, "base_year": self.base_year, "target_year": self.target_year,
            "current": self.current, "gdp_base": self.gdp_base, "gdp_growth": self.growth,
            "gdp_target_year": self.gdp_target_year, "target_intensity": self.target_intensity,
            "allowed": self.allowed, "remaining": self.remaining, "project": self.project,
            "share": self.share, "intensity_current": self.intensity_current,
            "intensity_without": self.intensity_without, "intensity_with": self.intensity_with,
            "on_target_without": self.on_target_without, "on_target_with": self.on_target_with,
            "assumptions": {
                "zh": f"GDP 按区县近年（最多{GROWTH_YEARS}年）年均增速增长；区县排放（能耗）保持"
                "最新清单水平；项目产值不计入 GDP（增加值未知，从严）",
                "en": f"GDP grows at the district's recent average rate (up to {GROWTH_YEARS} "
                "years); the district's emissions (energy) stay at the latest inventory's "
                "level; the project's output value is not counted as GDP (value added "
                "unknown; cautious)",
            },
        }  # fmt: skip


def _share(project: float, remaining: float) -> float | None:
    """The project's share of what remains; ``None`` when nothing (or next to nothing)
    remains."""
    if remaining <= 0:
        return None
    share = project / remaining
    return share if math.isfinite(share) else None


def district_budget(
    measure: str,
    current: float,
    base_year: int,
    gdp_base: float,
    growth: float,
    target: IntensityTarget,
    project: float,
) -> Budget:
    """The budget arithmetic of the module docstring, for one measure."""
    years = max(0, target.target_year - base_year)
    gdp_target = gdp_base * (1.0 + growth) ** years
    allowed = target.target_value * gdp_target
    remaining = allowed - current
    unit = "t CO2e" if measure == "carbon" else "tce"
    return Budget(
        measure=measure, unit=unit, intensity_unit=f"{unit}/万元", base_year=base_year,
        target_year=target.target_year, current=current, gdp_base=gdp_base, growth=growth,
        gdp_target_year=gdp_target, target_intensity=target.target_value, allowed=allowed,
        remaining=remaining, project=project,
        share=_share(project, remaining),
        intensity_current=current / gdp_base, intensity_without=current / gdp_target,
        intensity_with=(current + project) / gdp_target, plan=target.plan,
    )  # fmt: skip


def _budget_or_reason(
    district: DistrictContext, measure: str, project: float
) -> tuple[Budget | None, Message | None]:
    target = district.carbon_target if measure == "carbon" else district.energy_target
    current = district.emissions_t if measure == "carbon" else district.energy_tce
    indicator = "carbon_intensity" if measure == "carbon" else "energy_intensity"
    if target is None:
        return None, Message(
            f"区县 {district.code} 无 {indicator} 目标记录", f"no {indicator} target on record "
            f"for district {district.code}",
        )  # fmt: skip
    year = district.inventory_year
    if current is None or year is None:
        return None, Message(
            f"区县 {district.code} 无已保存的清单", f"no stored inventory for {district.code}"
        )
    gdp = district.gdp_10k_cny.get(year)
    growth = average_growth(district.gdp_10k_cny)
    if gdp is None or gdp <= 0 or growth is None:
        return None, Message(
            f"区县 {district.code} 缺少 {year} 年及此前的 GDP 数据",
            f"district {district.code} lacks GDP for {year} and the years before",
        )
    return district_budget(measure, current, year, gdp, growth, target, project), None


# ── the assessment ───────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ProjectAssessment:
    """Everything the assessment found, ready to store and show."""

    intake: ProjectIntake
    zone: str | None
    emissions: ProjectEmissions
    intensity: Intensity
    two_high: TwoHigh
    district: DistrictContext
    budgets: tuple[Budget, ...]
    findings: tuple[Finding, ...]
    zone_rules: tuple[dict[str, Any], ...]  # each rule of the zone: passed or not

    @property
    def grade(self) -> str:
        return max((f.grade for f in self.findings), key=GRADES.index, default="A")

    def as_dict(self) -> dict[str, Any]:
        d = self.district
        return {
            "grade": self.grade, "grade_zh": GRADE_LABELS[self.grade].zh,
            "grade_en": GRADE_LABELS[self.grade].en,
            "intake": self.intake.as_dict(), "function_zone": self.zone,
            "emissions": self.emissions.as_dict(), "intensity": self.intensity.as_dict(),
            "two_high": self.two_high.as_dict(),
            "district": {
                "code": d.code, "name_zh": d.name.zh, "name_en": d.name.en,
                "inventory_year": d.inventory_year, "inventory_run": d.inventory_run,
                "emissions_t": d.emissions_t, "energy_tce": d.energy_tce,
                "gdp_10k_cny": {str(y): v for y, v in sorted(d.gdp_10k_cny.items())},
            },
            "budgets": [b.as_dict() for b in self.budgets],
            "zone_rules": list(self.zone_rules),
            "findings": [f.as_dict() for f in self.findings],
            "reference_tables": [
                "citycarbon_project_benchmarks", "cn_two_high_industries",
                "citycarbon_zone_admission_rules",
            ],
        }  # fmt: skip


def _zone_findings(
    rules: Sequence[Rule], zone: str | None, energy: float, flag: TwoHigh, level: Level | None
) -> tuple[list[Finding], list[dict[str, Any]]]:
    findings: list[Finding] = []
    checked: list[dict[str, Any]] = []
    for rule in (r for r in rules if zone is not None and r.zone == zone):
        broken = False
        numbers: dict[str, Any] = {}
        if rule.kind == "forbid_two_high":
            broken = flag.flagged
            numbers = {"two_high": flag.flagged, "sector": flag.sector}
        elif rule.kind == "two_high_requires_advanced":
            broken = flag.flagged and level is not Level.ADVANCED
            numbers = {"two_high": flag.flagged, "level": None if level is None else level.value}
        elif rule.kind == "max_energy_tce" and rule.threshold is not None:
            broken = energy > rule.threshold
            numbers = {"energy_tce": energy, "threshold_tce": rule.threshold}
        if broken:
            findings.append(_finding(rule, zone=zone, **numbers))
        checked.append(
            {"code": rule.code, "zone": rule.zone, "kind": rule.kind, "grade": rule.grade,
             "zh": rule.text.zh, "en": rule.text.en, "threshold": rule.threshold,
             "unit": rule.unit, "passed": not broken, "numbers": numbers}
        )  # fmt: skip
    return findings, checked


def _intensity_findings(rules: Sequence[Rule], found: Intensity, flag: TwoHigh) -> list[Finding]:
    out: list[Finding] = []
    if found.level is None:
        out += [_finding(r, output_value_10k_cny=0.0) for r in _of_kind(rules, "no_intensity")]
    else:
        b = found.benchmark
        numbers = {
            "benchmark": b.code if b else None, "energy_per_unit": found.energy_per_unit,
            "unit": f"{b.energy_unit}/{b.product_unit}" if b else None,
            "advanced": b.energy_advanced if b else None, "access": b.energy_access if b else None,
            "limit": b.energy_limit if b else None, "level": found.level.value,
            "illustrative": b.illustrative if b else None,
        }  # fmt: skip
        out += [
            _finding(r, **numbers)
            for r in _of_kind(rules, "intensity_level")
            if r.qualifier == found.level.value
        ]
        if flag.flagged and found.level is not Level.ADVANCED:
            out += [_finding(r, **numbers) for r in _of_kind(rules, "two_high_not_advanced")]
    if found.carbon_above_limit and found.benchmark is not None:
        out += [
            _finding(
                r, carbon_per_unit=found.carbon_per_unit, carbon_limit=found.benchmark.carbon_limit,
                unit=f"{found.benchmark.carbon_unit}/{found.benchmark.product_unit}",
            )
            for r in _of_kind(rules, "carbon_level") if r.qualifier == "worse_than_limit"
        ]  # fmt: skip
    return out


def _threshold_finding(
    rules: Sequence[Rule], kind: str, share: float, **numbers: Any
) -> list[Finding]:
    """The rule with the highest threshold the share exceeds (if any)."""
    over = [r for r in _of_kind(rules, kind) if r.threshold is not None and share > r.threshold]
    if not over:
        return []
    rule = max(over, key=lambda r: r.threshold or 0.0)
    return [_finding(rule, share=share, threshold=rule.threshold, **numbers)]


def _budget_findings(
    rules: Sequence[Rule], budgets: Sequence[Budget], missing: Sequence[Message]
) -> list[Finding]:
    out: list[Finding] = []
    out.extend(
        Finding(
            rule.code,
            rule.grade,
            Message(f"{rule.text.zh}（{reason.zh}）", f"{rule.text.en} ({reason.en})"),
            {"rule": rule.code},
        )
        for reason in missing
        for rule in _of_kind(rules, "no_target")
    )
    for b in budgets:
        numbers = {
            "measure": b.measure,
            "project": b.project,
            "remaining": b.remaining,
            "allowed": b.allowed,
            "unit": b.unit,
            "target_year": b.target_year,
        }
        if b.project <= 0:
            continue  # a project that adds nothing takes no budget and moves no intensity
        if b.share is None:
            out += [_finding(r, **numbers) for r in _of_kind(rules, "no_remaining_budget")]
        else:
            kind = "budget_share" if b.measure == "carbon" else "energy_budget_share"
            out += _threshold_finding(rules, kind, b.share, **numbers)
        effect = {
            "measure": b.measure,
            "target_intensity": b.target_intensity,
            "intensity_without": b.intensity_without,
            "intensity_with": b.intensity_with,
            "unit": b.intensity_unit,
            "target_year": b.target_year,
        }
        if b.on_target_without and not b.on_target_with:
            out += [_finding(r, **effect) for r in _of_kind(rules, "pushes_off_target")]
        elif not b.on_target_without:
            out += [_finding(r, **effect) for r in _of_kind(rules, "district_off_target")]
    return out


def assess_project(
    intake: ProjectIntake,
    zone: str | None,
    district: DistrictContext,
    factors: FactorSet,
    gwp: GwpTable,
    benchmark_rows: Sequence[Mapping[str, str]],
    two_high_rows: Sequence[Mapping[str, str]],
    rule_rows: Sequence[Mapping[str, str]],
) -> ProjectAssessment:
    """Emissions, intensities, 两高 flag, zone rules, district budgets, findings, grade."""
    from citycarbon.assessment.project import benchmarks_from_rows

    emissions = project_emissions(intake, factors, gwp)
    benchmarks: dict[str, Benchmark] = benchmarks_from_rows(benchmark_rows)
    found = intensity(intake, emissions, benchmarks)
    flag = two_high(intake.industry, two_high_rows)
    rules = rules_from_rows(rule_rows)
    zone_found, zone_checked = _zone_findings(rules, zone, emissions.energy_tce, flag, found.level)
    budgets: list[Budget] = []
    missing: list[Message] = []
    for measure, amount in (("carbon", emissions.total_t), ("energy", emissions.energy_tce)):
        budget, reason = _budget_or_reason(district, measure, amount)
        if budget is not None:
            budgets.append(budget)
        elif reason is not None:
            missing.append(reason)
    findings = (
        zone_found
        + _intensity_findings(rules, found, flag)
        + _budget_findings(rules, budgets, missing)
    )
    findings.sort(key=lambda f: -GRADES.index(f.grade))
    return ProjectAssessment(
        intake, zone, emissions, found, flag, district, tuple(budgets), tuple(findings),
        tuple(zone_checked),
    )  # fmt: skip
