"""JSON responses encoded once with orjson (FastAPI's default encoder costs several times
more per request: see docs/NOTES on HTTP speed), and the error body every route shares."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response

from citycarbon.errors import CitycarbonError, InputDataError

JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=JSON_OPTIONS)


def error_body(exc: CitycarbonError) -> dict[str, Any]:
    """``{"error": {"zh", "en", "type", "issues"?}}``; issues name file, row, field."""
    body: dict[str, Any] = {
        "zh": exc.message.zh,
        "en": exc.message.en,
        "type": type(exc).__name__,
    }
    if exc.field:
        body["field"] = exc.field
    if isinstance(exc, InputDataError):
        body["issues"] = [
            {
                "file": i.file,
                "sheet": i.sheet,
                "row": i.row,
                "field": i.field,
                "value": None if i.value is None else str(i.value),
                "zh": i.reason.zh,
                "en": i.reason.en,
                "fatal": i.fatal,
                "code": i.code,
            }
            for i in exc.issues
        ]
    return {"error": body}
