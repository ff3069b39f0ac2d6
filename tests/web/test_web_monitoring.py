"""The monitoring API and pages on a copy of the demo city with meters and a real lake:
budgets set by the city office, alerts evaluated and listed by scope, the live load curve,
the park map, the nowcast, rejected readings and the reconciliation in the verifier's view."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from monitoring_seed import Seeded, seed
from web_clients import csrf_of, signed_in

from citycarbon.service.monitoring_budgets import local_month
from citycarbon.store.models_monitoring import RejectedReading


@pytest.fixture
def seeded(mutable_app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    monkeypatch.delenv("CITYCARBON_LAKE", raising=False)
    return seed(mutable_app.state.sessions, mutable_app.state.settings.data_dir)


@pytest.fixture
def as_user(mutable_app: FastAPI) -> Iterator[dict[str, TestClient]]:
    clients: dict[str, TestClient] = {}

    class Clients(dict[str, TestClient]):
        def __missing__(self, username: str) -> TestClient:
            client = signed_in(mutable_app, username)
            client.headers["X-CSRF-Token"] = csrf_of(client)
            self[username] = client
            return client

    made = Clients()
    yield made
    for client in [*made.values(), *clients.values()]:
        client.close()


def test_budget_alert_fires_and_clears_through_the_api(seeded: Seeded, as_user):
    city, firm = as_user["city"], as_user["firm-1"]
    year, month = local_month(seeded.last_ts)
    code = seeded.credit_code
    url = f"/api/v1/monitoring/budgets/{code}/{year}/{month}/energy"
    assert firm.put(url, json={"amount": 0.001}).status_code == 403
    assert city.put(url, json={"amount": -1}).status_code == 422
    tiny = city.put(url, json={"amount": 0.001})  # far below six hours at 80 kW
    assert tiny.status_code == 200, tiny.text
    assert tiny.json()["unit"] == "tce"
    budgets = firm.get(f"/api/v1/monitoring/budgets?year={year}&month={month}").json()
    assert {b["credit_code"] for b in budgets["budgets"]} == {code}
    assert firm.post("/api/v1/monitoring/alerts/evaluate").status_code == 403
    ahead = city.post(f"/api/v1/monitoring/alerts/evaluate?at={seeded.last_ts + 86400}")
    assert ahead.status_code == 400
    assert ahead.json()["error"]["field"] == "at"
    evaluated = city.post(f"/api/v1/monitoring/alerts/evaluate?at={seeded.last_ts}")
    assert evaluated.status_code == 200
    assert evaluated.json()["opened"] >= 1
    open_alerts = firm.get(f"/api/v1/monitoring/alerts?state=open&at={seeded.last_ts}").json()
    kinds = {(a["kind"], a["credit_code"]) for a in open_alerts["alerts"]}
    assert ("pace_above_budget", code) in kinds
    assert all(a["credit_code"] == code for a in open_alerts["alerts"])
    assert city.put(url, json={"amount": 1.0e6}).status_code == 200
    city.post(f"/api/v1/monitoring/alerts/evaluate?at={seeded.last_ts + 60}")
    cleared = firm.get(
        f"/api/v1/monitoring/alerts?state=cleared&enterprise={code}&at={seeded.last_ts}"
    ).json()
    assert [a["kind"] for a in cleared["alerts"]] == ["pace_above_budget"]


def test_load_curve_parks_and_nowcast(seeded: Seeded, as_user):
    firm, city = as_user["firm-1"], as_user["city"]
    listed = firm.get("/api/v1/monitoring/enterprises").json()["enterprises"]
    assert [e["credit_code"] for e in listed] == [seeded.credit_code]
    load = firm.get(f"/api/v1/monitoring/enterprises/{seeded.credit_code}/load?hours=24").json()
    assert len(load["points"]) == 24
    assert {kw for _, kw in load["points"]} == {80.0}
    assert load["last_ts"] == seeded.last_ts
    other = as_user["firm-2"].get(f"/api/v1/monitoring/enterprises/{seeded.credit_code}/load")
    assert other.status_code == 403
    parks = city.get("/api/v1/monitoring/parks").json()
    park = next(p for p in parks["parks"] if p["code"] == seeded.park_code)
    assert park["tce"] > 0
    nowcast = city.get("/api/v1/monitoring/nowcast").json()
    assert nowcast["grid_factor"]["factor_id"].startswith("cn_grid_emission_factors:")
    assert sum(d["kwh"] for d in nowcast["districts"]) > 0
    assert firm.get("/api/v1/monitoring/nowcast").status_code == 403
    assert as_user["public"].get("/api/v1/monitoring/parks").status_code in (401, 403)


def test_rejected_readings_for_the_city_office_only(mutable_app: FastAPI, as_user):
    with mutable_app.state.sessions.begin() as session:
        session.add(RejectedReading(source="mqtt", meter_code="NOPE", code="unknown_meter",
                                    reason_zh="未登记的计量表 NOPE", reason_en="unknown meter NOPE",
                                    fingerprint="f" * 64))  # fmt: skip
    rows = as_user["city"].get("/api/v1/monitoring/rejected?code=unknown_meter").json()
    assert [r["reason_en"] for r in rows["rejected"]] == ["unknown meter NOPE"]
    assert as_user["district-321102"].get("/api/v1/monitoring/rejected").status_code == 403
    page = as_user["city"].get("/monitoring/rejected?lang=en")
    assert page.status_code == 200
    assert "unknown meter NOPE" in page.text


def test_verifier_sees_the_metered_vs_reported_flag(seeded: Seeded, as_user):
    verifier = as_user["verifier-a"]
    rid = seeded.verify_report_id
    model = verifier.get(f"/api/v1/monitoring/reports/{rid}/reconciliation").json()
    power = next(r for r in model["reconciliation"]["rows"] if r["carrier"] == "electricity")
    assert power["difference_pct"] == pytest.approx(20.0, abs=0.01)
    assert power["flagged"]
    assert model["reconciliation"]["flagged"]
    refused = as_user["firm-1"].get(f"/api/v1/monitoring/reports/{rid}/reconciliation")
    assert refused.status_code == 403
    page = verifier.get(f"/verify/reports/{rid}?lang=en")
    assert page.status_code == 200
    assert 'data-testid="reconciliation-flag"' in page.text
    assert "+20.0 %" in page.text
    review = as_user["city"].get(f"/review/reports/{rid}")
    assert 'data-testid="reconciliation"' in review.text


def test_pages_in_both_languages(seeded: Seeded, as_user):
    firm, city = as_user["firm-1"], as_user["city"]
    home = firm.get("/monitoring", follow_redirects=False)
    assert home.status_code == 303
    assert home.headers["location"] == f"/monitoring/enterprises/{seeded.credit_code}"
    page = firm.get(f"/monitoring/enterprises/{seeded.credit_code}?lang=en")
    assert 'data-live="/api/v1/monitoring/enterprises/' in page.text
    assert 'data-testid="load-points">24<' in page.text
    assert "budget-form" not in page.text  # enterprises do not set their own budgets
    for path in ("/monitoring", "/monitoring/parks", "/monitoring/nowcast"):
        for lang in ("zh", "en"):
            assert city.get(f"{path}?lang={lang}").status_code == 200, path
    assert "能耗在线监测" in city.get("/monitoring?lang=zh").text
    year, month = local_month(seeded.last_ts)
    form = {"csrf_token": city.headers["X-CSRF-Token"], "year": year, "month": month,
            "kind": "energy", "amount": "abc"}  # fmt: skip
    bad = city.post(f"/monitoring/enterprises/{seeded.credit_code}/budgets", data=form)
    assert bad.status_code == 422
    assert 'data-testid="problem"' in bad.text
    good = city.post(
        f"/monitoring/enterprises/{seeded.credit_code}/budgets",
        data=form | {"amount": "12.5"},
        follow_redirects=False,
    )
    assert good.status_code == 303
    shown = city.get(f"/monitoring/enterprises/{seeded.credit_code}").text
    assert "12.500 tce" in shown
    evaluated = city.post(
        "/monitoring/alerts/evaluate",
        data={"csrf_token": city.headers["X-CSRF-Token"], "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert evaluated.headers["location"] == "/monitoring?done=evaluated"
