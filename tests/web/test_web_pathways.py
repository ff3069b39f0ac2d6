"""The peak-pathway API on the demo city (镇江, BAU → policy → enhanced): list, read, run,
compare, decompose, optimise, IAMC and YAML out and back in; saving with the version read
(409 when it changed), input errors as 422 naming the field in both languages, 403 for a
district official and 404 for a scenario that does not exist."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_clients import csrf_of, signed_in

Client = Callable[[str | None], TestClient]
CITY = "321100"


def with_csrf(app: FastAPI, username: str) -> TestClient:
    client = signed_in(app, username)
    client.headers["X-CSRF-Token"] = csrf_of(client)
    return client


def test_the_demo_scenarios_form_a_tree(client_as: Client):
    body = client_as("analyst").get(f"/api/v1/pathways/{CITY}/scenarios").json()
    by_name = {s["name"]: s for s in body["scenarios"]}
    assert by_name["policy"]["parent"] == "bau"
    assert by_name["enhanced"]["chain"] == ["bau", "policy", "enhanced"]
    csv_text = client_as("analyst").get(f"/api/v1/pathways/{CITY}/scenarios?format=csv").text
    assert csv_text.lstrip("\ufeff").startswith("name,parent,kind")
    one = client_as("analyst").get(f"/api/v1/pathways/{CITY}/scenarios/policy").json()
    assert one["definition"]["base_year"] >= 2015
    assert one["overrides"]  # a child stores only what it changes
    assert "base_year" not in one["overrides"]


def test_a_run_has_the_agreed_shape_and_is_consistent(client_as: Client):
    run = client_as("analyst").get(f"/api/v1/pathways/{CITY}/scenarios/policy/run").json()
    years = run["years"]
    assert years[0] == run["base_year"]
    assert years[-1] == run["end_year"] == 2060
    for series in (run["energy"]["total"], run["emissions"]["gross"], run["emissions"]["net"]):
        assert len(series) == len(years)
    # gross = energy sectors + non-energy sources; net = gross − sinks
    i = years.index(2030)
    sectors = sum(v[i] for v in run["emissions"]["by_sector"].values())
    other = sum(v[i] for v in run["emissions"]["other"].values())
    assert math.isclose(sectors + other, run["emissions"]["gross"][i], rel_tol=1e-9)
    net = run["emissions"]["gross"][i] - run["emissions"]["sinks"][i]
    assert math.isclose(run["emissions"]["net"][i], net, rel_tol=1e-9)
    u = run["uncertainty"]
    assert u["draws"] == 1000
    assert all(lo <= hi for lo, hi in zip(u["p5"], u["p95"], strict=True))
    assert 0.0 <= u["probability_peak_by_2030"] <= 1.0
    assert run["checks"]["peak"]["by"] == 2030
    assert run["trace"]["base_run_ids"]
    assert run["trace"]["scenario_versions"] == {"bau": 1, "policy": 1}
    rows = list(csv.DictReader(io.StringIO(
        client_as("analyst").get(f"/api/v1/pathways/{CITY}/scenarios/policy/run?format=csv").text.lstrip("\ufeff")
    )))  # fmt: skip
    assert [int(r["year"]) for r in rows] == years


def test_the_comparison_lists_each_scenario(client_as: Client):
    rows = client_as("analyst").get(f"/api/v1/pathways/{CITY}/compare").json()["scenarios"]
    assert [r["scenario"] for r in rows] == ["bau", "policy", "enhanced"]
    bau, policy, _ = rows
    assert bau["emissions_2030"] > policy["emissions_2030"]
    chosen = client_as("analyst").get(
        f"/api/v1/pathways/{CITY}/compare?scenario=enhanced&format=csv"
    ).text
    lines = chosen.lstrip("\ufeff").strip().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("enhanced,")


@pytest.mark.parametrize("scenario", ["policy", None])
def test_the_decomposition_adds_up(client_as: Client, scenario: str | None):
    query = f"start=2020&end=2030&scenario={scenario}" if scenario else "start=2016&end=2020"
    result = client_as("analyst").get(f"/api/v1/pathways/{CITY}/decomposition?{query}").json()
    change = result["end_total"] - result["start_total"]
    assert math.isclose(sum(result["effects"].values()), change, rel_tol=1e-9, abs_tol=1e-6)
    assert list(result["effects"])[:2] == ["population", "affluence"]


def test_the_structure_optimisation_and_an_impossible_cap(web_app: FastAPI):
    client = with_csrf(web_app, "analyst")  # the optimisation writes nothing
    url = f"/api/v1/pathways/{CITY}/scenarios/policy/optimise"
    free = client.post(url, json={"year": 2030, "max_growth": 0.08}).json()
    assert free["binding_caps"] == []
    total = free["emissions"]
    capped = client.post(url, json={"year": 2030, "max_growth": 0.08, "carbon_cap": total * 0.9})
    capped = capped.json()
    assert capped["binding_caps"] == ["carbon_cap"]
    assert capped["shadow_prices"]["carbon"] > 0
    assert capped["total_value_added"] < free["total_value_added"] + 1e-6
    refused = client.post(url, json={"year": 2030, "carbon_cap": 1.0})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "carbon_cap"
    assert re.search(r"[\u4e00-\u9fff]", error["zh"])
    assert "cap" in error["en"]


def test_save_a_child_then_conflict_then_delete(mutable_app: FastAPI):
    client = with_csrf(mutable_app, "analyst")
    url = f"/api/v1/pathways/{CITY}/scenarios/faster"
    body = {
        "parent": "policy",
        "label_zh": "更快能效",
        "label_en": "faster efficiency",
        "overrides": {"sectors": {"transport": {"improvement": 0.06}}},
    }
    created = client.put(url, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1
    run = client.get(f"{url}/run").json()
    policy = client.get(f"/api/v1/pathways/{CITY}/scenarios/policy/run").json()
    assert run["emissions"]["gross"][-1] < policy["emissions"]["gross"][-1]
    again = client.put(url, json=body)  # no version: it exists already
    assert again.status_code == 409
    updated = client.put(url, json={**body, "version": 1})
    assert updated.status_code == 200
    assert updated.json()["version"] == 2
    stale = client.put(url, json={**body, "version": 1})
    assert stale.status_code == 409
    assert stale.json()["error"]["field"] == "version"
    # a parent with children cannot go; the child can
    assert client.delete(f"/api/v1/pathways/{CITY}/scenarios/policy").status_code == 409
    assert client.delete(f"{url}?version=2").status_code == 200
    assert client.get(url).status_code == 404


def test_a_bad_definition_is_422_naming_the_field(mutable_app: FastAPI):
    client = with_csrf(mutable_app, "analyst")
    bad = {"parent": "bau", "overrides": {"sectors": {"industry": {"improvement": "fast"}}}}
    response = client.put(f"/api/v1/pathways/{CITY}/scenarios/broken", json=bad)
    assert response.status_code == 422
    error = response.json()["error"]
    assert "improvement" in error["field"]
    assert error["zh"] != error["en"]
    no_parent = client.put(f"/api/v1/pathways/{CITY}/scenarios/orphan", json={"parent": "nowhere"})
    assert no_parent.status_code == 422
    assert no_parent.json()["error"]["field"] == "parent"
    # nothing was written
    assert client.get(f"/api/v1/pathways/{CITY}/scenarios/broken").status_code == 404


def test_access(mutable_app: FastAPI, client_as: Client):
    district = with_csrf(mutable_app, "district-321102")
    body = {"parent": "bau", "overrides": {}}
    assert district.put(f"/api/v1/pathways/{CITY}/scenarios/mine", json=body).status_code == 403
    assert district.put("/api/v1/pathways/321102/scenarios/mine", json=body).status_code == 403
    firm = client_as("firm-1")
    assert firm.get(f"/api/v1/pathways/{CITY}/scenarios").status_code == 403
    assert client_as(None).get(f"/api/v1/pathways/{CITY}/scenarios/policy/run").status_code == 401
    missing = client_as("analyst").get(f"/api/v1/pathways/{CITY}/scenarios/nowhere/run")
    assert missing.status_code == 404
    assert client_as("analyst").get("/api/v1/pathways/999999/scenarios").status_code == 404


def test_iamc_export_import_round_trip(mutable_app: FastAPI):
    client = with_csrf(mutable_app, "analyst")
    wide = client.get(f"/api/v1/pathways/{CITY}/iamc?layout=wide&scenario=policy")
    assert wide.status_code == 200
    header = wide.text.splitlines()[0].split(",")
    assert [h.lower() for h in header[:5]] == ["model", "scenario", "region", "variable", "unit"]
    assert "2030" in header
    long_text = client.get(f"/api/v1/pathways/{CITY}/iamc?layout=long&scenario=policy").text
    renamed = long_text.replace(",policy,", ",policy_copy,")
    upload = {"file": ("copy.csv", renamed, "text/csv")}
    stored = client.post(f"/api/v1/pathways/{CITY}/iamc", files=upload)
    assert stored.status_code == 201, stored.text
    assert stored.json()[0]["kind"] == "external"
    series = client.get(f"/api/v1/pathways/{CITY}/scenarios/policy_copy/run").json()
    policy = client.get(f"/api/v1/pathways/{CITY}/scenarios/policy/run").json()
    back = dict(zip(series["years"], series["emissions"]["gross"], strict=True))
    sent = dict(zip(policy["years"], policy["emissions"]["gross"], strict=True))
    assert back.keys() == sent.keys()
    assert [back[y] for y in sent] == pytest.approx(list(sent.values()), rel=1e-6)
    broken = renamed.replace(",2030,", ",20x0,", 1)
    upload = {"file": ("bad.csv", broken, "text/csv")}
    refused = client.post(f"/api/v1/pathways/{CITY}/iamc", files=upload)
    assert refused.status_code == 422
    issue = refused.json()["error"]["issues"][0]
    assert issue["row"] is not None
    assert issue["field"] == "year"


def test_yaml_export_and_import(mutable_app: FastAPI):
    client = with_csrf(mutable_app, "analyst")
    text = client.get(f"/api/v1/pathways/{CITY}/scenarios.yaml").text
    assert "policy:" in text
    assert "parent: bau" in text
    changed = text.replace("policy:", "policy2:", 1)
    saved = client.post(
        f"/api/v1/pathways/{CITY}/scenarios.yaml",
        files={"file": ("s.yaml", changed, "application/yaml")},
    )
    assert saved.status_code == 201, saved.text
    two = client.get(f"/api/v1/pathways/{CITY}/scenarios/policy2/run").json()
    one = client.get(f"/api/v1/pathways/{CITY}/scenarios/policy/run").json()
    assert two["emissions"]["gross"] == pytest.approx(one["emissions"]["gross"], rel=1e-12)
