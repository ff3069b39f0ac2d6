"""The forms of the assessment pages: add a measure project and report a measure's progress
(``/assessment/measures``), give bonus or penalty points (``/assessment/{region}``) and edit
the rubric's weights and the yellow band (``/assessment/rubric``).

Post, redirect, get: a form that the service accepts is answered with 303 back to its page
(``?done=``); one it refuses for its content renders the page again with the problem and the
values as entered (400/409/422); a refusal of access or a missing record goes to the error
page (403/404). Every rule and every access decision is the service layer's.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from citycarbon.errors import CitycarbonError, Message
from citycarbon.service.assessment_rubric import rubric_data, set_adjustment, set_band, set_rubric
from citycarbon.service.measures import create_measure, update_measure
from citycarbon.web.api.targets import DEFAULT_PLAN, MeasureId
from citycarbon.web.app import status_of
from citycarbon.web.deps import Sessions, SignedInDep
from citycarbon.web.pages.assessment import (
    district_response,
    measures_response,
    rubric_response,
)
from citycarbon.web.pages.portal import back

router = APIRouter(include_in_schema=False)

SHOWN_STATUSES = (400, 409, 422)  # the form's content was refused: show it again
MEASURE_FIELDS = (
    "region_code", "action", "name_zh", "name_en", "department", "start_date", "due_date",
    "investment_10k_cny", "expected_reduction_t", "note",
)  # fmt: skip


class FormValueError(CitycarbonError):
    """A form field that is not a number or a date (the page says which)."""


def _bad(field: str, label: Message, value: str, expected: Message) -> FormValueError:
    return FormValueError(
        Message(
            zh=f"{label.zh}“{value}”不是{expected.zh}",
            en=f"{label.en} {value!r} is not {expected.en}",
        ),
        field=field,
    )


NUMBER = Message("有效数字", "a valid number")
DATE = Message("有效日期（YYYY-MM-DD）", "a valid date (YYYY-MM-DD)")


def _number(form: dict[str, Any], field: str, label: Message) -> float | None:
    text = str(form.get(field) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise _bad(field, label, text, NUMBER) from None
    if not math.isfinite(value):
        raise _bad(field, label, text, NUMBER)
    return value


def _date(form: dict[str, Any], field: str, label: Message) -> dt.date:
    text = str(form.get(field) or "").strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _bad(field, label, text, DATE) from None


def _attempt(
    sessions: Sessions,
    work: Callable[[Session], Any],
    again: Callable[[Session, CitycarbonError], Response],
) -> Response | None:
    """Run ``work`` in one transaction; on a refusal of the form's content, the page again
    (``again``); refusals of access and missing records go on to the error page."""
    try:
        with sessions.begin() as session:
            work(session)
    except CitycarbonError as exc:
        if status_of(exc) not in SHOWN_STATUSES:
            raise
        with sessions() as session:
            return again(session, exc)
    return None


def _status(exc: CitycarbonError) -> int:
    # a field that is not a number or date is unprocessable input; the rest as the app maps it
    return 422 if isinstance(exc, FormValueError) else status_of(exc)


# ---- measure projects


@router.post("/assessment/measures")
async def post_measure_form(request: Request, actor: SignedInDep, sessions: Sessions) -> Response:
    raw = await request.form()
    form: dict[str, Any] = {k: str(raw.get(k) or "").strip() for k in MEASURE_FIELDS}
    # a multi-select sends one value per indicator; a typed list is split on commas
    codes = [c.strip() for v in raw.getlist("indicators") for c in str(v).split(",")]
    form["indicators"] = [c for c in codes if c]

    def work(session: Session) -> None:
        values = {
            **{k: form[k] for k in ("region_code", "action", "name_zh", "name_en",
                                    "department", "note")},
            "start_date": _date(form, "start_date", Message("开始日期", "start date")),
            "due_date": _date(form, "due_date", Message("完成期限", "due date")),
            "indicators": form["indicators"],
            "investment_10k_cny": _number(
                form, "investment_10k_cny", Message("投资", "investment")
            ),
            "expected_reduction_t": _number(
                form, "expected_reduction_t", Message("预期减排", "expected reduction")
            ),
        }  # fmt: skip
        form["id"] = create_measure(session, actor, values).id

    def again(session: Session, exc: CitycarbonError) -> Response:
        shown = form | {"field": exc.field or ""}
        return measures_response(
            request, session, actor, problem=exc.message, form=shown, status=_status(exc)
        )

    refused = _attempt(sessions, work, again)
    if refused is not None:
        return refused
    return back(f"/assessment/measures?done=measure#measure-{form['id']}")


@router.post("/assessment/measures/{measure_id}")
def post_progress_form(
    request: Request,
    measure_id: MeasureId,
    actor: SignedInDep,
    sessions: Sessions,
    status: Annotated[str, Form(max_length=20)],
    completion_pct: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=2000)] = "",
    region: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """A measure's progress: status, completion (in per cent on the form) and a note."""
    form = {"status": status, "completion_pct": completion_pct, "note": note}

    def work(session: Session) -> None:
        pct = _number(form, "completion_pct", Message("完成度", "completion"))
        changes: dict[str, Any] = {"status": status, "note": note}
        if pct is not None:
            changes["completion"] = pct / 100
        update_measure(session, actor, measure_id, changes)

    def again(session: Session, exc: CitycarbonError) -> Response:
        shown = {"measure_id": measure_id, **form, "field": exc.field or ""}
        return measures_response(
            request, session, actor, region=region or None, problem=exc.message, form=shown,
            status=_status(exc),
        )  # fmt: skip

    refused = _attempt(sessions, work, again)
    if refused is not None:
        return refused
    query = urlencode({"region": region} if region else {})
    done = f"{query}&done=progress" if query else "done=progress"
    return back(f"/assessment/measures?{done}#measure-{measure_id}")


