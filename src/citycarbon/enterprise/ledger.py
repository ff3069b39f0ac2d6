"""An enterprise's carbon ledger (碳排放台账): emissions and energy by month and source.

Pure domain: report lines come in as plain records, figures go out computed with the
engine's per-record path (:func:`citycarbon.accounting.records.compute_record`), so the
ledger and the inventory always agree.

Which version of a report a figure comes from (the *version rule*):

* for each period (month 1–12, or 0 = the annual report) the newest version that is
  verified or locked (:data:`~citycarbon.enterprise.workflow.FROZEN`) is used;
* if no version of the period is verified yet, the current version is used and every
  figure from it is flagged ``verified=False``;
* a restatement that is not yet verified therefore never replaces verified figures.

The year's total is the annual report's where one is effective (it is the enterprise's own
statement of the whole year), otherwise the sum of the months (:func:`annual_basis`).
Scope: ``direct`` = the enterprise's own emissions (scope 1, including process emissions
and, as negative CO2, removals); ``indirect`` = purchased electricity and heat (IND.1,
IND.2, scope 2) — kept apart, never added to a city total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from citycarbon.accounting.inventory_result import scope_of
from citycarbon.accounting.records import ActivityRecord, compute_record, parse_overrides
from citycarbon.enterprise.workflow import FROZEN, ReportState
from citycarbon.errors import InputDataError, Issue, Message
from citycarbon.gases import GwpTable
from citycarbon.refdata.model import FactorSet

ANNUAL = 0
MAIN_GASES = ("CO2", "CH4", "N2O")


@dataclass(frozen=True, slots=True)
class ReportVersion:
    """One version of one period's report, as far as the version rule needs it."""

    report_id: int
    month: int  # 0 = annual report
    version: int
    state: str
    is_current: bool


@dataclass(frozen=True, slots=True)
class EffectiveReport:
    """The version of a period that the ledger uses, and whether it is verified."""

    report: ReportVersion
    verified: bool


def effective_reports(versions: Iterable[ReportVersion]) -> dict[int, EffectiveReport]:
    """Per period: the newest verified/locked version, else the current one (unverified)."""
    by_month: dict[int, list[ReportVersion]] = defaultdict(list)
    for v in versions:
        by_month[v.month].append(v)
    out: dict[int, EffectiveReport] = {}
    for month, found in sorted(by_month.items()):
        frozen = [v for v in found if ReportState(v.state) in FROZEN]
        if frozen:
            out[month] = EffectiveReport(max(frozen, key=lambda v: v.version), True)
            continue
        current = [v for v in found if v.is_current] or found
        out[month] = EffectiveReport(max(current, key=lambda v: v.version), False)
    return out


def annual_basis(effective: Mapping[int, EffectiveReport]) -> str:
    """``annual_report`` if the annual report (period 0) is effective, else ``monthly_sum``."""
    return "annual_report" if ANNUAL in effective else "monthly_sum"


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One report line with the report version it belongs to."""

    month: int
    category: str
    activity: str
    quantity: float
    unit: str
    report_id: int
    version: int
    state: str
    facility: str = ""
    qualifier: str = ""
    overrides: str = ""  # "name=value;…"
    verified: bool = True


@dataclass(frozen=True, slots=True)
class LedgerFigure:
    """The emissions and energy of one report line."""

    line: LedgerLine
    scope: str  # direct | indirect
    gases_t: Mapping[str, float]
    co2e_t: float
    co2_biogenic_t: float
    energy_tce: float

    def gas(self, name: str) -> float:
        return float(self.gases_t.get(name, 0.0))


@dataclass
class LedgerRow:
    """A roll-up (a month × source, a month, or the year): every figure with its units,
    factor set, GWP set and the report versions it came from."""

    month: int
    category: str
    activity: str
    scope: str
    co2_t: float = 0.0
    ch4_t: float = 0.0
    n2o_t: float = 0.0
    other_gases_t: dict[str, float] = field(default_factory=dict)
    co2e_t: float = 0.0
    direct_co2e_t: float = 0.0
    indirect_co2e_t: float = 0.0
    co2_biogenic_t: float = 0.0
    energy_tce: float = 0.0
    reports: set[tuple[int, int, str]] = field(default_factory=set)  # (id, version, state)
    verified: bool = True
    factor_set: str = ""
    gwp_set: str = ""

    def add(self, figure: LedgerFigure) -> None:
        self.co2_t += figure.gas("CO2")
        self.ch4_t += figure.gas("CH4")
        self.n2o_t += figure.gas("N2O")
        for gas, t in figure.gases_t.items():
            if gas not in MAIN_GASES:
                self.other_gases_t[gas] = self.other_gases_t.get(gas, 0.0) + t
        self.co2e_t += figure.co2e_t
        if figure.scope == "indirect":
            self.indirect_co2e_t += figure.co2e_t
        else:
            self.direct_co2e_t += figure.co2e_t
        self.co2_biogenic_t += figure.co2_biogenic_t
        self.energy_tce += figure.energy_tce
        line = figure.line
        self.reports.add((line.report_id, line.version, line.state))
        self.verified = self.verified and line.verified

    def as_dict(self) -> dict[str, object]:
        return {
            "month": self.month,
            "category": self.category,
            "activity": self.activity,
            "scope": self.scope,
            "co2_t": self.co2_t,
            "ch4_t": self.ch4_t,
            "n2o_t": self.n2o_t,
            "other_gases_t": dict(self.other_gases_t),
            "co2e_t": self.co2e_t,
            "direct_co2e_t": self.direct_co2e_t,
            "indirect_co2e_t": self.indirect_co2e_t,
            "co2_biogenic_t": self.co2_biogenic_t,
            "energy_tce": self.energy_tce,
            "co2e_unit": "t CO2e",
            "energy_unit": "tce",
            "reports": [
                {"report_id": r, "version": v, "state": s} for r, v, s in sorted(self.reports)
            ],
            "verified": self.verified,
            "factor_set": self.factor_set,
            "gwp_set": self.gwp_set,
        }


@dataclass(frozen=True)
class Ledger:
    """An enterprise's ledger for one year."""

    entity: str
    year: int
    factor_set: str
    gwp_set: str
    figures: tuple[LedgerFigure, ...]
    by_source: tuple[LedgerRow, ...]  # month × (category, activity)
    by_month: tuple[LedgerRow, ...]  # month (0 = annual report)
    year_total: LedgerRow
    basis: str  # annual_report | monthly_sum

    @property
    def verified(self) -> bool:
        return self.year_total.verified


