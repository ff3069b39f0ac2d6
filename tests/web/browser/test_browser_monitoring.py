"""An enterprise energy manager watches its live load curve grow as readings reach the lake;
the city office sets a budget the consumption runs ahead of, the alert fires, then clears when
the budget is raised; a verifier opens an assigned monthly report and sees the
metered-vs-reported flag. Real headless Chromium against the live server."""

from __future__ import annotations

import pytest
from monitoring_seed import late_readings, seed

HELD_BACK = 4  # the last hour's readings arrive while the page is open
PACE_ROW = "[data-testid=alerts-enterprise] tr[data-kind=pace_above_budget]"


@pytest.fixture
def seeded(live_server, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("CITYCARBON_LAKE", raising=False)
    app = live_server._server.config.app  # the application the live server runs
    return seed(app.state.sessions, app.state.settings.data_dir, held_back=HELD_BACK)


def _sign_out(browse) -> None:
    with browse.page.expect_navigation():
        browse.page.click("form[action='/logout'] button[type=submit]")


def _set_budget_and_evaluate(browse, amount: str, label: str) -> None:
    page = browse.page
    page.fill("[data-testid=budget-amount]", amount)
    with page.expect_navigation():
        page.click("[data-testid=budget-save]")
    browse.settle()
    with page.expect_navigation():
        page.click("[data-testid=pace] [data-testid=evaluate]")
    browse.settle()
    browse.shot(label)


def test_load_curve_moves_alert_fires_and_clears_verifier_sees_flag(browse, seeded) -> None:
    page = browse.page
    enterprise = f"/monitoring/enterprises/{seeded.credit_code}"
    browse.login("firm-1")
    browse.goto("/monitoring", "monitoring-home")
    assert page.url.endswith(enterprise)  # an enterprise lands on its own curve
    points = page.locator("[data-testid=load-points]")
    assert points.inner_text() == str(24 - HELD_BACK)
    late_readings(seeded, HELD_BACK)
    page.wait_for_function(  # the page polls the API: the curve gains the late readings
        "() => document.querySelector('[data-testid=load-points]').textContent === '24'"
    )
    assert int(page.get_attribute("[data-testid=load-chart]", "data-polls") or "0") >= 1
    browse.shot("curve-moved")
    assert page.locator("[data-testid=budget-form]").count() == 0

    _sign_out(browse)
    browse.login("city")
    browse.goto(enterprise, "city-enterprise")
    _set_budget_and_evaluate(browse, "0.001", "budget-too-small")
    assert page.locator(f"{PACE_ROW}[data-state=open]").count() == 1
    assert page.locator("[data-testid=pace] tr[data-flagged=true]").count() == 1

    _sign_out(browse)
    browse.login("firm-1")
    browse.goto(enterprise, "firm-sees-alert")
    assert page.locator(f"{PACE_ROW}[data-state=open]").count() == 1

    _sign_out(browse)
    browse.login("city")
    browse.goto(enterprise, "city-raises-budget")
    _set_budget_and_evaluate(browse, "1000000", "budget-raised")
    assert page.locator(f"{PACE_ROW}[data-state=open]").count() == 0
    assert page.locator(f"{PACE_ROW}[data-state=cleared]").count() == 1
    browse.goto("/monitoring/parks", "park-map")  # the map and its dots render (settle)
    assert page.locator(f"[data-testid=park-table] tr[data-park={seeded.park_code}]").count() == 1
    browse.goto("/monitoring/nowcast?lang=en", "nowcast")
    assert "cn_grid_emission_factors:" in page.inner_text("[data-testid=grid-factor]")

    _sign_out(browse)
    browse.login("verifier-a")
    browse.goto(f"/verify/reports/{seeded.verify_report_id}", "verifier-report")
    flag = page.locator("[data-testid=reconciliation-flag]")
    assert flag.is_visible()
    row = page.locator("[data-testid=reconciliation] tr[data-carrier=electricity]")
    assert row.get_attribute("data-flagged") == "true"
    assert "+20.0 %" in row.inner_text()
