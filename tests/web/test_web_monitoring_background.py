"""The web application evaluates the alert rules in the background while it runs (interval
from the settings or CITYCARBON_ALERT_INTERVAL_S; 0 switches it off)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from monitoring_seed import seed
from sqlalchemy import select

from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.monitoring_budgets import local_month, set_budget
from citycarbon.store.models_monitoring import MonitoringAlert
from citycarbon.web.api.monitoring import ALERT_INTERVAL_ENV, alert_interval


def test_interval_from_settings_then_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ALERT_INTERVAL_ENV, raising=False)
    assert alert_interval(SimpleNamespace()) == 300.0
    monkeypatch.setenv(ALERT_INTERVAL_ENV, "0")
    assert alert_interval(SimpleNamespace()) == 0.0
    assert alert_interval(SimpleNamespace(alert_interval_s=30)) == 30.0
    monkeypatch.setenv(ALERT_INTERVAL_ENV, "soon")
    assert alert_interval(SimpleNamespace()) == 300.0  # unreadable: the default, not a crash


def _pace_alerts(app: FastAPI) -> list[str]:
    with app.state.sessions() as session:
        return list(
            session.scalars(
                select(MonitoringAlert.state).where(MonitoringAlert.kind == "pace_above_budget")
            )
        )


def test_running_app_evaluates_in_the_background(
    mutable_app: FastAPI, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("CITYCARBON_LAKE", raising=False)
    seeded = seed(mutable_app.state.sessions, mutable_app.state.settings.data_dir)
    year, month = local_month(seeded.last_ts)
    with mutable_app.state.sessions.begin() as session:
        set_budget(session, LOCAL_ADMIN, seeded.credit_code, year, month, "energy", 0.001)
    monkeypatch.setenv(ALERT_INTERVAL_ENV, "0")
    with TestClient(mutable_app, base_url="https://testserver"):
        time.sleep(0.5)
    assert _pace_alerts(mutable_app) == []  # switched off: nothing evaluated
    monkeypatch.setenv(ALERT_INTERVAL_ENV, "3600")
    with TestClient(mutable_app, base_url="https://testserver"):
        deadline = time.monotonic() + 30
        while not _pace_alerts(mutable_app) and time.monotonic() < deadline:
            time.sleep(0.2)
    assert _pace_alerts(mutable_app) == ["open"]  # the first round runs at start-up
