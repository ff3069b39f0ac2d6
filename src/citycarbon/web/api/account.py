"""Who am I, tokens for machines, and a trivial endpoint (for health checks and as the
benchmark's baseline)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from citycarbon.service.access import GRANTS
from citycarbon.service.users import AuthenticationError, authenticate, issue_token
from citycarbon.web.auth import client_of
from citycarbon.web.deps import ActorDep, Sessions
from citycarbon.web.templating import static_url

router = APIRouter(tags=["account"])

_PING = b'{"status":"ok"}'


@router.get("/docs", include_in_schema=False)
async def api_docs() -> HTMLResponse:
    """The interactive API documentation, from the vendored Swagger UI (FastAPI's default
    page would load it from a CDN)."""
    return get_swagger_ui_html(
        openapi_url="/api/v1/openapi.json",
        title="citycarbon API",
        swagger_js_url=static_url("vendor/swagger-ui-bundle.js"),
        swagger_css_url=static_url("vendor/swagger-ui.css"),
        swagger_favicon_url=static_url("favicon.svg"),
    )


@router.get("/ping", summary="存活检查 / liveness check")
async def ping() -> Response:
    return Response(_PING, media_type="application/json")


class Me(BaseModel):
    username: str
    role: str
    role_zh: str
    role_en: str
    region_code: str | None
    enterprise_id: int | None
    permissions: list[str]


@router.get("/me", summary="当前用户 / the current user", response_model=Me)
async def me(actor: ActorDep) -> Me:
    return Me(
        username=actor.username,
        role=actor.role.value,
        role_zh=actor.role.label.zh,
        role_en=actor.role.label.en,
        region_code=actor.region_code,
        enterprise_id=actor.enterprise_id,
        permissions=sorted(p.value for p in GRANTS[actor.role]),
    )


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)
    name: str = Field(default="", max_length=100)
    days: int = Field(default=30, ge=1, le=366)


class TokenIssued(BaseModel):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in_days: int


@router.post(
    "/auth/token",
    summary="用密码换取 API 令牌 / exchange a password for an API token",
    response_model=TokenIssued,
    responses={
        401: {"description": "wrong user name or password"},
        429: {"description": "too many failed attempts"},
    },
)
def create_token(body: TokenRequest, request: Request, sessions: Sessions) -> TokenIssued:
    limiter = request.app.state.login_limiter
    client = client_of(request)
    limiter.check(client, body.username)
    try:
        with sessions.begin() as session:
            actor = authenticate(session, body.username, body.password)
            token = issue_token(session, actor, body.username, body.name, body.days)
    except AuthenticationError:
        limiter.failed(client, body.username)
        raise
    limiter.succeeded(client, body.username)
    return TokenIssued(token=token, expires_in_days=body.days)
