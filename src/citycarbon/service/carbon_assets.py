"""Enterprise carbon assets (企业碳资产): the allowance ledger, balances, statements and
compliance (配额清缴与履约) of a compliance year, on the stored ledger.

The rules are the pure core's (:mod:`citycarbon.enterprise.assets`): every entry goes through
its ``post``, so an overdraw is refused with a bilingual error naming ``quantity_t``. Ledger
rows are append-only (database triggers back it up); a correction is a reversing entry
(``reverses_id``) and a reversed entry and its reversal both drop out of every figure. Reads
need ``assets.read`` on the enterprise (its own users, officials of its region, the city
office), writes ``assets.manage``; every write is audited in the caller's transaction.

Allocation (benchmark and historical-intensity methods, true-up) is in
:mod:`citycarbon.service.carbon_assets_allocate`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.enterprise import assets as core
from citycarbon.enterprise.assets import (
    KIND_LABELS,
    AssetEntry,
    AssetEntryError,
    Compliance,
    EntryKind,
)
from citycarbon.enterprise.ets_rules import RULES_TABLE, EtsRules
from citycarbon.errors import Message
from citycarbon.refdata.loader import load_codelist
from citycarbon.service import audit
from citycarbon.service.access import (
    Permission,
    Target,
    require,
    require_grant,
    visible_enterprises,
)
from citycarbon.service.actor import Actor
from citycarbon.service.carbon_assets_verified import VerifiedYear, verified_year, verified_years
from citycarbon.service.ledger import enterprise_by_credit_code
from citycarbon.store.models import Enterprise, Region, Setting, utcnow
from citycarbon.store.models_assets import AllowanceAllocation, CarbonAssetEntry

DEADLINES_KEY = "carbon_asset_deadlines"
CEA, CCER = "CEA", "CCER"
MAX_PRICE = 1e6  # CNY per tonne; more is a typing error
PRICED = frozenset({EntryKind.PURCHASE, EntryKind.SALE})
AWAITING = "awaiting_verification"  # compliance status while the year is not verified
STATUS_LABELS = {
    "compliant": Message(zh="已履约", en="compliant"),
    "shortfall": Message(zh="未足额清缴（已逾期）", en="shortfall (overdue)"),
    "not_due": Message(zh="未完成清缴（未到期）", en="not yet met (not due)"),
    AWAITING: Message(zh="待核查排放量", en="awaiting verified emissions"),
}


CHINA = dt.timezone(dt.timedelta(hours=8))


def china_today() -> dt.date:
    """Today in China: compliance deadlines and entry dates are Beijing dates."""
    return dt.datetime.now(CHINA).date()


def _fail(zh: str, en: str, field: str) -> AssetEntryError:
    return AssetEntryError(Message(zh=zh, en=en), field=field)


@cache
def ets_rules() -> EtsRules:
    return EtsRules.from_codelist(load_codelist(RULES_TABLE))


# ---- finding the enterprise and checking access ------------------------------------------


def enterprise_for(
    session: Session, actor: Actor, credit_code: str, permission: Permission
) -> tuple[Enterprise, Region]:
    """The enterprise, if the actor holds ``permission`` on it (else ForbiddenError)."""
    firm, region = enterprise_by_credit_code(session, credit_code)
    require(actor, permission, Target(region_path=region.path, enterprise_id=firm.id))
    return firm, region


def _check_year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 2005 <= year <= 2100:
        raise _fail(
            "履约年度应为 2005–2100 之间的年份",
            "the compliance year must lie in 2005–2100",
            "compliance_year",
        )
    return year


# ---- the stored ledger ------------------------------------------------------------------


def ledger_rows(session: Session, enterprise_id: int, year: int) -> list[CarbonAssetEntry]:
    """Every row of the enterprise's ledger for the year, in date order then as posted."""
    return list(
        session.scalars(
            select(CarbonAssetEntry)
            .where(
                CarbonAssetEntry.enterprise_id == enterprise_id,
                CarbonAssetEntry.compliance_year == year,
            )
            .order_by(CarbonAssetEntry.entry_date, CarbonAssetEntry.id)
        )
    )


def as_core(row: CarbonAssetEntry) -> AssetEntry:
    return AssetEntry(
        kind=row.kind,
        on=row.entry_date,
        quantity_t=row.quantity_t,
        counterparty=row.counterparty,
        note=row.note,
        reference=row.reference or f"entry:{row.id}",
    )


