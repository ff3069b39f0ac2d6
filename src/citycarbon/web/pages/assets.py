"""Carbon-asset pages (碳资产): ``/assets`` (an enterprise user goes straight to its own page;
officials see the compliance list of a year) and ``/assets/{credit_code}`` (allowance
balance, compliance with verified emissions, surrendered, shortfall, CCER used vs cap, the
deadline banner, the allocation's calculation trace with its refdata sources, the statement;
for ``assets.manage`` the forms to post and reverse entries).

Forms post and redirect back; a refused entry renders the page again with the problem and
the field it names (400/409/422).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from sqlalchemy.orm import Session

from citycarbon.enterprise.assets import KIND_LABELS, EntryKind
from citycarbon.errors import CitycarbonError, Message
from citycarbon.service.access import Permission, Target, holds, may
from citycarbon.service.actor import Actor
from citycarbon.service.carbon_assets import (
    EntryInput,
    asset_status,
    compliance_years,
    enterprise_for,
    latest_year,
    overview,
    post_entry,
    reverse_entry,
)
from citycarbon.service.carbon_assets_allocate import allocate, settle_true_up
from citycarbon.service.carbon_assets_payload import status_payload
from citycarbon.store.models import Enterprise
from citycarbon.web.api.assets import default_year, today
from citycarbon.web.app import status_of
from citycarbon.web.deps import ReadSession, Sessions, SignedInDep
from citycarbon.web.pages.portal import back
from citycarbon.web.templating import render

router = APIRouter(include_in_schema=False)

CreditCode = Annotated[str, PathParam(min_length=1, max_length=30)]
YearQuery = Annotated[int | None, Query(ge=2005, le=2100)]
KINDS = tuple((k.value, KIND_LABELS[k]) for k in EntryKind)
DONE = {
    "posted": Message(zh="已登记台账条目", en="Entry posted"),
    "reversed": Message(zh="已冲正台账条目", en="Entry reversed"),
    "allocated": Message(zh="已预分配配额并登记入账", en="Allowances pre-allocated and posted"),
    "trued_up": Message(zh="已按核查产出核定配额", en="Allocation trued up on verified output"),
}
FIELD_LABELS = {
    "quantity_t": Message(zh="数量", en="quantity"),
    "counterparty": Message(zh="交易对方", en="counterparty"),
    "price_cny_per_t": Message(zh="价格", en="price"),
    "kind": Message(zh="类型", en="kind"),
    "on": Message(zh="日期", en="date"),
    "reverses_id": Message(zh="冲正条目", en="entry reversed"),
    "note": Message(zh="备注", en="note"),
    "compliance_year": Message(zh="履约年度", en="compliance year"),
    "spec": Message(zh="分配参数", en="allocation spec"),
    "reference": Message(zh="凭证号", en="reference"),
}


@router.get("/assets")
async def assets_page(
    request: Request, actor: SignedInDep, session: ReadSession, year: YearQuery = None
) -> Response:
    if actor.enterprise_id is not None:
        firm = session.get(Enterprise, actor.enterprise_id)
        if firm is not None:
            return back(f"/assets/{firm.credit_code}")
    chosen = year if year is not None else default_year(None)
    statuses = overview(session, actor, chosen, today())
    context = {
        "year": chosen,
        "rows": [status_payload(s, full=False) for s in statuses],
        "years": list(range(today().year, today().year - 6, -1)),
    }
    return render(request, "assets.html", context)


def _enterprise_page(
    request: Request,
    session: Session,
    actor: Actor,
    credit_code: str,
    year: int | None,
    *,
    problem: CitycarbonError | None = None,
    form: dict[str, Any] | None = None,
    spec_text: str | None = None,
    status_code: int = 200,
) -> Response:
    firm, region = enterprise_for(session, actor, credit_code, Permission.READ_ASSETS)
    chosen = year if year is not None else default_year(latest_year(session, firm.id))
    status = asset_status(session, actor, credit_code, chosen, today())
    target = Target(region_path=region.path, enterprise_id=firm.id)
    field = problem.field if problem is not None else None
    context = {
        "a": status_payload(status),
        "years": compliance_years(session, actor, credit_code) or [chosen],
        "manage": may(actor, Permission.MANAGE_ASSETS, target),
        "kinds": KINDS,
        "done": DONE.get(request.query_params.get("done", "")),
        "problem": problem.message if problem is not None else None,
        "problem_field": field,
        "problem_label": FIELD_LABELS.get(field or ""),
        "form": form or {"on": today().isoformat()},
        "spec_text": spec_text
        or json.dumps(spec_template(firm, chosen), ensure_ascii=False, indent=1),
        "issue_on": today().isoformat(),
        "city_list": holds(actor, Permission.MANAGE_ASSETS) or actor.enterprise_id is None,
    }
    return render(request, "assets_enterprise.html", context, status_code)


def spec_template(firm: Enterprise, year: int) -> dict[str, Any]:
    """A starting point for the allocation form: a power plant's units, or a product line."""
    if "".join(c for c in firm.industry if c.isdigit()).startswith("44"):  # power (GB/T 4754)
        unit = {
            "unit_id": "#1",
            "category": "coal_conventional_above_300mw",
            "cooling": "water",
            "capacity_mw": 600,
            "operating_hours": 5000,
        }
        return {"method": "benchmark", "base_year": year - 1, "units": [unit]}
    line = {
        "line_id": "main",
        "product": "",
        "output_unit": "t",
        "decline_factor": 1.0,
        "base_years": [year - 4, year - 3, year - 2],
        "source": "",
    }
    return {"method": "historical_intensity", "base_year": year - 1, "lines": [line]}


