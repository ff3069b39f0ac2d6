"""The Jingkou district official reports a measure project's progress on /assessment/measures
in a real headless Chromium: the row's form is filled in, posted, and the list shows the new
completion (post, redirect, get)."""

from __future__ import annotations

ROWS = "[data-testid=all-measures] tr[data-measure]"


def test_the_district_official_updates_a_measures_completion(browse) -> None:
    browse.login("district-321102")
    browse.goto("/assessment/measures", "measures-district")
    page = browse.page
    assert page.locator("[data-testid=add-measure-form]").count() == 0  # the plan is the city's
    rows = page.locator(ROWS)
    assert rows.count() >= 1
    regions = {rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())}
    assert regions == {"京口区"}  # only their own district's projects
    measure = rows.first.get_attribute("data-measure")
    form = page.locator(f"[data-testid=progress-form-{measure}]")
    form.locator("select[name=status]").select_option("in_progress")
    page.fill(f"[data-testid=completion-{measure}]", "64")
    form.locator("input[name=note]").fill("浏览器测试 browser test")
    browse.shot("progress-filled")
    browse.follow(f"[data-testid=report-{measure}]", "progress-updated")
    assert page.url.endswith(f"/assessment/measures?done=progress#measure-{measure}")
    assert page.is_visible("[data-testid=done]")
    row = page.locator(f"{ROWS}[data-measure='{measure}']")
    assert row.locator("[data-testid=measure-completion]").get_attribute("data-value") == "0.64"
    assert row.locator("[data-testid=measure-status]").inner_text() == "实施中"
    assert page.input_value(f"[data-testid=completion-{measure}]") == "64"
    # the rubric the score comes from, linked from the board: readable, not editable by them
    browse.goto("/assessment?year=2023", "board")
    browse.follow("[data-testid=rubric-link]", "rubric")
    assert page.locator("[data-testid=rubric-items-table] tbody tr").count() >= 1
    assert page.locator("[data-testid=rubric-form]").count() == 0
    assert page.is_visible("[data-testid=rubric-illustrative]")
