"""Data intake through the web: the kinds, an upload written all or nothing, the
validation report naming row and field in both languages, and who may import what."""

from __future__ import annotations

from fastapi import FastAPI
from web_clients import csrf_of, signed_in

HEADER = "code,name_zh,name_en,level,parent_code,function_zone\n"
GOOD = "321102099,京口区测试街道,Test street,township,321102,optimized\n"
BAD = "321102098,京口区坏街道,Bad street,township,399999,optimized\n"  # unknown parent


def _upload(client, kind: str, text: str, name: str = "regions.csv", page: bool = False):
    files = {"file": (name, text.encode("utf-8"), "text/csv")}
    if page:
        return client.post(
            "/import", data={"kind": kind, "csrf_token": csrf_of(client)}, files=files
        )
    return client.post(
        f"/api/v1/imports?kind={kind}", files=files, headers={"X-CSRF-Token": csrf_of(client)}
    )


def test_kinds_say_what_a_role_may_import(client_as):
    kinds = {k["kind"]: k for k in client_as("district-321102").get(
        "/api/v1/imports/kinds").json()["kinds"]}  # fmt: skip
    assert kinds["regions"]["allowed"]
    assert not kinds["enterprise-activity"]["allowed"]
    assert any(c["key"] == "code" and c["required"] for c in kinds["regions"]["columns"])
    firm = {k["kind"]: k["allowed"] for k in client_as("firm-1").get(
        "/api/v1/imports/kinds").json()["kinds"]}  # fmt: skip
    assert firm["enterprise-activity"]
    assert not firm["regions"]


def test_a_district_imports_a_township_and_a_bad_file_writes_nothing(mutable_app: FastAPI):
    district = signed_in(mutable_app, "district-321102")
    bad = _upload(district, "regions", HEADER + GOOD + BAD)
    assert bad.status_code == 422
    issues = bad.json()["error"]["issues"]
    assert issues
    assert issues[0]["file"] == "regions.csv"
    assert issues[0]["row"] == 3
    assert issues[0]["zh"]
    assert issues[0]["en"]
    region = district.get("/api/v1/regions/321102099")
    assert region.status_code == 404  # nothing written, the good row neither
    done = _upload(district, "regions", HEADER + GOOD)
    assert done.status_code == 201, done.text
    assert done.json()["inserted"] == 1
    assert district.get("/api/v1/regions/321102099").status_code == 200


def test_the_page_shows_the_validation_report_and_the_result(mutable_app: FastAPI):
    city = signed_in(mutable_app, "city")
    form = city.get("/import")
    assert form.status_code == 200
    assert "/api/v1/templates/regions.xlsx" in form.text
    bad = _upload(city, "regions", HEADER + BAD, page=True)
    assert bad.status_code == 422
    assert 'data-testid="validation-report"' in bad.text
    assert "regions.csv" in bad.text
    good = _upload(city, "regions", HEADER + GOOD, page=True)
    assert good.status_code == 200
    assert 'data-testid="import-done"' in good.text


def test_who_may_not_import_is_refused(mutable_app: FastAPI, client_as):
    assert client_as(None).post("/api/v1/imports?kind=regions").status_code == 401
    firm = signed_in(mutable_app, "firm-1")
    refused = _upload(firm, "regions", HEADER + GOOD)
    assert refused.status_code == 403
    unknown = _upload(signed_in(mutable_app, "city"), "no-such-kind", HEADER + GOOD)
    assert unknown.status_code == 400
