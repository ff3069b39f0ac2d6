"""Project carbon assessment over HTTP and in the pages: every route, the CSV, the PDF
(its text read back with pdftotext), the workflow's refusals and who may do what.

The demo brings five proposals: the 4500 t/d cement clinker line in 丹徒区's
ecological-balance township 321112007 (submitted), an electronics plant (approved), a
float-glass line (approved with conditions), a research centre (assessed) and a chemical
plant (rejected)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_clients import csrf_of, signed_in

Client = Callable[[str | None], TestClient]

NEW_PROJECT: dict[str, Any] = {
    "name_zh": "测试：数据中心",
    "name_en": "Test data centre",
    "region_code": "321102004",
    "industry": "6540",
    "annual_output": 0,
    "output_unit": "",
    "output_value_10k_cny": 30_000,
    "electricity_mwh": 40_000,
    "start_year": 2026,
}


def with_csrf(app: FastAPI, username: str) -> TestClient:
    client = signed_in(app, username)
    client.headers["X-CSRF-Token"] = csrf_of(client)
    return client


def cement_line(client: TestClient) -> dict[str, Any]:
    found = [
        p
        for p in client.get("/api/v1/projects").json()["projects"]
        if p["region_code"] == "321112007" and p["product"] == "cement_clinker"
    ]
    assert len(found) == 1
    return found[0]


def pdf_text(content: bytes, tmp_path: Any) -> str:
    exe = shutil.which("pdftotext")
    assert exe is not None, "pdftotext (poppler-utils) is needed"
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(
        [exe, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_reviewer_sees_the_demo_projects_in_their_states(client_as: Client):
    body = client_as("reviewer").get("/api/v1/projects").json()
    assert body["total"] == len(body["projects"]) >= 5
    states = {p["status"] for p in body["projects"]}
    assert {"submitted", "assessed", "approved", "approved_with_conditions", "rejected"} <= states
    cement = cement_line(client_as("reviewer"))
    assert (cement["status"], cement["grade"], cement["function_zone"]) == (
        "submitted", None, "ecological",
    )  # fmt: skip
    assert "result" not in cement
    submitted = client_as("reviewer").get("/api/v1/projects?status=submitted").json()
    assert {p["status"] for p in submitted["projects"]} == {"submitted"}


def test_the_project_list_as_csv(client_as: Client):
    response = client_as("city").get("/api/v1/projects?format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) >= 5
    assert {"id", "status", "grade", "emissions_t", "two_high"} <= set(rows[0])
    glass = next(r for r in rows if r["product"] == "flat_glass")
    assert glass["status"] == "approved_with_conditions"
    assert glass["grade"] == "D"


def test_one_project_with_its_result_and_trail(client_as: Client):
    client = client_as("reviewer")
    listed = client.get("/api/v1/projects?status=approved_with_conditions").json()["projects"]
    pid = listed[0]["id"]
    detail = client.get(f"/api/v1/projects/{pid}").json()
    assert detail["result"]["two_high"]["flagged"] is True
    assert detail["result"]["intensity"]["benchmark"]["code"] == "flat_glass"
    assert detail["conditions"]
    assert [h["action"] for h in detail["history"]] == [
        "project.submit", "project.assess", "project.approve_with_conditions",
    ]  # fmt: skip
    assert detail["steps"] == []
    assert detail["report_url"] == f"/api/v1/projects/{pid}/report.pdf"
    assert client.get("/api/v1/projects/999999").status_code == 404


def test_the_benchmark_table_is_public(client_as: Client):
    body = client_as(None).get("/api/v1/project-benchmarks").json()
    codes = {b["code"] for b in body["benchmarks"]}
    assert {"cement_clinker", "cement", "flat_glass", "crude_steel", "coal_power"} <= codes
    assert {"ethylene", "aluminium", "general_manufacturing"} <= codes
    clinker = next(b for b in body["benchmarks"] if b["code"] == "cement_clinker")
    assert (clinker["energy_advanced"], clinker["energy_limit"]) == ("100", "117")
    csv_text = client_as(None).get("/api/v1/project-benchmarks?format=csv").text
    assert "cement_clinker" in csv_text


def test_assess_the_cement_line_reject_it_and_read_the_pdf(mutable_app: FastAPI, tmp_path: Any):
    client = with_csrf(mutable_app, "reviewer")
    pid = cement_line(client)["id"]
    # a decision before the assessment is out of turn
    early = client.post(f"/api/v1/projects/{pid}/decision", json={"decision": "approve"})
    assert early.status_code == 409
    assessed = client.post(f"/api/v1/projects/{pid}/assess")
    assert assessed.status_code == 200, assessed.text
    body = assessed.json()
    assert (body["status"], body["grade"]) == ("assessed", "E")
    first = body["result"]["findings"][0]
    assert first["code"] == "eco_no_two_high"
    assert first["en"] == "no two-high project in an ecological-balance zone"
    assert body["steps"] == ["assess", "approve", "approve_with_conditions", "reject"]
    no_reason = client.post(f"/api/v1/projects/{pid}/decision", json={"decision": "reject"})
    assert no_reason.status_code == 409
    assert "reason" in no_reason.json()["error"]["en"]
    rejected = client.post(
        f"/api/v1/projects/{pid}/decision",
        json={"decision": "reject", "reason": "生态平衡区不准入两高项目 / zone rule"},
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert client.post(f"/api/v1/projects/{pid}/assess").status_code == 409
    pdf = client.get(f"/api/v1/projects/{pid}/report.pdf?lang=en")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content, tmp_path)
    assert "Grade E" in text
    assert "no two-high project in an ecological-balance zone" in text
    assert "synthetic" in text.lower()
    assert "cn_provincial_fuel:carbon_content:raw_coal" in text
    zh = pdf_text(client.get(f"/api/v1/projects/{pid}/report.pdf?lang=zh").content, tmp_path)
    assert "评级 E" in zh
    assert "生态平衡区禁止新建“两高”项目" in zh


def test_submit_through_the_api(mutable_app: FastAPI):
    client = with_csrf(mutable_app, "district-321102")
    created = client.post("/api/v1/projects", json=NEW_PROJECT)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "submitted"
    assert created.json()["steps"] == []  # a district official submits, never assesses
    pid = created.json()["id"]
    assert client.post(f"/api/v1/projects/{pid}/assess").status_code == 403
    bad = client.post("/api/v1/projects", json=NEW_PROJECT | {"annual_output": -5})
    assert bad.status_code == 422
    assert "annual_output" in bad.json()["error"]["en"]
    elsewhere = client.post("/api/v1/projects", json=NEW_PROJECT | {"region_code": "321112007"})
    assert elsewhere.status_code == 403
    # a cookie session without its CSRF token changes nothing
    bare = signed_in(mutable_app, "district-321102")
    assert bare.post("/api/v1/projects", json=NEW_PROJECT).status_code == 403


@pytest.mark.parametrize("username", ["firm-1", "public", "verifier-a"])
def test_roles_without_the_permission_are_refused(client_as: Client, username: str):
    client = client_as(username)
    assert client.get("/api/v1/projects").status_code == 403
    assert client.get("/api/v1/projects/1").status_code == 403
    assert client.get("/api/v1/projects/1/report.pdf").status_code == 403
    assert client.get("/projects", headers={"accept": "text/html"}).status_code == 403


@pytest.mark.parametrize("username", ["firm-1", "public"])
def test_writes_are_refused_too(mutable_app: FastAPI, username: str):
    client = with_csrf(mutable_app, username)
    assert client.post("/api/v1/projects", json=NEW_PROJECT).status_code == 403
    assert client.post("/api/v1/projects/1/assess").status_code == 403
    decision = {"decision": "approve"}
    assert client.post("/api/v1/projects/1/decision", json=decision).status_code == 403


def test_signed_out_is_asked_to_sign_in(client_as: Client):
    assert client_as(None).get("/api/v1/projects").status_code == 401


def test_the_pages_list_and_show_a_project(client_as: Client):
    client = client_as("reviewer")
    page = client.get("/projects")
    assert page.status_code == 200
    assert 'data-testid="intake-form"' in page.text
    assert 'data-csv="projects"' in page.text
    pid = cement_line(client)["id"]
    detail = client.get(f"/projects/{pid}?lang=en")
    assert detail.status_code == 200
    assert "Ecological balance" in detail.text or "ecological balance" in detail.text
    assert 'data-testid="assess"' in detail.text
    district = client_as("district-321102").get("/projects")
    assert district.status_code == 200
    assert "321112007" not in district.text  # another district's township


def test_the_intake_form_and_the_steps_as_forms(mutable_app: FastAPI):
    client = signed_in(mutable_app, "reviewer")
    token = csrf_of(client)
    form = {k: str(v) for k, v in NEW_PROJECT.items()} | {
        "csrf_token": token, "fuel_0": "natural_gas", "quantity_0": "20", "unit_0": "10^4 Nm3",
    }  # fmt: skip
    bad = client.post("/projects", data=form | {"output_value_10k_cny": "-1"})
    assert bad.status_code == 422
    assert 'data-testid="problem"' in bad.text
    made = client.post("/projects", data=form, follow_redirects=False)
    assert made.status_code == 303
    location = made.headers["location"]
    pid = int(location.split("/")[2].split("?")[0])
    step = client.post(
        f"/projects/{pid}/assess", data={"csrf_token": token}, follow_redirects=False
    )
    assert step.headers["location"] == f"/projects/{pid}?done=assess"
    refused = client.post(
        f"/projects/{pid}/decision",
        data={"csrf_token": token, "decision": "approve_with_conditions"},
    )
    assert refused.status_code == 409
    client.post(
        f"/projects/{pid}/decision",
        data={"csrf_token": token, "decision": "approve_with_conditions", "conditions": "PV"},
    )
    shown = client.get(f"/projects/{pid}").text
    assert "approved_with_conditions" in shown
    assert "PV" in shown