def effective(rows: list[CarbonAssetEntry]) -> list[CarbonAssetEntry]:
    """The rows that count: neither reversed nor a reversal."""
    reversed_ids = {r.reverses_id for r in rows if r.reverses_id is not None}
    return [r for r in rows if r.reverses_id is None and r.id not in reversed_ids]


@dataclass(frozen=True, slots=True)
class EntryInput:
    kind: str
    on: dt.date
    quantity_t: float
    counterparty: str = ""
    price_cny_per_t: float | None = None
    reference: str = ""
    note: str = ""


def _check_price(entry: EntryInput) -> None:
    price = entry.price_cny_per_t
    if price is None:
        return
    if EntryKind(entry.kind) not in PRICED:
        raise _fail(
            "只有购入和出售可填写价格", "only a purchase or a sale has a price", "price_cny_per_t"
        )
    if isinstance(price, bool) or not math.isfinite(price) or not 0 <= price <= MAX_PRICE:
        raise _fail(
            "价格应为 0 到 10^6 元/吨之间的数",
            "the price must be a number of CNY per tonne in 0–10^6",
            "price_cny_per_t",
        )


def post_entry(
    session: Session,
    actor: Actor,
    credit_code: str,
    compliance_year: int,
    entry: EntryInput,
    *,
    allocation_id: int | None = None,
) -> CarbonAssetEntry:
    """Post one entry through the core's ``post`` (an overdraw is refused, nothing written)."""
    firm, _ = enterprise_for(session, actor, credit_code, Permission.MANAGE_ASSETS)
    return post_for_enterprise(
        session, actor, firm, _check_year(compliance_year), entry, allocation_id
    )


def post_for_enterprise(
    session: Session,
    actor: Actor,
    firm: Enterprise,
    year: int,
    entry: EntryInput,
    allocation_id: int | None,
) -> CarbonAssetEntry:
    # lock the enterprise row: two clerks posting at once cannot both spend the same tonnes
    session.scalar(select(Enterprise.id).where(Enterprise.id == firm.id).with_for_update())
    for text, field, limit in (
        (entry.counterparty, "counterparty", 200),
        (entry.reference, "reference", 100),
    ):
        if len(text) > limit:
            raise _fail(
                f"{field} 超过 {limit} 个字符", f"{field} exceeds {limit} characters", field
            )
    candidate = AssetEntry(
        entry.kind,
        entry.on,
        entry.quantity_t,
        entry.counterparty.strip(),
        entry.note,
        entry.reference.strip(),
    )
    current = [as_core(r) for r in effective(ledger_rows(session, firm.id, year))]
    core.post(current, candidate)  # raises AssetEntryError naming the field
    _check_price(entry)
    row = CarbonAssetEntry(
        enterprise_id=firm.id,
        compliance_year=year,
        kind=EntryKind(entry.kind).value,
        entry_date=entry.on,
        quantity_t=float(entry.quantity_t),
        unit_type=CCER if entry.kind == EntryKind.OFFSET_SURRENDER else CEA,
        counterparty=candidate.counterparty,
        price_cny_per_t=entry.price_cny_per_t,
        reference=candidate.reference,
        note=entry.note,
        allocation_id=allocation_id,
        posted_by=actor.user_id,
        posted_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "assets.post", "carbon_asset_entry", row.id, after=audit.snapshot(row)
    )
    return row


