"""The pathway API and pages on each backend (SQLite and PostgreSQL): a city with no stored
inventory imports the example scenario file (BAU → policy → enhanced), runs and compares
them, saves a child through the API with the version it read (409 on a stale one) and
shows the overview and a scenario's page."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from test_web_postgres import _url
from web_clients import csrf_of

from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.roles import Role
from citycarbon.service.users import create_user
from citycarbon.store.models import Region
from citycarbon.web.app import create_app
from citycarbon.web.settings import WebSettings

EXAMPLE = Path(__file__).parents[1] / "pathways" / "data" / "example_scenarios.yaml"


def test_pathways_on_each_backend(db_engine: Engine, tmp_path: Path):
    with sessionmaker(db_engine).begin() as session:
        session.add(Region(code="321100", name_zh="镇江市", name_en="Zhenjiang", level="city",
                           path="/321100/"))  # fmt: skip
        session.flush()
        create_user(session, LOCAL_ADMIN, "planner", Role.CITY_OFFICE, password="pw-plan-123",
                    region_code="321100")  # fmt: skip
    app = create_app(WebSettings(database_url=_url(db_engine), data_dir=tmp_path, secret_key="k"))
    with TestClient(app, base_url="https://testserver") as client:
        signed = client.post(
            "/login", data={"username": "planner", "password": "pw-plan-123"},
            follow_redirects=False,
        )  # fmt: skip
        assert signed.status_code == 303
        client.headers["X-CSRF-Token"] = csrf_of(client)
        upload = {"file": ("example.yaml", EXAMPLE.read_bytes(), "application/yaml")}
        stored = client.post("/api/v1/pathways/321100/scenarios.yaml", files=upload)
        assert stored.status_code == 201, stored.text
        rows = client.get("/api/v1/pathways/321100/compare").json()["scenarios"]
        assert [r["scenario"] for r in rows] == ["bau", "policy", "enhanced"]
        assert rows[0]["emissions_2060"] > rows[2]["emissions_2060"]
        child = {"parent": "enhanced", "overrides": {"sinks": {"milestones": None, "growth": 0.05}}}
        url = "/api/v1/pathways/321100/scenarios/sinks_up"
        assert client.put(url, json=child).status_code == 201
        assert client.put(url, json={**child, "version": 1}).status_code == 200
        assert client.put(url, json={**child, "version": 1}).status_code == 409
        run = client.get(f"{url}/run").json()
        enhanced = client.get("/api/v1/pathways/321100/scenarios/enhanced/run").json()
        assert run["emissions"]["gross"] == enhanced["emissions"]["gross"]
        assert run["emissions"]["net"][-1] < enhanced["emissions"]["net"][-1]
        overview = client.get("/pathways?region=321100")
        assert overview.status_code == 200
        assert 'data-scenario="sinks_up"' in overview.text
        page = client.get("/pathways/sinks_up?region=321100&lang=en")
        assert page.status_code == 200
        assert "Decomposition" in page.text
