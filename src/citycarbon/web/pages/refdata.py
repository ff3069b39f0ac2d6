"""Reference-data pages: the catalogue (searchable), one table, one factor with its source
and where it is used, and the factor sets with the versions stored inventories pinned.
Public pages: the reference data are published."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from citycarbon.errors import Message
from citycarbon.refdata.loader import default_factor_set_ref
from citycarbon.service.directory import registered_factor_sets
from citycarbon.web.api.refdata import (
    GRADES,
    factor_grade,
    factor_of,
    factor_sets_with_versions,
    matching,
    table_entries,
    table_entry,
    table_rows,
    used_in,
)
from citycarbon.web.deps import ActorDep, ReadSession
from citycarbon.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_ROWS = 200

# tables grouped by where they come from, in this order; code lists last
GROUPS: tuple[tuple[str, Message], ...] = (
    ("cn", Message(
        zh="中国：国家标准、省级指南与主管部门发布",
        en="China: standards, provincial guideline, ministries",
    )),
    ("ipcc2006", Message(zh="IPCC 2006 指南缺省值", en="IPCC 2006 Guidelines defaults")),
    ("ipcc2019r", Message(
        zh="IPCC 2006 指南 2019 修订版", en="2019 Refinement to the IPCC 2006 Guidelines"
    )),
    ("other", Message(zh="其他因子表", en="Other factor tables")),
    ("codelist", Message(zh="代码表与分类", en="Code lists and classifications")),
)  # fmt: skip


def _group_of(entry: dict[str, Any]) -> str:
    if entry["kind"] == "codelist":
        return "codelist"
    prefix = entry["table_id"].split("_", 1)[0]
    return prefix if prefix in ("cn", "ipcc2006", "ipcc2019r") else "other"


@router.get("/refdata")
async def catalogue_page(
    request: Request, q: Annotated[str | None, Query(max_length=100)] = None
) -> Response:
    entries = matching(table_entries(), q)
    groups = [
        (key, label, [e for e in entries if _group_of(e) == key]) for key, label in GROUPS
    ]
    return render(
        request,
        "refdata.html",
        {
            "groups": [g for g in groups if g[2]],
            "q": q or "",
            "found": len(entries),
            "grades": GRADES,
            "default_factor_set": default_factor_set_ref(),
        },
    )


@router.get("/refdata/tables/{table_id}")
async def table_page(
    request: Request,
    table_id: str,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    entry = table_entry(table_id)
    rows = matching(table_rows(table_id), q)
    pages = max(1, -(-len(rows) // PAGE_ROWS))
    page = min(page, pages)
    shown = rows[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]
    columns = list(shown[0]) if shown and entry["kind"] == "codelist" else []
    return render(
        request,
        "refdata_table.html",
        {
            "entry": entry,
            "rows": shown,
            "columns": columns,
            "total": len(rows),
            "page": page,
            "pages": pages,
            "q": q or "",
            "grades": GRADES,
        },
    )


@router.get("/refdata/factors/{factor_id:path}")
async def factor_page(
    request: Request, factor_id: str, actor: ActorDep, session: ReadSession
) -> Response:
    factor = factor_of(factor_id)
    entry = table_entry(factor.table_id)
    uses = used_in(factor)
    refs = {u["factor_set"] for u in uses}
    inventories = [
        (r.ref, run)
        for r in registered_factor_sets(session, actor)
        if r.ref in refs
        for run in r.inventories
    ]
    return render(
        request,
        "refdata_factor.html",
        {
            "factor": factor,
            "entry": entry,
            "grade": factor_grade(factor, entry["grade"]),
            "grades": GRADES,
            "uses": uses,
            "inventories": inventories,
        },
    )


@router.get("/refdata/factor-sets")
async def factor_sets_page(request: Request, actor: ActorDep, session: ReadSession) -> Response:
    sets = factor_sets_with_versions(registered_factor_sets(session, actor))
    titles = {e["table_id"]: e for e in table_entries()}
    return render(
        request, "refdata_sets.html", {"sets": sets, "titles": titles, "grades": GRADES}
    )
