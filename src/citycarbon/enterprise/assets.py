"""An enterprise's carbon assets (碳资产) for one compliance year: the allowance ledger and
compliance (配额清缴与履约).

Pure functions over a list of entries of one enterprise and one compliance year. An entry is a
kind, a date, a quantity (t, > 0), a counterparty, a note and a reference (an allocation run,
a contract or registry number), so every tonne is traceable. Kinds and their sign on the
allowance balance:

* ``allocation`` (+, free allocation, pre-allocation or a true-up issue),
  ``allocation_return`` (−, a negative true-up taken back by the authority),
  ``purchase`` (+), ``sale`` (−), ``transfer_in`` (+), ``transfer_out`` (−),
  ``surrender`` (−, allowances surrendered for the year's obligation);
* ``offset_surrender`` (0): CCER surrendered as offsets — they come from the enterprise's CCER
  holding, not its allowances, so they leave the allowance balance unchanged.

Purchases, sales and transfers name their counterparty. Entries are ordered by date, then by
the order they were posted. :func:`balance` at a date is the sum of the signed quantities of
the entries on or before it. :func:`post` adds an entry and refuses (naming ``quantity_t``)
one that would make the balance negative at its date or at any later date — a back-dated sale
cannot spend allowances already spent — so a ledger built by :func:`post` never goes negative.

:func:`compliance` as of ``today`` (entries after ``today`` do not count):

* the obligation is the verified emissions (t CO2); allowances surrendered count in full;
* offsets count up to the cap (rule ``ccer_offset_cap``: 5 % of the verified emissions),
  in date order — the entry that crosses the cap counts in part; the excess is refused with
  its reason;
* shortfall = max(0, verified − allowances − accepted offsets); status ``compliant`` when it is
  0, otherwise ``not_due`` up to and including the deadline and ``shortfall`` after it;
* warnings while not compliant: ``due_30`` within 30 days of the deadline, ``due_7`` within
  7 days, ``overdue`` after it (the thresholds are parameters); every surrender dated after
  the deadline is flagged ``late_surrender`` (it still counts, but late surrender is a breach).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from citycarbon.enterprise.ets_rules import EtsRules
from citycarbon.errors import CitycarbonError, Message

UNIT = "t"
MAX_AMOUNT = 1e12
TOLERANCE_T = 1e-6  # rounding tolerance on sums of tonnes
WARN_DAYS = (30, 7)


class AssetEntryError(CitycarbonError):
    """An entry is malformed or refused (names the field and the reason)."""


def _fail(zh: str, en: str, field: str) -> AssetEntryError:
    return AssetEntryError(Message(zh=zh, en=en), field=field)


class EntryKind(StrEnum):
    ALLOCATION = "allocation"
    ALLOCATION_RETURN = "allocation_return"
    PURCHASE = "purchase"
    SALE = "sale"
    TRANSFER_IN = "transfer_in"
    TRANSFER_OUT = "transfer_out"
    SURRENDER = "surrender"
    OFFSET_SURRENDER = "offset_surrender"


SIGN = {
    EntryKind.ALLOCATION: 1,
    EntryKind.ALLOCATION_RETURN: -1,
    EntryKind.PURCHASE: 1,
    EntryKind.SALE: -1,
    EntryKind.TRANSFER_IN: 1,
    EntryKind.TRANSFER_OUT: -1,
    EntryKind.SURRENDER: -1,
    EntryKind.OFFSET_SURRENDER: 0,
}
NEEDS_COUNTERPARTY = frozenset(
    {EntryKind.PURCHASE, EntryKind.SALE, EntryKind.TRANSFER_IN, EntryKind.TRANSFER_OUT}
)
KIND_LABELS = {
    EntryKind.ALLOCATION: Message(zh="配额分配", en="allocation"),
    EntryKind.ALLOCATION_RETURN: Message(zh="配额收回", en="allocation returned"),
    EntryKind.PURCHASE: Message(zh="购入", en="purchase"),
    EntryKind.SALE: Message(zh="出售", en="sale"),
    EntryKind.TRANSFER_IN: Message(zh="转入", en="transfer in"),
    EntryKind.TRANSFER_OUT: Message(zh="转出", en="transfer out"),
    EntryKind.SURRENDER: Message(zh="配额清缴", en="allowance surrender"),
    EntryKind.OFFSET_SURRENDER: Message(zh="CCER 抵销", en="CCER offset surrender"),
}


@dataclass(frozen=True, slots=True)
class AssetEntry:
    kind: str  # an EntryKind value
    on: dt.date
    quantity_t: float
    counterparty: str = ""
    note: str = ""
    reference: str = ""

    @property
    def signed_t(self) -> float:
        return SIGN[EntryKind(self.kind)] * self.quantity_t


def validate_entry(entry: AssetEntry) -> AssetEntry:
    """Check one entry on its own: kind, date, quantity, counterparty."""
    try:
        kind = EntryKind(entry.kind)
    except ValueError:
        known = ", ".join(k.value for k in EntryKind)
        raise _fail(
            f"未知的台账条目类型 {entry.kind}（可选：{known}）",
            f"unknown entry kind {entry.kind} (one of: {known})",
            "kind",
        ) from None
    if not isinstance(entry.on, dt.date):
        raise _fail("日期无效", "the date is invalid", "on")
    quantity = entry.quantity_t
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int | float)
        or not math.isfinite(quantity)
        or not 0 < quantity <= MAX_AMOUNT
    ):
        raise _fail(
            "数量应为大于零且不超过 10^12 的吨数",
            "the quantity must be a number of tonnes above 0 and at most 10^12",
            "quantity_t",
        )
    if kind in NEEDS_COUNTERPARTY and not entry.counterparty.strip():
        label = KIND_LABELS[kind]
        raise _fail(
            f"{label.zh}须注明交易对方", f"a {label.en} must name its counterparty", "counterparty"
        )
    return entry


def ordered(entries: Iterable[AssetEntry]) -> list[AssetEntry]:
    """By date, then in the order posted (the sort is stable)."""
    return sorted(entries, key=lambda e: e.on)


def balance(entries: Iterable[AssetEntry], at: dt.date | None = None) -> float:
    """Allowances held at the end of ``at`` (all entries when ``at`` is None), in t."""
    return sum(e.signed_t for e in entries if at is None or e.on <= at)


@dataclass(frozen=True, slots=True)
class StatementLine:
    entry: AssetEntry
    signed_t: float
    balance_t: float


def statement(entries: Iterable[AssetEntry]) -> tuple[StatementLine, ...]:
    """Every entry in order with its signed quantity and the running balance after it."""
    running = 0.0
    lines = []
    for entry in ordered(entries):
        running += entry.signed_t
        lines.append(StatementLine(entry, entry.signed_t, running))
    return tuple(lines)


def post(entries: Sequence[AssetEntry], entry: AssetEntry) -> tuple[AssetEntry, ...]:
    """The entries with ``entry`` added, or :class:`AssetEntryError` if it is malformed or
    would make the balance negative at its date or later (nothing is changed then)."""
    validate_entry(entry)
    if entry.signed_t < 0:
        before = [line.balance_t for line in statement(entries)]
        ordered_old = ordered(entries)
        # what may be taken on that date: the lowest balance from the entry's date onward
        start = sum(1 for e in ordered_old if e.on <= entry.on)
        available = min([balance(entries, entry.on), *before[start:]])
        if entry.quantity_t > available + TOLERANCE_T:
            label = KIND_LABELS[EntryKind(entry.kind)]
            shown = max(available, 0.0)
            raise _fail(
                f"{label.zh} {entry.quantity_t:g} t 超过 {entry.on.isoformat()} 起可用的配额余额 "
                f"{shown:g} t，拒绝",
                f"{label.en} of {entry.quantity_t:g} t exceeds the allowance balance available "
                f"from {entry.on.isoformat()} ({shown:g} t): refused",
                "quantity_t",
            )
    return (*entries, entry)


# ── compliance ───────────────────────────────────────────────────────────────────────────


class ComplianceStatus(StrEnum):
    COMPLIANT = "compliant"
    SHORTFALL = "shortfall"
    NOT_DUE = "not_due"


@dataclass(frozen=True, slots=True)
class OffsetUse:
    entry: AssetEntry
    accepted_t: float
    refused_t: float
    reason: Message | None  # why the refused part was refused


@dataclass(frozen=True, slots=True)
class DeadlineWarning:
    code: str  # due_30 | due_7 | overdue | late_surrender
    days: int  # days left, days overdue, or days late
    message: Message
    entry: AssetEntry | None = None


@dataclass(frozen=True)
class Compliance:
    """The year's compliance as of ``today``; every quantity in t CO2."""

    verified_emissions_t: float
    surrendered_allowances_t: float
    offsets: tuple[OffsetUse, ...]
    offset_cap_t: float
    offset_rule: str
    shortfall_t: float
    excess_t: float
    status: ComplianceStatus
    deadline: dt.date
    today: dt.date
    balance_t: float
    warnings: tuple[DeadlineWarning, ...]

    @property
    def offsets_offered_t(self) -> float:
        return sum(o.entry.quantity_t for o in self.offsets)

    @property
    def offsets_accepted_t(self) -> float:
        return sum(o.accepted_t for o in self.offsets)

    @property
    def offsets_refused_t(self) -> float:
        return sum(o.refused_t for o in self.offsets)

    @property
    def covered_t(self) -> float:
        return self.surrendered_allowances_t + self.offsets_accepted_t

    @property
    def late(self) -> bool:
        return any(w.code == "late_surrender" for w in self.warnings)


