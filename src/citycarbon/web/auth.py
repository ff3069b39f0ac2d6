"""Who is asking: a bearer API token (machines) or a signed session cookie (people in a
browser), else the public. Also the CSRF check for cookie-authenticated changes and the
rate limit on logins.

Sessions are signed, timestamped cookies (itsdangerous) holding the user's id and the
session's CSRF token; they are HttpOnly, SameSite=Lax and Secure. The user is looked up
again (at most every ``ACTOR_TTL_S`` seconds), so deactivating a user ends their sessions
within that time. Changes made through a session need the CSRF token, as a form field or an
``X-CSRF-Token`` header; API tokens are not sent by browsers on their own and need none.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.errors import CitycarbonError, Message
from citycarbon.service.actor import PUBLIC, Actor
from citycarbon.service.users import (
    AuthenticationError,
    actor_for_token,
    actor_for_user_id,
)

SESSION_COOKIE = "cc_session"
LANG_COOKIE = "cc_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
ACTOR_TTL_S = 10.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfError(CitycarbonError):
    """A change through a browser session came without its CSRF token."""


class TooManyAttemptsError(CitycarbonError):
    """Too many failed logins from this client for this user name; wait and retry."""

    retry_after: int = 60


@dataclass(frozen=True)
class WebSession:
    user_id: int
    csrf: str


class SessionCodec:
    def __init__(self, secret: str, max_age_s: float) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="citycarbon-session")
        self.max_age_s = max_age_s

    def encode(self, user_id: int) -> tuple[str, str]:
        csrf = secrets.token_urlsafe(24)
        return self._serializer.dumps({"u": user_id, "c": csrf}), csrf

    def decode(self, cookie: str) -> WebSession | None:
        try:
            data = self._serializer.loads(cookie, max_age=int(self.max_age_s))
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("u"), int):
            return None
        return WebSession(user_id=data["u"], csrf=str(data.get("c", "")))


class ActorCache:
    """Actors by credential for a few seconds: a request does not pay a user lookup (and
    an API token's hash lookup) each time."""

    def __init__(self, ttl_s: float = ACTOR_TTL_S) -> None:
        self._ttl = ttl_s
        self._items: dict[str, tuple[Actor, float]] = {}

    def get(self, key: str) -> Actor | None:
        hit = self._items.get(key)
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def clear(self) -> None:
        self._items.clear()

    def put(self, key: str, actor: Actor) -> None:
        if len(self._items) > 10_000:
            self._items.clear()
        self._items[key] = (actor, time.monotonic() + self._ttl)


class LoginLimiter:
    """At most ``attempts`` failed logins per (client, user name) in a sliding window."""

    def __init__(self, attempts: int, window_s: float) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def check(self, client: str, username: str) -> None:
        recent = self._recent((client, username.lower()))
        if len(recent) >= self.attempts:
            wait = int(self.window_s - (time.monotonic() - recent[0])) + 1
            error = TooManyAttemptsError(
                Message(
                    zh=f"登录失败次数过多，请 {wait} 秒后再试",
                    en=f"too many failed logins; try again in {wait} s",
                )
            )
            error.retry_after = wait
            raise error

    def failed(self, client: str, username: str) -> None:
        self._recent((client, username.lower())).append(time.monotonic())

    def succeeded(self, client: str, username: str) -> None:
        self._failures.pop((client, username.lower()), None)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        queue = self._failures.setdefault(key, deque())
        horizon = time.monotonic() - self.window_s
        while queue and queue[0] < horizon:
            queue.popleft()
        return queue


def forget_actors(request: Request) -> None:
    """After a change to users or tokens: the next request looks its credential up again,
    so a revoked token or a deactivated user is refused at once (in this process)."""
    cache: ActorCache = request.app.state.actor_cache
    cache.clear()


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def web_session(request: Request) -> WebSession | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    codec: SessionCodec = request.app.state.session_codec
    return codec.decode(cookie)


def resolve_actor(request: Request) -> Actor:
    """The actor of this request; the public when there is no credential. A credential
    that is wrong, expired or revoked is an error, not the public."""
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    cache: ActorCache = request.app.state.actor_cache
    sessions: sessionmaker[Session] = request.app.state.sessions
    token = bearer_token(request)
    actor: Actor
    if token is not None:
        key = "t:" + token
        hit = cache.get(key)
        if hit is None:
            with sessions.begin() as session:
                hit = actor_for_token(session, token)
            cache.put(key, hit)
        actor = hit
    else:
        ws = web_session(request)
        if ws is None:
            actor = PUBLIC
        else:
            key = f"u:{ws.user_id}"
            hit = cache.get(key)
            if hit is None:
                try:
                    with sessions() as session:
                        hit = actor_for_user_id(session, ws.user_id)
                except AuthenticationError:
                    hit = PUBLIC  # the user was removed or deactivated: signed out
                cache.put(key, hit)
            actor = hit
            if request.method not in SAFE_METHODS:
                _check_csrf(request, ws)
    request.state.actor = actor
    return actor


def _check_csrf(request: Request, ws: WebSession) -> None:
    sent = request.headers.get(CSRF_HEADER) or getattr(request.state, "form_csrf", None) or ""
    if not ws.csrf or not hmac.compare_digest(sent, ws.csrf):
        raise CsrfError(
            Message(
                zh="表单已失效（缺少或错误的 CSRF 令牌），请刷新页面后重试",
                en="the form has expired (missing or wrong CSRF token); reload and retry",
            )
        )


def csrf_token(request: Request) -> str:
    ws = web_session(request)
    return ws.csrf if ws is not None else ""
