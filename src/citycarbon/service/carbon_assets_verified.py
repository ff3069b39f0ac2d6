"""What carbon assets read from MRV: an enterprise's verified emissions and production of a
year, from its verified (or locked) reports only.

The compliance obligation is the verified **direct CO2** of the year (the national market
covers the enterprise's own CO2: fuel combustion and process emissions; purchased
electricity and heat are not part of the obligation here). A year counts as verified only
when the annual report is verified or all twelve months are; otherwise the figure is shown
as partial and compliance waits for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.accounting import methods
from citycarbon.accounting.inventory_result import scope_of
from citycarbon.enterprise.ledger import ANNUAL, compute_ledger
from citycarbon.errors import FactorNotFoundError
from citycarbon.refdata.loader import default_factor_set_ref, load_factor_set, load_gwp
from citycarbon.service.ledger import EnterpriseLines, effective_lines
from citycarbon.store.models import ReportProduction

MONTHS = frozenset(range(1, 13))


@dataclass(frozen=True)
class VerifiedYear:
    """Verified figures of one enterprise and year, with where they come from."""

    year: int
    direct_co2_t: float  # the obligation: verified direct CO2
    complete: bool  # annual report verified, or all 12 months
    months: tuple[int, ...]  # verified periods used (0 = annual report)
    report_ids: tuple[int, ...]
    factor_set: str
    gwp_set: str
    production: dict[tuple[str, str], float] = field(default_factory=dict)  # (product, unit)
    nearest_year_factors: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "year": self.year,
            "direct_co2_t": self.direct_co2_t,
            "unit": "t CO2",
            "complete": self.complete,
            "months": list(self.months),
            "report_ids": list(self.report_ids),
            "factor_set": self.factor_set,
            "gwp_set": self.gwp_set,
            "nearest_year_factors": self.nearest_year_factors,
            "production": [
                {"product": p, "unit": u, "quantity": q}
                for (p, u), q in sorted(self.production.items())
            ],
        }


def verified_year(session: Session, enterprise_id: int, year: int) -> VerifiedYear:
    """The enterprise's verified direct CO2 and production of ``year`` (no access check:
    callers check ``assets.read`` on the enterprise)."""
    return verified_years(session, [enterprise_id], year)[enterprise_id]


def verified_years(
    session: Session, enterprise_ids: Sequence[int], year: int
) -> dict[int, VerifiedYear]:
    """:func:`verified_year` of several enterprises, read in a few queries."""
    found = effective_lines(session, enterprise_ids, year, verified_only=True)
    out = {firm_id: VerifiedYear(year, 0.0, False, (), (), "", "") for firm_id in enterprise_ids}
    used: dict[int, list[int]] = {}
    for firm_id, lines in found.items():
        if lines.effective:
            out[firm_id], used[firm_id] = _verified(lines, year)
    production: dict[int, dict[tuple[str, str], float]] = defaultdict(lambda: defaultdict(float))
    owner = {report_id: firm_id for firm_id, ids in used.items() for report_id in ids}
    if owner:
        rows = session.execute(
            select(
                ReportProduction.report_id,
                ReportProduction.product,
                ReportProduction.unit,
                ReportProduction.quantity,
            ).where(ReportProduction.report_id.in_(list(owner)))
        )
        for report_id, product, unit, quantity in rows:
            production[owner[report_id]][(product, unit)] += quantity
    for firm_id, made in production.items():
        out[firm_id] = replace(out[firm_id], production=dict(made))
    return out


def _verified(found: EnterpriseLines, year: int) -> tuple[VerifiedYear, list[int]]:
    periods = tuple(sorted(found.effective))
    complete = ANNUAL in found.effective or set(periods) >= MONTHS
    sets = {p[0] for p in found.pinned}
    gwps = {p[1] for p in found.pinned}
    factor_ref = sets.pop() if len(sets) == 1 else default_factor_set_ref()
    gwp_set = gwps.pop() if len(gwps) == 1 else "AR5"
    methods.load_all()
    factors, gwp = load_factor_set(factor_ref), load_gwp(gwp_set)
    # only the enterprise's own emissions count: purchased electricity and heat are not
    # computed at all (their grid factors are most of the cost)
    lines = [line for line in found.lines if scope_of(line.category) != "indirect_entity"]
    nearest = False
    try:
        ledger = compute_ledger("", year, lines, factors, gwp)
    except FactorNotFoundError as exc:
        if exc.field != "year":
            raise
        ledger = compute_ledger("", year, lines, factors, gwp, year_fallback=True)
        nearest = True
    annual = ANNUAL in found.effective
    direct_co2 = sum(
        f.gas("CO2")
        for f in ledger.figures
        if f.scope == "direct" and (f.line.month == ANNUAL) == annual
    )
    report_ids = [e.report.report_id for e in found.effective.values()]
    if annual:
        report_ids = [found.effective[ANNUAL].report.report_id]
    verified = VerifiedYear(
        year=year,
        direct_co2_t=direct_co2,
        complete=complete,
        months=periods,
        report_ids=tuple(sorted(report_ids)),
        factor_set=factors.ref,
        gwp_set=gwp.gwp_set,
        nearest_year_factors=nearest,
    )
    return verified, report_ids