def _scope(category: str) -> str:
    return "indirect" if scope_of(category) == "indirect_entity" else "direct"


LEDGER_LINE_INVALID = Message(
    zh="报告行的参数覆盖值格式应为 名称=数值;名称=数值",
    en="a report line's overrides must read name=number;name=number",
)


def compute_line(
    line: LedgerLine,
    year: int,
    factors: FactorSet,
    gwp: GwpTable,
    entity: str = "",
    *,
    year_fallback: bool = False,
) -> LedgerFigure:
    """Emissions and energy of one line (the engine's per-record path)."""
    try:
        overrides = parse_overrides(line.overrides)
    except ValueError:
        raise InputDataError(
            [Issue(LEDGER_LINE_INVALID, field="overrides", value=line.overrides)]
        ) from None
    record = ActivityRecord(
        year=year,
        region="",
        category=line.category,
        activity=line.activity,
        quantity=line.quantity,
        unit=line.unit,
        entity=entity,
        period=line.month,
        qualifier=line.qualifier,
        overrides=overrides,
    )
    result = compute_record(record, factors, year_fallback=year_fallback)
    co2e = sum(t * gwp.gwp(g) for g, t in result.gases_t.items())
    return LedgerFigure(
        line=line,
        scope=_scope(line.category),
        gases_t=dict(result.gases_t),
        co2e_t=co2e,
        co2_biogenic_t=result.co2_biogenic_t,
        energy_tce=result.energy_tce or 0.0,
    )


def compute_ledger(
    entity: str,
    year: int,
    lines: Sequence[LedgerLine],
    factors: FactorSet,
    gwp: GwpTable,
    *,
    year_fallback: bool = False,
) -> Ledger:
    """Compute every line, then roll up by month × source, by month and for the year.

    ``lines`` are the lines of the effective versions only (see :func:`effective_reports`);
    the year total follows :func:`annual_basis`."""
    figures = tuple(
        compute_line(line, year, factors, gwp, entity, year_fallback=year_fallback)
        for line in lines
    )

    def row(month: int, category: str, activity: str, scope: str) -> LedgerRow:
        return LedgerRow(
            month, category, activity, scope, factor_set=factors.ref, gwp_set=gwp.gwp_set
        )

    sources: dict[tuple[int, str, str], LedgerRow] = {}
    months: dict[int, LedgerRow] = {}
    for figure in figures:
        line = figure.line
        key = (line.month, line.category, line.activity)
        if key not in sources:
            sources[key] = row(line.month, line.category, line.activity, figure.scope)
        sources[key].add(figure)
        if line.month not in months:
            months[line.month] = row(line.month, "", "", "all")
        months[line.month].add(figure)
    basis = "annual_report" if ANNUAL in months else "monthly_sum"
    total = row(ANNUAL, "", "", "all")
    for figure in figures:
        if (figure.line.month == ANNUAL) == (basis == "annual_report"):
            total.add(figure)
    return Ledger(
        entity=entity,
        year=year,
        factor_set=factors.ref,
        gwp_set=gwp.gwp_set,
        figures=figures,
        by_source=tuple(sources[k] for k in sorted(sources)),
        by_month=tuple(months[k] for k in sorted(months)),
        year_total=total,
        basis=basis,
    )
