"""Reference data over HTTP: the packaged tables with their sources, one factor with its
provenance, the factor sets and the versions stored inventories pinned, the code lists.

Published reference data: anyone may read it, the public included. Which stored
inventories used a factor-set version is filtered per actor by the service layer."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from citycarbon.errors import Message
from citycarbon.refdata.loader import (
    catalogue,
    default_factor_set_ref,
    factor_set_specs,
    load_codelist,
    load_factor_set,
    load_table,
)
from citycarbon.refdata.model import Factor
from citycarbon.service.directory import RegisteredFactorSet, registered_factor_sets
from citycarbon.service.ledger import RecordNotFoundError
from citycarbon.web.deps import ActorDep, ReadSession
from citycarbon.web.responses import JsonResponse

router = APIRouter(prefix="/refdata", tags=["reference data"])

Format = Annotated[
    Literal["json", "csv"], Query(alias="format", description="json (default) or csv")
]

# ---- helpers the pages share


def csv_response(rows: Iterable[Mapping[str, Any]], filename: str) -> Response:
    """Rows as a CSV download (UTF-8 with a byte-order mark, so spreadsheet programs read
    the Chinese correctly); the first row's keys are the header."""
    out = io.StringIO()
    out.write("\ufeff")
    writer: csv.DictWriter[str] | None = None
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(row), extrasaction="ignore")
            writer.writeheader()
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


GRADES: dict[str, Message] = {
    "V2": Message(zh="V2 两个独立来源一致", en="V2 two independent sources agree"),
    "V1": Message(zh="V1 单一二手来源", en="V1 one secondary source"),
    "U": Message(zh="U 未核实", en="U unverified"),
    "mixed": Message(zh="逐行不同（见说明）", en="varies by row (see notes)"),
    "cited": Message(zh="引用来源，未分级", en="cited, not graded"),
}
_GRADE_AT_START = re.compile(r"^\s*(V2|V1|U)\b")
_GRADE_ANYWHERE = re.compile(r"\b(V2|V1|U)\b")


def grade_of(status: str) -> str:
    """The verification grade a status text starts with (see FACTORS-CN.md: V2, V1, U);
    ``mixed`` when it grades parts differently, ``cited`` when it names no grade."""
    hit = _GRADE_AT_START.match(status)
    if hit:
        return hit.group(1)
    if "per row" in status or "per-row" in status or len(set(_GRADE_ANYWHERE.findall(status))) > 1:
        return "mixed"
    found = _GRADE_ANYWHERE.findall(status)
    return found[0] if found else "cited"


def table_entries() -> list[dict[str, Any]]:
    return [dict(t, kind=t.get("kind", "factors"), grade=grade_of(t["status"]))
            for t in catalogue()["tables"]]  # fmt: skip


def table_entry(table_id: str) -> dict[str, Any]:
    for entry in table_entries():
        if entry["table_id"] == table_id:
            return entry
    raise RecordNotFoundError(
        Message(zh=f"没有参考数据表 {table_id}", en=f"no reference table called {table_id}")
    )


def factor_dict(f: Factor) -> dict[str, Any]:
    return {
        "factor_id": f.factor_id,
        "table_id": f.table_id,
        "parameter": f.parameter,
        "subject": f.subject,
        "qualifier": f.qualifier,
        "value": f.value,
        "unit": f.unit,
        "uncertainty_low_pct": f.uncertainty_low_pct,
        "uncertainty_high_pct": f.uncertainty_high_pct,
        "label_zh": f.label_zh,
        "label_en": f.label_en,
        "note": f.note,
    }


def table_rows(table_id: str) -> list[dict[str, Any]]:
    """Rows of a table: factors (long layout) or a code list's own columns."""
    entry = table_entry(table_id)
    if entry["kind"] == "codelist":
        return [dict(r) for r in load_codelist(table_id)]
    return [factor_dict(f) for f in load_table(table_id)]


def matching(rows: list[dict[str, Any]], q: str | None) -> list[dict[str, Any]]:
    if not q:
        return rows
    needle = q.strip().lower()
    return [r for r in rows if any(needle in str(v).lower() for v in r.values())]


@cache
def factor_index() -> dict[str, Factor]:
    return {
        f.factor_id: f
        for t in catalogue()["tables"]
        if t.get("kind", "factors") == "factors"
        for f in load_table(t["table_id"])
    }


def factor_of(factor_id: str) -> Factor:
    factor = factor_index().get(factor_id)
    if factor is None:
        raise RecordNotFoundError(
            Message(zh=f"没有因子 {factor_id}", en=f"no factor called {factor_id}")
        )
    return factor


def factor_grade(factor: Factor, table_grade: str) -> str:
    """A row's own grade where its note starts with one (tables graded per row)."""
    hit = _GRADE_AT_START.match(factor.note)
    return hit.group(1) if hit else table_grade


def factor_set_refs() -> list[str]:
    return [f"{s['name']}@{s['version']}" for s in factor_set_specs()]


