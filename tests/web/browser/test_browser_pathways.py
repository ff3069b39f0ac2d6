"""The pathway analyst's flow in a real headless Chromium (issue 6's done-when): open 碳达峰路径,
build a policy scenario from BAU in the editor with a faster industry improvement, save it,
see its peak year and P5–P95 band on its page, open the decomposition waterfall, run the
structure optimisation and download the scenarios as an IAMC CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from pyam_reader import read_with_pyam

LEVER = "[data-testid='lever-improvement.industry']"


def test_the_analyst_builds_a_policy_scenario_from_bau(
    browse, tmp_path: Path, missing_service: Callable[[str, str], None]
) -> None:
    browse.login("analyst")
    page = browse.page
    browse.follow("nav.mainnav a[href='/pathways']", "pathways")
    assert page.inner_text("[data-testid=pathways-title]").endswith("碳达峰路径")
    assert page.locator("[data-testid=scenario-tree] li[data-scenario]").count() == 3
    assert page.locator("[data-testid=comparison] tbody tr").count() == 3
    assert page.get_attribute("[data-testid=pathway-chart]", "data-rendered") == "true"

    browse.follow("[data-testid=new-scenario]", "editor-new")
    assert page.input_value("[data-testid=field-parent]") == "bau"
    before = float(page.input_value(LEVER))
    page.fill("[data-testid=field-name]", "analyst_policy")
    page.fill("[data-testid=field-label-zh]", "分析员政策情景")
    page.fill("[data-testid=field-label-en]", "analyst policy")
    page.fill(LEVER, str(before + 3))
    browse.shot("editor-filled")
    browse.follow("[data-testid=save-scenario]", "saved")
    assert "/pathways/analyst_policy?" in page.url
    assert page.is_visible("[data-testid=done]")
    assert "分析员政策情景" in page.inner_text("[data-testid=scenario-title]")
    peak = page.inner_text("[data-testid=peak-year]")
    assert peak == "—" or 2015 <= int(peak) <= 2060
    low, high = page.inner_text("[data-testid=peak-band]").split("–")
    assert low == "—" or int(low) <= int(high)
    assert page.inner_text("[data-testid=probability-2030]").endswith("%")

    page.fill("[data-testid=decomposition-end]", "2035")
    browse.follow("[data-testid=decomposition-submit]", "decomposition")
    assert page.get_attribute("[data-testid=waterfall]", "data-rendered") == "true"
    effects = page.locator("[data-testid=effects] tr[data-effect]")
    assert effects.count() == 7
    assert "2035" in page.inner_text("[data-testid=effects]")

    browse.follow("[data-testid=optimise-submit]", "optimised")
    assert page.locator("[data-testid=optimisation-table] tbody tr").count() >= 3
    assert page.is_visible("[data-testid=shadow-prices]")

    # sector peak targets from this pathway, then the structure path every five years
    assert page.locator("[data-testid=targets-table] tbody tr").count() >= 5
    browse.follow("[data-testid=structure-submit]", "structure-path")
    assert page.is_visible("[data-testid=structure-result]")
    assert page.get_attribute("[data-testid=structure-chart]", "data-rendered") == "true"
    assert page.locator("[data-testid=structure-shadow]").count() >= 3

    browse.goto("/pathways", "pathways-with-new")
    assert page.locator("[data-testid=comparison] tbody tr").count() == 4
    saved = download_iamc(page, tmp_path)
    # the analyst reads the download with pyam: every scenario, and the variable tree adds up
    report = read_with_pyam([saved], missing_service)
    (read,) = report["files"]
    assert set(read["scenarios"]) >= {"bau", "policy", "enhanced", "analyst_policy"}
    assert set(read["problems"].values()) == {0}
    kyoto = [k for k in read["values"] if "|Emissions|Kyoto Gases" in k and k.endswith("|2030")]
    assert len(kyoto) >= 4


def download_iamc(page, tmp_path: Path) -> Path:
    """The overview's IAMC download, wide layout, checked as CSV."""
    page.select_option("[data-testid=iamc-layout]", "wide")
    with page.expect_download() as download:
        page.click("[data-testid=iamc-download]")
    saved = tmp_path / "pathways.csv"
    download.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert [h.lower() for h in rows[0][:5]] == ["model", "scenario", "region", "variable", "unit"]
    assert {r[1] for r in rows[1:]} >= {"bau", "policy", "enhanced", "analyst_policy"}
    assert {r[2] for r in rows[1:]} == {"CN-321100"}  # a code alone would read as a number
    return saved
