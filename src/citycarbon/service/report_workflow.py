"""The workflow of an enterprise report as use cases: submit, district check, return with a
reason, assign a verifier, verify, lock, restate.

The state machine itself is the pure :mod:`citycarbon.enterprise.workflow`; this module adds
who may take each step (through :func:`citycarbon.service.access.require` only), the
timestamps, and one audit entry per transition with the report before and after.

========================  =====================================================
step                      permission (in the actor's scope)
========================  =====================================================
submit, restate           ``EDIT_REPORT`` (the enterprise)
check                     ``CHECK_REPORT`` (district official, city office)
return at *submitted*     ``CHECK_REPORT``
return at *checked*       ``VERIFY_REPORT`` (the assigned verifier)
assign a verifier         ``ASSIGN_VERIFIER`` (city office)
verify                    ``VERIFY_REPORT`` (the assigned verifier)
lock                      ``LOCK_REPORT`` (city office)
========================  =====================================================
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citycarbon.enterprise.workflow import (
    FROZEN,
    ReportAction,
    ReportState,
    WorkflowError,
    next_state,
)
from citycarbon.errors import Message
from citycarbon.service import audit
from citycarbon.service.access import Permission, require
from citycarbon.service.actor import Actor
from citycarbon.service.reports import (
    authorised_report,
    deadline_policy,
    load_report,
    record_report_change,
    target_of,
)
from citycarbon.service.roles import Role
from citycarbon.service.users import UserError
from citycarbon.store.models import Report, ReportLine, ReportProduction, User, utcnow

# Which permission a step needs; a return depends on the step it is returned from.
STEP_PERMISSION = {
    ReportAction.SUBMIT: Permission.EDIT_REPORT,
    ReportAction.CHECK: Permission.CHECK_REPORT,
    ReportAction.VERIFY: Permission.VERIFY_REPORT,
    ReportAction.LOCK: Permission.LOCK_REPORT,
    ReportAction.RESTATE: Permission.EDIT_REPORT,
}
RETURN_PERMISSION = {
    ReportState.SUBMITTED: Permission.CHECK_REPORT,
    ReportState.CHECKED: Permission.VERIFY_REPORT,
}


def permission_for(action: ReportAction, state: ReportState) -> Permission:
    """The permission ``action`` needs on a report in ``state``."""
    if action is ReportAction.RETURN:
        # from any other state the workflow refuses the return anyway; ask for the stricter
        return RETURN_PERMISSION.get(state, Permission.CHECK_REPORT)
    return STEP_PERMISSION[action]


def _step(
    session: Session,
    actor: Actor,
    report_id: int,
    action: ReportAction,
    reason: str | None = None,
) -> Report:
    report = load_report(session, report_id, for_update=True)
    state = ReportState(report.state)
    require(actor, permission_for(action, state), target_of(session, report))
    transition = next_state(state, action, reason)
    before = audit.snapshot(report)
    now = utcnow()
    report.state = transition.after.value
    if action is ReportAction.SUBMIT:
        report.submitted_at, report.return_reason = now, None
    elif action is ReportAction.CHECK:
        report.checked_at = now
    elif action is ReportAction.VERIFY:
        report.verified_at = now
    elif action is ReportAction.LOCK:
        report.locked_at = now
    elif action is ReportAction.RETURN:
        report.return_reason = (reason or "").strip()
    session.flush()
    record_report_change(
        session, actor, report, f"report.{action.value}",
        before=before, after=audit.snapshot(report), reason=reason,
    )  # fmt: skip
    return report


def submit(session: Session, actor: Actor, report_id: int) -> Report:
    """Send a draft or returned report for the district check; it needs at least one line."""
    report = authorised_report(session, actor, report_id, Permission.EDIT_REPORT)
    lines = session.scalar(
        select(func.count()).select_from(ReportLine).where(ReportLine.report_id == report.id)
    )
    if not lines and ReportState(report.state) in (ReportState.DRAFT, ReportState.RETURNED):
        raise WorkflowError(
            Message(zh="报告没有任何活动数据，不能提交", en="the report has no lines to submit"),
            field="lines",
        )
    return _step(session, actor, report_id, ReportAction.SUBMIT)


def check(session: Session, actor: Actor, report_id: int) -> Report:
    """The district's check: the report goes on to third-party verification."""
    return _step(session, actor, report_id, ReportAction.CHECK)


