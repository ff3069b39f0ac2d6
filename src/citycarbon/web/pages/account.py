"""Signing in and out, the language switch, and the landing page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from citycarbon.service.users import AuthenticationError, authenticate
from citycarbon.web.auth import LANG_COOKIE, SESSION_COOKIE, TooManyAttemptsError, client_of
from citycarbon.web.deps import ActorDep, Sessions, current_actor
from citycarbon.web.nav import home_for
from citycarbon.web.templating import LANGS, render

router = APIRouter(include_in_schema=False)

def _local(target: str | None, fallback: str) -> str:
    """Only same-site paths after login: an open redirect would let a link to our login
    page send a user anywhere."""
    if not target:
        return fallback
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target

@router.get("/")
async def landing(actor: ActorDep) -> RedirectResponse:
    return RedirectResponse(home_for(actor), status_code=303)

@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _local(next, ""), "error": None})

@router.post("/login")
def login(
    request: Request,
    sessions: Sessions,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "",
) -> Response:
    limiter = request.app.state.login_limiter
    client = client_of(request)
    try:
        limiter.check(client, username)
        with sessions.begin() as session:
            actor = authenticate(session, username, password)
    except AuthenticationError as exc:
        limiter.failed(client, username)
        return render(request, "login.html", {"next": next, "error": exc.message}, 401)
    except TooManyAttemptsError as exc:
        return render(request, "login.html", {"next": next, "error": exc.message}, 429)
    limiter.succeeded(client, username)
    assert actor.user_id is not None
    cookie, _ = request.app.state.session_codec.encode(actor.user_id)
    response = RedirectResponse(_local(next, home_for(actor)), status_code=303)
    settings = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )
    return response

@router.post("/logout", dependencies=[Depends(current_actor)])
async def logout() -> Response:
    # current_actor checks the CSRF token: a forged form cannot sign a user out either
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response

@router.get("/lang/{code}")
async def switch_language(code: str, next: str = "/") -> Response:
    response = RedirectResponse(_local(next, "/"), status_code=303)
    if code in LANGS:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response
