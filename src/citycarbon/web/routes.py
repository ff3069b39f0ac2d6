"""Every router the application mounts, in one list each (imported when the app is made)."""

from __future__ import annotations

from fastapi import APIRouter


def api_routers() -> list[APIRouter]:
    from citycarbon.web.api import (
        account,
        admin,
        enterprises,
        imports,
        inventory,
        refdata,
        reports,
    )

    return [
        account.router, inventory.router, reports.router, enterprises.router, imports.router,
        refdata.router, admin.router,
    ]  # fmt: skip


def page_routers() -> list[APIRouter]:
    from citycarbon.web.pages import (
        about,
        account,
        admin,
        cockpit,
        explorer,
        imports,
        portal,
        refdata,
        review,
    )

    return [
        account.router, cockpit.router, explorer.router, portal.router, review.router,
        refdata.router, imports.router, admin.router, about.router,
    ]  # fmt: skip