def reverse_entry(
    session: Session, actor: Actor, entry_id: int, on: dt.date, reason: str
) -> CarbonAssetEntry:
    """Post the reversal of entry ``entry_id``: both then drop out of every figure. Refused
    if it would leave the balance negative at some date (the tonnes were spent since)."""
    original = session.get(CarbonAssetEntry, entry_id)
    if original is None:
        raise _fail(f"没有台账条目 {entry_id}", f"no ledger entry {entry_id}", "reverses_id")
    firm = session.get(Enterprise, original.enterprise_id)
    assert firm is not None  # a foreign key
    region = session.get(Region, firm.region_code)
    assert region is not None
    require(actor, Permission.MANAGE_ASSETS, Target(region_path=region.path, enterprise_id=firm.id))
    if not reason.strip():
        raise _fail("冲正须说明原因", "a reversal must give its reason", "note")
    session.scalar(select(Enterprise.id).where(Enterprise.id == firm.id).with_for_update())
    rows = ledger_rows(session, firm.id, original.compliance_year)
    if original.reverses_id is not None or any(r.reverses_id == entry_id for r in rows):
        raise _fail(
            f"条目 {entry_id} 是冲正条目或已被冲正",
            f"entry {entry_id} is a reversal or already reversed",
            "reverses_id",
        )
    remaining = [as_core(r) for r in effective(rows) if r.id != entry_id]
    low = min((line.balance_t for line in core.statement(remaining)), default=0.0)
    if low < -core.TOLERANCE_T:
        raise _fail(
            f"冲正条目 {entry_id} 后配额余额将为负（最低 {low:g} t），这些配额已被使用",
            f"reversing entry {entry_id} would leave a negative balance (down to {low:g} t): "
            "the allowances were spent since",
            "reverses_id",
        )
    row = CarbonAssetEntry(
        enterprise_id=firm.id,
        compliance_year=original.compliance_year,
        kind=original.kind,
        entry_date=on,
        quantity_t=original.quantity_t,
        unit_type=original.unit_type,
        counterparty=original.counterparty,
        price_cny_per_t=original.price_cny_per_t,
        reference=f"reversal:{entry_id}",
        note=reason.strip(),
        reverses_id=entry_id,
        posted_by=actor.user_id,
        posted_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "assets.reverse",
        "carbon_asset_entry",
        row.id,
        after=audit.snapshot(row),
        reason=reason.strip(),
    )
    return row


# ---- deadlines ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deadline:
    on: dt.date
    source: Message


def deadline(session: Session, year: int) -> Deadline:
    """The surrender deadline of a compliance year: the city office's setting, else
    31 December of the following year (the national market's practice since 2023)."""
    setting = session.get(Setting, DEADLINES_KEY)
    stored = (setting.value if setting is not None else {}).get(str(year))
    if stored:
        return Deadline(
            dt.date.fromisoformat(str(stored)),
            Message(zh="平台设置（市双碳办）", en="platform setting (city office)"),
        )
    return Deadline(
        dt.date(year + 1, 12, 31),
        Message(zh="默认：次年 12 月 31 日", en="default: 31 December of the following year"),
    )


def set_deadline(session: Session, actor: Actor, year: int, on: dt.date) -> Deadline:
    require(actor, Permission.MANAGE_ASSETS)
    _check_year(year)
    if on.year <= year:
        raise _fail(
            "清缴截止日应在履约年度之后",
            "the deadline must fall after the compliance year",
            "deadline",
        )
    setting = session.get(Setting, DEADLINES_KEY)
    before = None if setting is None else dict(setting.value)
    value = {**(before or {}), str(year): on.isoformat()}
    if setting is None:
        session.add(Setting(key=DEADLINES_KEY, value=value))
    else:
        setting.value = value
    session.flush()
    audit.record(
        session, actor, "setting.update", "setting", DEADLINES_KEY, before=before, after=value
    )
    return deadline(session, year)


# ---- status and statement ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementRow:
    row: CarbonAssetEntry
    signed_t: float  # 0 for a reversed entry and its reversal
    balance_t: float  # running balance of the effective entries
    state: str  # effective | reversed | reversal

    @property
    def label(self) -> Message:
        return KIND_LABELS[EntryKind(self.row.kind)]


def statement_rows(rows: list[CarbonAssetEntry]) -> list[StatementRow]:
    counted = {r.id for r in effective(rows)}
    reversed_ids = {r.reverses_id for r in rows if r.reverses_id is not None}
    running = 0.0
    out = []
    for r in rows:
        signed = core.SIGN[EntryKind(r.kind)] * r.quantity_t if r.id in counted else 0.0
        running += signed
        state = "reversal" if r.reverses_id else "reversed" if r.id in reversed_ids else "effective"
        out.append(StatementRow(r, signed, running, state))
    return out


@dataclass(frozen=True)
class AssetStatus:
    """An enterprise's carbon assets for one compliance year, as of ``today``."""

    enterprise: Enterprise
    year: int
    today: dt.date
    allocation: AllowanceAllocation | None
    verified: VerifiedYear
    deadline: Deadline
    statement: list[StatementRow]
    balance_t: float
    compliance: Compliance | None  # None while the year's emissions are not verified
    rules: EtsRules

    @property
    def status(self) -> str:
        return self.compliance.status.value if self.compliance is not None else AWAITING

    @property
    def status_label(self) -> Message:
        return STATUS_LABELS[self.status]

    @property
    def days_left(self) -> int:
        return (self.deadline.on - self.today).days


