"""Sector peak targets and the structure path on the demo city (镇江): the API (JSON and CSV
targets that add up to the city's peak; the structure path over the default milestones with
the scenario's own emissions as caps, a binding cap with its shadow price, an impossible cap
refused with 422 naming the cap and the year), access, and the scenario page's targets table
and structure-path form in both languages."""

from __future__ import annotations

import csv
import io
import json
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


def test_sector_targets_add_up_to_the_city_peak(client_as: Client):
    analyst = client_as("analyst")
    targets = analyst.get(f"/api/v1/pathways/{CITY}/scenarios/policy/sector-targets").json()
    run = analyst.get(f"/api/v1/pathways/{CITY}/scenarios/policy/run").json()
    gross = run["emissions"]["gross"]
    peak = max(range(len(gross)), key=lambda i: (gross[i], -i))  # the first year of the maximum
    assert targets["peak_year"] == run["years"][peak]
    assert math.isclose(targets["city_peak"], gross[peak], rel_tol=1e-12)
    rows = targets["rows"]
    total = sum(r["target_t"] for r in rows)
    assert math.isclose(total, targets["city_peak"] - targets["unallocated"], rel_tol=1e-12)
    sources = {**run["emissions"]["by_sector"], **run["emissions"]["other"]}
    assert {r["sector"] for r in rows} == set(sources)
    for row in rows:  # each sector's target is its own emissions in the city's peak year
        assert math.isclose(row["target_t"], sources[row["sector"]][peak], rel_tol=1e-9)
        assert row["kind"] == (
            "energy" if row["sector"] in run["emissions"]["by_sector"] else "other"
        )
    text = analyst.get(
        f"/api/v1/pathways/{CITY}/scenarios/policy/sector-targets?format=csv"
    ).text.lstrip("\ufeff")
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["sector"] for r in table] == [r["sector"] for r in rows]
    assert {r["peak_year"] for r in table} == {str(targets["peak_year"])}
    assert text.startswith("sector,kind,share,target_t,")


def test_who_reads_targets(client_as: Client):
    url = f"/api/v1/pathways/{CITY}/scenarios/policy/sector-targets"
    assert client_as("district-321102").get(url).status_code == 403
    assert client_as("firm-1").get(url).status_code == 403
    assert client_as("analyst").get(url.replace("policy", "nowhere")).status_code == 404


