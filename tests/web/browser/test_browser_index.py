"""The public low-carbon index in a real headless Chromium: an anonymous visitor sees the six
districts ranked, the map coloured by the index and the sensitivity table, switches the
weighting to the entropy method, and opens the methodology page."""

from __future__ import annotations

from browser_expect import DISTRICTS

MAP = "[data-testid=index-map]"


def test_an_anonymous_visitor_ranks_the_districts_and_reads_the_method(browse) -> None:
    browse.goto("/index", "index-public")
    page = browse.page
    ranking = page.locator("[data-testid=ranking] tbody tr")
    assert ranking.count() == 6
    codes = {ranking.nth(i).get_attribute("data-code") for i in range(6)}
    assert codes == set(DISTRICTS)
    assert ranking.first.locator("td").first.inner_text().strip() == "1"

    # the choropleth: the cockpit's boundaries, six regions coloured by the score
    assert page.get_attribute(MAP, "data-rendered") == "true"
    assert page.get_attribute(MAP, "data-geo") == "/api/v1/regions/321100/boundaries.geojson"
    option = page.eval_on_selector(
        MAP, "el => echarts.getInstanceByDom(el).getOption().series[0].data"
    )
    assert {d["name"] for d in option} == {zh for zh, _ in DISTRICTS.values()}
    assert all(0 <= d["value"] <= 100 for d in option)
    assert page.get_attribute("[data-testid=dimension-chart]", "data-rendered") == "true"

    sensitivity = page.locator("[data-testid=sensitivity] tbody tr")
    assert sensitivity.count() == 6
    assert "%" in sensitivity.first.inner_text()
    assert page.locator("[data-testid=cities] tbody tr").count() == 13
    assert "Science Bulletin" in page.inner_text("[data-testid=ceads-citation]")
    before = page.inner_text("[data-testid=ranking]")

    # switching the weighting submits the form: entropy weights, same six districts
    with page.expect_navigation():
        page.select_option("[data-testid=weighting-select]", "entropy")
    browse.settle()
    browse.shot("index-entropy")
    assert "weighting=entropy" in page.url
    assert page.input_value("[data-testid=weighting-select]") == "entropy"
    assert page.locator("[data-testid=ranking] tbody tr").count() == 6
    assert page.get_attribute(MAP, "data-rendered") == "true"
    assert page.inner_text("[data-testid=ranking]") != before  # other weights, other scores

    browse.follow("[data-testid=method-link]", "index-method")
    assert page.is_visible("[data-testid=method-district]")
    assert page.locator("[data-testid=method-district] tbody tr").count() >= 10
    assert "CR = " in page.inner_text("[data-testid=method-cr]")
    assert page.locator("[data-testid=method-ahp] tbody tr").count() == 5
