"""Every router the application mounts, in one list each (imported when the app is made)."""

from __future__ import annotations

from fastapi import APIRouter


def api_routers() -> list[APIRouter]:
    from citycarbon.web.api import account

    return [account.router]


def page_routers() -> list[APIRouter]:
    from citycarbon.web.pages import account

    return [account.router]
