"""Carbon assets over HTTP and in the pages, on the demo city with its carbon assets seeded
(:func:`citycarbon.demo.assets.seed_assets`): the enterprise's page and API, the city
office's list, posting and reversing entries (an overdraw refused with its field), allocating
and truing up, the deadline, and who may do what."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_clients import csrf_of, signed_in

from citycarbon.demo import firms
from citycarbon.demo.assets import seed_assets
from citycarbon.demo.city import DEMO_NOTICE
from citycarbon.store.open import open_store
from citycarbon.web.app import create_app
from citycarbon.web.settings import WebSettings

DB_FILE = "citycarbon.sqlite3"
PLANT_A, PLANT_B = (f.entity for f in firms.enterprises(2)[:2])  # firm-1's and firm-2's
CEMENT_1 = firms.enterprises(5)[4].entity  # firm-5's cement works

Client = Callable[[str], TestClient]


def _copy(source: Path, target: Path) -> None:
    # the backup API, not a file copy: WAL mode keeps recent pages in a side file
    src, dst = sqlite3.connect(source / DB_FILE), sqlite3.connect(target / DB_FILE)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


def _app(folder: Path) -> FastAPI:
    return create_app(WebSettings(data_dir=folder, secret_key="test-secret", notice=DEMO_NOTICE))


@pytest.fixture(scope="module")
def assets_dir(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database with its carbon assets (seeded once per module)."""
    folder = tmp_path_factory.mktemp("web-assets")
    _copy(demo_dir, folder)
    sessions = open_store(None, folder)
    with sessions.begin() as session:
        seed_assets(session, enterprises=120)
    sessions.kw["bind"].dispose()
    return folder


@pytest.fixture(scope="module")
def assets_app(assets_dir: Path) -> Iterator[FastAPI]:
    app = _app(assets_dir)
    yield app
    app.state.sessions.kw["bind"].dispose()


@pytest.fixture
def writable_app(assets_dir: Path, tmp_path: Path) -> Iterator[FastAPI]:
    _copy(assets_dir, tmp_path)
    app = _app(tmp_path)
    yield app
    app.state.sessions.kw["bind"].dispose()


@pytest.fixture(scope="module")
def as_user(assets_app: FastAPI) -> Iterator[Client]:
    made: dict[str, TestClient] = {}

    def get(username: str) -> TestClient:
        if username not in made:
            made[username] = signed_in(assets_app, username)
        return made[username]

    yield get
    for client in made.values():
        client.close()


def with_csrf(app: FastAPI, username: str) -> TestClient:
    client = signed_in(app, username)
    client.headers["X-CSRF-Token"] = csrf_of(client)
    return client


def test_the_enterprise_sees_its_balance_compliance_warning_and_trace(as_user: Client):
    client = as_user("firm-1")
    landing = client.get("/assets", follow_redirects=False)
    assert landing.status_code == 303
    assert landing.headers["location"] == f"/assets/{PLANT_A}"
    page = client.get(f"/assets/{PLANT_A}")
    assert page.status_code == 200
    text = page.text
    for label in ("配额余额", "履约状态", "未完成清缴（未到期）", "履约提醒", "缺口", "CCER 抵销"):
        assert label in text, label
    assert 'data-testid="deadline-warning"' in text
    assert "cn_ets_power_benchmarks:coal_conventional_above_300mw.electricity" in text
    assert "国环规气候〔2020〕3号" in text
    assert 'data-testid="entry-form"' not in text  # an enterprise user does not post
    english = client.get(f"/assets/{PLANT_A}?lang=en&year=2022").text
    assert "Allowance balance" in english
    assert "compliant" in english
    assert "/assets" in client.get("/cockpit").text  # the menu entry


def test_the_enterprise_api_has_every_figure_with_its_source(as_user: Client):
    client = as_user("firm-1")
    body = client.get(f"/api/v1/assets/{PLANT_A}").json()
    assert body["compliance_year"] == 2023
    assert body["years"] == [2023, 2022]
    assert body["status"] == "not_due"
    assert [w["code"] for w in body["warnings"]] == ["due_30"]
    c = body["compliance"]
    assert c["shortfall_t"] == pytest.approx(0.2 * c["verified_emissions_t"], rel=1e-3)
    assert c["offset_cap_share"] == 0.05
    assert c["offsets_accepted_t"] <= c["offset_cap_t"]
    assert c["offset_rule"].startswith("cn_ets_rules:ccer_offset_cap")
    allocation = body["allocation"]
    assert allocation["method"] == "benchmark"
    assert allocation["final_t"] == pytest.approx(allocation["trace"]["final"]["total_t"])
    assert {t["table"] for t in allocation["sources"]["tables"]} == {
        "cn_ets_rules",
        "cn_ets_power_benchmarks",
    }
    kinds = [e["kind"] for e in body["statement"]]
    assert kinds[:2] == ["allocation", "allocation"]
    assert {"offset_surrender", "surrender"} <= set(kinds)
    assert body["balance_t"] == pytest.approx(body["statement"][-1]["balance_t"])
    assert body["verified"]["complete"]
    settled = client.get(f"/api/v1/assets/{PLANT_A}?year=2022").json()
    assert settled["status"] == "compliant"
    statement = client.get(f"/api/v1/assets/{PLANT_A}/statement?year=2022").json()
    assert statement["entries"][0]["reference"].endswith(":pre")


