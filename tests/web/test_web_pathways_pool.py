"""A pathway run under a pool of one connection: the request's own session must hand its
connection back before it waits for the run, which the cache builds with a session of its
own. Holding it starved the pool under load (32 clients: every request timed out)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.pool import QueuePool
from web_clients import signed_in

from citycarbon.store.db import make_engine, session_factory


def test_a_run_needs_no_second_connection_while_the_request_waits(mutable_app: FastAPI) -> None:
    old = mutable_app.state.sessions.kw["bind"]
    database = Path(str(old.url.database))
    old.dispose()
    engine = make_engine(
        f"sqlite:///{database}", poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=3
    )
    mutable_app.state.sessions = session_factory(engine)
    try:
        client = signed_in(mutable_app, "analyst")
        for path in (
            "/api/v1/pathways/321100/scenarios/policy/run",
            "/api/v1/pathways/321100/scenarios/policy/sector-targets",
            "/api/v1/pathways/321100/compare",
            "/pathways?region=321100",
        ):
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.text[:300])
        client.close()
    finally:
        engine.dispose()
