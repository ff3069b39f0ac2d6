"""The enterprise portal in the browser's terms (forms posted as a browser posts them): the
home page, opening a report, the entry form with its validation report, the upload, rows
added by htmx, and who may open these pages."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_clients import csrf_of, signed_in

Client = Callable[[str | None], TestClient]


def december_id(client: TestClient) -> int:
    return int(client.get("/api/v1/reports?year=2024&month=12").json()["reports"][0]["id"])


def form_of(rows: list[tuple[str, str, str, str]], token: str) -> dict[str, object]:
    return {
        "csrf_token": token,
        "category": [r[0] for r in rows], "activity": [r[1] for r in rows],
        "quantity": [r[2] for r in rows], "unit": [r[3] for r in rows],
        "facility": [""] * len(rows), "qualifier": [""] * len(rows),
    }  # fmt: skip


def test_the_portal_shows_the_firms_reports_deadlines_and_ledger(client_as: Client):
    page = client_as("firm-1").get("/portal")
    assert page.status_code == 200
    assert "91321100MA00000155" in page.text
    assert 'data-testid="overdue"' in page.text  # its December draft is long overdue
    assert "逾期未报" in page.text
    assert 'data-testid="ledger"' in page.text
    assert "GWP AR5" in page.text
    assert "t CO2e" in page.text
    english = client_as("firm-1").get("/portal?lang=en")
    assert "Open a monthly report" in english.text


def test_who_may_open_the_portal(client_as: Client):
    for username in ("district-321102", "verifier-a", "reviewer"):
        assert client_as(username).get("/portal").status_code == 403, username
    signed_out = client_as(None).get(
        "/portal", headers={"accept": "text/html"}, follow_redirects=False
    )
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login")
    admin = client_as("admin").get("/portal")
    assert "data-testid" not in admin.text or "portal?enterprise=" in admin.text
    chosen = client_as("admin").get("/portal?enterprise=91321100MA00000155")
    assert 'data-testid="reports"' in chosen.text


def test_a_report_page_is_for_its_readers_only(client_as: Client):
    report_id = december_id(client_as("firm-1"))
    page = client_as("firm-1").get(f"/portal/reports/{report_id}")
    assert 'data-testid="lines-form"' in page.text
    assert "/api/v1/templates/enterprise-activity.xlsx" in page.text
    assert client_as("firm-2").get(f"/portal/reports/{report_id}").status_code == 403
    assert client_as("city").get("/portal/reports/999999999").status_code == 404
    readonly = client_as("district-321102").get(f"/review/reports/{report_id}")
    assert readonly.status_code == 200
    assert 'data-testid="lines-form"' not in readonly.text


def test_a_bad_row_shows_the_validation_report_and_nothing_is_written(mutable_app: FastAPI):
    firm = signed_in(mutable_app, "firm-1")
    report_id = december_id(firm)
    before = firm.get(f"/api/v1/reports/{report_id}").json()["lines"]
    rows = [
        ("1.A.1.a", "diesel", "250", "t"),
        ("", "", "", ""),
        ("1.A.1.a", "raw_coal", "abc", "t"),
    ]
    page = firm.post(f"/portal/reports/{report_id}/lines", data=form_of(rows, csrf_of(firm)))
    assert page.status_code == 422
    report = page.text[page.text.index('data-testid="validation-report"') :]
    assert re.search(r'data-testid="issue-row">3<', report)
    field = re.search(r'data-testid="issue-field">(.*?)</td>', report, re.S)
    assert field is not None
    assert "数量" in field.group(1)
    assert "quantity" in field.group(1)
    reason = re.search(r'data-testid="issue-reason">(.*?)</td>', report, re.S)
    assert reason is not None
    assert "数量必须是非负数" in reason.group(1)
    assert "quantity must be" in reason.group(1)
    assert ">abc<" in report  # the value as typed
    assert 'value="abc"' in page.text  # the form keeps what was entered
    assert firm.get(f"/api/v1/reports/{report_id}").json()["lines"] == before


def test_saving_the_form_makes_the_lines_equal_to_it(mutable_app: FastAPI):
    firm = signed_in(mutable_app, "firm-1")
    report_id = december_id(firm)
    rows = [("1.A.1.a", "diesel", "1,250.5", "t"), ("", "", "", "")]
    saved = firm.post(
        f"/portal/reports/{report_id}/lines",
        data=form_of(rows, csrf_of(firm)),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"].startswith(f"/portal/reports/{report_id}?done=saved")
    lines = firm.get(f"/api/v1/reports/{report_id}").json()["lines"]
    assert [(x["activity"], x["quantity"]) for x in lines] == [("diesel", 1250.5)]
    assert "已保存" in firm.get(saved.headers["location"]).text
    removed = firm.post(
        f"/portal/reports/{report_id}/lines/{lines[0]['id']}/delete",
        data={"csrf_token": csrf_of(firm)}, follow_redirects=False,
    )  # fmt: skip
    assert removed.status_code == 303
    assert firm.get(f"/api/v1/reports/{report_id}").json()["lines"] == []


def test_forms_need_the_csrf_token(mutable_app: FastAPI):
    firm = signed_in(mutable_app, "firm-1")
    report_id = december_id(firm)
    rows = [("1.A.1.a", "diesel", "1", "t")]
    assert (
        firm.post(f"/portal/reports/{report_id}/lines", data=form_of(rows, "")).status_code == 403
    )
    step = firm.post(f"/portal/reports/{report_id}/steps/submit", data={"next": "/portal"})
    assert step.status_code == 403


def test_an_uploaded_sheet_with_a_bad_row_shows_the_report_and_writes_nothing(mutable_app: FastAPI):
    firm = signed_in(mutable_app, "firm-1")
    report_id = december_id(firm)
    before = firm.get(f"/api/v1/reports/{report_id}").json()["lines"]
    content = (
        "统一社会信用代码 credit_code,年份 year,月份 month,排放类别 category,"
        "活动/燃料代码 activity,数量 quantity,单位 unit\n"
        "91321100MA00000155,2024,12,1.A.1.a,fuel_oil,10,t\n"
        "91321100MA00000155,2024,12,1.A.1.a,lpg,-1,t\n"
    ).encode()
    page = firm.post(
        f"/portal/reports/{report_id}/upload",
        data={"csrf_token": csrf_of(firm)},
        files={"file": ("月度数据.csv", content, "text/csv")},
    )
    assert page.status_code == 422
    assert "月度数据.csv" in page.text
    assert re.search(r'data-testid="issue-row">3<', page.text)
    assert firm.get(f"/api/v1/reports/{report_id}").json()["lines"] == before


def test_opening_a_month_and_adding_a_row_with_htmx(mutable_app: FastAPI):
    firm = signed_in(mutable_app, "firm-1")
    opened = firm.post(
        "/portal/open",
        data={
            "csrf_token": csrf_of(firm),
            "credit_code": "91321100MA00000155",
            "year": "2025",
            "month": "3",
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303
    page = firm.get(opened.headers["location"])
    assert "2025-03" in page.text
    assert "草稿" in page.text
    report_id = opened.headers["location"].rsplit("/", 1)[-1]
    row = firm.get(f"/portal/reports/{report_id}/row", headers={"HX-Request": "true"})
    assert row.text.lstrip().startswith('<tr class="line">')
    assert 'name="category"' in row.text
    assert "1.A.1.a" in row.text  # the category list
