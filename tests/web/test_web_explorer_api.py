"""The explorer, trace and enterprise-view routes, per role: figures add up along both
axes, every figure's trace adds up to it, and enterprise data stay with who may see them."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from citycarbon.store.models import Enterprise, InventoryRun, InventoryValue, User

CITY = "321100"
HX = {"HX-Request": "true", "accept": "text/html"}
HTML = {"accept": "text/html"}


def _runs(app: FastAPI) -> list[InventoryRun]:
    with app.state.sessions() as session:
        return list(session.scalars(select(InventoryRun).order_by(InventoryRun.id)).all())


def _stored(app: FastAPI, run_id: int, region: str, measure: str) -> float:
    with app.state.sessions() as session:
        return (
            session.scalar(
                select(InventoryValue.value).where(
                    InventoryValue.run_id == run_id,
                    InventoryValue.region_code == region,
                    InventoryValue.category == "TOTAL",
                    InventoryValue.measure == measure,
                )
            )
            or 0.0
        )


def _firm_of(app: FastAPI, username: str) -> Enterprise:
    with app.state.sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        assert user.enterprise_id is not None
        firm = session.get(Enterprise, user.enterprise_id)
        assert firm is not None
        return firm


def test_the_city_total_is_the_stored_net_and_its_categories_add_up(client_as, web_app):
    body = client_as("city").get(f"/api/v1/explorer?region={CITY}").json()
    run = body["run"]["id"]
    assert body["category"]["code"] == "TOTAL"
    assert body["value"] == pytest.approx(_stored(web_app, run, CITY, "net_CO2e"), rel=1e-9)
    assert sum(c["value"] for c in body["child_categories"] if not c["memo"]) == pytest.approx(
        body["value"], rel=1e-9
    )
    assert {r["code"] for r in body["child_regions"]} >= {"321102", "321183"}
    assert "CO2" in body["measures"]
    assert body["unit"] == "t CO2e"
    energy = client_as("city").get(f"/api/v1/explorer?region={CITY}&category=1&gas=CO2").json()
    kids = list(energy["child_categories"])
    assert sum(c["value"] for c in kids) == pytest.approx(energy["value"], rel=1e-9)
    assert energy["category"]["path"] == []
    deeper = client_as("city").get(f"/api/v1/explorer?region={CITY}&category=1.A.2").json()
    assert [c["code"] for c in deeper["category"]["path"]] == ["1", "1.A"]


def test_memo_items_are_shown_but_never_added(client_as):
    body = client_as("city").get(f"/api/v1/explorer?region={CITY}&category=IND").json()
    memo = [c for c in body["child_categories"] if c["memo"]]
    counted = [c for c in body["child_categories"] if not c["memo"]]
    assert {c["code"] for c in memo} <= {"IND.1", "IND.2"}
    assert body["value"] == pytest.approx(sum(c["value"] for c in counted))


def test_drill_to_a_township_lists_its_enterprises_for_those_who_may_see_them(client_as, web_app):
    firm = _firm_of(web_app, "firm-1")
    township = firm.region_code
    city = client_as("city").get(f"/api/v1/explorer?region={township}").json()
    assert city["region"]["level"] == "township"
    assert [r["code"] for r in city["region"]["path"]][:2] == [CITY, township[:6]]
    codes = [e["credit_code"] for e in city["enterprises"]]
    assert firm.credit_code in codes
    public = client_as(None).get(f"/api/v1/explorer?region={township}").json()
    assert not public["enterprises"]
    other = client_as("district-321183").get(f"/api/v1/explorer?region={township}").json()
    if not township.startswith("321183"):
        assert not other["enterprises"]  # the public's view of another district
    asked = client_as("city").get(f"/api/v1/explorer?region={township[:6]}&enterprises=true")
    assert firm.credit_code in [e["credit_code"] for e in asked.json()["enterprises"]]


def test_the_public_sees_published_runs_only(client_as, web_app):
    runs = [r for r in _runs(web_app) if r.region_code == CITY]
    public = client_as(None).get(f"/api/v1/explorer?region={CITY}").json()
    assert all(r["published"] for r in public["runs"])
    assert set(public["years"]) == {r.year for r in runs if r.published}
    hidden = next((r for r in runs if not r.published), None)
    if hidden is not None:
        assert (
            client_as(None).get(f"/api/v1/explorer?region={CITY}&run={hidden.id}").status_code
            == 404
        )
        assert (
            client_as("city").get(f"/api/v1/explorer?region={CITY}&run={hidden.id}").status_code
            == 200
        )
        trace = client_as(None).get(f"/api/v1/trace?run={hidden.id}&region={CITY}")
        assert trace.status_code == 404


def test_bad_category_or_gas_is_refused_with_both_languages(client_as):
    client = client_as("city")
    bad = client.get(f"/api/v1/explorer?region={CITY}&category=9.Z")
    assert bad.status_code == 400
    assert bad.json()["error"]["zh"]
    assert bad.json()["error"]["en"]
    assert client.get(f"/api/v1/explorer?region={CITY}&gas=XX").status_code == 400
    assert client.get("/api/v1/explorer?region=999999").status_code == 404
    assert client.get(f"/api/v1/explorer?region={CITY}&run=0").status_code == 422


def test_explorer_rows_as_csv(client_as):
    response = client_as("city").get(f"/api/v1/explorer?region={CITY}&category=1&format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["axis"] == "figure"
    assert {r["axis"] for r in rows} >= {"figure", "category", "region"}
    assert rows[0]["unit"] == "t CO2e"
    assert rows[0]["gwp_set"] == "AR5"


@pytest.mark.parametrize("category", ["TOTAL", "1.A.1", "3", "4", "IND.1"])
def test_a_trace_adds_up_to_the_stored_figure(client_as, web_app, category):
    run = next(r for r in _runs(web_app) if r.region_code == CITY and r.published)
    body = (
        client_as("city")
        .get(f"/api/v1/trace?run={run.id}&region={CITY}&category={category}&gas=CO2e")
        .json()
    )
    assert body["digest"]["matches"] is True
    assert body["sum_matches"] is True, (body["stored_value"], body["recomputed_value"])
    assert body["gwp_set"] == "AR5"
    assert body["factor_set"] == run.factor_set
    if body["stored_value"]:
        assert body["contributions"]
        first = body["contributions"][0]
        assert first["trace"]["equation"]
        assert first["records"]
    for factor in body["factors"]:
        assert factor["factor_id"]
        assert factor["factor_set"]
        assert "value" in factor


def test_a_district_trace_and_the_public_trace_hides_enterprises(client_as, web_app):
    run = next(r for r in _runs(web_app) if r.region_code == CITY and r.published)
    url = f"/api/v1/trace?run={run.id}&region=321102&category=1.A&gas=CO2"
    theirs = client_as("district-321102").get(url).json()
    assert theirs["sum_matches"] is True
    entities = {r["entity"] for c in theirs["contributions"] for r in c["records"]}
    assert any(entities - {"", None})
    public = client_as(None).get(url).json()
    assert public["stored_value"] == pytest.approx(theirs["stored_value"])
    hidden = {r["entity"] for c in public["contributions"] for r in c["records"]}
    assert hidden <= {"", None}
    assert client_as(None).get(f"/api/v1/trace?run={run.id}&region=999999").status_code == 404
    assert (
        client_as(None).get(f"/api/v1/trace?run={run.id}&region={CITY}&category=x").status_code
        == 400
    )


def test_explorer_pages_and_the_trace_partial(client_as, web_app):
    client = client_as("city")
    page = client.get(f"/explorer?region={CITY}", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert 'class="figure"' in page.text
    assert 'hx-target="#trace-body"' in page.text
    assert '<dialog class="trace"' in page.text
    run = next(r for r in _runs(web_app) if r.region_code == CITY and r.published)
    link = f"/explorer/trace?run={run.id}&region={CITY}&category=1.A.1&gas=CO2e"
    partial = client.get(link, headers=HX)
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert 'data-testid="trace-match"' in partial.text
    assert "/refdata/factors/" in partial.text
    full = client.get(link, headers={"accept": "text/html"})
    assert "<html" in full.text
    public = client_as(None).get(
        f"/explorer?region={CITY}&lang=en", headers={"accept": "text/html"}
    )
    assert public.status_code == 200
    assert "Categories below" in public.text


def test_the_enterprise_view_for_who_may_read_its_ledger(client_as, web_app):
    firm = _firm_of(web_app, "firm-1")
    year = next(r.year for r in _runs(web_app) if r.published)
    url = f"/explorer/enterprise/{firm.credit_code}?year={year}"
    own = client_as("firm-1").get(url, headers={"accept": "text/html"})
    assert own.status_code == 200
    assert 'data-testid="ledger-lines"' in own.text
    line = client_as("firm-1").get(
        f"/explorer/enterprise/{firm.credit_code}/trace?year={year}&line=0", headers=HX
    )
    assert line.status_code == 200
    assert "/refdata/factors/" in line.text
    assert client_as("city").get(url, headers={"accept": "text/html"}).status_code == 200
    assert client_as(None).get(url, headers={"accept": "text/html"}).status_code in (303, 403)
    assert client_as("verifier-a").get(url, headers={"accept": "text/html"}).status_code == 403
    other = _firm_of(web_app, "firm-2")
    refused = client_as("firm-1").get(
        f"/explorer/enterprise/{other.credit_code}?year={year}", headers={"accept": "text/html"}
    )
    assert refused.status_code == 403
    missing = client_as("firm-1").get(
        f"/explorer/enterprise/{firm.credit_code}/trace?year={year}&line=99999", headers=HX
    )
    assert missing.status_code == 404