# ---- bonus and penalty points


@router.post("/assessment/{region_code}/adjustments")
def post_adjustment_form(
    request: Request,
    region_code: Annotated[str, Path(max_length=12)],
    actor: SignedInDep,
    sessions: Sessions,
    year: Annotated[int, Form(ge=1900, le=2200)],
    code: Annotated[str, Form(max_length=40)],
    points: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=2000)] = "",
    plan: Annotated[str, Form(max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")] = DEFAULT_PLAN,
) -> Response:
    form = {"code": code, "points": points, "note": note}

    def work(session: Session) -> None:
        value = _number(form, "points", Message("分值", "points"))
        if value is None:
            raise _bad("points", Message("分值", "points"), "", NUMBER)
        set_adjustment(session, actor, region_code, year, code, value, note)

    def again(session: Session, exc: CitycarbonError) -> Response:
        return district_response(
            request, session, actor, region_code, year=year, plan=plan, problem=exc.message,
            form=form | {"field": exc.field or ""}, status=_status(exc),
        )  # fmt: skip

    refused = _attempt(sessions, work, again)
    if refused is not None:
        return refused
    query = urlencode({"year": year, "plan": plan, "done": "adjustment"})
    return back(f"/assessment/{region_code}?{query}#adjustments")


# ---- the rubric


@router.post("/assessment/rubric")
async def post_rubric_form(request: Request, actor: SignedInDep, sessions: Sessions) -> Response:
    """New weights for the rubric's items and a new yellow band; the rest of the rubric
    (items, binding, bonus and penalty items, full marks, veto floor) stays as it is."""
    raw = await request.form()
    form = {str(k): str(v).strip() for k, v in raw.items() if k != "csrf_token"}

    def work(session: Session) -> None:
        data = rubric_data(session)
        items = []
        for item in data["items"]:
            code = str(item["indicator"])
            label = Message(f"{code} 的权重", f"weight of {code}")
            weight = _number(form, f"weight_{code}", label)
            items.append({**item, "weight": item["weight"] if weight is None else weight})
        set_rubric(session, actor, {**data, "items": items})
        band = _number(form, "band", Message("黄灯区间", "yellow band"))
        if band is not None:
            set_band(session, actor, band)

    def again(session: Session, exc: CitycarbonError) -> Response:
        return rubric_response(
            request, session, actor, problem=exc.message, form=form | {"field": exc.field or ""},
            status=_status(exc),
        )  # fmt: skip

    refused = _attempt(sessions, work, again)
    if refused is not None:
        return refused
    return back("/assessment/rubric?done=rubric")