def test_who_may_see_and_change_carbon_assets(as_user: Client):
    firm = as_user("firm-1")
    assert firm.get(f"/api/v1/assets/{PLANT_B}").status_code == 403
    assert [
        r["credit_code"] for r in firm.get("/api/v1/assets?year=2023").json()["enterprises"]
    ] == [PLANT_A]
    entry = {"compliance_year": 2023, "kind": "allocation", "date": "2024-01-02", "quantity_t": 1}
    assert firm.post(f"/api/v1/assets/{PLANT_A}/entries", json=entry).status_code == 403
    district = as_user("district-321102")
    listed = district.get("/api/v1/assets?year=2023").json()["enterprises"]
    assert PLANT_A in {r["credit_code"] for r in listed}
    assert PLANT_B not in {r["credit_code"] for r in listed}
    assert district.get(f"/assets/{PLANT_B}").status_code == 403
    city = as_user("city")
    everyone = city.get("/api/v1/assets?year=2023").json()["enterprises"]
    assert {PLANT_A, PLANT_B} <= {r["credit_code"] for r in everyone}
    assert everyone[0]["status"] != "compliant"  # worst first
    listing = city.get("/assets?year=2023").text
    assert 'data-testid="compliance-list"' in listing
    assert PLANT_B in listing
    assert as_user("verifier-a").get("/api/v1/assets?year=2023").status_code == 403


def test_the_city_office_posts_reverses_and_an_overdraw_is_refused(writable_app: FastAPI):
    city = with_csrf(writable_app, "city")
    before = city.get(f"/api/v1/assets/{PLANT_B}").json()["balance_t"]
    sale = {
        "compliance_year": 2023,
        "kind": "sale",
        "date": "2025-01-10",
        "quantity_t": before + 1,
        "counterparty": "X",
    }
    refused = city.post(f"/api/v1/assets/{PLANT_B}/entries", json=sale)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "quantity_t"
    assert "超过" in error["zh"]
    assert "exceeds" in error["en"]
    bought = city.post(
        f"/api/v1/assets/{PLANT_B}/entries",
        json={**sale, "kind": "purchase", "quantity_t": 5000, "price_cny_per_t": 70.5},
    )
    assert bought.status_code == 201
    entry_id = bought.json()["id"]
    assert bought.json()["unit_type"] == "CEA"
    assert city.get(f"/api/v1/assets/{PLANT_B}").json()["balance_t"] == pytest.approx(before + 5000)
    reversal = city.post(
        f"/api/v1/assets/entries/{entry_id}/reversal",
        json={"date": "2025-01-11", "reason": "duplicate"},
    )
    assert reversal.status_code == 201
    assert reversal.json()["reverses_id"] == bought.json()["id"]
    assert city.get(f"/api/v1/assets/{PLANT_B}").json()["balance_t"] == pytest.approx(before)
    again = city.post(
        f"/api/v1/assets/entries/{entry_id}/reversal",
        json={"date": "2025-01-11", "reason": "again"},
    )
    assert again.status_code == 422
    due = city.put("/api/v1/assets/deadlines/2023", json={"date": "2024-12-31"})
    assert due.json()["deadline"] == "2024-12-31"
    late = city.get(f"/api/v1/assets/{PLANT_A}?year=2023").json()
    assert late["status"] == "shortfall"
    assert [w["code"] for w in late["warnings"]] == ["overdue"]


