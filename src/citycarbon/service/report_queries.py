"""Reading reports and the audit log: lists with overdue flags, one report with its lines,
evidence and history. What an actor sees is decided by :mod:`citycarbon.service.access`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from citycarbon.enterprise.deadlines import DeadlinePolicy, overdue
from citycarbon.enterprise.workflow import EDITABLE, ReportState
from citycarbon.errors import Message
from citycarbon.service import audit
from citycarbon.service.access import Permission, require, visible_reports
from citycarbon.service.actor import Actor
from citycarbon.service.reports import authorised_report, deadline_policy, report_key
from citycarbon.store.models import (
    Attachment,
    AuditEntry,
    Enterprise,
    Region,
    Report,
    ReportLine,
    ReportProduction,
    User,
)


@dataclass(frozen=True, slots=True)
class ReportSummary:
    id: int
    credit_code: str
    enterprise_zh: str
    enterprise_en: str
    region_code: str
    year: int
    month: int  # 0 = annual
    version: int
    is_current: bool
    state: ReportState
    due_date: dt.date
    verifier: str | None
    overdue: Message | None  # why the report is late today, if it is

    @property
    def period(self) -> str:
        return f"{self.year}" if self.month == 0 else f"{self.year}-{self.month:02d}"


@dataclass(frozen=True, slots=True)
class ReportView:
    summary: ReportSummary
    report: dict[str, Any]
    lines: list[dict[str, Any]] = field(default_factory=list)
    production: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)  # metadata, no content
    history: list[AuditEntry] = field(default_factory=list)


def _summary(
    report: Report,
    firm: Enterprise,
    verifier: str | None,
    policy: DeadlinePolicy,
    today: dt.date,
) -> ReportSummary:
    submitted = report.submitted_at.date() if report.submitted_at else None
    state = ReportState(report.state)
    return ReportSummary(
        id=report.id,
        credit_code=firm.credit_code,
        enterprise_zh=firm.name_zh,
        enterprise_en=firm.name_en,
        region_code=firm.region_code,
        year=report.year,
        month=report.month,
        version=report.version,
        is_current=report.is_current,
        state=state,
        due_date=report.due_date,
        verifier=verifier,
        overdue=overdue(policy, state, report.due_date, today, submitted)
        if report.is_current
        else None,  # a superseded version is history, never late
    )


class ReportFilters(TypedDict, total=False):
    """Which reports to list: ``region_code`` takes the region and everything below it;
    ``all_versions`` keeps superseded versions; ``overdue_only`` keeps the late ones."""

    year: int | None
    month: int | None
    state: ReportState | None
    credit_code: str | None
    region_code: str | None
    all_versions: bool
    overdue_only: bool


def _report_query(
    session: Session, actor: Actor, filters: ReportFilters
) -> Select[Report, Enterprise, str]:
    visible = visible_reports(actor, select(Report.id))
    stmt = (
        select(Report, Enterprise, User.username)
        .join(Enterprise, Enterprise.id == Report.enterprise_id)
        .outerjoin(User, User.id == Report.verifier_id)
        .where(Report.id.in_(visible.scalar_subquery()))
    )
    overdue_only = filters.get("overdue_only", False)
    if not filters.get("all_versions", False) or overdue_only:
        stmt = stmt.where(Report.is_current.is_(True))  # a superseded version is never late
    if overdue_only:  # only these states can be late (enterprise.deadlines.overdue)
        late = [s.value for s in EDITABLE] + [ReportState.SUBMITTED.value]
        stmt = stmt.where(Report.state.in_(late))
    if (year := filters.get("year")) is not None:
        stmt = stmt.where(Report.year == year)
    if (month := filters.get("month")) is not None:
        stmt = stmt.where(Report.month == month)
    if (state := filters.get("state")) is not None:
        stmt = stmt.where(Report.state == state.value)
    if (credit_code := filters.get("credit_code")) is not None:
        stmt = stmt.where(Enterprise.credit_code == credit_code.strip().upper())
    if (region_code := filters.get("region_code")) is not None:
        path = session.scalar(select(Region.path).where(Region.code == region_code))
        subtree = select(Region.code).where(
            Region.path.startswith(path or f"/{region_code}/", autoescape=True)
        )
        stmt = stmt.where(Enterprise.region_code.in_(subtree.scalar_subquery()))
    return stmt


def list_reports(
    session: Session,
    actor: Actor,
    *,
    today: dt.date,
    limit: int | None = None,
    offset: int = 0,
    **filters: Unpack[ReportFilters],
) -> list[ReportSummary]:
    """The reports the actor may see (see :class:`ReportFilters`), newest period first,
    each flagged if overdue ``today``. ``limit`` and ``offset`` page in the database (a
    city holds hundreds of thousands of reports)."""
    overdue_only = filters.get("overdue_only", False)
    stmt = _report_query(session, actor, filters).order_by(
        Report.year.desc(), Report.month.desc(), Enterprise.credit_code, Report.version.desc()
    )
    policy = deadline_policy(session)
    if not overdue_only:
        stmt = stmt.offset(offset).limit(limit)
    summaries = [
        _summary(report, firm, verifier, policy, today)
        for report, firm, verifier in session.execute(stmt)
    ]
    if overdue_only:  # lateness depends on today and the policy: decided here, then paged
        summaries = [s for s in summaries if s.overdue is not None]
        summaries = summaries[offset:] if limit is None else summaries[offset : offset + limit]
    return summaries


def count_reports(
    session: Session, actor: Actor, *, today: dt.date, **filters: Unpack[ReportFilters]
) -> int:
    """How many reports :func:`list_reports` would give without a limit."""
    if filters.get("overdue_only", False):
        return len(list_reports(session, actor, today=today, **filters))
    stmt = _report_query(session, actor, filters)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def get_report(
    session: Session, actor: Actor, report_id: int, *, today: dt.date | None = None
) -> ReportView:
    """One report with its lines, production, evidence (without content) and history."""
    report = authorised_report(session, actor, report_id, Permission.READ_REPORT)
    firm = session.get(Enterprise, report.enterprise_id)
    assert firm is not None  # a foreign key guarantees it
    verifier = session.get(User, report.verifier_id) if report.verifier_id else None
    summary = _summary(
        report,
        firm,
        verifier.username if verifier else None,
        deadline_policy(session),
        today or dt.datetime.now(dt.UTC).date(),
    )
    lines = session.scalars(
        select(ReportLine)
        .where(ReportLine.report_id == report.id)
        .order_by(ReportLine.facility, ReportLine.category, ReportLine.activity)
    )
    production = session.scalars(
        select(ReportProduction)
        .where(ReportProduction.report_id == report.id)
        .order_by(ReportProduction.facility, ReportProduction.product)
    )
    attachments = session.scalars(
        select(Attachment).where(Attachment.report_id == report.id).order_by(Attachment.id)
    )
    return ReportView(
        summary=summary,
        report=audit.snapshot(report),
        lines=[audit.snapshot(r) for r in lines],
        production=[audit.snapshot(r) for r in production],
        attachments=[audit.snapshot(a, exclude=("content",)) for a in attachments],
        history=_entries(session, "report", report_key(report)),
    )


def attachment_content(session: Session, actor: Actor, attachment_id: int) -> Attachment:
    """An attachment with its content, for whoever may read its report."""
    row = session.get(Attachment, attachment_id)
    if row is None:
        from citycarbon.service.reports import ReportNotFoundError

        raise ReportNotFoundError(
            Message(zh=f"没有附件 {attachment_id}", en=f"no attachment {attachment_id}"),
            field="attachment",
        )
    authorised_report(session, actor, row.report_id, Permission.READ_REPORT)
    return row


def _entries(
    session: Session, entity: str | None, key: str | None, limit: int | None = None
) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if entity is not None:
        stmt = stmt.where(AuditEntry.entity == entity)
    if key is not None:
        stmt = stmt.where(AuditEntry.entity_key == key)
    if limit is not None:
        # the newest ``limit`` entries, still shown oldest first
        newest = select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(limit)
        if entity is not None:
            newest = newest.where(AuditEntry.entity == entity)
        if key is not None:
            newest = newest.where(AuditEntry.entity_key == key)
        stmt = stmt.where(AuditEntry.id.in_(newest.scalar_subquery()))
    return list(session.scalars(stmt))


def audit_trail(session: Session, actor: Actor, entity: str, key: object) -> list[AuditEntry]:
    """Every entry about one record, oldest first."""
    require(actor, Permission.READ_AUDIT)
    return _entries(session, entity, str(key))


def list_audit(
    session: Session,
    actor: Actor,
    *,
    entity: str | None = None,
    key: str | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest ``limit`` entries of the audit log (optionally of one entity or record),
    oldest first."""
    require(actor, Permission.READ_AUDIT)
    return _entries(session, entity, key, limit)
