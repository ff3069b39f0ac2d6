"""Typed dependencies the routes share: the acting user, a database session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.errors import CitycarbonError, Message
from citycarbon.service.actor import Actor
from citycarbon.service.roles import Role
from citycarbon.web.auth import CSRF_FIELD, SAFE_METHODS, resolve_actor


class LoginRequiredError(CitycarbonError):
    """A page or route for signed-in users was asked for without a credential."""


async def current_actor(request: Request) -> Actor:
    """The acting user (the public when signed out). A form post carries its CSRF token as
    a field: read it here (Starlette keeps the parsed form for the route)."""
    if request.method not in SAFE_METHODS and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        request.state.form_csrf = value if isinstance(value, str) else None
    return resolve_actor(request)


async def signed_in_actor(request: Request) -> Actor:
    actor = await current_actor(request)
    if actor.role is Role.PUBLIC and actor.user_id is None:
        raise LoginRequiredError(Message(zh="请先登录", en="please sign in first"))
    return actor


# Async dependencies on purpose: FastAPI runs a sync one in a worker thread, and on these
# machines the hand-off costs more than the short queries they guard.
async def sessions_of(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


async def read_session(request: Request) -> AsyncIterator[Session]:
    """A session for reading; nothing it does is committed."""
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session:
        yield session


ActorDep = Annotated[Actor, Depends(current_actor)]
SignedInDep = Annotated[Actor, Depends(signed_in_actor)]
# scope="function": the session (and its pooled connection) is closed when the route returns,
# not after the response is sent; under load the pool would otherwise run dry
ReadSession = Annotated[Session, Depends(read_session, scope="function")]
Sessions = Annotated[sessionmaker[Session], Depends(sessions_of)]
