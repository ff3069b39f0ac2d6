"""Data intake over HTTP: any intake kind (regions, statistics, energy balances, region
activity, enterprises, facilities, enterprise activity and production) uploaded as xlsx or
CSV, validated whole and written all or nothing, as ``citycarbon import`` does."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from citycarbon.errors import InputDataError
from citycarbon.ingest.commit import ImportSummary, import_file, may_import
from citycarbon.ingest.kinds import KINDS, get_kind
from citycarbon.service.actor import Actor
from citycarbon.web.api.reports import saved_upload
from citycarbon.web.deps import ActorDep, Sessions, SignedInDep
from citycarbon.web.responses import JsonResponse

router = APIRouter(tags=["intake"])

KindParam = Annotated[str, Query(max_length=40, pattern=r"^[a-z-]+$")]


def kinds_for(actor: Actor) -> list[dict[str, Any]]:
    """Every intake kind with its columns, and whether this actor's role may import it."""
    return [
        {
            "kind": k.name,
            "zh": k.zh,
            "en": k.en,
            "allowed": may_import(actor, k.name),
            "columns": [
                {"key": c.key, "zh": c.zh, "en": c.en, "required": c.required} for c in k.columns
            ],
        }
        for k in KINDS.values()
    ]


def import_upload_as(
    session: Session, actor: Actor, kind: str, upload: UploadFile
) -> tuple[str, ImportSummary]:
    """The uploaded file saved to a temporary folder (the intake reads files), imported as
    the acting user in the caller's transaction, and removed; issues name the uploaded
    file, not the temporary copy."""
    get_kind(kind)  # an unknown kind is an error before anything is read
    with saved_upload(upload) as (name, path):
        try:
            summary = import_file(session, actor, path, kind)
        except InputDataError as exc:
            raise InputDataError([replace(i, file=name) for i in exc.issues]) from None
    return name, replace(summary, file=name)


def summary_dict(summary: ImportSummary) -> dict[str, Any]:
    return {
        "kind": summary.kind,
        "file": summary.file,
        "sha256": summary.sha256,
        "rows": summary.rows,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "reports_created": summary.reports_created,
        "batch_id": summary.batch_id,
        "warnings": [{"row": w.row, "field": w.field, "zh": w.reason.zh, "en": w.reason.en}
                     for w in summary.warnings],
    }  # fmt: skip


@router.get("/imports/kinds", summary="可导入的数据类型及其列 / the intake kinds and their columns")
async def get_kinds(actor: ActorDep) -> Response:
    return JsonResponse({"kinds": kinds_for(actor)})


@router.post(
    "/imports",
    summary="导入数据表（校验全部通过才写入）/ import a spreadsheet, all or nothing",
    responses={
        403: {"description": "the role may not import this kind"},
        422: {"description": "the validation report: file, sheet, row, field, zh, en"},
    },
)
def post_import(
    kind: KindParam,
    actor: SignedInDep,
    sessions: Sessions,
    file: Annotated[UploadFile, File(description="xlsx or CSV")],
) -> Response:
    with sessions.begin() as session:
        _, summary = import_upload_as(session, actor, kind, file)
    return JsonResponse(summary_dict(summary), status_code=201)
