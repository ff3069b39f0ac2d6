"""The peak-pathway pages and their forms: the overview (tree, chart, checks, comparison) and a
scenario's page in both languages, the editor (a child of BAU with a faster industry
improvement stores only that change; a bad value is shown next to its field in both
languages; a stale version is refused), the structure optimisation form, deleting and the
IAMC upload."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_clients import csrf_of, signed_in

Client = Callable[[str | None], TestClient]
CITY = "321100"


def _form_fields(page: str) -> dict[str, str]:
    """The named inputs of the editor with their values (hidden ones included)."""
    fields = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and "type=\"checkbox\"" not in tag and "type=\"file\"" not in tag:
            fields[name.group(1)] = unescape(value.group(1)) if value else ""
    textareas = re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S)
    fields.update({name: unescape(body) for name, body in textareas})
    fields["parent"] = "bau"
    return fields


def test_the_overview_in_both_languages(client_as: Client):
    zh = client_as("analyst").get("/pathways")
    assert zh.status_code == 200
    for text in ("碳达峰路径", "情景比较", 'data-option="opt-pathways"', "P5–P95",
                 'data-testid="new-scenario"', "/api/v1/pathways/321100/iamc"):  # fmt: skip
        assert text in zh.text, text
    assert zh.text.count('data-scenario="') >= 6  # three in the tree, three in the table
    en = client_as("analyst").get("/pathways?lang=en&scenario=enhanced")
    for text in ("Peak pathways", "Scenario comparison", "Neutrality gap", "peak by 2030"):
        assert text in en.text, text
    # the checks shown are the selected scenario's
    assert "checks-enhanced" in en.text


def test_who_sees_what(client_as: Client):
    district = client_as("district-321102").get("/pathways")
    assert district.status_code == 200
    assert 'data-testid="new-scenario"' not in district.text  # reads, does not manage
    assert 'data-scenario="bau"' in district.text  # the district's own calibrated BAU
    city = client_as("district-321102").get(f"/pathways?region={CITY}")
    assert city.status_code == 403  # the city's scenarios are outside a district's scope
    assert client_as("firm-1").get("/pathways").status_code == 403
    assert client_as("district-321102").get("/pathways/new?parent=bau").status_code == 403


def test_a_scenario_page_with_its_waterfall(client_as: Client):
    page = client_as("analyst").get(f"/pathways/policy?region={CITY}")
    assert page.status_code == 200
    shown = ("peak-year", "peak-band", "probability-2030", "pathway-chart", "waterfall",
             "effects", "optimise-form", "trace-runs", "uncertainty", "edit-scenario")  # fmt: skip
    for testid in shown:
        assert f'data-testid="{testid}"' in page.text, testid
    history = client_as("analyst").get(
        f"/pathways/policy?region={CITY}&start=2016&end=2020&basis=history&lang=en"
    )
    assert history.status_code == 200
    assert "Decomposition 2016→2020" in history.text
    wrong = client_as("analyst").get(f"/pathways/policy?region={CITY}&start=2030&end=2020")
    assert 'data-testid="decomposition-problem"' in wrong.text
    assert client_as("analyst").get(f"/pathways/nowhere?region={CITY}").status_code == 404


def test_the_editor_stores_only_the_changed_lever(mutable_app: FastAPI):
    client = signed_in(mutable_app, "analyst")
    form = client.get(f"/pathways/new?region={CITY}&parent=bau")
    assert form.status_code == 200
    fields = _form_fields(form.text)
    assert fields["improvement.industry"] == "2"  # BAU's 2 % a year, in per cent
    fields.update(
        {"csrf_token": csrf_of(client), "name": "quick", "label_zh": "快速能效",
         "label_en": "quick efficiency", "improvement.industry": "4"}
    )  # fmt: skip
    saved = client.post(f"/pathways/new?region={CITY}", data=fields, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:2000]
    assert saved.headers["location"] == f"/pathways/quick?region={CITY}&done=saved"
    stored = client.get(f"/api/v1/pathways/{CITY}/scenarios/quick").json()
    assert stored["overrides"] == {"sectors": {"industry": {"improvement": 0.04}}}
    assert stored["label"] == {"zh": "快速能效", "en": "quick efficiency"}
    page = client.get(saved.headers["location"])
    assert "情景已保存" in page.text
    # editing without changing anything keeps the overrides, as a new version
    edit = _form_fields(client.get(f"/pathways/quick/edit?region={CITY}").text)
    edit["csrf_token"] = csrf_of(client)
    again = client.post(f"/pathways/quick/edit?region={CITY}", data=edit, follow_redirects=False)
    assert again.status_code == 303
    stored = client.get(f"/api/v1/pathways/{CITY}/scenarios/quick").json()
    assert stored["version"] == 2
    assert stored["overrides"] == {"sectors": {"industry": {"improvement": 0.04}}}
    # the form read at version 1 is refused now
    stale = client.post(f"/pathways/quick/edit?region={CITY}", data=edit)
    assert stale.status_code == 409
    assert 'data-testid="error-version"' in stale.text


def test_editor_errors_are_shown_next_to_their_field(mutable_app: FastAPI):
    client = signed_in(mutable_app, "analyst")
    fields = _form_fields(client.get(f"/pathways/new?region={CITY}&parent=bau").text)
    fields.update({"csrf_token": csrf_of(client), "name": "bad", "electricity.industry.2030": "x"})
    bad = client.post(f"/pathways/new?region={CITY}", data=fields)
    assert bad.status_code == 422
    at = r'data-testid="error-electricity.industry.2030">(.*?)</span></span>'
    error = re.search(at, bad.text, re.S)
    assert error is not None
    assert "不是有效数字" in error.group(1)
    assert "not a valid number" in error.group(1)
    assert 'value="x"' in bad.text  # what was entered is kept
    fields.update({"electricity.industry.2030": "30", "name": "new"})
    reserved = client.post(f"/pathways/new?region={CITY}", data=fields)
    assert reserved.status_code == 422
    assert 'data-testid="error-name"' in reserved.text
    fields.update({"name": "yaml", "overrides": "sectors: [1, 2"})
    broken = client.post(f"/pathways/new?region={CITY}", data=fields)
    assert broken.status_code == 422
    assert 'data-testid="error-overrides"' in broken.text
    assert client.get(f"/api/v1/pathways/{CITY}/scenarios/yaml").status_code == 404


def test_the_optimisation_form(mutable_app: FastAPI):
    client = signed_in(mutable_app, "analyst")
    token = csrf_of(client)
    url = f"/pathways/policy/optimise?region={CITY}"
    solved = client.post(url, data={"csrf_token": token, "year": "2030", "growth_low": "0",
                                    "growth_high": "8"})  # fmt: skip
    assert solved.status_code == 200
    assert 'data-testid="optimisation-table"' in solved.text
    assert 'data-testid="binding-caps"' in solved.text
    refused = client.post(
        url + "&lang=en", data={"csrf_token": token, "year": "2030", "carbon_cap": "1"}
    )
    assert refused.status_code == 422
    problem = re.search(r'data-testid="optimise-problem">(.*?)</p>', refused.text, re.S)
    assert problem is not None
    assert re.search(r"[A-Za-z]{4,}", problem.group(1))
    assert not re.search(r"[\u4e00-\u9fff]", problem.group(1))  # the user's language


def test_delete_and_iamc_upload_forms(mutable_app: FastAPI):
    client = signed_in(mutable_app, "analyst")
    token = csrf_of(client)
    refused = client.post(f"/pathways/policy/delete?region={CITY}", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "enhanced" in refused.text
    gone = client.post(
        f"/pathways/enhanced/delete?region={CITY}", data={"csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert gone.status_code == 303
    csv_text = client.get(f"/api/v1/pathways/{CITY}/iamc?scenario=bau&layout=wide").text
    upload = csv_text.replace(",bau,", ",outside,")
    stored = client.post(
        f"/pathways/iamc?region={CITY}", data={"csrf_token": token},
        files={"file": ("outside.csv", upload, "text/csv")}, follow_redirects=False,
    )  # fmt: skip
    assert stored.status_code == 303
    overview = client.get(stored.headers["location"])
    assert 'data-testid="external-outside"' in overview.text
    assert 'data-scenario="outside"' in overview.text  # in the comparison table
    bad = client.post(
        f"/pathways/iamc?region={CITY}", data={"csrf_token": token},
        files={"file": ("bad.csv", "model,scenario\nx,y\n", "text/csv")},
    )  # fmt: skip
    assert bad.status_code == 422
    assert 'data-testid="problem"' in bad.text


def test_editing_the_root_keeps_its_definition(mutable_app: FastAPI):
    client = signed_in(mutable_app, "analyst")
    before = client.get(f"/api/v1/pathways/{CITY}/scenarios/bau").json()
    fields = _form_fields(client.get(f"/pathways/bau/edit?region={CITY}").text)
    fields.update({"csrf_token": csrf_of(client), "parent": "", "grid.2030": "0.4"})
    saved = client.post(f"/pathways/bau/edit?region={CITY}", data=fields, follow_redirects=False)
    assert saved.status_code == 303, re.findall(r'role="alert".*', saved.text)
    after = client.get(f"/api/v1/pathways/{CITY}/scenarios/bau").json()
    assert after["version"] == before["version"] + 1
    assert after["overrides"]["sectors"] == before["overrides"]["sectors"]
    grid = after["definition"]["grid"]
    assert "growth" not in grid
    assert grid["milestones"]["2030"] == 0.4
    run = client.get(f"/api/v1/pathways/{CITY}/scenarios/bau/run").json()
    assert run["trace"]["scenario_versions"] == {"bau": after["version"]}
