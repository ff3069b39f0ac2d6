"""The application factory. Nothing happens at import time: ``create_app`` opens the
database (which must be at the current schema), mounts the static files, the API under
``/api/v1`` and the pages, and maps the service layer's errors to HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import replace

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from citycarbon import __version__
from citycarbon.assessment.project import ProjectInputError
from citycarbon.enterprise.allocation import AllocationError
from citycarbon.enterprise.assets import AssetEntryError
from citycarbon.enterprise.workflow import WorkflowError
from citycarbon.errors import CitycarbonError, InputDataError, Message
from citycarbon.monitoring.budgets import BudgetError
from citycarbon.pathways.drivers import DriverError
from citycarbon.pathways.montecarlo import MonteCarloError
from citycarbon.pathways.structure import StructureError
from citycarbon.service.access import ForbiddenError
from citycarbon.service.ledger import RecordNotFoundError
from citycarbon.service.pathways_store import PathwayConflictError, PathwayInputError
from citycarbon.service.reports import ReportNotFoundError
from citycarbon.service.site import site_notice
from citycarbon.service.users import AuthenticationError
from citycarbon.store.open import open_store
from citycarbon.web.auth import (
    ActorCache,
    CsrfError,
    LoginLimiter,
    SessionCodec,
    TooManyAttemptsError,
)
from citycarbon.web.deps import LoginRequiredError
from citycarbon.web.responses import JsonResponse, error_body
from citycarbon.web.routes import api_routers, page_routers
from citycarbon.web.settings import WebSettings

API_PREFIX = "/api/v1"

STATUS: tuple[tuple[type[CitycarbonError], int], ...] = (
    (LoginRequiredError, 401),
    (AuthenticationError, 401),
    (CsrfError, 403),
    (ForbiddenError, 403),
    (RecordNotFoundError, 404),
    (ReportNotFoundError, 404),
    (TooManyAttemptsError, 429),
    (InputDataError, 422),
    (ProjectInputError, 422),  # a proposed project's intake, field by field
    (WorkflowError, 409),  # the step does not fit the report's state now
    (PathwayConflictError, 409),  # the scenario changed since it was read, or has children
    (PathwayInputError, 422),
    (DriverError, 422),  # a pathway scenario's definition (ScenarioError and its files too)
    (MonteCarloError, 422),
    (StructureError, 422),  # the structure optimisation's inputs; a cap it cannot meet
    (BudgetError, 422),  # an energy or carbon budget's amount, unit or month
    (AssetEntryError, 422),  # a carbon-asset ledger entry (an overdraw among them)
    (AllocationError, 422),  # an allowance allocation's inputs
)


def status_of(exc: CitycarbonError) -> int:
    for kind, status in STATUS:
        if isinstance(exc, kind):
            return status
    return 400


class WriteCounter:
    """How many requests that may change data this application has served: cached read
    models that other writes could change (targets, assessments, the index) carry it in
    their key, so this process's own writes are seen at once."""

    def __init__(self) -> None:
        self.count = 0


class SecurityHeaders:
    """Headers every response carries, and the write counter. Plain ASGI: Starlette's
    ``@app.middleware("http")`` wraps each request in extra tasks and costs about two thirds
    of a trivial route's throughput on these machines."""

    def __init__(self, app: ASGIApp, writes: WriteCounter) -> None:
        self.app = app
        self.writes = writes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: AsgiMessage) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _HEADERS:
                    headers.setdefault(name, value)
                if static:
                    headers.setdefault("Cache-Control", "public, max-age=86400")
            await send(message)

        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send_with_headers)
            return
        self.writes.count += 1  # before and after: a read made during the write misses
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            self.writes.count += 1


_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # what exists at start-up (routes, templates, reference data) lives as long as the
    # process: taken out of the cyclic collector, whose full passes otherwise pause requests
    gc.collect()
    gc.freeze()
    warming = None
    if app.state.settings.warm_up:
        from citycarbon.web.api.inventory import warm_up

        warming = asyncio.create_task(_quietly(warm_up(app.state)))
    # monitoring alerts evaluated in the background (issue 7); interval 0 switches it off
    from citycarbon.web.api.monitoring import alert_interval, evaluate_periodically

    interval = alert_interval(app.state.settings)
    alerts = asyncio.create_task(evaluate_periodically(app.state, interval)) if interval else None
    yield
    if warming is not None:
        warming.cancel()
    if alerts is not None:
        alerts.cancel()
    # close pooled connections when the server stops (PostgreSQL would otherwise keep them)
    app.state.sessions.kw["bind"].dispose()
    # back to the collector: native bindings (DuckDB's) report what is still alive at exit
    gc.unfreeze()
    gc.collect()


async def _quietly(work: Awaitable[None]) -> None:
    """A warm-up that fails (no inventory stored yet, say) is no error: the request that
    needs the result will compute it and report what is wrong."""
    with contextlib.suppress(CitycarbonError):
        await work


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()
    app = FastAPI(
        lifespan=_lifespan,
        title="citycarbon",
        version=__version__,
        summary="低碳城市建设管理平台 API / low-carbon city management platform API",
        default_response_class=JsonResponse,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served by web.api.account with the vendored Swagger UI (no CDN)
        redoc_url=None,
    )
    app.state.sessions = open_store(settings.database_url, settings.data_dir)
    if settings.notice is None:  # the database's own banner (the demo's says "synthetic")
        with app.state.sessions() as session:
            settings = replace(settings, notice=site_notice(session))
    app.state.settings = settings
    app.state.session_codec = SessionCodec(
        settings.resolved_secret(), settings.session_hours * 3600
    )
    app.state.actor_cache = ActorCache()
    app.state.login_limiter = LoginLimiter(settings.login_attempts, settings.login_window_s)
    app.state.cache = {}  # per-app memo of read models keyed by what they derive from

    app.mount("/static", StaticFiles(packages=[("citycarbon.web", "static")]), name="static")
    for router in api_routers():
        app.include_router(router, prefix=API_PREFIX)
    for router in page_routers():
        app.include_router(router)
    _errors(app)

    app.state.writes = WriteCounter()
    app.add_middleware(SecurityHeaders, writes=app.state.writes)
    return app


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIX) and "text/html" in request.headers.get(
        "accept", ""
    )


def _errors(app: FastAPI) -> None:
    from citycarbon.web.templating import render

    @app.exception_handler(CitycarbonError)
    async def on_error(request: Request, exc: CitycarbonError) -> Response:
        status = status_of(exc)
        if _wants_html(request):
            if status == 401:
                return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
            return render(request, "error.html", {"error": exc.message, "status": status}, status)
        headers = {}
        if isinstance(exc, TooManyAttemptsError):
            headers["Retry-After"] = str(exc.retry_after)
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JsonResponse(error_body(exc), status_code=status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        message = Message(zh=_HTTP_ZH.get(exc.status_code, "请求错误"), en=str(exc.detail))
        if _wants_html(request):
            return render(
                request, "error.html", {"error": message, "status": exc.status_code},
                exc.status_code,
            )  # fmt: skip
        return JsonResponse(
            {"error": {"zh": message.zh, "en": message.en, "type": "HTTPException"}},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )


_HTTP_ZH = {404: "页面或资源不存在", 405: "不支持该请求方法", 413: "上传内容过大"}
