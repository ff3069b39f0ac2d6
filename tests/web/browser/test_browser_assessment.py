"""The district assessment in a real headless Chromium: the Jingkou district official opens
/assessment and sees the score map of the six districts, the ranking and their own
district's traffic lights and rank; clicking a district on the map opens its page."""

from __future__ import annotations

MAP = "[data-testid=score-map]"


def test_the_district_official_sees_the_board_map_and_their_lights(browse) -> None:
    browse.login("district-321102")
    browse.goto("/assessment?year=2023", "assessment-board")
    page = browse.page
    assert page.get_attribute(MAP, "data-rendered") == "true"
    option = page.eval_on_selector(
        MAP,
        "el => { const o = echarts.getInstanceByDom(el).getOption();"
        " return o.series[0].data.map(d => ({code: d.code, value: d.value, url: d.url})); }",
    )
    assert len(option) == 6
    assert all(d["value"] is not None for d in option)
    assert {d["url"].split("?")[0] for d in option} == {f"/assessment/{d['code']}" for d in option}
    rows = page.locator("[data-testid=board-table] tbody tr")
    assert rows.count() == 6
    own = page.locator("[data-testid=board-table] tbody tr.own")
    assert own.get_attribute("data-region") == "321102"
    # their own lights, score and rank, at the top
    section = page.locator("[data-testid=own-district]")
    assert "京口区" in section.inner_text()
    rank = int(page.inner_text("[data-testid=own-rank]"))
    assert 1 <= rank <= 6
    assert own.locator("td").first.inner_text() == str(rank)
    lights = section.locator("[data-light]")
    assert lights.count() >= 7
    assert {lights.nth(i).get_attribute("data-light") for i in range(lights.count())} <= {
        "green", "yellow", "red", "none"}  # fmt: skip
    browse.shot("assessment-board-district")
    # their district's page: lights, the pace chart of the intensities, the PDF link
    browse.goto("/assessment/321102?year=2023", "assessment-district")
    assert page.locator("[data-testid=pace-chart]").count() >= 1
    assert page.get_attribute("[data-testid=pace-chart]", "data-rendered") == "true"
    assert page.get_attribute("[data-testid=report-pdf]", "href").startswith(
        "/api/v1/assessments/2023/321102/report.pdf"
    )
