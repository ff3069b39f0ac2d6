"""Read models that any write may change (the assessment board, a district's assessment,
the low-carbon index), kept per (request, what the actor may see) with their JSON encoding.

Their inputs — targets, statistics, adjustments, the rubric, inventories — change through
many routes, so the key carries the application's write counter (``app.state.writes``,
bumped around every non-GET request): this process's own writes are seen at once; a write
made by another process (the CLI, a second worker) within ``FRESH_S`` seconds. A model is
built in a worker thread, so that the event loop keeps serving while it is made."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from citycarbon.service.actor import Actor
from citycarbon.web.api.inventory import JSON, encoded, lru, scope_of

READ_MODELS = "read.models"
KEPT = 512
PENDING = "read.pending"
FRESH_S = 30.0


def _with_session(request: Request, build: Callable[[Session], Any]) -> Callable[[], Any]:
    sessions: sessionmaker[Session] = request.app.state.sessions

    def run() -> Any:
        with sessions() as session:
            return build(session)

    return run


async def remembered(
    request: Request, actor: Actor, key: tuple[Hashable, ...], build: Callable[[Session], Any]
) -> tuple[Any, bytes]:
    """``build(session)``'s answer (model, JSON) to the same request from an actor of the
    same scope, made at most ``FRESH_S`` seconds ago with no write since; else built now,
    with a session of its own (a cached answer opens none)."""
    full = (*key, scope_of(actor), request.app.state.writes.count)
    cache = lru(request, READ_MODELS, KEPT)
    hit = cache.lookup(full)
    if hit is not None and hit[0] >= time.monotonic():
        return hit[1]  # type: ignore[no-any-return]
    # one build per key at a time: concurrent requests for it wait for the same one
    pending: dict[Hashable, asyncio.Future[tuple[Any, bytes]]] = request.app.state.cache.setdefault(
        PENDING, {}
    )
    if full in pending:
        return await asyncio.shield(pending[full])
    future: asyncio.Future[tuple[Any, bytes]] = asyncio.get_running_loop().create_future()
    pending[full] = future
    try:
        model = await run_in_threadpool(_with_session(request, build))
        answer = (model, encoded(model))
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: a build nobody else waited for is not "never seen"
        raise
    finally:
        del pending[full]
    cache.keep(full, (time.monotonic() + FRESH_S, answer))
    future.set_result(answer)
    return answer


def json_answer(body: bytes) -> Response:
    return Response(body, media_type=JSON)
