"""Enterprise reports (MRV): opening a report for a period and editing its figures.

Each use case takes ``(session, actor, …)``, runs in the caller's transaction, asks
:mod:`citycarbon.service.access` whether the actor may act on the report (and nothing else
does), and writes one audit entry per change. The workflow transitions (submit, check,
return, verify, lock, restate) are in :mod:`citycarbon.service.report_workflow`; the
queries (list, show, audit trail) in :mod:`citycarbon.service.report_queries`.

Lines, production and evidence are edited through :mod:`citycarbon.service.report_contents`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.enterprise.deadlines import DeadlinePolicy
from citycarbon.enterprise.workflow import ReportState
from citycarbon.errors import CitycarbonError, InputDataError, Issue, Message
from citycarbon.service import audit
from citycarbon.service.access import Permission, Target, require
from citycarbon.service.actor import Actor
from citycarbon.store.lookups import enterprise_by_credit_code
from citycarbon.store.models import (
    Enterprise,
    Region,
    Report,
    Setting,
    utcnow,
)

DEADLINES_KEY = "deadlines"


class ReportNotFoundError(CitycarbonError):
    """No report with that id."""


@dataclass(frozen=True, slots=True)
class LineInput:
    """One activity figure as entered: ``row`` is where it came from (a CSV row number)."""

    category: str
    activity: str
    quantity: float
    unit: str
    facility: str = ""
    qualifier: str = ""
    overrides: str = ""  # "ncv=20.1;oxidation_factor=0.95"
    source: str = ""
    row: int | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.facility, self.category, self.activity, self.qualifier)


@dataclass(frozen=True, slots=True)
class ProductionInput:
    product: str
    quantity: float
    unit: str
    facility: str = ""
    output_value_10k_cny: float | None = None
    row: int | None = None


# ---- shared by the report use cases


def load_report(session: Session, report_id: int, *, for_update: bool = False) -> Report:
    """The report; ``for_update`` locks its row (PostgreSQL) so that two people acting on
    the same report at once take turns instead of both acting on the old state."""
    report = session.get(
        Report, report_id, with_for_update=for_update, populate_existing=for_update
    )
    if report is None:
        raise ReportNotFoundError(
            Message(zh=f"没有编号为 {report_id} 的报告", en=f"no report with id {report_id}"),
            field="report",
        )
    return report


def target_of(session: Session, report: Report) -> Target:
    """What access needs to know about a report: where its enterprise is, whose it is and
    who verifies it."""
    path = session.scalar(
        select(Region.path)
        .join(Enterprise, Enterprise.region_code == Region.code)
        .where(Enterprise.id == report.enterprise_id)
    )
    return Target(
        region_path=path, enterprise_id=report.enterprise_id, verifier_id=report.verifier_id
    )


def authorised_report(
    session: Session, actor: Actor, report_id: int, permission: Permission
) -> Report:
    report = load_report(session, report_id)
    require(actor, permission, target_of(session, report))
    return report


def report_key(report: Report) -> str:
    return str(report.id)


def record_report_change(
    session: Session,
    actor: Actor,
    report: Report,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Every change to a report or its contents is logged under the report, so that its
    history is one query."""
    audit.record(
        session, actor, action, "report", report_key(report),
        before=before, after=after, reason=reason,
    )  # fmt: skip


def deadline_policy(session: Session) -> DeadlinePolicy:
    """The stored deadlines (setting ``deadlines``), else the platform defaults."""
    setting = session.get(Setting, DEADLINES_KEY)
    if setting is None:
        return DeadlinePolicy()
    return DeadlinePolicy.from_mapping(setting.value)


