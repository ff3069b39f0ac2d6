"""Every router the application mounts, in one list each (imported when the app is made)."""

from __future__ import annotations

from fastapi import APIRouter


def api_routers() -> list[APIRouter]:
    from citycarbon.web.api import (
        account,
        admin,
        assets,
        enterprises,
        imports,
        inventory,
        lowcarbon_index,
        monitoring,
        monitoring_ingest,
        pathways,
        projects,
        refdata,
        reports,
        targets,
    )

    return [
        account.router, inventory.router, reports.router, enterprises.router, imports.router,
        targets.router, projects.router, lowcarbon_index.router, refdata.router, admin.router,
        pathways.router, monitoring.router, assets.router, monitoring_ingest.router,
    ]  # fmt: skip


def page_routers() -> list[APIRouter]:
    from citycarbon.web.pages import (
        about,
        account,
        admin,
        assessment,
        assessment_forms,
        assets,
        cockpit,
        explorer,
        imports,
        lowcarbon_index,
        monitoring,
        pathways,
        pathways_forms,
        portal,
        projects,
        refdata,
        review,
    )

    return [
        account.router, cockpit.router, explorer.router, portal.router, review.router,
        assessment.router, projects.router, lowcarbon_index.router, refdata.router,
        imports.router, admin.router, about.router, assessment_forms.router,
        pathways_forms.router, pathways.router,  # /pathways/new before /pathways/{name}
        monitoring.router, assets.router,
    ]  # fmt: skip