def test_the_entry_form_posts_and_shows_a_refusal_with_its_field(writable_app: FastAPI):
    city = signed_in(writable_app, "city")
    token = csrf_of(city)
    page = city.get(f"/assets/{PLANT_B}?year=2023").text
    assert 'data-testid="entry-form"' in page
    form = {
        "csrf_token": token,
        "compliance_year": "2023",
        "kind": "purchase",
        "on": "2025-02-01",
        "quantity_t": "1,000",
        "counterparty": "上海环境能源交易所",
        "price_cny_per_t": "66",
    }
    done = city.post(f"/assets/{PLANT_B}/entries", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert "done=posted" in done.headers["location"]
    shown = city.get(done.headers["location"]).text
    assert "已登记台账条目" in shown
    assert "上海环境能源交易所" in shown
    refused = city.post(
        f"/assets/{PLANT_B}/entries", data={**form, "kind": "sale", "quantity_t": "1e9"}
    )
    assert refused.status_code == 422
    assert 'data-testid="problem"' in refused.text
    assert "数量" in refused.text
    unreadable = city.post(f"/assets/{PLANT_B}/entries", data={**form, "quantity_t": "lots"})
    assert unreadable.status_code == 400
    assert 'aria-invalid="true"' in unreadable.text
    first = writable_app.state.sessions
    with first() as session:
        from sqlalchemy import select

        from citycarbon.store.models_assets import CarbonAssetEntry

        entry_id = session.scalar(
            select(CarbonAssetEntry.id).where(CarbonAssetEntry.counterparty == "上海环境能源交易所")
        )
    reversed_ = city.post(
        f"/assets/{PLANT_B}/entries/{entry_id}/reversal",
        data={"csrf_token": token, "compliance_year": "2023", "reason": "typed twice"},
        follow_redirects=False,
    )
    assert reversed_.status_code == 303
    assert "done=reversed" in reversed_.headers["location"]


def test_allocate_and_true_up_over_the_api(writable_app: FastAPI):
    city = with_csrf(writable_app, "city")
    spec = {
        "method": "historical_intensity",
        "base_year": 2023,
        "lines": [
            {
                "line_id": "kiln",
                "product": "cement",
                "output_unit": "t",
                "decline_factor": 0.97,
                "historical_intensity": 0.8,
                "source": "test plan",
                "years": {"2023": {"output": 1_000_000}, "2024": {"output": 1_100_000}},
            }
        ],
    }
    made = city.post(
        f"/api/v1/assets/{CEMENT_1}/allocation",
        json={"compliance_year": 2024, "spec": spec, "issue_on": "2024-03-31"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["pre_t"] == pytest.approx(0.7 * 1_000_000 * 0.8 * 0.97)
    trued = city.post(
        f"/api/v1/assets/{CEMENT_1}/allocation/true-up",
        json={"compliance_year": 2024, "issue_on": "2025-09-30"},
    )
    assert trued.status_code == 200
    assert trued.json()["final_t"] == pytest.approx(1_100_000 * 0.8 * 0.97)
    assert trued.json()["true_up_t"] == pytest.approx((1_100_000 - 0.7 * 1_000_000) * 0.8 * 0.97)
    bad = city.post(
        f"/api/v1/assets/{PLANT_A}/allocation",
        json={"compliance_year": 2024, "spec": {"method": "auction"}, "issue_on": "2024-03-31"},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "method"
    firm = with_csrf(writable_app, "firm-1")
    assert firm.put("/api/v1/assets/deadlines/2024", json={"date": "2025-12-31"}).status_code == 403


def test_the_city_office_allocates_and_trues_up_through_the_page(writable_app: FastAPI):
    city = signed_in(writable_app, "city")
    token = csrf_of(city)
    page = city.get(f"/assets/{CEMENT_1}?year=2024").text
    assert 'data-testid="allocation-form"' in page
    assert "historical_intensity" in page  # the form starts from a product-line template
    form = {"csrf_token": token, "compliance_year": "2024", "issue_on": "2024-03-31"}
    broken = city.post(f"/assets/{CEMENT_1}/allocation", data={**form, "spec": "{oops"})
    assert broken.status_code == 400
    assert "JSON" in broken.text
    spec = (
        '{"method": "historical_intensity", "base_year": 2023, "lines": [{"line_id": "kiln",'
        ' "product": "cement", "output_unit": "t", "decline_factor": 0.97,'
        ' "historical_intensity": 0.8, "source": "test plan",'
        ' "years": {"2023": {"output": 1000000}, "2024": {"output": 1100000}}}]}'
    )
    unknown = city.post(
        f"/assets/{CEMENT_1}/allocation", data={**form, "spec": spec.replace("0.97", "1.5")}
    )
    assert unknown.status_code == 422
    assert "lines[0].decline_factor" in unknown.text
    done = city.post(
        f"/assets/{CEMENT_1}/allocation", data={**form, "spec": spec}, follow_redirects=False
    )
    assert done.status_code == 303
    assert "done=allocated" in done.headers["location"]
    shown = city.get(done.headers["location"]).text
    assert 'data-testid="true-up-form"' in shown
    assert "543,200" in shown  # 70 % × 1,000,000 t × 0.8 × 0.97
    trued = city.post(
        f"/assets/{CEMENT_1}/allocation/true-up",
        data={**form, "issue_on": "2025-09-30"},
        follow_redirects=False,
    )
    assert trued.status_code == 303
    final = city.get(trued.headers["location"]).text
    assert "853,600" in final  # 1,100,000 t × 0.8 × 0.97
    assert 'data-testid="true-up-form"' not in final
