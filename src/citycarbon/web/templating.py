"""Server-rendered pages: one Jinja2 environment, the language of a request, and what every
template can use.

Every label in a template is written in both languages at its place of use,
``{{ tr('城市驾驶舱', 'City cockpit') }}``: nothing to look up, nothing to fall out of step,
and a test checks that no Chinese text in a template stands outside ``tr``.
"""

from __future__ import annotations

import hashlib
import math
from functools import cache
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from citycarbon.errors import Message
from citycarbon.service.actor import Actor
from citycarbon.web.auth import LANG_COOKIE, csrf_token, resolve_actor
from citycarbon.web.nav import nav_for

LANGS = ("zh", "en")


def lang_of(request: Request) -> str:
    """``?lang=`` first, then the language cookie, then Chinese."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return asked if asked in LANGS else "zh"


def number(value: float | None, digits: int = 1) -> str:
    """Thousands separated, fixed digits; a dash for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


@cache
def static_version(path: str) -> str:
    """A short content hash for cache-busting ``?v=`` parameters (assets are immutable per
    version, so they may be cached for a long time)."""
    data = resources.files("citycarbon.web").joinpath("static", path).read_bytes()
    return hashlib.sha256(data).hexdigest()[:10]


def static_url(path: str) -> str:
    return f"/static/{path}?v={static_version(path)}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("citycarbon.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["number"] = number
    env.globals["static"] = static_url
    return env


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    lang = lang_of(request)
    actor: Actor = resolve_actor(request)

    def tr(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    def say(message: Message) -> str:
        return message.text(lang)

    settings = request.app.state.settings
    page = environment().get_template(template).render(
        request=request,
        lang=lang,
        tr=tr,
        say=say,
        actor=actor,
        csrf=csrf_token(request),
        notice=settings.notice,
        nav=nav_for(actor),
        path=request.url.path,
        **(context or {}),
    )
    return HTMLResponse(page, status_code=status)