def set_deadline_policy(
    session: Session, actor: Actor, values: dict[str, object]
) -> DeadlinePolicy:
    """Store the deadlines (only the given keys differ from the defaults). Reports already
    opened keep their due date; district-check and overdue flags follow the new policy."""
    require(actor, Permission.MANAGE_SETTINGS)
    policy = DeadlinePolicy.from_mapping(values)
    setting = session.get(Setting, DEADLINES_KEY)
    before = None if setting is None else dict(setting.value)
    if setting is None:
        setting = Setting(key=DEADLINES_KEY, value=policy.as_mapping())
        session.add(setting)
    else:
        setting.value = policy.as_mapping()
    session.flush()
    audit.record(
        session, actor, "setting.update", "setting", DEADLINES_KEY,
        before=before, after=policy.as_mapping(),
    )  # fmt: skip
    return policy


# ---- opening a report


def input_error(
    field: str, value: object, reason: Message, row: int | None = None
) -> InputDataError:
    return InputDataError([Issue(reason, field=field, row=row, value=value)])


def find_enterprise(session: Session, credit_code: str) -> Enterprise:
    firm = enterprise_by_credit_code(session, credit_code)
    code = credit_code.strip().upper()
    if firm is None:
        raise input_error(
            "credit_code",
            credit_code,
            Message(
                zh=f"没有统一社会信用代码为 {code} 的企业",
                en=f"no enterprise with credit code {code}",
            ),
        )
    return firm


def _check_period(year: int, month: int, today: dt.date) -> None:
    issues = []
    if not 0 <= month <= 12:
        issues.append(
            Issue(
                Message(
                    zh="月份必须是 1–12（年报为 0）", en="month must be 1–12 (0 = annual report)"
                ),
                field="month",
                value=month,
            )
        )
    elif (year, month or 1) > (today.year, today.month) or year > today.year:
        issues.append(
            Issue(
                Message(
                    zh=f"报告期 {year}年{month or ''}{'月' if month else '度'} 尚未开始",
                    en=f"the period {year}-{month:02d} has not begun yet"
                    if month
                    else f"the year {year} has not begun yet",
                ),
                field="year",
                value=year,
            )
        )
    if issues:
        raise InputDataError(issues)


def _current_version(session: Session, enterprise_id: int, year: int, month: int) -> Report | None:
    return session.scalar(
        select(Report).where(
            Report.enterprise_id == enterprise_id,
            Report.year == year,
            Report.month == month,
            Report.is_current.is_(True),
        )
    )


def open_report(
    session: Session,
    actor: Actor,
    credit_code: str,
    year: int,
    month: int,
    *,
    gwp_set: str = "AR5",
    factor_set: str | None = None,
    today: dt.date | None = None,
) -> Report:
    """The current version of an enterprise's report for a period (month 0 = annual),
    opening a first draft if there is none. Opening needs the right to edit the report;
    finding an existing one the right to read it."""
    from citycarbon.refdata.loader import default_factor_set_ref, load_factor_set, load_gwp

    today = today or dt.datetime.now(dt.UTC).date()
    _check_period(year, month, today)
    firm = find_enterprise(session, credit_code)
    existing = _current_version(session, firm.id, year, month)
    if existing is not None:
        require(actor, Permission.READ_REPORT, target_of(session, existing))
        return existing
    path = session.scalar(select(Region.path).where(Region.code == firm.region_code))
    require(actor, Permission.EDIT_REPORT, Target(region_path=path, enterprise_id=firm.id))
    ref = factor_set or default_factor_set_ref()
    try:
        ref = load_factor_set(ref).ref  # pin the exact version, even if given by name only
    except CitycarbonError as exc:
        raise input_error("factor_set", ref, exc.message) from None
    try:
        gwp_set = load_gwp(gwp_set).gwp_set
    except CitycarbonError as exc:
        raise input_error("gwp_set", gwp_set, exc.message) from None
    report = Report(
        enterprise_id=firm.id,
        year=year,
        month=month,
        version=1,
        is_current=True,
        state=ReportState.DRAFT.value,
        factor_set=ref,
        gwp_set=gwp_set,
        due_date=deadline_policy(session).due_date(year, month),
        created_at=utcnow(),
    )
    session.add(report)
    session.flush()
    record_report_change(session, actor, report, "report.open", after=audit.snapshot(report))
    return report