def return_report(session: Session, actor: Actor, report_id: int, reason: str) -> Report:
    """Send a report back to the enterprise with a reason it can act on."""
    return _step(session, actor, report_id, ReportAction.RETURN, reason)


def verify(session: Session, actor: Actor, report_id: int) -> Report:
    """The assigned verifier's confirmation; from then on the numbers never change."""
    report = authorised_report(session, actor, report_id, Permission.READ_REPORT)
    if report.verifier_id is None:
        # said before the verify permission is asked: without an assignment nobody but an
        # administrator is in scope, and a reader should learn what is missing
        raise WorkflowError(
            Message(
                zh="报告尚未指派核查机构，不能核查",
                en="no verifier is assigned to this report yet",
            ),
            field="verifier",
        )
    return _step(session, actor, report_id, ReportAction.VERIFY)


def lock(session: Session, actor: Actor, report_id: int) -> Report:
    return _step(session, actor, report_id, ReportAction.LOCK)


def assign_verifier(session: Session, actor: Actor, report_id: int, username: str) -> Report:
    """Give the report to a third-party verifier (a user with the verifier role); possible
    until the report is verified."""
    report = authorised_report(session, actor, report_id, Permission.ASSIGN_VERIFIER)
    if ReportState(report.state) in FROZEN:
        raise WorkflowError(
            Message(
                zh="报告已核查，不能再指派核查机构",
                en="the report is already verified; its verifier cannot change",
            ),
            field="state",
        )
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active or user.role != Role.VERIFIER.value:
        raise UserError(
            Message(
                zh=f"{username} 不是启用的核查机构用户",
                en=f"{username} is not an active verifier",
            ),
            field="verifier",
        )
    before = audit.snapshot(report)
    report.verifier_id = user.id
    session.flush()
    record_report_change(
        session, actor, report, "report.assign", before=before, after=audit.snapshot(report)
    )
    return report


def restate(
    session: Session, actor: Actor, report_id: int, reason: str, *, today: dt.date | None = None
) -> Report:
    """Correct a verified or locked report: a new draft version with the same lines and
    production, to go through the whole cycle again. The old version is kept as it is; it
    only stops being the current one."""
    old = load_report(session, report_id)
    require(actor, Permission.EDIT_REPORT, target_of(session, old))
    if not old.is_current:
        raise WorkflowError(
            Message(
                zh=f"报告第 {old.version} 版已被更正，只能更正当前版本",
                en=f"version {old.version} was already restated; restate the current version",
            ),
            field="version",
        )
    if not (reason and reason.strip()):
        raise WorkflowError(
            Message(zh="更正报告必须说明理由", en="restating a report needs a reason"),
            field="reason",
        )
    next_state(ReportState(old.state), ReportAction.RESTATE, reason)
    today = today or dt.datetime.now(dt.UTC).date()
    old_before = audit.snapshot(old)
    old.is_current = False
    session.flush()  # the old version stops being current before the new one is
    new = Report(
        enterprise_id=old.enterprise_id, year=old.year, month=old.month,
        version=old.version + 1, is_current=True, state=ReportState.DRAFT.value,
        supersedes_id=old.id, factor_set=old.factor_set, gwp_set=old.gwp_set,
        due_date=deadline_policy(session).restatement_due(today), created_at=utcnow(),
    )  # fmt: skip
    session.add(new)
    session.flush()
    for line in session.scalars(select(ReportLine).where(ReportLine.report_id == old.id)):
        session.add(
            ReportLine(
                report_id=new.id,
                facility=line.facility,
                category=line.category,
                activity=line.activity,
                qualifier=line.qualifier,
                quantity=line.quantity,
                unit=line.unit,
                overrides=line.overrides,
                source=line.source,
            )
        )
    for item in session.scalars(
        select(ReportProduction).where(ReportProduction.report_id == old.id)
    ):
        session.add(
            ReportProduction(
                report_id=new.id,
                facility=item.facility,
                product=item.product,
                quantity=item.quantity,
                unit=item.unit,
                output_value_10k_cny=item.output_value_10k_cny,
            )
        )
    session.flush()
    record_report_change(
        session, actor, old, "report.superseded",
        before=old_before, after=audit.snapshot(old), reason=reason,
    )  # fmt: skip
    record_report_change(
        session, actor, new, "report.restate",
        before=old_before, after=audit.snapshot(new), reason=reason,
    )  # fmt: skip
    return new