def used_in(factor: Factor) -> list[dict[str, Any]]:
    """The packaged factor sets that include the factor's table, and whether the factor is
    the one the set uses (an earlier table in the set may take precedence)."""
    uses = []
    for spec in factor_set_specs():
        if factor.table_id not in spec["tables"]:
            continue
        ref = f"{spec['name']}@{spec['version']}"
        chosen = load_factor_set(ref).find(factor.parameter, factor.subject, factor.qualifier)
        uses.append(
            {
                "factor_set": ref,
                "effective": chosen is not None and chosen.factor_id == factor.factor_id,
                "superseded_by": None
                if chosen is None or chosen.factor_id == factor.factor_id
                else chosen.factor_id,
            }
        )
    return uses


def factor_sets_with_versions(registered: list[RegisteredFactorSet]) -> list[dict[str, Any]]:
    by_ref = {r.ref: r for r in registered}
    default = default_factor_set_ref()
    sets = []
    for spec in factor_set_specs():
        ref = f"{spec['name']}@{spec['version']}"
        stored = by_ref.pop(ref, None)
        sets.append(
            {
                "ref": ref,
                "name": spec["name"],
                "version": str(spec["version"]),
                "default": ref == default,
                "description_zh": spec.get("description_zh", ""),
                "description_en": spec.get("description_en", ""),
                "tables": list(spec["tables"]),
                "settings": dict(spec.get("settings", {})),
                "registered": None if stored is None else _registered(stored),
            }
        )
    # versions stored inventories pinned that this release no longer packages
    sets.extend(
        {"ref": r.ref, "name": r.name, "version": r.version, "default": False,
         "description_zh": "", "description_en": "", "tables": [], "settings": {},
         "packaged": False, "registered": _registered(r)}
        for r in by_ref.values()
    )  # fmt: skip
    for s in sets:
        s.setdefault("packaged", True)
    return sets


def _registered(r: RegisteredFactorSet) -> dict[str, Any]:
    return {
        "catalogue_sha256": r.catalogue_sha256,
        "registered_at": r.registered_at,
        "inventories": [
            {"id": run.id, "region_code": run.region_code, "year": run.year,
             "gwp_set": run.gwp_set, "published": run.published}
            for run in r.inventories
        ],
    }  # fmt: skip


# ---- routes


@router.get("/tables", summary="参考数据表目录 / the catalogue of reference tables")
async def list_tables(output: Format = "json", q: str | None = None) -> Response:
    entries = [
        {k: e.get(k, "") for k in (
            "table_id", "kind", "title_zh", "title_en", "document", "edition", "table_number",
            "licence", "status", "grade", "url", "notes", "rows", "sha256",
        )}
        for e in table_entries()
    ]  # fmt: skip
    entries = matching(entries, q)
    if output == "csv":
        return csv_response(entries, "refdata-tables")
    return JsonResponse({"tables": entries, "default_factor_set": default_factor_set_ref()})


@router.get("/tables/{table_id}", summary="一张参考数据表及其数据行 / one table with its rows")
async def get_table(
    table_id: str,
    output: Format = "json",
    q: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 500,
) -> Response:
    entry = table_entry(table_id)
    rows = matching(table_rows(table_id), q)
    if output == "csv":
        return csv_response(rows, table_id)
    return JsonResponse(
        {"table": entry, "total": len(rows), "offset": offset, "limit": limit,
         "rows": rows[offset : offset + limit]}
    )  # fmt: skip


@router.get("/factors/{factor_id:path}", summary="一个因子及其来源 / one factor with its source")
async def get_factor(factor_id: str) -> Response:
    factor = factor_of(factor_id)
    entry = table_entry(factor.table_id)
    source = {k: entry.get(k, "") for k in (
        "title_zh", "title_en", "document", "edition", "table_number", "licence", "status",
        "url", "notes", "sha256",
    )}  # fmt: skip
    return JsonResponse(
        dict(
            factor_dict(factor),
            grade=factor_grade(factor, entry["grade"]),
            source=source,
            used_in=used_in(factor),
        )
    )


@router.get(
    "/factor-sets",
    summary="因子集及数据库中登记的版本 / factor sets and the versions registered in the database",
)
async def list_factor_sets(actor: ActorDep, session: ReadSession) -> Response:
    sets = factor_sets_with_versions(registered_factor_sets(session, actor))
    return JsonResponse({"factor_sets": sets, "default_factor_set": default_factor_set_ref()})


@router.get("/code-lists/{code_list_id}", summary="代码表 / a code list")
async def get_code_list(code_list_id: str, output: Format = "json") -> Response:
    entry = table_entry(code_list_id)
    if entry["kind"] != "codelist":
        raise RecordNotFoundError(
            Message(zh=f"{code_list_id} 不是代码表", en=f"{code_list_id} is not a code list")
        )
    rows = [dict(r) for r in load_codelist(code_list_id)]
    if output == "csv":
        return csv_response(rows, code_list_id)
    return JsonResponse({"code_list": entry, "rows": rows})
