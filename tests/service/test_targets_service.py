"""Plan targets, their decomposition to districts (preview, save, reconciliation, projected
GDP), the rubric kept as data and bonus/penalty points, on a small hand-built city."""

from __future__ import annotations

import math

import pytest
from plan_seed import ADMIN, CITY, DISTRICT_A, FIRM, A, B, gdp, load
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.assessment.scoring import RubricError
from citycarbon.assessment.targets import TargetError
from citycarbon.service.access import ForbiddenError
from citycarbon.service.assessment_rubric import (
    default_rubric_data,
    rubric_data,
    rubric_from_data,
    set_adjustment,
    set_rubric,
)
from citycarbon.service.targets import decompose, district_zone, list_targets, set_target
from citycarbon.store.models import AuditEntry, Region, RegionTarget

PLAN = "p"


def _city_target(session: Session, indicator: str, base: float, goal: float) -> RegionTarget:
    return set_target(session, ADMIN, PLAN, CITY, indicator, baseline_year=2020,
                      baseline_value=base, target_year=2025, target_value=goal)  # fmt: skip


def test_a_target_without_baseline_is_refused_with_a_clear_message(
    db_sessions: sessionmaker[Session],
) -> None:
    with db_sessions.begin() as session:
        load(session)
        with pytest.raises(TargetError) as caught:
            set_target(session, ADMIN, PLAN, CITY, "non_fossil_share", baseline_year=2020,
                       baseline_value=None, target_year=2025, target_value=20.0)  # fmt: skip
        assert "缺少基准" in caught.value.message.zh
        assert "no baseline" in caught.value.message.en
        assert caught.value.field == "baseline"
        assert session.scalar(select(func.count()).select_from(RegionTarget)) == 0


