"""The cockpit's map and indicators, and drilling from the map down to an enterprise and from
a figure to the emission factor behind it, in a real headless Chromium."""

from __future__ import annotations

import re

from browser_expect import DISTRICTS

MAP = "[data-testid=district-map]"
# a large, compact district: the centre of its shape lies inside it
CLICKED = "321183"


def map_option(browse) -> dict:
    return browse.page.eval_on_selector(
        MAP,
        "el => { const o = echarts.getInstanceByDom(el).getOption();"
        " return {n: o.series[0].data.length, data: o.series[0].data, map: o.series[0].map}; }",
    )


def test_the_cockpit_shows_the_district_map_and_the_four_indicators(browse) -> None:
    browse.login("city")
    browse.goto("/cockpit", "cockpit")
    page = browse.page
    assert page.get_attribute(MAP, "data-rendered") == "true"
    assert page.get_attribute(MAP, "data-geo") == "/api/v1/regions/321100/boundaries.geojson"
    option = map_option(browse)
    assert option["n"] == 6
    names = {d["name"] for d in option["data"]}
    assert names == {zh for zh, _ in DISTRICTS.values()}
    assert all(d["value"] is not None and d["value"] > 0 for d in option["data"])
    assert {d["url"].split("region=")[1].split("&")[0] for d in option["data"]} == set(DISTRICTS)
    # the boundaries are real shapes: the registered map has the six regions
    regions = page.eval_on_selector(
        MAP, "el => echarts.getMap(el.dataset.geoName).geoJSON.features.length"
    )
    assert regions == 6

    cards = page.locator("[data-testid=indicators] .kpi")
    assert cards.count() == 4
    for key in ("energy_total", "carbon_total", "energy_intensity", "carbon_intensity"):
        text = page.inner_text(f"[data-testid=kpi-{key}]")
        assert re.search(r"\d", text), f"{key} shows no figure: {text!r}"
        assert page.get_attribute(f"[data-testid=trend-{key}]", "data-rendered") == "true"
    for chart in ("sector-chart", "sinks-chart"):
        assert page.get_attribute(f"[data-testid={chart}]", "data-rendered") == "true"
    assert page.locator("[data-testid=top-emitters] tbody tr").count() > 0
    # the map carries the names where they are shown, in English too
    browse.goto("/lang/en?next=/cockpit", "cockpit-en")
    assert {d["name"] for d in map_option(browse)["data"]} == {
        en for _, en in DISTRICTS.values()
    } or all(en in page.inner_text("main") for _, en in DISTRICTS.values())


def test_the_public_cockpit_renders_without_enterprise_figures(browse) -> None:
    browse.goto("/cockpit", "cockpit-public")
    assert map_option(browse)["n"] == 6
    assert browse.page.locator("[data-testid=indicators] .kpi").count() == 4
    assert browse.page.is_visible("[data-testid=no-emitters]")


def _click_district_on_the_map(browse, code: str) -> None:
    """A real mouse click at the centre of the district's shape (ECharts draws on a canvas:
    there is no element to click)."""
    name = DISTRICTS[code][0]
    x, y = browse.page.eval_on_selector(
        MAP,
        """(el, name) => {
            const chart = echarts.getInstanceByDom(el);
            const geo = chart.getModel().getSeriesByIndex(0).coordinateSystem;
            const point = chart.convertToPixel({seriesIndex: 0}, geo.getRegion(name).getCenter());
            const box = el.getBoundingClientRect();
            return [box.left + point[0], box.top + point[1]];
        }""",
        name,
    )
    with browse.page.expect_navigation() as navigation:
        browse.page.mouse.click(x, y)
    assert navigation.value.status == 200


def test_drill_from_the_map_to_an_enterprise_and_to_a_factor(browse) -> None:
    browse.login("city")
    page = browse.page
    browse.goto("/cockpit", "cockpit")

    _click_district_on_the_map(browse, CLICKED)
    browse.settle()
    browse.shot("district")
    assert f"region={CLICKED}" in page.url
    assert page.url.startswith(browse.server.url + "/explorer")
    assert DISTRICTS[CLICKED][0] in page.inner_text("[data-testid=region-crumbs]")

    township = page.locator("[data-testid=drill-region]").first
    township_name = township.inner_text()
    browse.follow(township, "township")
    assert township_name in page.inner_text("[data-testid=region-crumbs]")

    # the township's own figure: its trace opens in a dialog over the page
    page.click("[data-testid=main-figure]")
    dialog = page.locator("[data-testid=trace-dialog]")
    dialog.locator("[data-testid=trace]").wait_for()
    assert dialog.evaluate("el => el.open")
    browse.shot("township-trace")
    page.click("[data-testid=trace-dialog] .dialog-close button")
    assert not dialog.evaluate("el => el.open")

    if page.locator("[data-testid=drill-enterprise]").count() == 0:
        browse.follow("[data-testid=show-enterprises]", "township-enterprises")
    enterprise = page.locator("[data-testid=drill-enterprise]").first
    enterprise_name = enterprise.inner_text()
    browse.follow(enterprise, "enterprise")
    assert "/explorer/enterprise/" in page.url
    assert enterprise_name in page.inner_text("[data-testid=enterprise-name]")

    # one of its ledger lines, traced to the factor it used
    page.locator("[data-testid=line-figure]").first.click()
    trace = page.locator("[data-testid=trace-dialog] [data-testid=trace]")
    trace.wait_for()
    browse.shot("line-trace")
    factor = trace.locator("[data-testid=factor-link]").first
    factor_id = factor.inner_text().strip()
    browse.follow(factor, "factor")
    assert page.url.startswith(browse.server.url + "/refdata/factors/")
    assert factor_id in page.inner_text("main")
    value = page.inner_text("[data-testid=factor-value]")
    assert float(value) > 0
    assert page.inner_text("[data-testid=factor-unit]").strip()