@router.get("/assets/{credit_code}")
async def enterprise_assets_page(
    request: Request,
    credit_code: CreditCode,
    actor: SignedInDep,
    session: ReadSession,
    year: YearQuery = None,
) -> Response:
    return _enterprise_page(request, session, actor, credit_code, year)


def _parse_form(form: dict[str, str]) -> EntryInput:
    """The form as an entry; a number or date that does not read names its field."""

    def number(key: str, label: Message, *, optional: bool = False) -> float | None:
        text = form.get(key, "").strip().replace(",", "")
        if optional and not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise CitycarbonError(
                Message(zh=f"{label.zh}应为数字", en=f"the {label.en} must be a number"), field=key
            ) from None

    try:
        on = dt.date.fromisoformat(form.get("on", "").strip())
    except ValueError:
        raise CitycarbonError(
            Message(zh="日期应为 YYYY-MM-DD", en="the date must read YYYY-MM-DD"), field="on"
        ) from None
    quantity = number("quantity_t", FIELD_LABELS["quantity_t"])
    assert quantity is not None
    return EntryInput(
        kind=form.get("kind", ""),
        on=on,
        quantity_t=quantity,
        counterparty=form.get("counterparty", ""),
        price_cny_per_t=number("price_cny_per_t", FIELD_LABELS["price_cny_per_t"], optional=True),
        reference=form.get("reference", ""),
        note=form.get("note", ""),
    )


@dataclass(frozen=True)
class _PageAfter:
    """A form's write: on success back to the enterprise's page with a done-notice; a refusal
    (400, 409, 422) shows the page again with the problem next to its field, nothing written."""

    request: Request
    actor: Actor
    credit_code: str
    year: int

    def write(
        self, sessions: Any, work: Callable[[Session], None], done: str, **shown: Any
    ) -> Response:
        try:
            with sessions.begin() as session:
                work(session)
        except CitycarbonError as exc:
            status = status_of(exc)
            if status not in (400, 409, 422):
                raise
            with sessions() as session:
                return _enterprise_page(
                    self.request,
                    session,
                    self.actor,
                    self.credit_code,
                    self.year,
                    problem=exc,
                    status_code=status,
                    **shown,
                )
        return back(f"/assets/{self.credit_code}?year={self.year}&done={done}")