def _offsets(entries: Sequence[AssetEntry], cap_t: float, share: float) -> tuple[OffsetUse, ...]:
    room = cap_t
    uses = []
    for entry in entries:
        if entry.kind != EntryKind.OFFSET_SURRENDER:
            continue
        accepted = min(entry.quantity_t, max(room, 0.0))
        room -= accepted
        refused = entry.quantity_t - accepted
        reason = None
        if refused > 0:
            reason = Message(
                zh=f"CCER 抵销超过上限（经核查排放量的 {share:.0%}，即 {cap_t:g} t），"
                f"{refused:g} t 不予抵销",
                en=f"CCER offsets above the cap ({share:.0%} of verified emissions, "
                f"{cap_t:g} t): {refused:g} t refused",
            )
        uses.append(OffsetUse(entry, accepted, refused, reason))
    return tuple(uses)


def _deadline_warnings(
    deadline: dt.date, today: dt.date, warn_days: Sequence[int]
) -> list[DeadlineWarning]:
    left = (deadline - today).days
    if left < 0:
        return [
            DeadlineWarning(
                "overdue",
                -left,
                Message(
                    zh=f"履约截止日已过 {-left} 天，仍有缺口",
                    en=f"{-left} days past the compliance deadline with a shortfall",
                ),
            )
        ]
    for days in sorted(warn_days):
        if left <= days:
            return [
                DeadlineWarning(
                    f"due_{days}",
                    left,
                    Message(
                        zh=f"距履约截止日 {deadline.isoformat()} 还有 {left} 天，尚未完成清缴",
                        en=f"{left} days to the compliance deadline {deadline.isoformat()}, "
                        "obligation not yet met",
                    ),
                )
            ]
    return []


