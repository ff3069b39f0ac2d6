"""Issue 7's "done when", end to end on the demo city: the platform on the demo database, the
meter ingest (``citycarbon ingest serve``) on a broker, and the simulator
(``citycarbon simulate meters --surge``) publishing the month so far through MQTT. The energy
manager's load curve moves as the readings arrive, the budget pace alert fires on the surge,
and it clears when the city office raises the budget; the enterprise sees its allowances."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from meter_broker import mosquitto_binary, private_broker
from sqlalchemy import select

from citycarbon.demo.run import prepare_demo
from citycarbon.lake.layout import (
    CST_OFFSET_S,
    count_rows,
    day_bounds,
    partition_days,
    partition_dir,
)
from citycarbon.store.models import Enterprise, User
from citycarbon.web.app import create_app
from citycarbon.web.settings import WebSettings

PASSWORD = "citycarbon-demo"
CLI = [sys.executable, "-c", "from citycarbon.cli import app; app()"]


def _month_start(now: int) -> int:
    local = dt.datetime.fromtimestamp(now + CST_OFFSET_S, tz=dt.UTC).date()
    return day_bounds(local.replace(day=1).isoformat())[0]


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code in (200, 201), response.text
    return {"authorization": f"Bearer {response.json()['token']}"}


class Lines:
    """A subprocess's stderr, read in a thread; ``seen`` waits for a line's prefix."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process, self.lines = process, list[str]()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        self.lines.extend(self.process.stderr)
        self.process.stderr.close()

    def seen(self, prefix: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(line.startswith(prefix) for line in self.lines):
                return
            time.sleep(0.05)
        raise AssertionError(f"no {prefix!r} line:\n{''.join(self.lines)}")


def _until_stable(lake: Path, timeout: float = 120) -> int:
    """Rows in the lake once they stop growing."""
    deadline, last, still = time.monotonic() + timeout, -1, 0
    while time.monotonic() < deadline and still < 5:
        rows = count_rows(lake)
        still = still + 1 if rows == last else 0
        last = rows
        time.sleep(0.2)
    return last


def test_demo_with_simulated_meters(tmp_path: Path, missing_service, monkeypatch):
    if mosquitto_binary() is None:
        missing_service("Mosquitto", "no mosquitto binary on this machine")
    monkeypatch.setenv("CITYCARBON_ALERT_INTERVAL_S", "0")  # evaluated below, at known points
    monkeypatch.delenv("CITYCARBON_LAKE", raising=False)
    folder = tmp_path / "demo"
    prepare_demo(folder, enterprises=40).kw["bind"].dispose()
    lake, now = folder / "lake", int(time.time())
    # the demo stored this month's readings when it loaded: the simulator publishes them anew
    for day in partition_days(lake):
        if day_bounds(day)[0] >= _month_start(now):
            shutil.rmtree(partition_dir(lake, day))
    app = create_app(WebSettings(data_dir=folder, secret_key="e2e-secret"))
    with private_broker(tmp_path) as port, TestClient(app, base_url="https://testserver") as web:
        firm, city = _bearer(web, "firm-1"), _bearer(web, "city")
        with app.state.sessions() as session:
            enterprise_id = session.scalars(
                select(User.enterprise_id).where(User.username == "firm-1")
            ).one()
            code = session.scalars(
                select(Enterprise.credit_code).where(Enterprise.id == enterprise_id)
            ).one()
        load_url = f"/api/v1/monitoring/enterprises/{code}/load?hours=24"
        assert web.get(load_url, headers=firm).json()["points"] == []
        counts, load = _stream_the_month(
            folder, port, code, lambda: web.get(load_url, headers=firm)
        )
        assert counts[0] == 0 < counts[-1]  # the curve moved as the readings came in
        assert counts == sorted(counts)
        assert now - load["last_ts"] < 900 + 300  # up to the latest interval

        evaluated = web.post("/api/v1/monitoring/alerts/evaluate", headers=city)
        assert evaluated.status_code == 200, evaluated.text
        opened = web.get("/api/v1/monitoring/alerts?state=open", headers=firm).json()["alerts"]
        budgets = web.get("/api/v1/monitoring/budgets", headers=firm).json()
        assert "pace_above_budget" in {a["kind"] for a in opened}, (evaluated.json(), budgets)

        year, month = dt.datetime.fromtimestamp(now + CST_OFFSET_S, tz=dt.UTC).timetuple()[:2]
        for kind in ("energy", "carbon"):
            url = f"/api/v1/monitoring/budgets/{code}/{year}/{month}/{kind}"
            assert web.put(url, json={"amount": 1.0e7}, headers=city).status_code == 200
        assert web.post("/api/v1/monitoring/alerts/evaluate", headers=city).status_code == 200
        still = web.get("/api/v1/monitoring/alerts?state=open", headers=firm).json()["alerts"]
        assert "pace_above_budget" not in {a["kind"] for a in still}
        cleared = web.get(
            f"/api/v1/monitoring/alerts?state=cleared&enterprise={code}", headers=firm
        ).json()["alerts"]
        assert "pace_above_budget" in {a["kind"] for a in cleared}

        assets = web.get(f"/api/v1/assets/{code}", headers=firm)
        assert assets.status_code == 200, assets.text
        held = assets.json()
        assert held["allocated_t"] > 0
        assert held["status"] in {"compliant", "shortfall", "not_due"}, held  # verified year
        assert held["deadline"]
        assert held["balance_t"] == pytest.approx(held["statement"][-1]["balance_t"])


def _stream_the_month(
    folder: Path, port: int, code: str, poll: Callable[[], Any]
) -> tuple[list[int], dict[str, Any]]:
    """Ingest and simulator as subprocesses; the load curve's point count while it streams."""
    common = [*CLI, "--data-dir", str(folder)]
    broker = ["--broker", f"127.0.0.1:{port}"]
    ingest = subprocess.Popen(
        [*common, "ingest", "serve", *broker, "--client-id", "e2e"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    ingest_lines = Lines(ingest)
    try:
        ingest_lines.seen("[connected]")
        simulator = subprocess.Popen(
            [*common, "simulate", "meters", *broker, "--surge", code, "--no-live",
             "--rate", "3000"],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        sim_lines = Lines(simulator)
        counts = []
        while simulator.poll() is None:
            counts.append(len(poll().json()["points"]))
            time.sleep(0.2)
        sim_lines.thread.join(10)
        assert simulator.returncode == 0, "".join(sim_lines.lines)
        _until_stable(folder / "lake")
        load: dict[str, Any] = poll().json()
    finally:
        ingest.terminate()
        status = ingest.wait(30)
        ingest_lines.thread.join(10)
    assert status == 0, "".join(ingest_lines.lines)
    return [*counts, len(load["points"])], load
