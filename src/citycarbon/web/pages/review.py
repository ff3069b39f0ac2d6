"""The review desks of the MRV workflow: the district review (``/review``: reports awaiting
the district check, verifier assignment and locking for the city office, overdue reports)
and the verifier queue (``/verify``: reports assigned to the verifier and checked), and the
workflow steps taken from any report page.

A step posted by htmx answers with the table row it changed (in place); without JavaScript
the form posts and the browser is sent back where it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from citycarbon.enterprise.workflow import ReportState
from citycarbon.errors import CitycarbonError
from citycarbon.service.access import Permission, holds, require_grant
from citycarbon.service.actor import Actor
from citycarbon.service.report_desk import assignable_verifiers
from citycarbon.service.report_queries import ReportSummary, get_report, list_reports
from citycarbon.service.report_workflow import (
    assign_verifier,
    check,
    lock,
    restate,
    return_report,
    submit,
    verify,
)
from citycarbon.store.models import Report
from citycarbon.web.api.reports import RecordId, today
from citycarbon.web.app import status_of
from citycarbon.web.deps import ReadSession, Sessions, SignedInDep
from citycarbon.web.pages.portal import DONE, back, local_target, report_page
from citycarbon.web.templating import render

router = APIRouter(include_in_schema=False)

SHOWN = 200  # rows per list on a desk page; the API pages through all of them
Step = Literal["submit", "check", "return", "assign", "verify", "lock", "restate"]
Desk = Literal["portal", "review", "verify"]


def _reports(
    session: Session, actor: Actor, state: ReportState, **filters: object
) -> list[ReportSummary]:
    return list_reports(session, actor, today=today(), state=state, **filters)  # type: ignore[arg-type]


@router.get("/review")
async def review_desk(
    request: Request,
    actor: SignedInDep,
    session: ReadSession,
    region: str | None = None,
    year: int | None = None,
) -> Response:
    require_grant(actor, Permission.CHECK_REPORT)
    scope = {"region_code": region or None, "year": year}
    awaiting = _reports(session, actor, ReportState.SUBMITTED, **scope)
    checked = _reports(session, actor, ReportState.CHECKED, **scope)
    verified = (
        _reports(session, actor, ReportState.VERIFIED, **scope)
        if holds(actor, Permission.LOCK_REPORT)
        else []
    )
    overdue = [
        r
        for state in (ReportState.SUBMITTED, ReportState.RETURNED, ReportState.DRAFT)
        for r in list_reports(
            session,
            actor,
            today=today(),
            state=state,
            overdue_only=True,
            region_code=region or None,
            year=year,
        )
    ]
    context = {
        "awaiting": awaiting,
        "checked": checked,
        "verified": verified,
        "overdue": overdue,
        "shown": SHOWN,
        "verifiers": assignable_verifiers(session, actor)
        if holds(actor, Permission.ASSIGN_VERIFIER)
        else [],
        "may_assign": holds(actor, Permission.ASSIGN_VERIFIER),
        "may_lock": holds(actor, Permission.LOCK_REPORT),
        "region": region or "",
        "year": year,
    }
    return render(request, "review.html", context)


@router.get("/verify")
async def verify_desk(request: Request, actor: SignedInDep, session: ReadSession) -> Response:
    require_grant(actor, Permission.VERIFY_REPORT)
    context = {
        "queue": _reports(session, actor, ReportState.CHECKED),
        "done": _reports(session, actor, ReportState.VERIFIED)[:SHOWN],
        "shown": SHOWN,
    }
    return render(request, "verify.html", context)


@router.get("/review/reports/{report_id}")
async def review_report(
    request: Request, report_id: RecordId, actor: SignedInDep, session: ReadSession
) -> Response:
    return report_page(request, session, actor, report_id, "review")


@router.get("/verify/reports/{report_id}")
async def verify_report(
    request: Request, report_id: RecordId, actor: SignedInDep, session: ReadSession
) -> Response:
    return report_page(request, session, actor, report_id, "verify")


def _action(
    step: Step, actor: Actor, report_id: int, reason: str, verifier: str
) -> Callable[[Session], Report]:
    actions: dict[str, Callable[[Session], Report]] = {
        "submit": lambda s: submit(s, actor, report_id),
        "check": lambda s: check(s, actor, report_id),
        "return": lambda s: return_report(s, actor, report_id, reason),
        "assign": lambda s: assign_verifier(s, actor, report_id, verifier),
        "verify": lambda s: verify(s, actor, report_id),
        "lock": lambda s: lock(s, actor, report_id),
        "restate": lambda s: restate(s, actor, report_id, reason),
    }
    return actions[step]


def take_step(
    request: Request,
    desk: Desk,
    report_id: RecordId,
    step: Step,
    actor: Actor,
    sessions: Sessions,
    reason: str,
    verifier: str,
    next_url: str,
) -> Response:
    """One workflow step from a form. htmx gets the changed row (or the refusal) to swap in
    place; a plain form post goes back to ``next`` (an error is shown on the report page)."""
    htmx = request.headers.get("hx-request") == "true"
    try:
        with sessions.begin() as session:
            report = _action(step, actor, report_id, reason, verifier)(session)
            new_id = report.id
    except CitycarbonError as exc:
        if htmx:  # swapped in place, so it must be a 200
            context = {"report_id": report_id, "error": exc.message, "done": None, "s": None}
            return render(request, "review_row.html", context)
        status = status_of(exc)
        if status not in (400, 409):  # access and missing reports go to the error page
            raise
        with sessions() as session:
            return report_page(
                request, session, actor, report_id, desk, status=status, problem=exc.message
            )
    if htmx:
        with sessions() as session:
            summary = get_report(session, actor, new_id, today=today()).summary
        context = {"report_id": new_id, "error": None, "done": DONE[step], "s": summary}
        return render(request, "review_row.html", context | {"desk": desk})
    if step == "restate":  # the new version is where the enterprise works next
        return back(f"/portal/reports/{new_id}?done=restate")
    target = local_target(next_url, f"/{desk}/reports/{report_id}").split("?")[0]
    return back(f"{target}?done={step}")


def _register(desk: Desk) -> None:
    @router.post(f"/{desk}/reports/{{report_id}}/steps/{{step}}", name=f"{desk}_step")
    def step_route(
        request: Request,
        report_id: RecordId,
        step: Step,
        actor: SignedInDep,
        sessions: Sessions,
        reason: Annotated[str, Form(max_length=2000)] = "",
        verifier: Annotated[str, Form(max_length=80)] = "",
        next: Annotated[str, Form(max_length=300)] = "",
    ) -> Response:
        return take_step(request, desk, report_id, step, actor, sessions, reason, verifier, next)


_DESKS: tuple[Desk, ...] = ("portal", "review", "verify")
for _desk in _DESKS:
    _register(_desk)
