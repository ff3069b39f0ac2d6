"""The yearly district assessment on a small hand-built city: lights against the
straight-line pace, the score from a rubric, the veto of a binding item behind its pace,
the ranking, the band setting, and who may see what. Every expected number is worked out
by hand in the comments."""

from __future__ import annotations

import pytest
from plan_seed import ADMIN, CITY, DISTRICT_A, FIRM, A, B, load
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.service.access import ForbiddenError
from citycarbon.service.assessment_rubric import set_adjustment, set_band, set_rubric
from citycarbon.service.district_assessment import board, district_assessment, target_status
from citycarbon.service.targets import set_target

PLAN = "p"
# non-fossil share: A 10 → 15, B 20 → 25; public transport: A 20 → 24, B 30 → 34 (2020 → 2025)
TARGETS = {
    (A, "non_fossil_share"): (10.0, 15.0), (B, "non_fossil_share"): (20.0, 25.0),
    (A, "public_transport_share"): (20.0, 24.0), (B, "public_transport_share"): (30.0, 34.0),
    (CITY, "non_fossil_share"): (15.0, 20.0), (CITY, "public_transport_share"): (25.0, 29.0),
}  # fmt: skip
RUBRIC = {
    "items": [
        {"indicator": "non_fossil_share", "weight": 0.6, "binding": False},
        {"indicator": "public_transport_share", "weight": 0.4, "binding": True},
    ],
    "bonuses": [{"code": "b1", "name_zh": "加分", "name_en": "bonus", "max_points": 5}],
    "penalties": [{"code": "p1", "name_zh": "减分", "name_en": "penalty", "max_points": 5}],
    "full_marks": 100,
    "veto_floor": 0,
}


def _setup(session: Session) -> None:
    load(session)
    for (region, indicator), (base, goal) in TARGETS.items():
        set_target(session, ADMIN, PLAN, region, indicator, baseline_year=2020,
                   baseline_value=base, target_year=2025, target_value=goal)  # fmt: skip
    set_rubric(session, ADMIN, RUBRIC)
    set_adjustment(session, ADMIN, B, 2023, "b1", 3.0, "a national pilot")


def _lights(model: dict[str, object]) -> dict[str, str | None]:
    return {r["indicator"]: r["light"] for r in model["indicators"]}  # type: ignore[attr-defined]


def test_lights_against_the_pace(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        _setup(session)
        # 2023 is 3/5 of the way: pace A non-fossil 13.0, actual 13.5 → green;
        # A transport pace 22.4, actual 21.0, shortfall 1.4 > 0.05 × 4 = 0.2 → red
        a = district_assessment(session, ADMIN, 2023, A, PLAN)
        assert _lights(a) == {"non_fossil_share": "green", "public_transport_share": "red"}
        row = next(r for r in a["indicators"] if r["indicator"] == "public_transport_share")
        assert row["expected"] == pytest.approx(22.4)
        assert row["progress"] == pytest.approx(0.25)
        assert row["year_progress"] == pytest.approx(0.25 / 0.6)
        assert row["inputs"][0]["source"] == "test"  # traced to the statistic
        assert row["unit"] == "%"
        # B non-fossil pace 23.0, actual 22.8, shortfall 0.2 ≤ 0.25 → yellow
        b = district_assessment(session, ADMIN, 2023, B, PLAN)
        assert _lights(b) == {"non_fossil_share": "yellow", "public_transport_share": "green"}
        assert b["lights"] == {"green": 1, "yellow": 1, "red": 0, "none": 0}


def test_score_veto_and_rank(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        _setup(session)
        result = board(session, ADMIN, 2023, PLAN)
        rows = {d["region_code"]: d for d in result["districts"]}
        # B: non-fossil (2.8 / 5) / 0.6 = 0.9333 → 60 × 0.9333 = 56; transport 1.25 → 40
        # (capped at 1); bonus 3 → 99
        assert rows[B]["base"] == pytest.approx(96.0)
        assert rows[B]["score"] == pytest.approx(99.0)
        assert rows[B]["rank"] == 1
        # A: non-fossil capped → 60; transport 0.4167 → 16.67; binding and behind → veto, 0
        assert rows[A]["base"] == pytest.approx(60 + 40 * 0.25 / 0.6)
        assert rows[A]["vetoed_by"] == ["public_transport_share"]
        assert rows[A]["score"] == 0.0
        assert rows[A]["rank"] == 2
        assert [d["region_code"] for d in result["districts"]] == [B, A]
        assert result["rubric_illustrative"] is False
        # the city's own lights: 2023 pace 18.0 vs 17.0 non-fossil → red; transport 27.4 vs 27
        assert {r["indicator"]: r["light"] for r in result["city_lights"]} == {
            "non_fossil_share": "red", "public_transport_share": "red"}  # fmt: skip


def test_a_wider_band_turns_red_to_yellow(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        _setup(session)
        set_band(session, ADMIN, 0.5)  # A transport shortfall 1.4 ≤ 0.5 × 4
        a = district_assessment(session, ADMIN, 2023, A, PLAN)
        assert _lights(a)["public_transport_share"] == "yellow"
        assert a["band"] == 0.5
        # behind pace but within the band: points lost, no veto
        assert a["score"]["vetoed_by"] == []
        assert a["score"]["total"] == pytest.approx(60 + 40 * 0.25 / 0.6)


def test_a_missing_value_earns_nothing_and_says_why(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        _setup(session)
        a = district_assessment(session, ADMIN, 2022, A, PLAN)  # no 2022 statistics
        assert _lights(a) == {"non_fossil_share": None, "public_transport_share": None}
        assert all(r["reason"]["en"] for r in a["indicators"])
        assert a["score"]["missing"] == ["non_fossil_share", "public_transport_share"]
        assert a["score"]["vetoed"]


def test_access(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        _setup(session)
        own = district_assessment(session, DISTRICT_A, 2023, A, PLAN)
        assert own["score"]["rank"] == 2
        with pytest.raises(ForbiddenError):
            district_assessment(session, DISTRICT_A, 2023, B, PLAN)
        seen = board(session, DISTRICT_A, 2023, PLAN)  # the board is open to the district
        assert len(seen["districts"]) == 2
        assert seen["city_lights"] is None  # but not the city's own lights
        with pytest.raises(ForbiddenError):
            board(session, FIRM, 2023, PLAN)


def test_the_target_list_carries_the_status(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        _setup(session)
        rows = target_status(session, DISTRICT_A, PLAN, 2023)
        assert {(t["region_code"], t["indicator"]): t["light"] for t in rows} == {
            (A, "non_fossil_share"): "green", (A, "public_transport_share"): "red"}  # fmt: skip
        assert {t["rank"] for t in rows} == {2}
