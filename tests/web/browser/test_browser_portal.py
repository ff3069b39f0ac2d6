"""An enterprise reporter enters monthly data with one bad row, reads the validation report
(row and field, both languages), corrects it and submits, in a real headless Chromium."""

from __future__ import annotations

ROWS = "#line-rows tr.line"
QUANTITY_ZH, QUANTITY_EN = "数量", "quantity"
# fuels the draft's lines do not use yet (a repeated line is an error of its own)
GOOD = ("fuel_oil", "t", "12.5")
BAD = ("kerosene", "t", "-5")


def _filled(page) -> int:
    return sum(1 for v in page.locator(f"{ROWS} input[name=activity]").all() if v.input_value())


def _enter(page, n: int, values: tuple[str, str, str]) -> None:
    """Row ``n`` (0-based) gets the category of the first line and the given values."""
    rows = page.locator(ROWS)
    category = rows.first.locator("select[name=category]").input_value()
    row = rows.nth(n)
    row.locator("select[name=category]").select_option(category)
    activity, unit, quantity = values
    row.locator("input[name=activity]").fill(activity)
    row.locator("input[name=unit]").fill(unit)
    row.locator("input[name=quantity]").fill(quantity)


def test_a_reporter_saves_a_bad_row_reads_the_error_then_corrects_and_submits(browse) -> None:
    browse.login("firm-1")
    page = browse.page
    assert page.url.endswith("/portal")
    browse.follow("[data-testid=reports] tr:has(.badge.draft) a >> nth=0", "draft-report")
    report_url = page.url
    assert "draft" in page.get_attribute("[data-testid=state]", "class").split()
    stored = _filled(page)
    assert stored > 0  # the demo's draft has lines: the new rows take their category

    rows_before = page.locator(ROWS).count()
    page.click("[data-testid=add-row]")  # htmx appends an empty row
    page.locator(ROWS).nth(rows_before).wait_for()

    _enter(page, stored, GOOD)
    _enter(page, stored + 1, BAD)
    browse.shot("rows-entered")

    browse.follow("[data-testid=save-lines]", "validation-report", status=422)
    report = page.locator("[data-testid=validation-report]")
    assert report.is_visible()
    bad_row = str(stored + 2)  # rows are numbered from 1, as on the form
    assert report.locator("[data-testid=issue-row]").all_inner_texts() == [bad_row]
    field = report.locator("[data-testid=issue-field]").inner_text()
    assert QUANTITY_ZH in field
    assert QUANTITY_EN in field.lower()
    reason = report.locator("[data-testid=issue-reason]").inner_text()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reason)  # Chinese …
    assert any(ch.isascii() and ch.isalpha() for ch in reason)  # … and English
    # the form keeps what was typed, and marks the bad field
    bad = page.locator(ROWS).nth(stored + 1).locator("input[name=quantity]")
    assert bad.input_value() == "-5"
    assert bad.get_attribute("aria-invalid") == "true"
    assert page.locator(ROWS).nth(stored).locator("input[name=quantity]").input_value() == "12.5"

    browse.goto(report_url, "nothing-written")  # all or nothing: no row was stored
    assert _filled(page) == stored

    _enter(page, stored, GOOD)
    _enter(page, stored + 1, (BAD[0], BAD[1], "5"))
    browse.follow("[data-testid=save-lines]", "saved")
    assert page.is_visible("[data-testid=done]")
    assert _filled(page) == stored + 2

    browse.follow("[data-testid=step-submit]", "submitted")
    assert "submitted" in page.get_attribute("[data-testid=state]", "class").split()
