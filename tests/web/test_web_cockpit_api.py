"""The cockpit API, region routes, boundaries and inventory documents, per role."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from citycarbon.store.models import Enterprise, InventoryRun

CITY = "321100"


def _runs(app: FastAPI) -> list[InventoryRun]:
    with app.state.sessions() as session:
        return list(session.scalars(select(InventoryRun).order_by(InventoryRun.id)).all())


def test_the_public_sees_published_inventories_and_no_enterprise(client_as, web_app):
    body = client_as(None).get(f"/api/v1/cockpit?region={CITY}").json()
    published = {r.year for r in _runs(web_app) if r.published and r.region_code == CITY}
    assert set(body["years"]) == published
    assert body["run"]["published"] is True
    assert body["top_emitters"] is None
    assert [i["key"] for i in body["indicators"]] == [
        "energy_total", "carbon_total", "energy_intensity", "carbon_intensity",
    ]  # fmt: skip
    assert {i["unit"] for i in body["indicators"]} == {"tce", "t CO2e", "tce/万元", "t CO2e/万元"}


def test_the_city_office_sees_every_year_with_pace_sectors_districts_and_top_emitters(client_as):
    body = client_as("city").get(f"/api/v1/cockpit?region={CITY}").json()
    assert body["gwp_set"] == "AR5"
    assert body["year"] == max(body["years"])
    assert len(body["years"]) >= 2
    carbon = next(i for i in body["indicators"] if i["key"] == "carbon_intensity")
    assert [p["year"] for p in carbon["trend"]] == body["years"]
    if carbon["pace"]:
        base = carbon["pace"][0]
        assert base["pace"] == pytest.approx(base["actual"])
        target = next(p for p in carbon["pace"] if p["year"] == 2025)
        assert target["pace"] == pytest.approx(base["actual"] * 0.82)
    # the demo city holds its 14th Five-Year Plan targets: the pace follows them
    assert body["pace"]["assumption"] is False
    assert "14fyp" in body["pace"]["source_en"]
    sectors = {s["code"]: s["value"] for s in body["sectors"]}
    assert sectors["1"] > 0
    totals = body["totals"]
    direct = sum(v for k, v in sectors.items() if k not in ("sinks", "net_import"))
    assert direct == pytest.approx(totals["direct_CO2e"], rel=1e-9)
    assert sectors.get("sinks", 0.0) == pytest.approx(totals.get("sink_CO2e", 0.0), abs=1e-6)
    assert body["net"] == pytest.approx(totals["gross_CO2e"] + totals["sink_CO2e"])
    assert {d["code"] for d in body["districts"]} >= {"321102", "321181"}
    assert all(d["gross_co2e"] is not None for d in body["districts"])
    top = body["top_emitters"]
    assert 0 < len(top) <= 10
    values = [e["direct_co2e_t"] for e in top]
    assert values == sorted(values, reverse=True)
    assert top[0]["district"]["code"].startswith("3211")


def test_a_district_official_sees_its_district_and_only_its_enterprises(client_as, web_app):
    client = client_as("district-321102")
    body = client.get("/api/v1/cockpit?region=321102").json()
    assert body["region"]["code"] == "321102"
    assert {d["level"] for d in body["districts"]} == {"township"}
    with web_app.state.sessions() as session:
        theirs = set(
            session.scalars(
                select(Enterprise.credit_code).where(Enterprise.region_code.like("321102%"))
            )
        )
    assert body["top_emitters"]
    assert {e["credit_code"] for e in body["top_emitters"]} <= theirs
    city = client.get(f"/api/v1/cockpit?region={CITY}").json()  # what the public sees, at least
    assert (
        city["top_emitters"] is None or {e["credit_code"] for e in city["top_emitters"]} <= theirs
    )


@pytest.mark.parametrize("user", ["firm-1", "verifier-a", "reviewer", "admin"])
def test_every_role_may_open_the_cockpit(client_as, user):
    assert client_as(user).get(f"/api/v1/cockpit?region={CITY}").status_code == 200


def test_unknown_region_or_year_is_404_and_bad_parameters_422(client_as):
    client = client_as("city")
    assert client.get("/api/v1/cockpit?region=999999").status_code == 404
    assert client.get(f"/api/v1/cockpit?region={CITY}&year=1990").status_code == 404
    assert client.get(f"/api/v1/cockpit?region={CITY}&year=abc").status_code == 422
    assert client.get("/api/v1/cockpit?region=<script>").status_code == 422


def test_boundaries_are_public_geojson_with_six_districts(client_as):
    response = client_as(None).get(f"/api/v1/regions/{CITY}/boundaries.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    features = response.json()["features"]
    assert len(features) == 6
    assert {"code", "name_zh", "name_en", "cp"} <= set(features[0]["properties"])
    assert client_as(None).get("/api/v1/regions/321102/boundaries.geojson").status_code == 404


def test_a_region_with_its_children(client_as):
    body = client_as(None).get(f"/api/v1/regions/{CITY}").json()
    assert body["code"] == CITY
    assert body["level"] == "city"
    assert len(body["children"]) == 6
    assert [p["code"] for p in body["path"]][-1] == CITY
    assert client_as(None).get("/api/v1/regions/000000").status_code == 404
    # a district official may read its own district (and, as the public may, the city)
    assert client_as("district-321102").get("/api/v1/regions/321102").status_code == 200


def test_inventory_documents_per_role(client_as, web_app):
    runs = [r for r in _runs(web_app) if r.region_code == CITY]
    published = next(r for r in runs if r.published)
    hidden = next((r for r in runs if not r.published), None)
    pdf = client_as("city").get(f"/api/v1/inventories/{published.id}/document.pdf?lang=en")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    xlsx = client_as(None).get(f"/api/v1/inventories/{published.id}/document.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.content.startswith(b"PK")
    if hidden is not None:
        refused = client_as(None).get(f"/api/v1/inventories/{hidden.id}/document.pdf")
        assert refused.status_code in (403, 404)
        assert (
            client_as("city").get(f"/api/v1/inventories/{hidden.id}/document.xlsx").status_code
            == 200
        )
    assert client_as("city").get("/api/v1/inventories/999999/document.pdf").status_code == 404


def test_the_cockpit_page_embeds_its_charts_and_the_map(client_as):
    page = client_as(None).get("/cockpit", headers={"accept": "text/html"})
    assert page.status_code == 200
    text = page.text
    assert f'data-geo="/api/v1/regions/{CITY}/boundaries.geojson"' in text
    start = text.index('<script type="application/json" id="opt-map">') + len(
        '<script type="application/json" id="opt-map">'
    )
    option = json.loads(text[start : text.index("</script>", start)])
    data = option["series"][0]["data"]
    assert len(data) == 6
    assert all(d["url"].startswith("/explorer?region=") for d in data)
    assert 'data-testid="no-emitters"' in text
    english = client_as("city").get("/cockpit?lang=en&measure=per_capita")
    assert "Top emitters" in english.text
    assert 'data-testid="top-emitters"' in english.text
    assert client_as("city").get("/cockpit?region=999999").status_code == 404


def test_a_started_server_recomputes_the_runs_the_first_cockpits_show(demo_dir):
    import time

    from fastapi.testclient import TestClient

    from citycarbon.web.app import create_app
    from citycarbon.web.settings import WebSettings

    app = create_app(WebSettings(data_dir=demo_dir, secret_key="k"))
    with TestClient(app, base_url="https://testserver"):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            warmed = dict(app.state.cache.get("inventory.recomputations") or {})
            if len(warmed) == 2 and all(f.done() for f in warmed.values()):
                break
            time.sleep(0.2)
        with app.state.sessions() as session:
            runs = session.scalars(
                select(InventoryRun).where(InventoryRun.region_code == CITY)
            ).all()
    latest = max(runs, key=lambda r: (r.year, r.id)).id
    published = max((r for r in runs if r.published), key=lambda r: (r.year, r.id)).id
    assert set(warmed) == {latest, published}
    assert all(f.exception() is None for f in warmed.values())


def test_a_warm_up_cut_short_by_a_stopping_server_is_redone_by_the_next(demo_dir):
    from fastapi.testclient import TestClient
    from web_clients import PASSWORD

    from citycarbon.web.app import create_app
    from citycarbon.web.settings import WebSettings

    app = create_app(WebSettings(data_dir=demo_dir, secret_key="k"))
    with TestClient(app, base_url="https://testserver"):
        pass  # stopped at once: the warm-up's work belongs to a loop that is gone
    with TestClient(app, base_url="https://testserver") as client:
        client.post("/login", data={"username": "city", "password": PASSWORD})
        cockpit = client.get(f"/api/v1/cockpit?region={CITY}")
    assert cockpit.status_code == 200, cockpit.text
    assert cockpit.json()["top_emitters"]
