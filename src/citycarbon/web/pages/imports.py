"""The data-intake page: choose a kind, upload a spreadsheet, read the validation report
(nothing written) or what was written."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from citycarbon.errors import CitycarbonError, InputDataError, Issue, Message
from citycarbon.ingest.kinds import get_kind
from citycarbon.service.access import ForbiddenError
from citycarbon.web.api.imports import import_upload_as, kinds_for, summary_dict
from citycarbon.web.deps import Sessions, SignedInDep
from citycarbon.web.templating import render

router = APIRouter(include_in_schema=False)


def issue_views(kind: str, issues: list[Issue]) -> list[dict[str, Any]]:
    """Issues with their column's name in both languages (the template's headers)."""
    labels = {c.key: Message(c.zh, c.en) for c in get_kind(kind).columns}
    return [
        {
            "file": i.file,
            "sheet": i.sheet,
            "row": i.row,
            "value": i.value,
            "reason": i.reason,
            "field_label": labels.get(i.field or "", Message(i.field or "", i.field or "")),
        }
        for i in issues
    ]


@router.get("/import")
async def import_form(request: Request, actor: SignedInDep) -> Response:
    return render(request, "import.html", {"kinds": kinds_for(actor), "chosen": None})


@router.post("/import")
def import_post(
    request: Request,
    actor: SignedInDep,
    sessions: Sessions,
    kind: Annotated[str, Form(max_length=40)],
    file: Annotated[UploadFile, File()],
) -> Response:
    context: dict[str, Any] = {"kinds": kinds_for(actor), "chosen": kind}
    try:
        with sessions.begin() as session:
            _, summary = import_upload_as(session, actor, kind, file)
    except InputDataError as exc:
        context["issues"] = issue_views(kind, exc.issues)
        return render(request, "import.html", context, 422)
    except ForbiddenError:
        raise  # the error page says who may import what
    except CitycarbonError as exc:
        context["problem"] = exc.message
        return render(request, "import.html", context, 400)
    context["summary"] = summary_dict(summary)
    return render(request, "import.html", context)
