"""Enterprise carbon assets over HTTP: the compliance overview of a year, an enterprise's
balance, compliance, allocation trace and statement, and (``assets.manage``) posting and
reversing ledger entries, allocating and truing up, setting a year's deadline. Routes are
thin: access and every rule are the service's."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field

from citycarbon.service.access import Permission
from citycarbon.service.carbon_assets import (
    EntryInput,
    asset_status,
    china_today,
    compliance_years,
    enterprise_for,
    latest_year,
    overview,
    post_entry,
    reverse_entry,
    set_deadline,
)
from citycarbon.service.carbon_assets_allocate import allocate, settle_true_up
from citycarbon.service.carbon_assets_payload import (
    allocation_payload,
    entry_payload,
    statement_payload,
    status_payload,
)
from citycarbon.web.deps import ReadSession, Sessions, SignedInDep
from citycarbon.web.responses import JsonResponse

router = APIRouter(tags=["carbon assets"])

CreditCode = Annotated[str, PathParam(min_length=1, max_length=30)]
YearQuery = Annotated[int | None, Query(ge=2005, le=2100, description="compliance year")]
AsOf = Annotated[dt.date | None, Query(description="as of (default: today, UTC+8)")]
today = china_today


def default_year(found: int | None) -> int:
    """The newest compliance year with assets, else last year."""
    return found if found is not None else today().year - 1


class EntryBody(BaseModel):
    compliance_year: int = Field(ge=2005, le=2100)
    kind: str = Field(max_length=20)
    date: dt.date
    quantity_t: float
    counterparty: str = Field(default="", max_length=200)
    price_cny_per_t: float | None = None
    reference: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=2000)


class ReversalBody(BaseModel):
    date: dt.date
    reason: str = Field(min_length=1, max_length=2000)


class AllocationBody(BaseModel):
    compliance_year: int = Field(ge=2005, le=2100)
    spec: dict[str, Any]
    issue_on: dt.date


class TrueUpBody(BaseModel):
    compliance_year: int = Field(ge=2005, le=2100)
    issue_on: dt.date


class DeadlineBody(BaseModel):
    date: dt.date


@router.get("/assets", summary="履约状况一览 / compliance of the enterprises you may see")
async def get_overview(
    actor: SignedInDep, session: ReadSession, year: YearQuery = None, as_of: AsOf = None
) -> Response:
    chosen = year if year is not None else today().year - 1
    found = overview(session, actor, chosen, as_of or today())
    return JsonResponse(
        {"compliance_year": chosen, "enterprises": [status_payload(s, full=False) for s in found]}
    )


@router.get(
    "/assets/{credit_code}",
    summary="企业碳资产：余额、履约、配额计算过程与台账 / an enterprise's carbon assets",
)
async def get_assets(
    credit_code: CreditCode,
    actor: SignedInDep,
    session: ReadSession,
    year: YearQuery = None,
    as_of: AsOf = None,
) -> Response:
    firm, _ = enterprise_for(session, actor, credit_code, Permission.READ_ASSETS)
    chosen = year if year is not None else default_year(latest_year(session, firm.id))
    status = asset_status(session, actor, credit_code, chosen, as_of or today())
    body = status_payload(status)
    body["years"] = compliance_years(session, actor, credit_code)
    return JsonResponse(body)


@router.get("/assets/{credit_code}/statement", summary="台账明细 / the ledger statement")
async def get_statement(
    credit_code: CreditCode,
    actor: SignedInDep,
    session: ReadSession,
    year: Annotated[int, Query(ge=2005, le=2100)],
) -> Response:
    status = asset_status(session, actor, credit_code, year, today())
    return JsonResponse({"compliance_year": year, "balance_t": status.balance_t,
                         "entries": statement_payload(status)})  # fmt: skip


@router.post(
    "/assets/{credit_code}/entries", status_code=201, summary="登记台账条目 / post an entry"
)
async def post_entry_api(
    credit_code: CreditCode, body: EntryBody, actor: SignedInDep, sessions: Sessions
) -> Response:
    entry = EntryInput(body.kind, body.date, body.quantity_t, body.counterparty,
                       body.price_cny_per_t, body.reference, body.note)  # fmt: skip
    with sessions.begin() as session:
        row = post_entry(session, actor, credit_code, body.compliance_year, entry)
        payload = entry_payload(row)
    return JsonResponse(payload, status_code=201)


@router.post(
    "/assets/entries/{entry_id}/reversal",
    status_code=201,
    summary="冲正台账条目 / reverse a ledger entry",
)
async def post_reversal(
    entry_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    body: ReversalBody,
    actor: SignedInDep,
    sessions: Sessions,
) -> Response:
    with sessions.begin() as session:
        row = reverse_entry(session, actor, entry_id, body.date, body.reason)
        payload = entry_payload(row)
    return JsonResponse(payload, status_code=201)


@router.post(
    "/assets/{credit_code}/allocation",
    status_code=201,
    summary="分配配额（预分配）/ allocate allowances (pre-allocation)",
)
async def post_allocation(
    credit_code: CreditCode, body: AllocationBody, actor: SignedInDep, sessions: Sessions
) -> Response:
    with sessions.begin() as session:
        row = allocate(session, actor, credit_code, body.compliance_year, body.spec,
                       issue_on=body.issue_on)  # fmt: skip
        payload = allocation_payload(row)
    return JsonResponse(payload, status_code=201)


@router.post(
    "/assets/{credit_code}/allocation/true-up",
    summary="按核查产量核定配额 / true up the allocation on verified output",
)
async def post_true_up(
    credit_code: CreditCode, body: TrueUpBody, actor: SignedInDep, sessions: Sessions
) -> Response:
    with sessions.begin() as session:
        row = settle_true_up(session, actor, credit_code, body.compliance_year,
                             issue_on=body.issue_on)  # fmt: skip
        payload = allocation_payload(row)
    return JsonResponse(payload)


@router.put("/assets/deadlines/{year}", summary="设定清缴截止日 / set a year's deadline")
async def put_deadline(
    year: Annotated[int, PathParam(ge=2005, le=2100)],
    body: DeadlineBody,
    actor: SignedInDep,
    sessions: Sessions,
) -> Response:
    with sessions.begin() as session:
        found = set_deadline(session, actor, year, body.date)
    return JsonResponse({"compliance_year": year, "deadline": found.on.isoformat(),
                         "source_zh": found.source.zh, "source_en": found.source.en})  # fmt: skip
