"""The district review and verifier desks: who may open them, what they list, and the
workflow steps taken in place with htmx or by a plain form post."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_clients import csrf_of, signed_in

Client = Callable[[str | None], TestClient]
HTMX = {"HX-Request": "true"}


def december_id(client: TestClient) -> int:
    return int(client.get("/api/v1/reports?year=2024&month=12").json()["reports"][0]["id"])


def test_the_district_sees_what_awaits_its_check(client_as: Client):
    submitted = december_id(client_as("firm-2"))
    page = client_as("district-321112").get("/review")
    assert page.status_code == 200
    awaiting = page.text[
        page.text.index('data-testid="awaiting"') : page.text.index('data-testid="checked"')
    ]
    assert f'id="report-{submitted}"' in awaiting
    assert f'data-testid="check-{submitted}"' in awaiting
    assert f'data-testid="assign-{submitted}"' not in awaiting  # the city office assigns
    assert 'data-testid="verified"' not in page.text  # nor does a district lock
    elsewhere = client_as("district-321102").get("/review").text
    assert f'id="report-{submitted}"' not in elsewhere
    city = client_as("city").get("/review").text
    assert f'data-testid="assign-{submitted}"' in city
    assert 'data-testid="verified"' in city
    assert 'data-testid="overdue"' in city


def test_who_may_open_the_desks(client_as: Client):
    for username in ("firm-1", "verifier-a", "reviewer"):
        assert client_as(username).get("/review").status_code == 403, username
    for username in ("firm-1", "district-321102", "city"):
        assert client_as(username).get("/verify").status_code == 403, username
    out = client_as(None).get("/verify", headers={"accept": "text/html"}, follow_redirects=False)
    assert out.status_code == 303


def test_the_verifier_sees_only_its_assigned_checked_reports(client_as: Client):
    checked = december_id(client_as("firm-4"))
    mine = client_as("verifier-a").get("/verify").text
    assert f'data-testid="verify-{checked}"' in mine
    assert f'id="report-{checked}"' not in client_as("verifier-b").get("/verify").text
    page = client_as("verifier-a").get(f"/verify/reports/{checked}").text
    assert 'data-testid="attach-form"' in page
    assert "核查报告或工作底稿" in page
    assert 'data-testid="step-verify"' in page
    assert client_as("verifier-b").get(f"/verify/reports/{checked}").status_code == 403


def test_check_and_return_in_place_with_htmx(mutable_app: FastAPI):
    submitted = december_id(signed_in(mutable_app, "firm-2"))
    district = signed_in(mutable_app, "district-321112")
    headers = HTMX | {"X-CSRF-Token": csrf_of(district)}
    url = f"/review/reports/{submitted}/steps/"
    no_reason = district.post(url + "return", data={"reason": ""}, headers=headers)
    assert no_reason.status_code == 200  # swapped in place: the refusal is the row
    assert "退回报告必须说明理由" in no_reason.text
    assert "returning a report needs a reason" in no_reason.text
    checked = district.post(url + "check", headers=headers)
    assert f'<tr id="report-{submitted}" class="done">' in checked.text
    assert "已审核通过" in checked.text
    again = district.post(url + "check", headers=headers)
    assert 'class="bad"' in again.text
    stranger = signed_in(mutable_app, "district-321102")
    refused = stranger.post(url + "check", headers=HTMX | {"X-CSRF-Token": csrf_of(stranger)})
    assert "无权" in refused.text


def test_plain_form_posts_go_back_and_errors_show_on_the_report(mutable_app: FastAPI):
    submitted = december_id(signed_in(mutable_app, "firm-2"))
    district = signed_in(mutable_app, "district-321112")
    token = csrf_of(district)
    returned = district.post(
        f"/review/reports/{submitted}/steps/return",
        data={"csrf_token": token, "reason": "燃气量与发票不符", "next": "/review"},
        follow_redirects=False,
    )
    assert returned.status_code == 303
    assert returned.headers["location"] == "/review?done=return"
    page = district.post(f"/review/reports/{submitted}/steps/check", data={"csrf_token": token})
    assert page.status_code == 409
    assert 'data-testid="problem"' in page.text
    outsider = signed_in(mutable_app, "firm-1")
    forbidden = outsider.post(
        f"/portal/reports/{submitted}/steps/submit",
        data={"csrf_token": csrf_of(outsider)}, headers={"accept": "text/html"},
    )  # fmt: skip
    assert forbidden.status_code == 403
    evil = district.post(
        f"/review/reports/{december_id(signed_in(mutable_app, 'firm-2'))}/steps/check",
        data={"csrf_token": token, "next": "https://evil.example/"}, follow_redirects=False,
    )  # fmt: skip
    assert evil.status_code in (303, 409)
    assert "evil" not in evil.headers.get("location", "")


def test_assign_verify_and_lock_from_the_desks(mutable_app: FastAPI):
    firm = signed_in(mutable_app, "firm-1")
    report_id = december_id(firm)
    assert firm.post(
        f"/portal/reports/{report_id}/steps/submit", data={"csrf_token": csrf_of(firm)},
        follow_redirects=False,
    ).status_code == 303  # fmt: skip
    district = signed_in(mutable_app, "district-321102")
    district.post(
        f"/review/reports/{report_id}/steps/check", data={"csrf_token": csrf_of(district)}
    )
    city = signed_in(mutable_app, "city")
    city_headers = HTMX | {"X-CSRF-Token": csrf_of(city)}
    assigned = city.post(
        f"/review/reports/{report_id}/steps/assign",
        data={"verifier": "verifier-b"},
        headers=city_headers,
    )
    assert "verifier-b" in assigned.text
    verifier = signed_in(mutable_app, "verifier-b")
    token = csrf_of(verifier)
    attached = verifier.post(
        f"/portal/reports/{report_id}/attachments",
        data={"csrf_token": token, "next": f"/verify/reports/{report_id}"},
        files={"file": ("statement.pdf", b"%PDF statement", "application/pdf")},
        follow_redirects=False,
    )
    assert attached.headers["location"].startswith(f"/verify/reports/{report_id}?done=attached")
    verified = verifier.post(
        f"/verify/reports/{report_id}/steps/verify",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert verified.headers["location"] == f"/verify/reports/{report_id}?done=verify"
    locked = city.post(f"/review/reports/{report_id}/steps/lock", headers=city_headers)
    assert "已锁定" in locked.text
    history = firm.get(f"/portal/reports/{report_id}").text
    for action in (
        "report.submit",
        "report.check",
        "report.assign",
        "report.attach",
        "report.verify",
        "report.lock",
    ):
        assert action in history
    restated = firm.post(
        f"/portal/reports/{report_id}/steps/restate",
        data={"csrf_token": csrf_of(firm), "reason": "漏报锅炉"}, follow_redirects=False,
    )  # fmt: skip
    assert restated.headers["location"].endswith("?done=restate")
    assert restated.headers["location"] != f"/portal/reports/{report_id}?done=restate"
