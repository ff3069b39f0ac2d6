"""Every API route is exercised by some test: a route nobody calls in a test is a route
whose authorisation nobody checked."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI

HERE = Path(__file__).parent


def _pattern(template: str) -> re.Pattern[str]:
    # /api/v1/reports/{report_id}/submit matches /api/v1/reports/{rid}/submit or /…/12/submit
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile(r"[^/\"'\s?]+".join(re.escape(p) for p in parts) + r"(?![\w/-])")


def test_every_api_route_appears_in_a_test(web_app: FastAPI):
    texts = "\n".join(
        p.read_text(encoding="utf-8")
        for p in HERE.rglob("test_*.py")
        if p.name != Path(__file__).name
    )
    schema = web_app.openapi()
    untested = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if not _pattern(path).search(texts)
    ]
    assert untested == []
