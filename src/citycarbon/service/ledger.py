"""Enterprise carbon ledgers (碳排放台账) and key-unit identification from stored reports.

The version rule and the computation are the pure domain's
(:mod:`citycarbon.enterprise.ledger`, :mod:`citycarbon.enterprise.key_units`); this module
reads the reports the actor may see, hands them over, and writes key-unit flags with one
audit entry per changed enterprise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.accounting import methods
from citycarbon.enterprise import key_units as domain
from citycarbon.enterprise.key_units import KeyUnitRank, Thresholds, UnitTotals
from citycarbon.enterprise.ledger import (
    ANNUAL,
    EffectiveReport,
    Ledger,
    LedgerLine,
    ReportVersion,
    compute_ledger,
    effective_reports,
)
from citycarbon.errors import CitycarbonError, FactorNotFoundError, Message
from citycarbon.refdata.loader import default_factor_set_ref, load_codelist, load_factor_set
from citycarbon.refdata.loader import load_gwp as _load_gwp
from citycarbon.service import audit
from citycarbon.service.access import Permission, Target, require, visible_enterprises
from citycarbon.service.actor import Actor
from citycarbon.store.lookups import enterprise_by_credit_code as stored_enterprise
from citycarbon.store.models import Enterprise, Region, Report, ReportLine


class RecordNotFoundError(CitycarbonError):
    """The enterprise, region or inventory asked for does not exist."""


def not_found(kind_zh: str, kind_en: str, key: object) -> RecordNotFoundError:
    return RecordNotFoundError(
        Message(zh=f"没有{kind_zh}：{key}", en=f"no {kind_en} {key}"), field=kind_en
    )


def region_by_code(session: Session, code: str) -> Region:
    region = session.get(Region, code)
    if region is None:
        raise not_found("该地区", "region", code)
    return region


def enterprise_by_credit_code(session: Session, credit_code: str) -> tuple[Enterprise, Region]:
    firm = stored_enterprise(session, credit_code)
    if firm is None:
        code = credit_code.strip().upper()
        raise not_found("该统一社会信用代码的企业", "enterprise with credit code", code)
    return firm, region_by_code(session, firm.region_code)


# ---- the effective versions and their lines -------------------------------------------------


@dataclass(frozen=True)
class EnterpriseLines:
    """The lines of the effective report versions of one enterprise and year."""

    enterprise_id: int
    effective: dict[int, EffectiveReport]
    lines: list[LedgerLine]
    pinned: set[tuple[str, str]]  # (factor_set, gwp_set) the effective reports pinned


def effective_lines(
    session: Session, enterprise_ids: Sequence[int], year: int, *, verified_only: bool = False
) -> dict[int, EnterpriseLines]:
    """Per enterprise: the effective version of each period (see the version rule) and the
    lines of those versions. ``verified_only`` drops periods with no verified version and,
    where an annual report is verified, keeps only it (so a year is never counted twice)."""
    if not enterprise_ids:
        return {}
    # plain columns, not ORM objects: a city-year is tens of thousands of rows
    reports = session.execute(
        select(
            Report.id, Report.enterprise_id, Report.month, Report.version, Report.state,
            Report.is_current, Report.factor_set, Report.gwp_set,
        ).where(Report.enterprise_id.in_(enterprise_ids), Report.year == year)
    ).all()  # fmt: skip
    versions: dict[int, list[ReportVersion]] = defaultdict(list)
    pins: dict[int, tuple[str, str]] = {}
    for r in reports:
        versions[r.enterprise_id].append(
            ReportVersion(r.id, r.month, r.version, r.state, r.is_current)
        )
        pins[r.id] = (r.factor_set, r.gwp_set)
    chosen: dict[int, EnterpriseLines] = {}
    wanted: dict[int, tuple[int, EffectiveReport]] = {}
    for firm_id, found in versions.items():
        effective = effective_reports(found)
        if verified_only:
            effective = {m: e for m, e in effective.items() if e.verified}
            if ANNUAL in effective:
                effective = {ANNUAL: effective[ANNUAL]}
        chosen[firm_id] = EnterpriseLines(
            firm_id, effective, [], {pins[e.report.report_id] for e in effective.values()}
        )
        for e in effective.values():
            wanted[e.report.report_id] = (firm_id, e)
    if wanted:
        rows = session.execute(
            select(
                ReportLine.report_id, ReportLine.category, ReportLine.activity,
                ReportLine.quantity, ReportLine.unit, ReportLine.facility,
                ReportLine.qualifier, ReportLine.overrides,
            )
            .where(ReportLine.report_id.in_(list(wanted)))
            .order_by(ReportLine.report_id, ReportLine.id)
        ).all()  # fmt: skip
        for row in rows:
            firm_id, e = wanted[row.report_id]
            chosen[firm_id].lines.append(
                LedgerLine(
                    month=e.report.month,
                    category=row.category,
                    activity=row.activity,
                    quantity=row.quantity,
                    unit=row.unit,
                    report_id=e.report.report_id,
                    version=e.report.version,
                    state=e.report.state,
                    facility=row.facility,
                    qualifier=row.qualifier,
                    overrides=row.overrides,
                    verified=e.verified,
                )
            )
    return chosen


def _refs(
    pinned: Iterable[tuple[str, str]], factor_set: str | None, gwp: str | None
) -> tuple[str, str]:
    """The factor set and GWP set to compute with: as asked, else the one the reports
    pinned if they agree, else the platform default (factor set) and AR5."""
    pinned = set(pinned)
    sets = {p[0] for p in pinned}
    gwps = {p[1] for p in pinned}
    fs = factor_set or (sets.pop() if len(sets) == 1 else default_factor_set_ref())
    g = gwp or (gwps.pop() if len(gwps) == 1 else "AR5")
    return fs, g


# ---- the ledger ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseLedger:
    credit_code: str
    name_zh: str
    name_en: str
    region_code: str
    ledger: Ledger
    effective: dict[int, EffectiveReport]
    # a year-dependent factor (the grid factor) is not published for the year: the nearest
    # year's value was used, as for the stored inventories computed outside strict mode
    nearest_year_factors: bool = False


def enterprise_ledger(
    session: Session,
    actor: Actor,
    credit_code: str,
    year: int,
    *,
    factor_set: str | None = None,
    gwp: str | None = None,
) -> EnterpriseLedger:
    """The enterprise's ledger for ``year`` (READ_LEDGER within the actor's scope)."""
    firm, region = enterprise_by_credit_code(session, credit_code)
    require(actor, Permission.READ_LEDGER, Target(region_path=region.path, enterprise_id=firm.id))
    found = effective_lines(session, [firm.id], year).get(firm.id)
    lines = found.lines if found else []
    fs, g = _refs(found.pinned if found else (), factor_set, gwp)
    methods.load_all()
    factors, table = load_factor_set(fs), _load_gwp(g)
    nearest = False
    try:
        ledger = compute_ledger(firm.credit_code, year, lines, factors, table)
    except FactorNotFoundError as exc:
        if exc.field != "year":
            raise
        ledger = compute_ledger(firm.credit_code, year, lines, factors, table, year_fallback=True)
        nearest = True
    return EnterpriseLedger(
        firm.credit_code,
        firm.name_zh,
        firm.name_en,
        firm.region_code,
        ledger,
        found.effective if found else {},
        nearest_year_factors=nearest,
    )


# ---- key units -------------------------------------------------------------------------------


def thresholds() -> Thresholds:
    return Thresholds.from_codelist(load_codelist("cn_key_unit_thresholds"))


def district_of(path: str, levels: dict[str, str]) -> str:
    """The county-level region on a materialised path (else the deepest region on it)."""
    codes = [c for c in path.split("/") if c]
    for code in codes:
        if levels.get(code) == "county":
            return code
    return codes[-1] if codes else ""


def rank_key_units(
    session: Session,
    actor: Actor,
    year: int,
    region: str | None = None,
    *,
    apply: bool = False,
    factor_set: str | None = None,
    gwp: str = "AR5",
) -> list[KeyUnitRank]:
    """Key-unit flags and the ranking of every enterprise with reports in ``year`` in the
    actor's scope (within ``region`` if given). With ``apply`` the flags are written to the
    enterprises (MANAGE_ENTERPRISE), one audit entry per enterprise whose flags change."""
    target = Target(region_path=region_by_code(session, region).path) if region else Target()
    require(actor, Permission.READ_LEDGER, target)
    if apply:
        require(actor, Permission.MANAGE_ENTERPRISE, target)
    stmt = visible_enterprises(actor, select(Enterprise))
    firms = list(session.scalars(stmt).unique().all())
    regions = {r.code: r for r in session.scalars(select(Region)).all()}
    if region:
        prefix = regions[region].path
        firms = [f for f in firms if regions[f.region_code].path.startswith(prefix)]
    levels = {code: r.level for code, r in regions.items()}
    found = effective_lines(session, [f.id for f in firms], year)
    fs = load_factor_set(factor_set)
    table = _load_gwp(gwp)
    methods.load_all()
    units: list[UnitTotals] = []
    by_code: dict[str, Enterprise] = {}
    for firm in firms:
        lines = found.get(firm.id)
        if lines is None or not lines.lines:
            continue
        ledger = compute_ledger(firm.credit_code, year, lines.lines, fs, table)
        total = ledger.year_total
        by_code[firm.credit_code] = firm
        units.append(
            UnitTotals(
                entity=firm.credit_code,
                district=district_of(regions[firm.region_code].path, levels),
                direct_co2e_t=total.direct_co2e_t,
                indirect_co2e_t=total.indirect_co2e_t,
                energy_tce=total.energy_tce,
                factor_set=fs.ref,
                gwp_set=table.gwp_set,
                name=firm.name_zh,
                verified=total.verified,
            )
        )
    ranking = domain.rank_key_units(units, thresholds())
    if apply:
        for item in ranking:
            firm = by_code[item.totals.entity]
            before = {
                "is_key_emitter": firm.is_key_emitter,
                "is_key_energy_user": firm.is_key_energy_user,
            }
            after = {
                "is_key_emitter": item.is_key_emitter,
                "is_key_energy_user": item.is_key_energy_user,
            }
            if before == after:
                continue
            firm.is_key_emitter = item.is_key_emitter
            firm.is_key_energy_user = item.is_key_energy_user
            audit.record(
                session,
                actor,
                "enterprise.key_unit_flags",
                "enterprise",
                firm.credit_code,
                before=before,
                after={
                    **after,
                    "year": year,
                    "co2e_t": item.totals.co2e_t,
                    "energy_tce": item.totals.energy_tce,
                    "factor_set": fs.ref,
                    "gwp_set": table.gwp_set,
                },
            )
        session.flush()
    return ranking