def compliance(
    entries: Sequence[AssetEntry],
    verified_emissions_t: float,
    rules: EtsRules,
    *,
    deadline: dt.date,
    today: dt.date,
    warn_days: Sequence[int] = WARN_DAYS,
) -> Compliance:
    """The compliance of the year's entries as of ``today`` (see the module docstring)."""
    verified = verified_emissions_t
    if (
        isinstance(verified, bool)
        or not isinstance(verified, int | float)
        or not (math.isfinite(verified) and 0 <= verified <= MAX_AMOUNT)
    ):
        raise _fail(
            "经核查排放量应为不小于零的吨数",
            "the verified emissions must be a number of tonnes, zero or more",
            "verified_emissions_t",
        )
    if any(not isinstance(d, int) or d < 0 for d in warn_days):
        raise _fail("提醒天数应为非负整数", "warning days must be whole numbers ≥ 0", "warn_days")
    counted = [e for e in ordered(entries) if e.on <= today]
    surrendered = sum(e.quantity_t for e in counted if e.kind == EntryKind.SURRENDER)
    share = rules.offset_cap.value
    cap_t = share * verified
    offsets = _offsets(counted, cap_t, share)
    covered = surrendered + sum(o.accepted_t for o in offsets)
    shortfall = max(verified - covered, 0.0)
    if shortfall <= TOLERANCE_T:
        shortfall, status = 0.0, ComplianceStatus.COMPLIANT
    elif today <= deadline:
        status = ComplianceStatus.NOT_DUE
    else:
        status = ComplianceStatus.SHORTFALL
    warnings = (
        []
        if status is ComplianceStatus.COMPLIANT
        else _deadline_warnings(deadline, today, warn_days)
    )
    for e in counted:
        if e.kind in (EntryKind.SURRENDER, EntryKind.OFFSET_SURRENDER) and e.on > deadline:
            late = (e.on - deadline).days
            warnings.append(
                DeadlineWarning(
                    "late_surrender",
                    late,
                    Message(
                        zh=f"{e.on.isoformat()} 的清缴晚于截止日 {late} 天",
                        en=f"the surrender of {e.on.isoformat()} is {late} days after the deadline",
                    ),
                    e,
                )
            )
    return Compliance(
        verified_emissions_t=float(verified),
        surrendered_allowances_t=surrendered,
        offsets=offsets,
        offset_cap_t=cap_t,
        offset_rule=rules.offset_cap.reference,
        shortfall_t=shortfall,
        excess_t=max(covered - verified, 0.0),
        status=status,
        deadline=deadline,
        today=today,
        balance_t=balance(counted),
        warnings=tuple(warnings),
    )
