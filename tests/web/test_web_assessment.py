"""Targets and the district assessment over HTTP and in the pages, on the demo city: every
route, the board of six districts ranked, a district official's own lights, who may do what,
the CSV downloads and the PDF report (read back with pdftotext)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_clients import csrf_of, signed_in

Client = Callable[[str | None], TestClient]
DISTRICTS = {"321102", "321111", "321112", "321181", "321182", "321183"}


def _writer(app: FastAPI, username: str = "city") -> TestClient:
    client = signed_in(app, username)
    client.headers["X-CSRF-Token"] = csrf_of(client)
    return client


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_indicators_are_listed_with_units(client_as: Client) -> None:
    body = client_as("city").get("/api/v1/indicators").json()
    codes = {i["code"]: i for i in body["indicators"]}
    assert codes["carbon_intensity"]["unit"] == "t CO2e/万元"
    rows = _csv(client_as("city").get("/api/v1/indicators?format=csv").text)
    assert len(rows) == len(codes) >= 24


def test_the_board_ranks_the_six_districts(client_as: Client) -> None:
    body = client_as("city").get("/api/v1/assessments/2023?plan=14fyp").json()
    rows = body["districts"]
    assert {r["region_code"] for r in rows} == DISTRICTS
    ranks = [r["rank"] for r in rows]
    assert ranks == sorted(ranks)
    assert ranks[0] == 1
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert body["rubric_illustrative"] is True
    assert body["city_lights"]  # the city office sees the city's own lights
    # the demo's lights differ between districts: some green, some yellow, some red
    lights = {k: sum(r["lights"][k] for r in rows) for k in ("green", "yellow", "red")}
    assert all(lights.values()), lights
    table = _csv(client_as("city").get("/api/v1/assessments/2023?format=csv").text)
    assert [r["region_code"] for r in table] == [r["region_code"] for r in rows]


def test_the_district_official_sees_their_lights_score_and_rank(client_as: Client) -> None:
    client = client_as("district-321102")
    own = client.get("/api/v1/assessments/2023/321102").json()
    assert own["region"]["region_code"] == "321102"
    assert {r["indicator"] for r in own["indicators"]} >= {"carbon_intensity", "forest_coverage"}
    carbon = next(r for r in own["indicators"] if r["indicator"] == "carbon_intensity")
    assert carbon["light"] in ("green", "yellow", "red")
    assert carbon["unit"] == "t CO2e/万元"
    assert carbon["inputs"]  # traced to the run and the GDP statistic
    assert 1 <= own["score"]["rank"] <= 6
    other = client.get("/api/v1/assessments/2023/321111")
    assert other.status_code == 403
    board = client.get("/api/v1/assessments/2023").json()
    assert len(board["districts"]) == 6
    assert next(r for r in board["districts"] if r["own"])["region_code"] == "321102"
    page = client.get("/assessment")
    assert page.status_code == 200
    assert 'data-testid="own-district"' in page.text
    assert 'data-testid="score-map"' in page.text
    lights_csv = _csv(client.get("/api/v1/assessments/2023/321102?format=csv").text)
    assert {r["indicator"] for r in lights_csv} == {r["indicator"] for r in own["indicators"]}


@pytest.mark.parametrize("username", [None, "firm-1"])
def test_the_public_and_enterprises_are_refused(client_as: Client, username: str | None) -> None:
    client = client_as(username)
    for path in ("/api/v1/assessments/2023", "/api/v1/measures", "/api/v1/rubric",
                 "/api/v1/plans/14fyp/targets", "/api/v1/measures/overdue"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == (401 if username is None else 403), path
    if username is not None:
        assert client.get("/assessment").status_code == 403


def test_targets_and_their_csv(client_as: Client) -> None:
    body = client_as("city").get("/api/v1/plans/14fyp/targets").json()
    city = [t for t in body["targets"] if t["region_code"] == "321100"]
    assert len(city) == 7
    carbon = next(t for t in city if t["indicator"] == "carbon_intensity")
    assert carbon["change_pct"] == pytest.approx(-18.0)
    children = [t for t in body["targets"] if t["parent_id"] == carbon["id"]]
    assert {t["region_code"] for t in children} == DISTRICTS
    assert {t["method"] for t in children} == {"zone"}
    rows = _csv(client_as("city").get("/api/v1/plans/14fyp/targets?format=csv").text)
    assert len(rows) == len(body["targets"])
    mine = client_as("district-321102").get("/api/v1/plans/14fyp/targets").json()["targets"]
    assert {t["region_code"] for t in mine} == {"321102"}
    # the target list with this year's status: the same lights as the district's assessment
    status = client_as("district-321102").get("/api/v1/plans/14fyp/targets?year=2023").json()
    own = client_as("district-321102").get("/api/v1/assessments/2023/321102").json()
    assert {t["indicator"]: t["light"] for t in status["targets"]} == {
        r["indicator"]: r["light"] for r in own["indicators"]
    }
    assert {t["rank"] for t in status["targets"]} == {own["score"]["rank"]}
    rows = _csv(client_as("city").get("/api/v1/plans/14fyp/targets?year=2024&format=csv").text)
    assert {r["light"] for r in rows} >= {"green", "red"}


def test_decompose_preview_and_save(mutable_app: FastAPI) -> None:
    client = _writer(mutable_app)
    preview = client.post("/api/v1/plans/14fyp/decompose",
                          json={"indicator": "carbon_intensity", "method": "gdp",
                                "calibrate": True})  # fmt: skip
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["reconciliation"]["ok"]
    assert body["reconciliation"]["implied"] == pytest.approx(0.18)
    assert not body["saved"]
    before = client.get("/api/v1/plans/14fyp/targets?region=321102").json()["targets"]
    assert next(t for t in before if t["indicator"] == "carbon_intensity")["method"] == "zone"
    saved = client.post("/api/v1/plans/14fyp/decompose",
                        json={"indicator": "carbon_intensity", "method": "gdp", "calibrate": True,
                              "save": True}).json()  # fmt: skip
    assert saved["saved"]
    after = client.get("/api/v1/plans/14fyp/targets?region=321102").json()["targets"]
    assert next(t for t in after if t["indicator"] == "carbon_intensity")["method"] == "gdp"
    refused = _writer(mutable_app, "district-321102").post(
        "/api/v1/plans/14fyp/decompose",
        json={"indicator": "carbon_intensity", "method": "equal", "save": True},
    )
    assert refused.status_code == 403
    fragment = client.post("/assessment/targets/decompose",
                           data={"indicator": "carbon_intensity", "method": "zone"})  # fmt: skip
    assert fragment.status_code == 200
    assert 'data-testid="reconciliation"' in fragment.text


def test_put_target_refuses_a_missing_baseline(mutable_app: FastAPI) -> None:
    client = _writer(mutable_app)
    response = client.put("/api/v1/plans/14fyp/targets",
                          json={"region_code": "321102", "indicator": "forest_stock",
                                "target_year": 2025, "target_value": 30.0})  # fmt: skip
    assert response.status_code == 400
    error = response.json()["error"]
    assert "no baseline" in error["en"]
    assert "缺少基准" in error["zh"]
    ok = client.put("/api/v1/plans/14fyp/targets",
                    json={"region_code": "321102", "indicator": "forest_stock",
                          "baseline_year": 2020, "baseline_value": 20.0, "target_year": 2025,
                          "target_value": 22.0})  # fmt: skip
    assert ok.status_code == 200
    assert ok.json()["target_value"] == 22.0


def test_rubric_read_and_refused_when_weights_do_not_add_up(mutable_app: FastAPI) -> None:
    client = _writer(mutable_app)
    current = client.get("/api/v1/rubric").json()
    assert current["band"] == 0.05
    rubric = current["rubric"]
    bad = {**rubric, "items": [{**rubric["items"][0], "weight": 0.5}]}
    response = client.put("/api/v1/rubric", json=bad)
    assert response.status_code == 400
    assert "sum to 1" in response.json()["error"]["en"]
    good = {**rubric, "items": [{**rubric["items"][0], "weight": 1.0}]}
    answer = client.put("/api/v1/rubric", json={**good, "band": 0.1})
    assert answer.status_code == 200
    assert answer.json()["band"] == 0.1
    assert client.put("/api/v1/rubric", json={**good, "band": 2}).status_code == 400
    board = client.get("/api/v1/assessments/2023").json()
    assert board["rubric"]["items"] == good["items"]
    refused = _writer(mutable_app, "district-321102").put("/api/v1/rubric", json=good)
    assert refused.status_code == 403


def test_adjustments_change_the_score(mutable_app: FastAPI) -> None:
    client = _writer(mutable_app)
    before = client.get("/api/v1/assessments/2023/321182").json()["score"]
    path = "/api/v1/assessments/2023/321182/adjustments"
    response = client.post(path, json={"code": "major_incident", "points": 4, "note": "test"})
    assert response.status_code == 200, response.text
    after = client.get("/api/v1/assessments/2023/321182").json()["score"]
    assert after["penalty"] == before["penalty"] + 4
    too_many = client.post(path, json={"code": "major_incident", "points": 40, "note": "x"})
    assert too_many.status_code == 400


def test_measures_lists_and_overdue(client_as: Client) -> None:
    client = client_as("city")
    measures = client.get("/api/v1/measures?on=2025-06-30").json()["measures"]
    assert len(measures) >= 30
    overdue = client.get("/api/v1/measures/overdue?on=2025-06-30").json()["measures"]
    assert overdue
    assert all(m["overdue"] for m in overdue)
    by_action = client.get("/api/v1/measures?group=action").json()["groups"]
    assert len(by_action) == 9
    by_department = client.get("/api/v1/measures?group=department").json()["groups"]
    assert sum(g["count"] for g in by_department) == len(measures)
    rows = _csv(client.get("/api/v1/measures/overdue?on=2025-06-30&format=csv").text)
    assert len(rows) == len(overdue)
    assert all(r["overdue_en"] for r in rows)
    assert len(_csv(client.get("/api/v1/measures?format=csv").text)) == len(measures)
    page = client.get("/assessment/measures")
    assert page.status_code == 200
    assert 'data-testid="by-department"' in page.text


def test_measure_create_and_patch(mutable_app: FastAPI) -> None:
    client = _writer(mutable_app)
    created = client.post("/api/v1/measures", json={
        "region_code": "321111", "action": "carbon_sinks", "name_zh": "湿地修复",
        "department": "林业局", "start_date": "2025-01-01", "due_date": "2025-12-31",
    })  # fmt: skip
    assert created.status_code == 201, created.text
    measure_id = created.json()["id"]
    patched = client.patch(f"/api/v1/measures/{measure_id}",
                           json={"completion": 0.5, "status": "in_progress"})  # fmt: skip
    assert patched.status_code == 200
    assert patched.json()["completion"] == 0.5
    bad = client.patch(f"/api/v1/measures/{measure_id}", json={"completion": 2})
    assert bad.status_code == 400
    assert client.patch("/api/v1/measures/999999", json={"completion": 0.1}).status_code == 404
    refused = _writer(mutable_app, "district-321102").patch(
        f"/api/v1/measures/{measure_id}", json={"completion": 0.9}
    )
    assert refused.status_code == 403


def test_the_district_report_pdf(client_as: Client, tmp_path: Path) -> None:
    response = client_as("district-321102").get(
        "/api/v1/assessments/2023/321102/report.pdf?lang=zh"
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    exe = shutil.which("pdftotext")
    assert exe is not None, "pdftotext (poppler-utils) is needed"
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    text = subprocess.run([exe, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "区域碳考核报告" in text
    assert "京口区" in text
    assert "合成" in text  # the synthetic-data notice
    assert "单位地区生产总值碳排放" in text
    english = client_as("city").get("/api/v1/assessments/2023/321102/report.pdf?lang=en")
    path.write_bytes(english.content)
    text = subprocess.run([exe, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "District carbon assessment report" in text


def test_the_pages(client_as: Client) -> None:
    client = client_as("city")
    board = client.get("/assessment?year=2023")
    assert board.status_code == 200
    assert 'data-testid="board-table"' in board.text
    district = client.get("/assessment/321112?year=2023")
    assert district.status_code == 200
    assert 'data-testid="pace-chart"' in district.text
    assert 'data-testid="report-pdf"' in district.text
    targets = client.get("/assessment/targets?year=2023")
    assert targets.status_code == 200
    assert 'data-testid="decompose-form"' in targets.text
    assert 'data-light="red"' in targets.text
    english = client.get("/assessment?year=2023&lang=en")
    assert "Ranking" in english.text