@router.post("/assets/{credit_code}/entries")
def post_entry_form(
    request: Request,
    credit_code: CreditCode,
    actor: SignedInDep,
    sessions: Sessions,
    compliance_year: Annotated[int, Form(ge=2005, le=2100)],
    kind: Annotated[str, Form(max_length=20)],
    on: Annotated[str, Form(max_length=20)],
    quantity_t: Annotated[str, Form(max_length=40)],
    counterparty: Annotated[str, Form(max_length=200)] = "",
    price_cny_per_t: Annotated[str, Form(max_length=40)] = "",
    reference: Annotated[str, Form(max_length=100)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    form = {
        "kind": kind,
        "on": on,
        "quantity_t": quantity_t,
        "counterparty": counterparty,
        "price_cny_per_t": price_cny_per_t,
        "reference": reference,
        "note": note,
    }

    def write(session: Session) -> None:
        post_entry(session, actor, credit_code, compliance_year, _parse_form(form))

    page = _PageAfter(request, actor, credit_code, compliance_year)
    return page.write(sessions, write, "posted", form=form)


@router.post("/assets/{credit_code}/entries/{entry_id}/reversal")
def post_reversal_form(
    request: Request,
    credit_code: CreditCode,
    entry_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    actor: SignedInDep,
    sessions: Sessions,
    compliance_year: Annotated[int, Form(ge=2005, le=2100)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    def write(session: Session) -> None:
        reverse_entry(session, actor, entry_id, today(), reason)

    page = _PageAfter(request, actor, credit_code, compliance_year)
    return page.write(sessions, write, "reversed")


def _allocation_step(
    request: Request,
    credit_code: str,
    actor: Actor,
    sessions: Any,
    year: int,
    issue_on: str,
    spec_text: str | None,
) -> Response:
    def write(session: Session) -> None:
        try:
            day = dt.date.fromisoformat(issue_on.strip())
        except ValueError:
            raise CitycarbonError(
                Message(zh="日期应为 YYYY-MM-DD", en="the date must read YYYY-MM-DD"), field="on"
            ) from None
        if spec_text is None:
            settle_true_up(session, actor, credit_code, year, issue_on=day)
        else:
            allocate(session, actor, credit_code, year, _spec(spec_text), issue_on=day)

    done = "trued_up" if spec_text is None else "allocated"
    page = _PageAfter(request, actor, credit_code, year)
    return page.write(sessions, write, done, spec_text=spec_text)


def _spec(text: str) -> dict[str, Any]:
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CitycarbonError(
            Message(
                zh=f"分配参数不是有效的 JSON（第 {exc.lineno} 行：{exc.msg}）",
                en=f"the allocation spec is not valid JSON (line {exc.lineno}: {exc.msg})",
            ),
            field="spec",
        ) from None
    if not isinstance(spec, dict):
        raise CitycarbonError(
            Message(zh="分配参数应为 JSON 对象", en="the allocation spec must be a JSON object"),
            field="spec",
        )
    return spec


@router.post("/assets/{credit_code}/allocation")
def post_allocation_form(
    request: Request,
    credit_code: CreditCode,
    actor: SignedInDep,
    sessions: Sessions,
    compliance_year: Annotated[int, Form(ge=2005, le=2100)],
    spec: Annotated[str, Form(max_length=100_000)],
    issue_on: Annotated[str, Form(max_length=20)],
) -> Response:
    return _allocation_step(request, credit_code, actor, sessions, compliance_year, issue_on, spec)


@router.post("/assets/{credit_code}/allocation/true-up")
def post_true_up_form(
    request: Request,
    credit_code: CreditCode,
    actor: SignedInDep,
    sessions: Sessions,
    compliance_year: Annotated[int, Form(ge=2005, le=2100)],
    issue_on: Annotated[str, Form(max_length=20)],
) -> Response:
    return _allocation_step(request, credit_code, actor, sessions, compliance_year, issue_on, None)
