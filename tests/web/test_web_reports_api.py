"""The MRV API: reports, lines, uploads, evidence, workflow steps, enterprises, ledgers,
templates and deadlines — each route with the roles it allows and refuses.

The demo's six firms with users have their December 2024 reports at each step: firm-1
draft, firm-2 submitted, firm-3 returned, firm-4 checked (verifier-a), firm-5 verified,
firm-6 locked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_clients import PASSWORD, csrf_of, signed_in

Client = Callable[[str | None], TestClient]
DECEMBER = "/api/v1/reports?year=2024&month=12"


def december(client: TestClient) -> dict[str, Any]:
    """The December 2024 report of the firm the client is signed in as."""
    reports = client.get(DECEMBER).json()["reports"]
    assert len(reports) == 1
    return reports[0]  # type: ignore[no-any-return]


def bearer(app: FastAPI, username: str) -> TestClient:
    """A client that authenticates with an API token only (no cookie, no CSRF)."""
    client = TestClient(app, base_url="https://testserver")
    token = client.post(
        "/api/v1/auth/token", json={"username": username, "password": PASSWORD, "days": 1}
    ).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def with_csrf(app: FastAPI, username: str) -> TestClient:
    client = signed_in(app, username)
    client.headers["X-CSRF-Token"] = csrf_of(client)
    return client


# ---- reading


def test_the_report_list_is_what_each_role_may_see(client_as: Client):
    firm = client_as("firm-1").get("/api/v1/reports?year=2024").json()
    assert firm["total"] == len(firm["reports"]) > 0
    assert {r["credit_code"] for r in firm["reports"]} == {"91321100MA00000155"}
    district = client_as("district-321112").get(DECEMBER).json()["reports"]
    assert district
    assert all(r["region_code"].startswith("321112") for r in district)
    city = client_as("city").get(DECEMBER).json()["reports"]
    assert len({r["region_code"][:6] for r in city}) > 1
    verifier = client_as("verifier-a").get("/api/v1/reports?year=2024").json()["reports"]
    assert verifier
    assert {r["verifier"] for r in verifier} == {"verifier-a"}
    assert client_as("verifier-b").get(DECEMBER).json()["reports"] == []


@pytest.mark.parametrize("username", ["reviewer", "public"])
def test_roles_without_reports_are_refused_the_list(client_as: Client, username: str):
    response = client_as(username).get("/api/v1/reports")
    assert response.status_code == 403
    assert response.json()["error"]["zh"]


def test_signed_out_is_401_on_every_mrv_read(client_as: Client):
    public = client_as(None)
    urls = (
        "/api/v1/reports", "/api/v1/reports/1", "/api/v1/enterprises", "/api/v1/deadlines",
        "/api/v1/templates/enterprise-activity.xlsx", "/api/v1/attachments/1",
        "/api/v1/enterprises/91321100MA00000155/ledger?year=2024",
    )  # fmt: skip
    for url in urls:
        assert public.get(url).status_code == 401, url


def test_the_list_filters_flags_overdue_and_exports_csv(client_as: Client):
    city = client_as("city")
    submitted = city.get("/api/v1/reports?state=submitted&year=2024").json()["reports"]
    assert submitted
    assert {r["state"] for r in submitted} == {"submitted"}
    late = city.get("/api/v1/reports?overdue=true&year=2024").json()["reports"]
    assert late
    assert all(r["overdue"]["zh"] and r["overdue"]["en"] for r in late)
    on_time = city.get("/api/v1/reports?overdue=true&year=2024&on=2025-01-01").json()
    assert on_time["total"] < len(late)
    assert city.get("/api/v1/reports?state=nonsense").status_code == 422
    csv = city.get("/api/v1/reports?year=2024&month=12&format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    header = csv.text.lstrip("\ufeff").splitlines()[0]
    assert header.startswith("id,credit_code,enterprise_zh")


def test_one_report_has_lines_history_deadline_and_the_users_steps(client_as: Client):
    firm = client_as("firm-1")
    report = firm.get(december(firm)["url"]).json()
    assert report["state"] == "draft"
    assert report["lines"]
    assert report["history"][0]["action"] == "report.open"
    assert report["deadline"]["due_date"] == "2025-01-20"
    assert report["gwp_set"] == "AR5"
    assert {"edit", "submit", "attach"} <= set(report["steps"])
    # the district official sees it, but has nothing to do with a draft
    district = client_as("district-321102").get(report["url"]).json()
    assert district["steps"] == []


def test_a_report_of_someone_else_is_403_and_a_missing_one_404(client_as: Client):
    mine = december(client_as("firm-1"))
    assert client_as("firm-2").get(mine["url"]).status_code == 403
    assert client_as("district-321183").get(mine["url"]).status_code == 403
    checked = december(client_as("firm-4"))
    assert client_as("verifier-b").get(checked["url"]).status_code == 403
    assert client_as("verifier-a").get(checked["url"]).json()["steps"] == [
        "attach", "return", "verify",
    ]  # fmt: skip
    missing = client_as("city").get("/api/v1/reports/999999999")
    assert missing.status_code == 404
    assert missing.json()["error"]["en"] == "no report with id 999999999"


# ---- editing


GOOD_LINE = {"category": "1.A.1.a", "activity": "diesel", "quantity": 12.5, "unit": "t"}


def test_bad_lines_are_422_naming_row_and_field_in_both_languages_and_write_nothing(
    mutable_app: FastAPI,
):
    firm = with_csrf(mutable_app, "firm-1")
    rid = december(firm)["id"]
    report = firm.get(f"/api/v1/reports/{rid}").json()
    lines = [GOOD_LINE, {**GOOD_LINE, "activity": "raw_coal", "quantity": -3}]
    response = firm.put(f"/api/v1/reports/{rid}/lines", json={"lines": lines})
    assert response.status_code == 422
    issues = response.json()["error"]["issues"]
    assert [(i["row"], i["field"]) for i in issues] == [(2, "quantity")]
    assert "数量" in issues[0]["zh"]
    assert "quantity" in issues[0]["en"]
    assert firm.get(report["url"]).json()["lines"] == report["lines"]


def test_lines_are_added_replaced_and_removed(mutable_app: FastAPI):
    firm = with_csrf(mutable_app, "firm-1")
    rid = december(firm)["id"]
    before = firm.get(f"/api/v1/reports/{rid}").json()["lines"]
    added = firm.put(
        f"/api/v1/reports/{rid}/lines", json={"lines": [GOOD_LINE | {"activity": "fuel_oil"}]}
    )
    assert added.status_code == 200
    assert len(added.json()["report"]["lines"]) == len(before) + 1
    replaced = firm.put(
        f"/api/v1/reports/{rid}/lines", json={"lines": [GOOD_LINE], "replace": True}
    )
    body = replaced.json()
    assert (body["written"], body["removed"]) == (1, len(before))
    line = body["report"]["lines"][0]
    assert (line["activity"], line["quantity"]) == ("diesel", 12.5)
    assert firm.delete(f"/api/v1/reports/{rid}/lines/999999").status_code == 404
    gone = firm.delete(f"/api/v1/reports/{rid}/lines/{line['id']}")
    assert gone.status_code == 200
    assert gone.json()["report"]["lines"] == []
    production = firm.put(
        f"/api/v1/reports/{rid}/production",
        json={"production": [{"product": "electricity_generated", "quantity": 10, "unit": "MWh"}]},
    )
    assert production.status_code == 200
    assert production.json()["report"]["production"][0]["quantity"] == 10


def test_only_the_enterprise_edits_and_only_while_editable(mutable_app: FastAPI):
    draft = december(with_csrf(mutable_app, "firm-1"))["id"]
    for username in ("firm-2", "district-321102", "city", "verifier-a"):
        client = with_csrf(mutable_app, username)
        refused = client.put(f"/api/v1/reports/{draft}/lines", json={"lines": [GOOD_LINE]})
        assert refused.status_code == 403
    firm5 = with_csrf(mutable_app, "firm-5")
    frozen = december(firm5)["id"]
    verified = firm5.put(f"/api/v1/reports/{frozen}/lines", json={"lines": [GOOD_LINE]})
    assert verified.status_code == 409
    assert "restate" in verified.json()["error"]["en"]


def test_opening_a_report_and_who_may(mutable_app: FastAPI):
    firm = with_csrf(mutable_app, "firm-1")
    today = dt.datetime.now(dt.UTC).date()
    body = {"credit_code": "91321100MA00000155", "year": today.year, "month": today.month}
    opened = firm.post("/api/v1/reports", json=body)
    assert opened.status_code == 200
    assert opened.json()["state"] == "draft"
    assert firm.post("/api/v1/reports", json=body).json()["id"] == opened.json()["id"]
    other = {**body, "credit_code": december(with_csrf(mutable_app, "firm-2"))["credit_code"]}
    assert firm.post("/api/v1/reports", json=other).status_code == 403
    future = firm.post("/api/v1/reports", json={**body, "year": today.year + 1})
    assert future.status_code == 422
    assert future.json()["error"]["issues"][0]["field"] == "year"
    assert firm.post("/api/v1/reports", json={**body, "month": 13}).status_code == 422
    assert with_csrf(mutable_app, "city").post("/api/v1/reports", json=body).status_code == 200


# ---- spreadsheets and evidence


CSV_HEADER = "credit_code,year,month,facility,category,activity,qualifier,quantity,unit\n"


def activity_csv(*rows: str) -> bytes:
    return (CSV_HEADER + "".join(r + "\n" for r in rows)).encode()


def test_an_upload_with_one_bad_row_writes_nothing(mutable_app: FastAPI):
    firm = with_csrf(mutable_app, "firm-1")
    rid = december(firm)["id"]
    before = firm.get(f"/api/v1/reports/{rid}").json()["lines"]
    content = activity_csv(
        "91321100MA00000155,2024,12,,1.A.1.a,fuel_oil,,10,t",
        "91321100MA00000155,2024,12,,1.A.1.a,lpg,,-4,t",
    )
    response = firm.post(
        f"/api/v1/reports/{rid}/upload", files={"file": ("月度.csv", content, "text/csv")}
    )
    assert response.status_code == 422
    issues = response.json()["error"]["issues"]
    assert [(i["row"], i["field"], i["file"]) for i in issues] == [(3, "quantity", "月度.csv")]
    assert firm.get(f"/api/v1/reports/{rid}").json()["lines"] == before
    good = activity_csv("91321100MA00000155,2024,12,,1.A.1.a,fuel_oil,,10,t")
    done = firm.post(
        f"/api/v1/reports/{rid}/upload", files={"file": ("good.csv", good, "text/csv")}
    )
    assert done.status_code == 200
    assert done.json()["import"]["inserted"] == 1
    assert len(done.json()["report"]["lines"]) == len(before) + 1


def test_an_upload_for_another_period_or_of_another_type_is_refused(mutable_app: FastAPI):
    firm = with_csrf(mutable_app, "firm-1")
    rid = december(firm)["id"]
    other = activity_csv("91321100MA00000155,2024,11,,1.A.1.a,fuel_oil,,10,t")
    response = firm.post(
        f"/api/v1/reports/{rid}/upload", files={"file": ("nov.csv", other, "text/csv")}
    )
    assert response.status_code == 422
    assert [(i["row"], i["field"]) for i in response.json()["error"]["issues"]] == [(2, "month")]
    wrong = firm.post(
        f"/api/v1/reports/{rid}/upload", files={"file": ("x.pdf", b"%PDF", "application/pdf")}
    )
    assert wrong.status_code == 422
    stranger = with_csrf(mutable_app, "firm-2")
    refused = stranger.post(
        f"/api/v1/reports/{rid}/upload", files={"file": ("a.csv", other, "text/csv")}
    )
    assert refused.status_code == 403


def test_evidence_is_stored_with_its_hash_and_downloaded_by_readers_only(mutable_app: FastAPI):
    firm = with_csrf(mutable_app, "firm-1")
    rid = december(firm)["id"]
    made = firm.post(
        f"/api/v1/reports/{rid}/attachments",
        files={"file": ("发票.pdf", b"%PDF-1.4 x", "application/pdf")},
    )
    assert made.status_code == 201
    meta = made.json()
    assert len(meta["sha256"]) == 64
    download = firm.get(meta["url"])
    assert download.content == b"%PDF-1.4 x"
    assert "attachment" in download.headers["content-disposition"]
    assert client_get(mutable_app, "firm-2", meta["url"]) == 403
    assert client_get(mutable_app, "district-321102", meta["url"]) == 200
    assert firm.get("/api/v1/attachments/999999").status_code == 404
    stranger = with_csrf(mutable_app, "verifier-a")
    assert (
        stranger.post(f"/api/v1/reports/{rid}/attachments", files={"file": ("a", b"a")}).status_code
        == 403
    )


def client_get(app: FastAPI, username: str, url: str) -> int:
    return signed_in(app, username).get(url).status_code


# ---- the workflow


def test_the_whole_workflow_over_the_api_with_bearer_tokens(mutable_app: FastAPI):
    firm, district, city = (bearer(mutable_app, u) for u in ("firm-1", "district-321102", "city"))
    verifier, other_verifier = bearer(mutable_app, "verifier-a"), bearer(mutable_app, "verifier-b")
    rid = december(firm)["id"]

    at = f"/api/v1/reports/{rid}"
    assert district.post(f"/api/v1/reports/{rid}/check").status_code == 409  # not submitted
    assert firm.post(f"/api/v1/reports/{rid}/submit").json()["state"] == "submitted"
    assert firm.post(f"/api/v1/reports/{rid}/check").status_code == 403
    assert district.post(f"/api/v1/reports/{rid}/return", json={}).status_code == 422
    reason = {"reason": "燃料量与发票不符"}
    returned = district.post(f"/api/v1/reports/{rid}/return", json=reason).json()
    assert (returned["state"], returned["return_reason"]) == ("returned", reason["reason"])
    assert firm.post(f"{at}/submit").status_code == 200
    assert district.post(f"{at}/check").json()["state"] == "checked"
    to_a, to_district = {"verifier": "verifier-a"}, {"verifier": "district-321102"}
    assert district.post(f"/api/v1/reports/{rid}/assign", json=to_a).status_code == 403
    assert city.post(f"{at}/assign", json=to_district).status_code == 400  # not a verifier
    assert city.post(f"{at}/assign", json=to_a).json()["verifier"] == "verifier-a"
    assert other_verifier.post(f"/api/v1/reports/{rid}/verify").status_code == 403
    statement = verifier.post(f"{at}/attachments", files={"file": ("核查报告.pdf", b"ok")})
    assert statement.status_code == 201
    assert verifier.post(f"{at}/verify").json()["state"] == "verified"
    assert district.post(f"/api/v1/reports/{rid}/lock").status_code == 403
    assert city.post(f"{at}/lock").json()["state"] == "locked"
    restated = firm.post(f"/api/v1/reports/{rid}/restate", json={"reason": "漏报锅炉"})
    assert restated.status_code == 200
    new = restated.json()
    assert (new["state"], new["version"], new["supersedes_id"]) == ("draft", 2, rid)
    actions = [h["action"] for h in firm.get(f"/api/v1/reports/{rid}").json()["history"]]
    assert actions[-1] == "report.superseded"
    assert {"report.submit", "report.return", "report.check", "report.assign",
            "report.verify", "report.lock"} <= set(actions)  # fmt: skip


def test_cookie_authenticated_changes_need_the_csrf_token(mutable_app: FastAPI):
    firm = signed_in(mutable_app, "firm-1")
    rid = december(firm)["id"]
    refused = firm.post(f"/api/v1/reports/{rid}/submit")
    assert refused.status_code == 403
    assert refused.json()["error"]["type"] == "CsrfError"
    assert firm.put(f"/api/v1/reports/{rid}/lines", json={"lines": [GOOD_LINE]}).status_code == 403
    forged = firm.post(f"/api/v1/reports/{rid}/submit", headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403
    upload = firm.post(f"/api/v1/reports/{rid}/attachments", files={"file": ("a", b"a")})
    assert upload.status_code == 403
    ok = firm.post(f"/api/v1/reports/{rid}/submit", headers={"X-CSRF-Token": csrf_of(firm)})
    assert ok.json()["state"] == "submitted"


# ---- enterprises, ledgers, templates, deadlines


def test_enterprises_are_listed_within_each_roles_scope(client_as: Client):
    firm = client_as("firm-1").get("/api/v1/enterprises").json()
    assert [e["credit_code"] for e in firm["enterprises"]] == ["91321100MA00000155"]
    district = client_as("district-321183").get("/api/v1/enterprises").json()
    assert district["total"] > 0
    assert {e["district_code"] for e in district["enterprises"]} == {"321183"}
    city = client_as("city").get("/api/v1/enterprises?limit=5").json()
    assert city["total"] > district["total"]
    assert len(city["enterprises"]) == 5
    keys = client_as("city").get("/api/v1/enterprises?key_only=true").json()["enterprises"]
    assert all(e["is_key_emitter"] or e["is_key_energy_user"] for e in keys)
    assert client_as("verifier-a").get("/api/v1/enterprises").status_code == 403
    assert client_as("public").get("/api/v1/enterprises").status_code == 403
    csv = client_as("city").get("/api/v1/enterprises?format=csv&region=321102")
    assert csv.text.lstrip("\ufeff").startswith("credit_code,name_zh")


def test_the_ledger_is_the_enterprises_and_its_regions(client_as: Client):
    url = "/api/v1/enterprises/91321100MA00000155/ledger?year=2024"
    ledger = client_as("firm-1").get(url).json()
    assert ledger["gwp_set"] == "AR5"
    assert ledger["factor_set"]
    assert len(ledger["by_month"]) == 12
    assert ledger["year_total"]["co2e_unit"] == "t CO2e"
    assert client_as("district-321102").get(url).status_code == 200
    for username in ("firm-2", "district-321183", "verifier-a"):
        assert client_as(username).get(url).status_code == 403, username
    missing = client_as("city").get("/api/v1/enterprises/91321100MA00000000/ledger?year=2024")
    assert missing.status_code == 404
    assert (
        client_as("city").get(url.split("?", maxsplit=1)[0]).status_code == 422
    )  # the year is needed


def test_templates_and_deadlines(client_as: Client):
    firm = client_as("firm-1")
    xlsx = firm.get("/api/v1/templates/enterprise-activity.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    csv = firm.get("/api/v1/templates/enterprise-activity.csv")
    assert "credit_code" in csv.text
    assert firm.get("/api/v1/templates/nothing.xlsx").status_code == 404
    assert firm.get("/api/v1/templates/enterprise-activity.pdf").status_code == 404
    deadlines = firm.get("/api/v1/deadlines").json()
    assert deadlines["monthly_day"] == 20
    assert "20" in deadlines["description"]["zh"]
