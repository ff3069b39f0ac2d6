"""Read models that any write may change (the assessment board, a district's assessment,
the low-carbon index), kept for a few seconds per (request, what the actor may see).

Their inputs — targets, statistics, adjustments, the rubric, inventories — change through
many routes, so the key carries the application's write counter (``app.state.writes``,
bumped around every non-GET request): this process's own writes are seen at once; a write
made by another process (the CLI, a second worker) within ``FRESH_S`` seconds."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

from fastapi import Request

from citycarbon.service.actor import Actor
from citycarbon.web.api.inventory import FRESH_S, lru, scope_of

READ_MODELS = "read.models"
KEPT = 512


def remembered(
    request: Request, actor: Actor, key: tuple[Hashable, ...], build: Callable[[], Any]
) -> Any:
    """``build()``'s answer to the same request from an actor of the same scope, made at
    most ``FRESH_S`` seconds ago and with no write since; else build it now."""
    full = (*key, scope_of(actor), request.app.state.writes.count)
    cache = lru(request, READ_MODELS, KEPT)
    hit = cache.lookup(full)
    if hit is not None and hit[0] >= time.monotonic():
        return hit[1]
    model = build()
    cache.keep(full, (time.monotonic() + FRESH_S, model))
    return model