def test_targets_are_scoped_and_audited(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        load(session)
        _city_target(session, "non_fossil_share", 15.0, 20.0)
        set_target(session, ADMIN, PLAN, B, "non_fossil_share", baseline_year=2020,
                   baseline_value=20.0, target_year=2025, target_value=25.0)  # fmt: skip
        with pytest.raises(ForbiddenError):  # a district official does not set targets
            set_target(session, DISTRICT_A, PLAN, A, "non_fossil_share", baseline_year=2020,
                       baseline_value=10.0, target_year=2025, target_value=15.0)  # fmt: skip
        with pytest.raises(ForbiddenError):
            list_targets(session, FIRM, PLAN)
        assert [t["region_code"] for t in list_targets(session, DISTRICT_A, PLAN)] == []
        assert {t["region_code"] for t in list_targets(session, ADMIN, PLAN)} == {CITY, B}
        actions = session.scalars(select(AuditEntry.action)).all()
        assert actions.count("target.set") == 2


def test_intensity_decomposition_uses_projected_gdp_and_reconciles(
    db_sessions: sessionmaker[Session],
) -> None:
    with db_sessions.begin() as session:
        load(session)
        _city_target(session, "public_institution_energy_per_capita", 350.0, 350.0 * 0.9)
        preview = decompose(session, ADMIN, PLAN, "public_institution_energy_per_capita",
                            "equal")  # fmt: skip
        children = {c["region_code"]: c for c in preview["children"]}
        # growth over 2015–2020 is each district's own: 10 % and 5 % a year
        assert children[A]["gdp_growth"] == pytest.approx(0.10)
        assert children[B]["projected_gdp"] == pytest.approx(gdp(B, 2020) * 1.05**5)
        # equal: every district gets the city's 10 % rate, target = baseline × 0.9
        assert children[A]["target_value"] == pytest.approx(400.0 * 0.9)
        assert children[B]["rate"] == pytest.approx(0.10)
        assert preview["saved"] is False
        assert session.scalar(select(func.count()).select_from(RegionTarget)) == 1
        assert "average yearly rate of 2015–2020" in preview["notes"][0]["en"]
        # by hand: target intensities I_i (1 - r) weighted by projected GDP, against the
        # base intensity Σ I_i G_i / Σ G_i. A is the more intensive and grows faster, so its
        # weight rises and equal rates fall short of the city's 10 %.
        rec = preview["reconciliation"]
        assert rec["parent"] == pytest.approx(0.10)
        intensity = {A: 400.0, B: 300.0}
        base_gdp = {c: gdp(c, 2020) for c in intensity}
        projected = {A: base_gdp[A] * 1.1**5, B: base_gdp[B] * 1.05**5}
        base_city = sum(intensity[c] * base_gdp[c] for c in intensity) / sum(base_gdp.values())
        target_city = sum(intensity[c] * 0.9 * projected[c] for c in intensity) / sum(
            projected.values()
        )
        implied = 1 - target_city / base_city
        assert rec["implied"] == pytest.approx(implied)
        assert implied < 0.10
        assert rec["ok"] is False
        calibrated = decompose(session, ADMIN, PLAN, "public_institution_energy_per_capita",
                               "gdp", calibrate=True)  # fmt: skip
        assert calibrated["reconciliation"]["ok"]
        assert calibrated["reconciliation"]["implied"] == pytest.approx(0.10)


def test_saving_a_decomposition_stores_children_with_parent_and_method(
    db_sessions: sessionmaker[Session],
) -> None:
    with db_sessions.begin() as session:
        load(session)
        parent = _city_target(session, "public_institution_energy_per_capita", 350.0, 315.0)
        with pytest.raises(ForbiddenError):
            decompose(session, DISTRICT_A, PLAN, "public_institution_energy_per_capita", "zone",
                      save=True)  # fmt: skip
        saved = decompose(session, ADMIN, PLAN, "public_institution_energy_per_capita", "zone",
                          save=True)  # fmt: skip
        assert saved["saved"]
        rows = {r.region_code: r for r in session.scalars(
            select(RegionTarget).where(RegionTarget.parent_id == parent.id))}  # fmt: skip
        assert set(rows) == {A, B}
        assert {r.method for r in rows.values()} == {"zone"}
        # A's zone comes from its township (optimized, 1.2); B has its own (ecological, 0.6)
        assert rows[A].target_value == pytest.approx(400.0 * (1 - 0.10 * 1.2))
        assert rows[B].target_value == pytest.approx(300.0 * (1 - 0.10 * 0.6))
        assert district_zone(session, session.get(Region, A)) == "optimized"
        assert any("illustrative" in n["en"] for n in saved["notes"])


def test_share_decomposition_gives_every_district_the_city_change(
    db_sessions: sessionmaker[Session],
) -> None:
    with db_sessions.begin() as session:
        load(session)
        _city_target(session, "non_fossil_share", 15.0, 20.0)
        result = decompose(session, ADMIN, PLAN, "non_fossil_share", "equal")
        changes = {c["region_code"]: c["target_value"] - c["baseline_value"]
                   for c in result["children"]}  # fmt: skip
        assert changes == {A: pytest.approx(5.0), B: pytest.approx(5.0)}
        assert result["reconciliation"]["ok"]
        manual = decompose(session, ADMIN, PLAN, "non_fossil_share", "manual",
                           manual={A: 3.0, B: 1.0})  # fmt: skip
        shares = {c["region_code"]: c["change"] for c in manual["children"]}
        assert shares == {A: pytest.approx(7.5), B: pytest.approx(2.5)}  # mean = 5
        with pytest.raises(TargetError) as caught:
            decompose(session, ADMIN, PLAN, "non_fossil_share", "lottery")
        assert "lottery" in caught.value.message.en


def test_a_district_without_a_baseline_value_stops_the_decomposition(
    db_sessions: sessionmaker[Session],
) -> None:
    with db_sessions.begin() as session:
        load(session)
        _city_target(session, "green_building_share", 60.0, 80.0)  # no district statistics
        with pytest.raises(TargetError) as caught:
            decompose(session, ADMIN, PLAN, "green_building_share", "equal")
        assert A in caught.value.message.en
        assert "no 2020 value" in caught.value.message.en


def test_rubric_weights_must_sum_to_one(db_sessions: sessionmaker[Session]) -> None:
    default = default_rubric_data()
    assert default["illustrative"] is True
    assert math.fsum(i["weight"] for i in default["items"]) == pytest.approx(1.0)
    rubric_from_data(default)
    with db_sessions.begin() as session:
        load(session)
        bad = {**default, "items": [{"indicator": "carbon_intensity", "weight": 0.7}]}
        with pytest.raises(RubricError) as caught:
            set_rubric(session, ADMIN, bad)
        assert "之和应为 1" in caught.value.message.zh
        assert "sum to 1" in caught.value.message.en
        assert "0.7" in caught.value.message.en
        with pytest.raises(ForbiddenError):
            set_rubric(session, DISTRICT_A, default)
        own = {"items": [{"indicator": "non_fossil_share", "weight": 1.0, "binding": True}],
               "bonuses": [{"code": "b1", "max_points": 5}], "penalties": []}  # fmt: skip
        set_rubric(session, ADMIN, own)
        assert rubric_data(session)["items"] == own["items"]
        assert rubric_data(session)["illustrative"] is False


def test_adjustments_are_bounded_by_the_rubric(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        load(session)
        row = set_adjustment(session, ADMIN, A, 2023, "national_pilot", 5.0, "pilot")
        assert row.points == 5.0
        with pytest.raises(RubricError) as too_many:
            set_adjustment(session, ADMIN, A, 2023, "national_pilot", 6.0, "pilot")
        assert "between 0 and 5" in too_many.value.message.en
        with pytest.raises(RubricError) as unknown:
            set_adjustment(session, ADMIN, A, 2023, "luck", 1.0, "why not")
        assert "not a bonus or penalty item" in unknown.value.message.en
        with pytest.raises(RubricError) as no_reason:
            set_adjustment(session, ADMIN, A, 2023, "innovation", 1.0, " ")
        assert "reason" in no_reason.value.message.en
