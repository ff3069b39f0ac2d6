"""The forms of the assessment pages on the demo city: the city office adds a measure project,
the Jingkou district official reports progress on its own measures (and is refused on another
district's, and refused changing the plan's dates), bonus/penalty points change the score, and
a rubric whose weights do not sum to 1 is refused with the message and nothing saved."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_clients import csrf_of, signed_in

OWN, OTHER = "321102", "321111"


def _form_client(app: FastAPI, username: str) -> tuple[TestClient, str]:
    """A signed-in browser client and its CSRF token (sent as a form field, as pages do)."""
    client = signed_in(app, username)
    return client, csrf_of(client)


def _measures(client: TestClient, region: str | None = None) -> list[dict[str, Any]]:
    query = f"?region={region}" if region else ""
    response = client.get(f"/api/v1/measures{query}")
    assert response.status_code == 200, response.text
    return list(response.json()["measures"])


def _measure(client: TestClient, measure_id: int) -> dict[str, Any]:
    return next(m for m in _measures(client) if m["id"] == measure_id)


NEW_MEASURE = {
    "region_code": "321112",
    "action": "carbon_sinks",
    "name_zh": "长山湿地修复",
    "name_en": "Changshan wetland restoration",
    "department": "林业局",
    "start_date": "2025-03-01",
    "due_date": "2026-12-31",
    "investment_10k_cny": "1200",
    "expected_reduction_t": "3500",
    "note": "form test",
}


def test_the_city_office_adds_a_measure_through_the_form(mutable_app: FastAPI) -> None:
    client, csrf = _form_client(mutable_app, "city")
    page = client.get("/assessment/measures")
    assert page.status_code == 200
    assert 'data-testid="add-measure-form"' in page.text
    assert 'name="indicators" multiple' in page.text
    before = len(_measures(client))
    form = {**NEW_MEASURE, "csrf_token": csrf,
            "indicators": ["forest_coverage", "carbon_intensity, non_fossil_share"]}  # fmt: skip
    response = client.post("/assessment/measures", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/assessment/measures?done=measure#measure-")
    new_id = int(location.rsplit("-", 1)[1])
    created = _measure(client, new_id)
    assert created["name_zh"] == "长山湿地修复"
    assert created["region_code"] == "321112"
    assert created["indicators"] == ["forest_coverage", "carbon_intensity", "non_fossil_share"]
    assert created["investment_10k_cny"] == 1200
    assert created["status"] == "planned"
    assert len(_measures(client)) == before + 1
    shown = client.get(location.split("#")[0])
    assert 'data-testid="done"' in shown.text
    assert f'id="measure-{new_id}"' in shown.text

    # refused by the service: the page again with its zh/en message, nothing created
    late = {**form, "due_date": "2024-01-01"}
    refused = client.post("/assessment/measures", data=late, follow_redirects=False)
    assert refused.status_code == 400
    assert "完成期限早于开始日期" in refused.text
    assert 'value="2024-01-01"' in refused.text  # the form as entered
    english = client.post("/assessment/measures?lang=en", data=late, follow_redirects=False)
    assert "the due date is before the start date" in english.text
    wrong_action = client.post(
        "/assessment/measures", data={**form, "action": "moon_base"}, follow_redirects=False
    )
    assert wrong_action.status_code == 400
    assert "不在九大行动中" in wrong_action.text
    not_a_date = client.post(
        "/assessment/measures", data={**form, "start_date": "soon"}, follow_redirects=False
    )
    assert not_a_date.status_code == 422
    assert "soon" in not_a_date.text
    assert len(_measures(client)) == before + 1
    # without the CSRF token the form is refused before anything happens
    forged = client.post("/assessment/measures", data={**NEW_MEASURE}, follow_redirects=False)
    assert forged.status_code == 403
    assert len(_measures(client)) == before + 1


def test_the_district_reports_progress_on_its_own_measures_only(mutable_app: FastAPI) -> None:
    district, csrf = _form_client(mutable_app, "district-321102")
    city = signed_in(mutable_app, "city")
    page = district.get("/assessment/measures")
    assert page.status_code == 200
    assert 'data-testid="add-measure-form"' not in page.text  # the plan is the city's
    own = next(m for m in _measures(district) if m["status"] != "done")
    assert own["region_code"] == OWN
    assert f'data-testid="progress-form-{own["id"]}"' in page.text
    form = {"csrf_token": csrf, "status": "in_progress", "completion_pct": "72.5",
            "note": "二期土建完成"}  # fmt: skip
    response = district.post(f"/assessment/measures/{own['id']}", data=form,
                             follow_redirects=False)  # fmt: skip
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/assessment/measures?done=progress#measure-{own['id']}"
    after = _measure(city, own["id"])
    assert after["completion"] == pytest.approx(0.725)
    assert after["status"] == "in_progress"
    assert after["note"] == "二期土建完成"
    assert after["due_date"] == own["due_date"]
    # from the list filtered to a region, the post comes back to the same filter
    filtered = district.get(f"/assessment/measures?region={OWN}")
    assert 'name="region" value="321102"' in filtered.text
    response = district.post(
        f"/assessment/measures/{own['id']}",
        data={**form, "completion_pct": "72.5", "region": OWN},
        follow_redirects=False,
    )
    assert response.headers["location"] == (
        f"/assessment/measures?region={OWN}&done=progress#measure-{own['id']}"
    )

    # a completion over 100 % is refused with the service's message; nothing changes
    too_much = district.post(
        f"/assessment/measures/{own['id']}",
        data={**form, "completion_pct": "150"},
        follow_redirects=False,
    )
    assert too_much.status_code == 400
    assert "完成度应在 0 到 1 之间" in too_much.text
    assert _measure(city, own["id"])["completion"] == pytest.approx(0.725)

    # another district's measure: the service refuses (403), nothing changes
    other = _measures(city, OTHER)[0]
    refused = district.post(f"/assessment/measures/{other['id']}", data=form,
                            follow_redirects=False)  # fmt: skip
    assert refused.status_code == 403
    assert _measure(city, other["id"])["completion"] == other["completion"]
    # the plan's fields stay the city's: the district may not move a due date, even its own
    api = signed_in(mutable_app, "district-321102")
    api.headers["X-CSRF-Token"] = csrf_of(api)
    moved = api.patch(f"/api/v1/measures/{own['id']}", json={"due_date": "2030-12-31"})
    assert moved.status_code == 403
    assert "只能填报进度" in moved.json()["error"]["zh"]
    assert _measure(city, own["id"])["due_date"] == own["due_date"]


@pytest.mark.parametrize(("username", "forms"), [("city", True), ("reviewer", False)])
def test_the_progress_form_is_shown_only_to_who_may_report(
    mutable_app: FastAPI, username: str, forms: bool
) -> None:
    client = signed_in(mutable_app, username)
    page = client.get("/assessment/measures")
    assert page.status_code == 200
    assert ('class="inline progress-form"' in page.text) is forms
    assert ('data-testid="add-measure-form"' in page.text) is forms


def test_bonus_and_penalty_points_from_the_district_page(mutable_app: FastAPI) -> None:
    client, csrf = _form_client(mutable_app, "city")
    page = client.get("/assessment/321182?year=2023")
    assert 'data-testid="adjustment-form"' in page.text
    assert 'value="major_incident"' in page.text
    before = client.get("/api/v1/assessments/2023/321182").json()["score"]
    form = {"csrf_token": csrf, "year": "2023", "plan": "14fyp", "code": "major_incident",
            "points": "4", "note": "河道污染事件"}  # fmt: skip
    response = client.post("/assessment/321182/adjustments", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/assessment/321182?year=2023")
    after = client.get("/api/v1/assessments/2023/321182").json()["score"]
    assert after["penalty"] == pytest.approx(before["penalty"] + 4)
    assert after["total"] < before["total"] or before["vetoed"]
    listed = client.get("/assessment/321182?year=2023&done=adjustment")
    row = re.search(r'<tr data-code="major_incident">.*?</tr>', listed.text, re.S)
    assert row is not None
    assert "河道污染事件" in row.group(0)
    assert 'data-testid="done"' in listed.text
    # over the item's maximum: the page again with the message, the score unchanged
    refused = client.post("/assessment/321182/adjustments", data={**form, "points": "40"},
                          follow_redirects=False)  # fmt: skip
    assert refused.status_code == 400
    assert "的分值应在 0 到 10 之间" in refused.text
    assert client.get("/api/v1/assessments/2023/321182").json()["score"] == after
    # a district official sees the list but not the form, and a post is refused
    district, district_csrf = _form_client(mutable_app, "district-321102")
    own = district.get("/assessment/321102?year=2023")
    assert 'data-testid="adjustments"' in own.text
    assert 'data-testid="adjustment-form"' not in own.text
    self_award = district.post(
        "/assessment/321102/adjustments",
        data={**form, "csrf_token": district_csrf, "code": "national_pilot", "points": "5"},
        follow_redirects=False,
    )
    assert self_award.status_code == 403


def test_the_rubric_page_and_its_weights(mutable_app: FastAPI) -> None:
    client, csrf = _form_client(mutable_app, "city")
    board = client.get("/assessment?year=2023")
    assert 'href="/assessment/rubric"' in board.text
    page = client.get("/assessment/rubric")
    assert page.status_code == 200
    assert 'data-testid="rubric-default"' in page.text
    assert 'data-testid="rubric-illustrative"' in page.text
    assert "单位地区生产总值碳排放" in page.text
    assert 'data-testid="rubric-form"' in page.text
    rubric = client.get("/api/v1/rubric").json()
    weights = {i["indicator"]: i["weight"] for i in rubric["rubric"]["items"]}
    assert sum(weights.values()) == pytest.approx(1)

    # weights that sum to 1.1: refused with the service's message, nothing saved
    form = {"csrf_token": csrf, "band": "0.08"}
    form |= {f"weight_{code}": str(w) for code, w in weights.items()}
    bad = {**form, "weight_carbon_intensity": "0.35"}
    refused = client.post("/assessment/rubric", data=bad, follow_redirects=False)
    assert refused.status_code == 400
    assert "评分细则各指标权重之和应为 1，实际为 1.1" in refused.text
    assert 'value="0.35"' in refused.text
    english = client.post("/assessment/rubric?lang=en", data=bad, follow_redirects=False)
    assert "item weights must sum to 1, they sum to 1.1" in english.text
    assert client.get("/api/v1/rubric").json() == rubric  # the band was not saved either
    assert 'data-testid="rubric-default"' in client.get("/assessment/rubric").text
    not_a_number = client.post("/assessment/rubric", data={**form, "band": "wide"},
                               follow_redirects=False)  # fmt: skip
    assert not_a_number.status_code == 422
    assert client.get("/api/v1/rubric").json() == rubric

    # weights moved between two items, still summing to 1: saved, with the new band
    good = {**form, "weight_carbon_intensity": "0.30", "weight_co2_intensity": "0.05"}
    saved = client.post("/assessment/rubric", data=good, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/assessment/rubric?done=rubric"
    now = client.get("/api/v1/rubric").json()
    new_weights = {i["indicator"]: i["weight"] for i in now["rubric"]["items"]}
    assert new_weights["carbon_intensity"] == pytest.approx(0.30)
    assert new_weights["co2_intensity"] == pytest.approx(0.05)
    assert now["band"] == pytest.approx(0.08)
    assert now["rubric"]["bonuses"] == rubric["rubric"]["bonuses"]
    shown = client.get("/assessment/rubric?done=rubric").text
    assert 'data-testid="rubric-stored"' in shown
    assert 'data-testid="done"' in shown

    # a district official reads the rubric but has no form, and a post is refused
    district, district_csrf = _form_client(mutable_app, "district-321102")
    read = district.get("/assessment/rubric")
    assert read.status_code == 200
    assert 'data-testid="rubric-form"' not in read.text
    changed = district.post("/assessment/rubric", data={**form, "csrf_token": district_csrf},
                            follow_redirects=False)  # fmt: skip
    assert changed.status_code == 403
    assert client.get("/api/v1/rubric").json() == now
    assert signed_in(mutable_app, "firm-1").get("/assessment/rubric").status_code == 403
