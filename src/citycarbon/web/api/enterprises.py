"""Enterprises over HTTP: the enterprises an actor may see, an enterprise's carbon ledger,
the intake templates and the reporting deadlines."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi import Path as PathParam
from fastapi.responses import Response

from citycarbon.service.ledger import enterprise_ledger
from citycarbon.service.report_desk import EnterpriseSummary, list_enterprises
from citycarbon.service.reports import deadline_policy
from citycarbon.web.api.reports import Format, csv_download
from citycarbon.web.deps import ReadSession, SignedInDep, signed_in_actor
from citycarbon.web.responses import JsonResponse

router = APIRouter(tags=["enterprises"])


# ---- enterprises, ledgers, templates, deadlines


def enterprise_dict(e: EnterpriseSummary) -> dict[str, Any]:
    return asdict(e)


ENTERPRISE_CSV = tuple(EnterpriseSummary.__dataclass_fields__)


@router.get("/enterprises", summary="企业名录（按用户可见范围）/ enterprises you may see")
async def get_enterprises(
    actor: SignedInDep,
    session: ReadSession,
    region: Annotated[str | None, Query(max_length=12, description="region and below")] = None,
    industry: Annotated[str | None, Query(max_length=5, description="GB/T 4754 prefix")] = None,
    key_only: bool = False,
    q: Annotated[str | None, Query(max_length=100, description="name or credit code")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    output: Format = "json",
) -> Response:
    total, found = list_enterprises(
        session, actor, region_code=region or None, industry=industry or None,
        key_only=key_only, search=q, limit=limit, offset=offset,
    )  # fmt: skip
    rows = [enterprise_dict(e) for e in found]
    if output == "csv":
        return csv_download(rows, ENTERPRISE_CSV, "enterprises")
    return JsonResponse({"total": total, "offset": offset, "enterprises": rows})


@router.get(
    "/enterprises/{credit_code}/ledger",
    summary="企业碳排放台账 / an enterprise's carbon ledger (by month and source)",
)
async def get_ledger(
    credit_code: Annotated[str, PathParam(max_length=30)],
    actor: SignedInDep,
    session: ReadSession,
    year: Annotated[int, Query(ge=1900, le=2200)],
    factor_set: Annotated[str | None, Query(max_length=60)] = None,
    gwp: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    found = enterprise_ledger(session, actor, credit_code, year, factor_set=factor_set, gwp=gwp)
    led = found.ledger
    return JsonResponse(
        {
            "credit_code": found.credit_code,
            "name_zh": found.name_zh,
            "name_en": found.name_en,
            "region_code": found.region_code,
            "year": year,
            "factor_set": led.factor_set,
            "gwp_set": led.gwp_set,
            "basis": led.basis,
            "verified": led.verified,
            "nearest_year_factors": found.nearest_year_factors,
            "by_source": [row.as_dict() for row in led.by_source],
            "by_month": [row.as_dict() for row in led.by_month],
            "year_total": led.year_total.as_dict(),
        }
    )


@cache
def template_bytes(kind_name: str, suffix: str) -> bytes:
    from citycarbon.ingest.kinds import get_kind
    from citycarbon.ingest.templates import write_template

    kind = get_kind(kind_name)
    with tempfile.TemporaryDirectory(prefix="citycarbon-template-") as folder:
        path = write_template(kind, Path(folder) / f"template{suffix}")
        return path.read_bytes()


TEMPLATE_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
}


@router.get(
    "/templates/{filename}",
    dependencies=[Depends(signed_in_actor)],
    summary="数据导入模板（如 enterprise-activity.xlsx）/ an intake template, xlsx or csv",
)
def get_template(
    filename: Annotated[str, PathParam(max_length=60)],
) -> Response:
    from citycarbon.ingest.kinds import KINDS

    kind_name, dot, ext = filename.rpartition(".")
    suffix = dot + ext
    if kind_name not in KINDS or suffix not in TEMPLATE_TYPES:
        raise HTTPException(
            404, f"no template {filename}; kinds: {', '.join(KINDS)}; .xlsx or .csv"
        )
    return Response(
        template_bytes(kind_name, suffix),
        media_type=TEMPLATE_TYPES[suffix],
        headers={"Content-Disposition": f'attachment; filename="{kind_name}{suffix}"'},
    )


@router.get(
    "/deadlines",
    dependencies=[Depends(signed_in_actor)],
    summary="报送期限设置 / the reporting deadlines",
)
async def get_deadlines(session: ReadSession) -> Response:
    policy = deadline_policy(session)
    return JsonResponse(
        {
            **policy.as_mapping(),
            "description": {
                "zh": f"月报：次月 {policy.monthly_day} 日前；年报：次年 {policy.annual_month} 月 "
                f"{policy.annual_day} 日前；县区审核：提交后 {policy.district_check_days} 天内；"
                f"更正版本：新建后 {policy.restatement_days} 天内",
                "en": f"monthly reports by day {policy.monthly_day} of the next month; annual "
                f"reports by {policy.annual_month}/{policy.annual_day} of the next year; "
                f"district check within {policy.district_check_days} days of submission; "
                f"a restatement within {policy.restatement_days} days of being opened",
            },
        }
    )
