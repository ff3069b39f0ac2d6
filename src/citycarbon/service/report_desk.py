"""What the enterprise portal and the review desks need beyond the single use cases: which
steps an actor may take on a report now, the lines of a report made equal to an edited list,
a spreadsheet imported into one report, and the enterprises, facilities and verifiers an
actor may pick from. Access is asked of :mod:`citycarbon.service.access` only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citycarbon.enterprise.workflow import EDITABLE, FROZEN, ReportState, require_editable
from citycarbon.errors import InputDataError, Issue, Message
from citycarbon.service.access import (
    Permission,
    Target,
    may,
    require,
    require_grant,
    visible_enterprises,
)
from citycarbon.service.actor import Actor
from citycarbon.service.ledger import district_of
from citycarbon.service.report_contents import put_lines, remove_line
from citycarbon.service.reports import (
    LineInput,
    authorised_report,
    target_of,
)
from citycarbon.service.roles import Role
from citycarbon.store.models import Enterprise, Facility, Region, ReportLine, User

if TYPE_CHECKING:
    from citycarbon.ingest.readers import RawTable

ACTIVITY_KIND = "enterprise-activity"


# ---- the steps an actor may take on a report now


def available_steps(session: Session, actor: Actor, report_id: int) -> frozenset[str]:
    """``edit``, ``attach``, ``submit``, ``check``, ``return``, ``assign``, ``verify``,
    ``lock``, ``restate``: what the actor may do to the report in its present state (the
    use cases check again when the step is taken). Needs the right to read the report."""
    report = authorised_report(session, actor, report_id, Permission.READ_REPORT)
    target = target_of(session, report)
    state = ReportState(report.state)

    def can(permission: Permission) -> bool:
        return may(actor, permission, target)

    steps: set[str] = set()
    if state in EDITABLE and can(Permission.EDIT_REPORT):
        steps |= {"edit", "attach", "submit"}
    if state is ReportState.SUBMITTED and can(Permission.CHECK_REPORT):
        steps |= {"check", "return"}
    if state is ReportState.CHECKED and can(Permission.VERIFY_REPORT):
        steps |= {"return", "attach"} | ({"verify"} if report.verifier_id else set())
    if state not in FROZEN and report.is_current and can(Permission.ASSIGN_VERIFIER):
        steps.add("assign")
    if state is ReportState.VERIFIED and can(Permission.LOCK_REPORT):
        steps.add("lock")
    if state in FROZEN and report.is_current and can(Permission.EDIT_REPORT):
        steps.add("restate")
    return frozenset(steps)


# ---- editing the lines as one list


def replace_lines(
    session: Session, actor: Actor, report_id: int, lines: list[LineInput]
) -> tuple[int, int]:
    """Make the report's lines equal to ``lines``: add or replace every given line, then
    remove the lines not given. All or nothing (in the caller's transaction); returns
    (lines written, lines removed)."""
    written = put_lines(session, actor, report_id, lines) if lines else []
    if not lines:  # put_lines is not asked, so ask here whether the report may change
        report = authorised_report(session, actor, report_id, Permission.EDIT_REPORT)
        require_editable(ReportState(report.state))
    kept = {(r.facility, r.category, r.activity, r.qualifier) for r in written}
    stored = session.execute(
        select(ReportLine.facility, ReportLine.category, ReportLine.activity, ReportLine.qualifier)
        .where(ReportLine.report_id == report_id)
    ).all()  # fmt: skip
    removed = 0
    for facility, category, activity, qualifier in stored:
        if (facility, category, activity, qualifier) not in kept:
            remove_line(
                session, actor, report_id, category, activity,
                facility=facility, qualifier=qualifier,
            )  # fmt: skip
            removed += 1
    return len(written), removed


# ---- a spreadsheet into one report


def _belongs(raw_value: object, expected: str) -> bool:
    text = "" if raw_value is None else str(raw_value).strip()
    if text == expected:
        return True
    try:
        return float(text) == float(expected)
    except ValueError:
        return text.upper() == expected.upper()


def _refuse_other_reports(raw: RawTable, expected: dict[str, str]) -> None:
    """Every row must be for this report: a file for another enterprise or period is
    refused before anything is written."""
    issues: list[Issue] = []
    for key in (k for k in expected if k in raw.table.schema.names):
        for index, value in enumerate(raw.table.column(key).to_pylist()):
            if not _belongs(value, expected[key]):
                issues.append(
                    Issue(
                        Message(
                            zh=f"该行不属于本报告（应为 {expected[key]}）",
                            en=f"the row is not for this report (expected {expected[key]})",
                        ),
                        field=key,
                        row=raw.row_number(index),
                        sheet=raw.sheet,
                        value=value,
                        code="other_report",
                    )
                )
    if issues:
        raise InputDataError(issues)


def import_into_report(
    session: Session, actor: Actor, report_id: int, path: Path, filename: str
) -> dict[str, int]:
    """Import an ``enterprise-activity`` file (xlsx or CSV) whose every row belongs to this
    report (its enterprise, year and month): validated through the intake, then written all
    or nothing in the caller's transaction. Issues name ``filename``, not the saved copy."""
    from citycarbon.ingest.commit import import_file
    from citycarbon.ingest.kinds import get_kind
    from citycarbon.ingest.readers import read_file

    report = authorised_report(session, actor, report_id, Permission.EDIT_REPORT)
    require_editable(ReportState(report.state))
    firm = session.get(Enterprise, report.enterprise_id)
    assert firm is not None  # a foreign key guarantees it
    expected = {
        "credit_code": firm.credit_code,
        "year": str(report.year),
        "month": str(report.month),
    }
    try:
        raw = read_file(path, get_kind(ACTIVITY_KIND))
        _refuse_other_reports(raw, expected)
        summary = import_file(session, actor, path, ACTIVITY_KIND)
    except InputDataError as exc:
        raise InputDataError([replace(i, file=filename) for i in exc.issues]) from None
    return {
        "rows": summary.rows,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
    }


# ---- what an actor may pick from


@dataclass(frozen=True, slots=True)
class EnterpriseSummary:
    credit_code: str
    name_zh: str
    name_en: str
    industry: str
    region_code: str
    district_code: str
    is_key_emitter: bool
    is_key_energy_user: bool


def list_enterprises(
    session: Session,
    actor: Actor,
    *,
    region_code: str | None = None,
    industry: str | None = None,
    key_only: bool = False,
    search: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[int, list[EnterpriseSummary]]:
    """The enterprises the actor may see (READ_ENTERPRISE), by credit code, with the total
    count before ``limit``. ``region_code`` takes the region and everything below it;
    ``industry`` a GB/T 4754 code prefix; ``search`` part of the name or credit code."""
    require_grant(actor, Permission.READ_ENTERPRISE)
    stmt = visible_enterprises(actor, select(Enterprise.id))
    base = select(Enterprise, Region.path).join(Region, Region.code == Enterprise.region_code)
    base = base.where(Enterprise.id.in_(stmt.scalar_subquery()))
    if region_code:
        path = session.scalar(select(Region.path).where(Region.code == region_code))
        base = base.where(Region.path.startswith(path or f"/{region_code}/", autoescape=True))
    if industry:
        base = base.where(Enterprise.industry.startswith(industry.strip(), autoescape=True))
    if key_only:
        base = base.where(Enterprise.is_key_emitter | Enterprise.is_key_energy_user)
    if search and search.strip():
        like = f"%{search.strip()}%"
        base = base.where(
            Enterprise.name_zh.like(like)
            | Enterprise.name_en.like(like)
            | Enterprise.credit_code.like(like.upper())
        )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    base = base.order_by(Enterprise.credit_code).offset(offset)
    if limit is not None:
        base = base.limit(limit)
    levels = dict(session.execute(select(Region.code, Region.level)).all())
    rows = [
        EnterpriseSummary(
            credit_code=firm.credit_code,
            name_zh=firm.name_zh,
            name_en=firm.name_en,
            industry=firm.industry,
            region_code=firm.region_code,
            district_code=district_of(path, levels),
            is_key_emitter=firm.is_key_emitter,
            is_key_energy_user=firm.is_key_energy_user,
        )
        for firm, path in session.execute(base)
    ]
    return total, rows


def enterprise_facilities(
    session: Session, actor: Actor, enterprise_id: int
) -> list[tuple[str, str, str]]:
    """(code, name_zh, name_en) of the enterprise's registered facilities."""
    firm = session.get(Enterprise, enterprise_id)
    if firm is None:
        return []
    path = session.scalar(select(Region.path).where(Region.code == firm.region_code))
    require(actor, Permission.READ_ENTERPRISE, Target(region_path=path, enterprise_id=firm.id))
    rows = session.execute(
        select(Facility.code, Facility.name_zh, Facility.name_en)
        .where(Facility.enterprise_id == firm.id)
        .order_by(Facility.code)
    )
    return [(code, zh, en) for code, zh, en in rows]


def credit_code_of(session: Session, actor: Actor, enterprise_id: int) -> str | None:
    """The credit code of the enterprise an enterprise reporter acts for (None if none)."""
    firm = session.get(Enterprise, enterprise_id)
    if firm is None:
        return None
    path = session.scalar(select(Region.path).where(Region.code == firm.region_code))
    require(actor, Permission.READ_ENTERPRISE, Target(region_path=path, enterprise_id=firm.id))
    return firm.credit_code


def assignable_verifiers(session: Session, actor: Actor) -> list[str]:
    """User names of the active verifiers a report can be assigned to (ASSIGN_VERIFIER)."""
    require_grant(actor, Permission.ASSIGN_VERIFIER)
    return list(
        session.scalars(
            select(User.username)
            .where(User.role == Role.VERIFIER.value, User.is_active.is_(True))
            .order_by(User.username)
        )
    )
