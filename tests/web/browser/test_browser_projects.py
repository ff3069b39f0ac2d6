"""A project reviewer assesses the demo's new cement clinker line in an ecological-balance
township of 丹徒区, gets grade E with the zone reason, rejects it with a reason and
downloads the assessment report (PDF), in a real headless Chromium (issue 5's done-when)."""

from __future__ import annotations

from pathlib import Path

CEMENT_ROW = "[data-testid=project-list] tr:has-text('321112007') a >> nth=0"
ZONE_REASON_ZH = "生态平衡区禁止新建“两高”项目"


def test_a_reviewer_assesses_and_rejects_the_cement_line(browse, tmp_path: Path) -> None:
    browse.login("reviewer")
    page = browse.page
    browse.goto("/projects", "project-list")
    assert page.locator("[data-testid=project-list] tbody tr").count() >= 5
    browse.follow(CEMENT_ROW, "cement-line")
    assert "submitted" in page.get_attribute("[data-testid=status]", "class").split()
    assert page.inner_text("[data-testid=zone]") == "生态平衡"
    assert "321112007" in page.inner_text("[data-testid=township]")

    browse.follow("[data-testid=assess]", "assessed")
    assert page.is_visible("[data-testid=done]")
    assert page.inner_text("[data-testid=grade]") == "E"
    zone_reason = page.locator("[data-testid=finding-eco_no_two_high]")
    assert ZONE_REASON_ZH in zone_reason.inner_text()
    assert page.locator("[data-testid=finding-eco_energy_cap]").is_visible()
    assert "是" in page.inner_text("[data-testid=two-high]")

    page.select_option("[data-testid=decision]", "reject")
    page.fill("[data-testid=reason]", "生态平衡区不准入“两高”项目 / not admissible in the zone")
    browse.shot("decision-filled")
    browse.follow("[data-testid=decide]", "rejected")
    assert "rejected" in page.get_attribute("[data-testid=status]", "class").split()
    assert "not admissible in the zone" in page.inner_text("[data-testid=decision-text]")
    trail = page.inner_text("[data-testid=history]")
    assert "project.assess" in trail
    assert "project.reject" in trail

    with page.expect_download() as download:
        page.click("[data-testid=pdf-link]")
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert saved.stat().st_size > 10_000