def asset_status(
    session: Session, actor: Actor, credit_code: str, year: int, today: dt.date
) -> AssetStatus:
    """Balance, statement and compliance of the enterprise's compliance year (``assets.read``).
    Entries after ``today`` do not count towards the compliance figures."""
    firm, _ = enterprise_for(session, actor, credit_code, Permission.READ_ASSETS)
    return _status(session, firm, _check_year(year), today)


def _status(
    session: Session,
    firm: Enterprise,
    year: int,
    today: dt.date,
    verified: VerifiedYear | None = None,
) -> AssetStatus:
    rows = ledger_rows(session, firm.id, year)
    counted = [as_core(r) for r in effective(rows)]
    if verified is None:
        verified = verified_year(session, firm.id, year)
    due = deadline(session, year)
    rules = ets_rules()
    result = None
    if verified.complete:
        result = core.compliance(
            counted, verified.direct_co2_t, rules, deadline=due.on, today=today
        )
    allocation = session.scalar(
        select(AllowanceAllocation).where(
            AllowanceAllocation.enterprise_id == firm.id,
            AllowanceAllocation.compliance_year == year,
        )
    )
    return AssetStatus(
        enterprise=firm,
        year=year,
        today=today,
        allocation=allocation,
        verified=verified,
        deadline=due,
        statement=statement_rows(rows),
        balance_t=core.balance(counted, today),
        compliance=result,
        rules=rules,
    )


def compliance_years(session: Session, actor: Actor, credit_code: str) -> list[int]:
    """The compliance years with an allocation or entries, newest first."""
    firm, _ = enterprise_for(session, actor, credit_code, Permission.READ_ASSETS)
    years = set(
        session.scalars(
            select(AllowanceAllocation.compliance_year).where(
                AllowanceAllocation.enterprise_id == firm.id
            )
        )
    )
    years |= set(
        session.scalars(
            select(CarbonAssetEntry.compliance_year).where(
                CarbonAssetEntry.enterprise_id == firm.id
            )
        )
    )
    return sorted(years, reverse=True)


def overview(session: Session, actor: Actor, year: int, today: dt.date) -> list[AssetStatus]:
    """Every enterprise the actor may see with an allocation or entries in ``year``, worst
    first (shortfall, then not yet met, awaiting verification, compliant)."""
    require_grant(actor, Permission.READ_ASSETS)
    ids = set(
        session.scalars(
            select(AllowanceAllocation.enterprise_id).where(
                AllowanceAllocation.compliance_year == _check_year(year)
            )
        )
    )
    ids |= set(
        session.scalars(
            select(CarbonAssetEntry.enterprise_id).where(CarbonAssetEntry.compliance_year == year)
        )
    )
    if not ids:
        return []
    firms = session.scalars(
        visible_enterprises(actor, select(Enterprise).where(Enterprise.id.in_(ids))).order_by(
            Enterprise.credit_code
        )
    ).all()
    order = {"shortfall": 0, "not_due": 1, AWAITING: 2, "compliant": 3}
    verified = verified_years(session, [firm.id for firm in firms], year)
    statuses = [_status(session, firm, year, today, verified[firm.id]) for firm in firms]
    return sorted(
        statuses,
        key=lambda s: (
            order[s.status],
            -(s.compliance.shortfall_t if s.compliance else 0.0),
            s.enterprise.credit_code,
        ),
    )


def latest_year(session: Session, enterprise_id: int) -> int | None:
    """The newest compliance year the enterprise has an allocation or entries for."""
    years = [
        session.scalar(
            select(AllowanceAllocation.compliance_year)
            .where(AllowanceAllocation.enterprise_id == enterprise_id)
            .order_by(AllowanceAllocation.compliance_year.desc())
            .limit(1)
        ),
        session.scalar(
            select(CarbonAssetEntry.compliance_year)
            .where(CarbonAssetEntry.enterprise_id == enterprise_id)
            .order_by(CarbonAssetEntry.compliance_year.desc())
            .limit(1)
        ),
    ]
    found = [y for y in years if y is not None]
    return max(found) if found else None
