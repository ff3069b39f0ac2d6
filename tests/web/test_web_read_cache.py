"""Read models that writes may change are cached only until the next write: the counter
moves around every non-GET request, and those responses still carry the security headers."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_a_write_moves_the_counter_and_keeps_the_headers(
    web_app: FastAPI, client_as: Callable[[str | None], TestClient]
):
    client = client_as("city")
    first = client.get("/api/v1/assessments/2023?plan=14fyp")
    count = web_app.state.writes.count
    again = client.get("/api/v1/assessments/2023?plan=14fyp")
    assert again.json() == first.json()
    assert web_app.state.writes.count == count  # reads are not writes
    refused = client.post("/api/v1/measures", json={})  # no CSRF token: refused, still counted
    assert refused.status_code in (403, 422)
    assert web_app.state.writes.count == count + 2
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
