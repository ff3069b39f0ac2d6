"""Carbon assets in a real headless Chromium (issue 7's done-when): the enterprise user opens
碳资产 and sees its allowance balance, compliance status and deadline warning; the city
office posts a purchase through the form and the balance changes by it.

The platform runs on its own copy of the demo database with the demo's carbon assets seeded
(:func:`citycarbon.demo.assets.seed_assets`; a no-op once the demo seeds them itself), served
like the shared live server (same class, its own port)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from citycarbon.demo import firms
from citycarbon.demo.assets import seed_assets
from citycarbon.store.open import open_store

DB_FILE = "citycarbon.sqlite3"
PLANT_A, PLANT_B = (f.entity for f in firms.enterprises(2)[:2])  # firm-1's, firm-2's plants


@pytest.fixture(scope="module")
def assets_server(
    live_server: Any, demo_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("browser-assets")
    source, target = sqlite3.connect(demo_dir / DB_FILE), sqlite3.connect(folder / DB_FILE)
    with target:
        source.backup(target)
    source.close()
    target.close()
    sessions = open_store(None, folder)
    with sessions.begin() as session:
        seed_assets(session, enterprises=120)
    sessions.kw["bind"].dispose()
    server = type(live_server)(folder)  # the conftest's LiveServer on this copy
    server.start()
    yield server
    server.stop()


@pytest.fixture
def on_assets(browse: Any, assets_server: Any) -> Iterator[Any]:
    """A browser session (screenshots, JS-error check) on the server with carbon assets."""
    session = type(browse)(
        browse.context.browser, assets_server, browse.folder, f"{browse.test}-assets"
    )
    yield session
    session.shot("final")
    session.close()
    assert not session.errors, f"JavaScript errors on the page: {session.errors}"


def _tonnes(text: str) -> float:
    return float(text.replace(",", "").replace("t", "").strip())


def test_the_enterprise_sees_its_allowances_and_compliance(on_assets: Any) -> None:
    on_assets.login("firm-1")
    page = on_assets.page
    menu = page.locator("nav.mainnav a[href='/assets']")
    assert menu.inner_text() == "碳资产"
    on_assets.follow(menu, "carbon-assets")
    assert page.url.endswith(f"/assets/{PLANT_A}")
    assert _tonnes(page.inner_text("[data-testid=balance-value]")) > 0
    assert page.inner_text("[data-testid=compliance-status] [data-testid=status]") == (
        "未完成清缴（未到期）"
    )
    assert page.locator("[data-testid=deadline-warning]").is_visible()
    assert _tonnes(page.inner_text("[data-testid=shortfall]")) > 0
    assert page.locator("[data-testid=trace-part]").count() >= 4  # two units × base and final
    assert "cn_ets_power_benchmarks" in page.inner_text("[data-testid=sources]")
    assert page.locator("[data-testid=entry-form]").count() == 0
    page.select_option("[data-testid=year]", "2022")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    on_assets.settle()
    on_assets.shot("2022")
    assert page.inner_text("[data-testid=compliance-status] [data-testid=status]") == "已履约"


def test_the_city_office_posts_a_purchase_and_the_balance_changes(on_assets: Any) -> None:
    on_assets.login("city")
    page = on_assets.page
    on_assets.goto("/assets?year=2023", "compliance-list")
    row = page.locator(f"[data-testid=row-{PLANT_B}] a")
    on_assets.follow(row, "plant-b")
    before = _tonnes(page.inner_text("[data-testid=balance-value]"))
    page.select_option("[data-testid=entry-kind]", "purchase")
    page.fill("[data-testid=entry-quantity]", "12345")
    page.fill("[data-testid=entry-counterparty]", "上海环境能源交易所")
    page.fill("[data-testid=entry-price]", "68.5")
    page.fill("[data-testid=entry-reference]", "CEA-BROWSER-1")
    on_assets.shot("form-filled")
    on_assets.follow("[data-testid=entry-submit]", "posted")
    assert page.locator("[data-testid=done]").is_visible()
    after = _tonnes(page.inner_text("[data-testid=balance-value]"))
    assert after == pytest.approx(before + 12345, abs=1)
    assert "CEA-BROWSER-1" in page.inner_text("[data-testid=statement]")
