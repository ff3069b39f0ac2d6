"""``POST /api/v1/monitoring/readings``: readings over HTTP, durable before the answer, once."""

from __future__ import annotations

import time

import monitoring_seed
import orjson
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_clients import PASSWORD

from citycarbon.lake.layout import duplicate_keys, read_readings
from citycarbon.store.models_monitoring import MeterRecord, RejectedReading

PATH = "/api/v1/monitoring/readings"


def _gateway(app: FastAPI, username: str = "city") -> TestClient:
    """A machine client with an API token (the city office's by default)."""
    client = TestClient(app, base_url="https://testserver")
    issued = client.post(
        "/api/v1/auth/token", json={"username": username, "password": PASSWORD, "days": 1}
    )
    assert issued.status_code == 200, issued.text
    client.headers["Authorization"] = f"Bearer {issued.json()['token']}"
    return client


def test_readings_over_http_are_stored_once(mutable_app: FastAPI):
    seeded = monitoring_seed.seed(
        mutable_app.state.sessions, mutable_app.state.settings.data_dir, held_back=2
    )
    with mutable_app.state.sessions() as session:
        code = session.scalars(
            select(MeterRecord.code).where(MeterRecord.id == seeded.meter_id)
        ).one()
    gateway = _gateway(mutable_app)
    t0 = seeded.last_ts - 900  # the two held-back slots, the newest one ending now
    body = {"meter": code, "unit": "kWh", "interval": 900, "t0": t0, "values": [1.5, 2.5]}
    first = gateway.post(PATH, content=orjson.dumps(body))
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 2, "duplicates": 0, "rejected": 0, "reasons": {}}
    again = gateway.post(
        PATH, content=orjson.dumps([body, {"meter": code, "ts": t0 + 7, "value": 1.0}])
    )
    assert again.json() == {
        "accepted": 0,
        "duplicates": 2,
        "rejected": 1,
        "reasons": {"misaligned": 1},
    }
    lake = read_readings(seeded.root)
    assert duplicate_keys(lake) == 0
    mine = [
        q
        for m, t, q in zip(
            lake.column("meter_id").to_pylist(),
            lake.column("ts").to_pylist(),
            lake.column("qty_milli").to_pylist(),
            strict=True,
        )
        if m == seeded.meter_id and t >= t0
    ]
    assert sorted(mine) == [1500, 2500]
    with mutable_app.state.sessions() as session:
        refused = session.scalars(select(RejectedReading).where(RejectedReading.source == "http"))
        assert [(r.code, r.meter_code) for r in refused] == [("misaligned", code)]


def test_bad_bodies_and_roles(mutable_app: FastAPI):
    gateway = _gateway(mutable_app)
    broken = gateway.post(PATH, content=b"{not json")
    assert broken.status_code == 400
    error = broken.json()["error"]
    assert "JSON" in error["en"]
    assert "JSON" in error["zh"]
    shapeless = gateway.post(PATH, content=orjson.dumps({"meter": "X", "t0": int(time.time())}))
    assert shapeless.status_code == 400
    assert "values" in shapeless.json()["error"]["en"]
    refused = _gateway(mutable_app, "firm-1").post(PATH, content=b"{}")
    assert refused.status_code == 403
    assert "monitoring.ingest" in refused.json()["error"]["en"]
    public = TestClient(mutable_app, base_url="https://testserver")
    assert public.post(PATH, content=b"{}").status_code == 401