@pytest.mark.parametrize(("name", "body"), [("bau", {}), ("policy", {"min_growth": -0.02})])
def test_the_default_structure_path(web_app: FastAPI, name: str, body: dict):
    client = with_csrf(web_app, "analyst")  # the structure path writes nothing
    url = f"/api/v1/pathways/{CITY}/scenarios/{name}/structure-path"
    answer = client.post(url, json=body)
    assert answer.status_code == 200, answer.text
    path = answer.json()
    run = client.get(f"/api/v1/pathways/{CITY}/scenarios/{name}/run").json()
    base = path["base_year"]
    assert base == run["base_year"]
    assert path["years"][0] == (base // 5 + 1) * 5
    assert path["years"][-1] == 2060
    assert all(b - a == 5 for a, b in zip(path["years"], path["years"][1:], strict=False))
    for row in path["path"]:
        own = run["emissions"]["gross"][run["years"].index(row["year"])]
        assert math.isclose(row["carbon_cap"], own, rel_tol=1e-9)  # the scenario's own
        assert row["emissions"] <= own * (1 + 1e-7)
        assert math.isclose(sum(row["shares"].values()), 1.0, rel_tol=1e-9)
        assert row["total_value_added"] >= row["projected_value_added"] * (1 - 1e-9)
    assert path["units"]["carbon_shadow_price"] == "万元 / t CO2e"
    assert path["inputs"]["growth"]["min"] == body.get("min_growth", 0.0)


def test_a_path_that_may_not_shrink_a_sector_can_strand(web_app: FastAPI):
    """The path is myopic: with no sector allowed to shrink, what earlier milestones built
    exceeds the falling policy pathway's 2060 emissions; the error names the year."""
    client = with_csrf(web_app, "analyst")
    answer = client.post(f"/api/v1/pathways/{CITY}/scenarios/policy/structure-path", json={})
    assert answer.status_code == 422
    assert answer.json()["error"]["en"].startswith("2060: the carbon cap")


def test_a_capped_path_and_an_impossible_cap(web_app: FastAPI):
    client = with_csrf(web_app, "analyst")
    url = f"/api/v1/pathways/{CITY}/scenarios/policy/structure-path"
    free = client.post(
        url, json={"years": [2030, 2035], "carbon_caps": {"2030": None, "2035": None}}
    )
    assert free.status_code == 200, free.text
    loose = free.json()["path"][1]
    assert loose["binding_caps"] == []
    cap = 0.97 * loose["emissions"]
    body = {"years": [2030, 2035], "carbon_caps": {"2030": None, "2035": cap}, "max_growth": 0.1}
    capped = client.post(url, json=body).json()["path"][1]
    assert capped["binding_caps"] == ["carbon_cap"]
    assert capped["shadow_prices"]["carbon"] > 0
    assert math.isclose(capped["emissions"], cap, rel_tol=1e-6)
    refused = client.post(url, json={"years": [2030, 2035], "carbon_caps": {"2035": 1.0}})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "carbon_cap"
    assert error["en"].startswith("2035: the carbon cap")
    assert error["zh"].startswith("2035 年：")
    stray = client.post(url, json={"years": [2030], "carbon_caps": {"2040": 1.0}})
    assert stray.status_code == 422
    assert stray.json()["error"]["field"] == "carbon_caps"
    wrong = client.post(url, json={"years": [2010]})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["field"] == "years"
    inverted = client.post(url, json={"min_growth": 0.1, "max_growth": 0.0})
    assert inverted.status_code == 422
    assert re.search(r"[\u4e00-\u9fff]", inverted.json()["error"]["zh"])
    official = with_csrf(web_app, "district-321102")
    assert official.post(url, json={}).status_code == 403


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("zh", ("行业达峰目标", "全市峰值年", "工业", "结构路径", "求解路径")),
        ("en", ("Sector peak targets", "City peak year", "industry", "Structure path",
                "Solve the path")),
    ],
)  # fmt: skip
def test_the_scenario_page_shows_the_targets(client_as: Client, lang: str, texts: tuple[str, ...]):
    page = client_as("analyst").get(f"/pathways/policy?region={CITY}&lang={lang}")
    assert page.status_code == 200
    for text in texts:
        assert text in page.text, text
    for testid in ("targets-table", "targets-peak-year", "targets-total", "structure-form"):
        assert f'data-testid="{testid}"' in page.text, testid
    assert 'data-sector="industry"' in page.text
    assert 'data-testid="structure-table"' not in page.text  # only after the form is sent


def test_the_structure_path_form(web_app: FastAPI):
    client = signed_in(web_app, "analyst")
    token = csrf_of(client)
    url = f"/pathways/policy/structure-path?region={CITY}"
    page = client.get(f"/pathways/policy?region={CITY}")
    assert 'name="growth_low" value="-2"' in page.text  # a sector may shrink by default
    solved = client.post(url + "&lang=en", data={"csrf_token": token, "growth_low": "-2",
                                                 "growth_high": "8"})  # fmt: skip
    assert solved.status_code == 200, solved.text[:2000]
    assert 'data-testid="structure-table"' in solved.text
    assert solved.text.count('data-testid="structure-shadow"') == len(range(2025, 2061, 5))
    assert "Carbon shadow price" in solved.text
    option = re.search(r'<script type="application/json" id="opt-structure">(.*?)</script>',
                       solved.text, re.S)  # fmt: skip
    assert option is not None
    chart = json.loads(option.group(1))
    assert all(s["stack"] == "total" for s in chart["series"])
    assert chart["xAxis"]["data"][-1] == "2060"
    zh = client.post(url, data={"csrf_token": token, "growth_low": "x"})
    assert zh.status_code == 422
    problem = re.search(r'data-testid="structure-problem">(.*?)</p>', zh.text, re.S)
    assert problem is not None
    assert re.search(r"[\u4e00-\u9fff]", problem.group(1))
    assert 'name="growth_low" value="x"' in zh.text  # what was entered is kept
    inverted = client.post(url + "&lang=en", data={"csrf_token": token, "growth_low": "9",
                                                  "growth_high": "2"})  # fmt: skip
    assert inverted.status_code == 422
    assert 'data-testid="structure-problem"' in inverted.text
