"""Sources and licences: the vendored front-end packages with their licence files, the
district boundaries' package with its MIT notice, the reference data's sources, the CEADs
citation, and the statement that the demo city's data are synthetic."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from citycarbon.errors import Message
from citycarbon.refdata.loader import catalogue
from citycarbon.service.ledger import RecordNotFoundError
from citycarbon.web.templating import render

router = APIRouter(include_in_schema=False)

BOUNDARIES = "citycarbon.refdata.boundaries"


@cache
def vendored() -> list[dict[str, Any]]:
    """The front-end packages vendored from npm (static/vendor/manifest.json)."""
    text = resources.files("citycarbon.web").joinpath("static/vendor/manifest.json").read_text()
    manifest: dict[str, Any] = json.loads(text)
    return [
        {
            "name": name,
            "version": entry.get("version", ""),
            "integrity": entry.get("integrity", ""),
            "files": sorted(entry.get("files", {}).items()),
            "licences": sorted(
                f for f in entry.get("files", {}) if f.startswith(("LICENSE", "NOTICE"))
            ),
        }
        for name, entry in sorted(manifest.items())
    ]


def boundary_packages() -> list[dict[str, Any]]:
    """The boundary files' sources (refdata/boundaries/index.json), if they are packaged."""
    try:
        index = resources.files(BOUNDARIES).joinpath("index.json")
        if not index.is_file():
            return []
        entries: dict[str, dict[str, Any]] = json.loads(index.read_text(encoding="utf-8"))
    except (ModuleNotFoundError, FileNotFoundError):
        return []
    return [
        dict(entry, region_code=code)
        for code, entry in sorted(entries.items())
        if _licence_text(str(entry.get("licence_file", ""))) is not None
    ]


def _licence_text(name: str) -> str | None:
    if not name.startswith("LICENSE") or "/" in name or "\\" in name:
        return None
    try:
        file = resources.files(BOUNDARIES).joinpath(name)
        return file.read_text(encoding="utf-8") if file.is_file() else None
    except (ModuleNotFoundError, FileNotFoundError):
        return None


def refdata_licences() -> list[tuple[str, int]]:
    counts = Counter(t["licence"] for t in catalogue()["tables"])
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


@router.get("/about")
async def about_page(request: Request) -> Response:
    packages = boundary_packages()
    return render(
        request,
        "about.html",
        {
            "vendored": vendored(),
            "boundaries": packages,
            "boundary_notices": {
                p["licence_file"]: _licence_text(p["licence_file"]) for p in packages
            },
            "refdata_licences": refdata_licences(),
            "tables": len(catalogue()["tables"]),
        },
    )


@router.get("/about/boundaries/{name}")
async def boundary_licence(name: str) -> Response:
    """A licence file of the packaged boundaries (only names listed in their index)."""
    listed = {p["licence_file"] for p in boundary_packages()}
    text = _licence_text(name) if name in listed else None
    if text is None:
        raise RecordNotFoundError(
            Message(zh=f"没有许可文件 {name}", en=f"no licence file called {name}")
        )
    return PlainTextResponse(text)
