"""Project carbon assessment in the system of record (SQLite and PostgreSQL): submit with a
checked intake, who sees and does what, the assessment over the district's stored
inventory, GDP and target, the decision workflow with its refusals, and the audit trail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from mrv_city import build_city
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.assessment.project import ProjectInputError
from citycarbon.enterprise.workflow import WorkflowError
from citycarbon.refdata.loader import load_factor_set
from citycarbon.service import projects
from citycarbon.service.access import ForbiddenError
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.inventories import TOTAL, register_factor_set
from citycarbon.service.ledger import RecordNotFoundError
from citycarbon.store.models import (
    AuditEntry,
    InventoryRun,
    InventoryValue,
    ProjectProposal,
    Region,
    RegionStatistic,
    RegionTarget,
)

CHINESE = re.compile(r"[\u4e00-\u9fff]")

CEMENT: dict[str, Any] = {
    "name_zh": "新建4500t/d水泥熟料生产线",
    "region_code": "321102001",
    "industry": "3011",
    "product": "cement_clinker",
    "annual_output": 1_395_000,
    "output_unit": "t",
    "output_value_10k_cny": 41_850,
    "energy": [{"fuel": "raw_coal", "quantity": 190_000, "unit": "t"}],
    "electricity_mwh": 76_700,
    "process_emissions_t": 732_000,
    "start_year": 2026,
}
WORKSHOP: dict[str, Any] = {
    "name_zh": "电子装配车间",
    "region_code": "321102002",
    "industry": "3973",
    "annual_output": 10,
    "output_unit": "万件",
    "output_value_10k_cny": 50_000,
    "electricity_mwh": 5_000,
    "start_year": 2025,
}


def add_city(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """The reporting tests' small city, with zone types, a second township in each
    district, a stored 2024 inventory of 京口区, its GDP and a carbon-intensity target."""
    city = build_city(sessions)
    with sessions.begin() as s:
        s.get_one(Region, "321102001").function_zone = "ecological"
        for code, parent, name in (
            ("321102002", "321102", "京口合成街道2"),
            ("321111001", "321111", "润州合成街道1"),
        ):
            s.add(Region(code=code, name_zh=name, name_en=code, level="township",
                         parent_code=parent, path=f"/320000/321100/{parent}/{code}/",
                         function_zone="key"))  # fmt: skip
    return city.actors


def add_district_data(sessions: sessionmaker[Session], target: float | None = 1.0) -> None:
    """2024 inventory of 京口区: 1,000,000 t CO2e and 400,000 tce; GDP 800,000 万元 in 2019
    growing 5 % a year; a 2025 carbon-intensity target."""
    with sessions.begin() as s:
        ref = register_factor_set(s, load_factor_set()).ref
        run = InventoryRun(
            region_code="321100", year=2024, factor_set=ref, gwp_set="AR5",
            input_digest="0" * 64, input_rows=1,
        )  # fmt: skip
        s.add(run)
        s.flush()
        for measure, value, unit in (
            ("gross_CO2e", 1_000_000.0, "t CO2e"),
            ("energy_tce", 400_000.0, "tce"),
        ):
            s.add(InventoryValue(run_id=run.id, region_code="321102", category=TOTAL,
                                 measure=measure, value=value, unit=unit))  # fmt: skip
        for n in range(6):
            s.add(RegionStatistic(region_code="321102", year=2019 + n, indicator="gdp",
                                  value=800_000.0 * 1.05**n, unit="万元"))  # fmt: skip
        if target is not None:
            s.add(RegionTarget(plan="14fyp", region_code="321102", indicator="carbon_intensity",
                               baseline_year=2020, baseline_value=1.5, target_year=2025,
                               target_value=target))  # fmt: skip


def submitted(sessions: sessionmaker[Session], actor: Any, data: dict[str, Any]) -> int:
    with sessions.begin() as s:
        return projects.submit(s, actor, projects.intake_from_mapping(data)).id


def count(sessions: sessionmaker[Session], table: type[Any]) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def test_submit_stores_the_intake_and_audits_it(db_sessions: sessionmaker[Session]):
    actors = add_city(db_sessions)
    pid = submitted(db_sessions, actors["district"], CEMENT)
    with db_sessions() as s:
        row = projects.get_project(s, actors["reviewer"], pid)
        assert (row.status, row.grade, row.result) == ("submitted", None, None)
        assert row.energy == [{"fuel": "raw_coal", "quantity": 190_000.0, "unit": "t"}]
        assert row.submitted_by == actors["district"].user_id
        trail = projects.history(s, actors["reviewer"], pid)
    assert [e.action for e in trail] == ["project.submit"]
    assert trail[0].after is not None
    assert trail[0].after["status"] == "submitted"
    assert trail[0].actor == "district"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"annual_output": -1}, "annual_output"),
        ({"region_code": "321199999"}, "region_code"),
        ({"region_code": "321102"}, "region_code"),  # a district, not a township
        ({"industry": "98"}, "industry"),
        ({"energy": [{"fuel": "moon_dust", "quantity": 1, "unit": "t"}]}, "energy[0].fuel"),
        ({"output_unit": "m3"}, "output_unit"),
        ({"output_value_10k_cny": "lots"}, "output_value_10k_cny"),
        ({"start_year": None}, "start_year"),
    ],
)
def test_bad_intake_is_refused_and_nothing_written(
    db_sessions: sessionmaker[Session], changes: dict[str, Any], field: str
):
    actors = add_city(db_sessions)
    audited = count(db_sessions, AuditEntry)  # the users' creation
    with pytest.raises(ProjectInputError) as caught:
        submitted(db_sessions, actors["reviewer"], CEMENT | changes)
    assert caught.value.field == field
    assert CHINESE.search(caught.value.message.zh)
    assert caught.value.message.en
    assert count(db_sessions, ProjectProposal) == 0
    assert count(db_sessions, AuditEntry) == audited


def test_who_may_submit_and_see_what(db_sessions: sessionmaker[Session]):
    actors = add_city(db_sessions)
    mine = submitted(db_sessions, actors["district"], WORKSHOP)
    other = submitted(db_sessions, actors["reviewer"], WORKSHOP | {"region_code": "321111001"})
    with pytest.raises(ForbiddenError):  # 京口区's official in 润州区
        submitted(db_sessions, actors["district"], WORKSHOP | {"region_code": "321111001"})
    for name in ("firm_a", "verifier_a", "public"):
        with pytest.raises(ForbiddenError):
            submitted(db_sessions, actors[name], WORKSHOP)
    with db_sessions() as s:
        assert [p.id for p in projects.list_projects(s, actors["district"])] == [mine]
        assert [p.id for p in projects.list_projects(s, actors["reviewer"])] == [other, mine]
        runzhou = projects.ProjectFilters(region_code="321111")
        assert [p.id for p in projects.list_projects(s, actors["city"], runzhou)] == [other]
        status = projects.ProjectFilters(status="assessed")
        assert projects.list_projects(s, actors["admin"], status) == []
        with pytest.raises(ForbiddenError):
            projects.get_project(s, actors["district"], other)
        with pytest.raises(ForbiddenError):
            projects.list_projects(s, actors["firm_a"])
        with pytest.raises(RecordNotFoundError):
            projects.get_project(s, actors["reviewer"], 999)


def test_assessment_without_district_data_says_so(db_sessions: sessionmaker[Session]):
    actors = add_city(db_sessions)
    pid = submitted(db_sessions, actors["reviewer"], CEMENT)
    with db_sessions.begin() as s:
        row = projects.assess(s, actors["reviewer"], pid)
        assert (row.status, row.grade) == ("assessed", "E")
        assert row.result is not None
        findings = row.result["findings"]
    assert findings[0]["code"] == "eco_no_two_high"
    assert findings[0]["severity"] == "veto"
    no_target = [f for f in findings if f["code"] == "no_target"]
    assert len(no_target) == 2
    assert "no carbon_intensity target on record" in no_target[0]["en"]


def test_assessment_reads_the_district_inventory_gdp_and_target(
    db_sessions: sessionmaker[Session],
):
    actors = add_city(db_sessions)
    add_district_data(db_sessions, target=1.2)
    pid = submitted(db_sessions, actors["reviewer"], WORKSHOP)
    with db_sessions.begin() as s:
        result = projects.assess(s, actors["reviewer"], pid).result
    assert result is not None
    assert result["district"]["code"] == "321102"
    assert result["district"]["inventory_year"] == 2024
    (carbon,) = result["budgets"]
    # GDP 800,000 × 1.05^5 in 2024, one more year of 5 % to the 2025 target year
    gdp_2025 = 800_000 * 1.05**6
    assert carbon["gdp_growth"] == pytest.approx(0.05)
    assert carbon["gdp_target_year"] == pytest.approx(gdp_2025)
    assert carbon["allowed"] == pytest.approx(1.2 * gdp_2025)  # 1.2 t/万元
    assert carbon["remaining"] == pytest.approx(1.2 * gdp_2025 - 1_000_000)
    project = result["emissions"]["total_t"]
    assert project == pytest.approx(5_000 * 0.5306)  # grid 2023 factor for 2025
    assert carbon["share"] == pytest.approx(project / (1.2 * gdp_2025 - 1_000_000))
    assert carbon["intensity_with"] == pytest.approx((1_000_000 + project) / gdp_2025)
    assert carbon["share"] < 0.03
    assert result["grade"] == "A"  # a small share, best per-万元 level
    codes = [f["code"] for f in result["findings"]]
    assert codes.count("no_target") == 1  # the energy target is missing


def test_decision_workflow_and_its_refusals(db_sessions: sessionmaker[Session]):
    actors = add_city(db_sessions)
    reviewer = actors["reviewer"]
    pid = submitted(db_sessions, reviewer, CEMENT)
    with db_sessions.begin() as s, pytest.raises(WorkflowError):
        projects.decide(s, reviewer, pid, "approve")  # not assessed yet
    with db_sessions.begin() as s, pytest.raises(ForbiddenError):
        projects.assess(s, actors["district"], pid)  # submits, never assesses
    with db_sessions.begin() as s:
        projects.assess(s, reviewer, pid)
    with db_sessions.begin() as s:
        projects.assess(s, reviewer, pid)  # re-assess while assessed
    with db_sessions.begin() as s, pytest.raises(WorkflowError) as caught:
        projects.decide(s, reviewer, pid, "approve_with_conditions")
    assert caught.value.field == "conditions"
    with db_sessions.begin() as s, pytest.raises(WorkflowError) as caught:
        projects.decide(s, reviewer, pid, "reject", reason=" ")
    assert caught.value.field == "reason"
    with db_sessions.begin() as s, pytest.raises(ProjectInputError):
        projects.decide(s, reviewer, pid, "shrug")
    with db_sessions.begin() as s:
        row = projects.decide(s, reviewer, pid, "reject", reason="生态平衡区禁止两高项目")
        assert row.status == "rejected"
        assert row.decision_reason == "生态平衡区禁止两高项目"
        assert row.decided_at is not None
    with db_sessions.begin() as s, pytest.raises(WorkflowError):
        projects.assess(s, reviewer, pid)  # decided: no more assessing
    with db_sessions.begin() as s, pytest.raises(WorkflowError):
        projects.decide(s, reviewer, pid, "approve")  # nor deciding again
    with db_sessions() as s:
        trail = projects.history(s, reviewer, pid)
    assert [e.action for e in trail] == [
        "project.submit", "project.assess", "project.assess", "project.reject",
    ]  # fmt: skip
    assert [(e.before or {}).get("status") for e in trail] == [
        None, "submitted", "assessed", "assessed",
    ]  # fmt: skip
    assert [(e.after or {}).get("status") for e in trail] == [
        "submitted", "assessed", "assessed", "rejected",
    ]  # fmt: skip
    assert trail[-1].reason == "生态平衡区禁止两高项目"
    assert trail[1].after is not None
    assert trail[1].after["grade"] == "E"
    assert "eco_no_two_high" in trail[1].after["findings"]


def test_approve_with_conditions_keeps_the_conditions(db_sessions: sessionmaker[Session]):
    actors = add_city(db_sessions)
    pid = submitted(db_sessions, actors["reviewer"], WORKSHOP)
    with db_sessions.begin() as s:
        projects.assess(s, actors["city"], pid)
        row = projects.decide(
            s, actors["city"], pid, "approve_with_conditions", conditions="屋顶光伏 2 MW"
        )
        assert (row.status, row.conditions) == ("approved_with_conditions", "屋顶光伏 2 MW")
    with db_sessions() as s:
        detail = projects.proposal_dict(projects.get_project(s, LOCAL_ADMIN, pid))
    assert detail["status_en"] == "approved with conditions"
    assert detail["grade"] == "A"
