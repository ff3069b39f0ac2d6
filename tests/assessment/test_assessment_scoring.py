"""District scoring from a rubric kept as data, and the ranking (赛马)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citycarbon.assessment.scoring import (
    Adjustment,
    Rubric,
    RubricError,
    RubricItem,
    rank,
    rank_districts,
    score_district,
)

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")

RUBRIC = Rubric(
    items=(
        RubricItem("co2_per_gdp", 0.5, binding=True),
        RubricItem("energy_per_gdp", 0.3),
        RubricItem("non_fossil_share", 0.2),
    ),
    bonuses=(Adjustment("pilot", "国家试点", "national pilot", 5.0),),
    penalties=(Adjustment("incident", "重大环境事件", "major environmental incident", 10.0),),
)


def test_score_by_hand() -> None:
    # 0.5 * 100 * 1 + 0.3 * 100 * 0.5 + 0.2 * 100 * min(1.2, 1) = 50 + 15 + 20 = 85; +3 −2
    result = score_district(
        RUBRIC,
        "京口区",
        {"co2_per_gdp": 1.0, "energy_per_gdp": 0.5, "non_fossil_share": 1.2},
        bonuses={"pilot": 3.0},
        penalties={"incident": 2.0},
    )
    assert result.base == pytest.approx(85.0)
    assert result.total == pytest.approx(86.0)
    assert not result.vetoed
    points = {item.code: item.points for item in result.breakdown}
    assert points == pytest.approx(
        {
            "co2_per_gdp": 50,
            "energy_per_gdp": 15,
            "non_fossil_share": 20,
            "pilot": 3,
            "incident": -2,
        }
    )


def test_bonus_and_penalty_are_capped_at_their_maximum() -> None:
    full = {"co2_per_gdp": 1.0, "energy_per_gdp": 1.0, "non_fossil_share": 1.0}
    assert score_district(RUBRIC, "x", full, bonuses={"pilot": 50.0}).total == 105.0
    low = {"co2_per_gdp": 1.0, "energy_per_gdp": 0.0, "non_fossil_share": 0.0}
    assert score_district(RUBRIC, "x", low, penalties={"incident": 99.0}).total == 40.0


def test_a_missed_binding_target_vetoes_the_score() -> None:
    result = score_district(
        RUBRIC,
        "x",
        {"co2_per_gdp": 0.9, "energy_per_gdp": 1.0, "non_fossil_share": 1.0},
        bonuses={"pilot": 5.0},
    )
    assert result.vetoed_by == ("co2_per_gdp",)
    assert result.total == 0.0
    assert result.base == pytest.approx(95.0)  # the breakdown still shows where it stood


def test_weights_that_do_not_sum_to_one_are_refused() -> None:
    with pytest.raises(RubricError) as caught:
        Rubric(items=(RubricItem("a", 0.5), RubricItem("b", 0.4)))
    message = caught.value.message
    assert HAS_CJK.search(message.zh)
    assert "权重之和应为 1" in message.zh
    assert "0.9" in message.zh
    assert "must sum to 1" in message.en
    assert "0.9" in message.en


@pytest.mark.parametrize(
    ("build", "zh", "en"),
    [
        (lambda: Rubric(items=()), "没有", "no items"),
        (lambda: Rubric(items=(RubricItem("a", 1.0), RubricItem("a", 0.0))), "重复", "repeat"),
        (lambda: RubricItem("a", -0.1), "非负", "non-negative"),
        (lambda: score_district(RUBRIC, "x", {"co2_per_gdp": 1.0}), "缺少", "no progress"),
        (
            lambda: score_district(
                RUBRIC,
                "x",
                {"co2_per_gdp": 1, "energy_per_gdp": 1, "non_fossil_share": 1},
                bonuses={"unknown": 1.0},
            ),
            "不在评分细则",
            "not in the rubric",
        ),
    ],
)
def test_bad_rubrics_and_inputs_are_refused(build: object, zh: str, en: str) -> None:
    assert callable(build)
    with pytest.raises(RubricError) as caught:
        build()
    assert zh in caught.value.message.zh
    assert en in caught.value.message.en


def test_ranking_ties_share_the_better_rank() -> None:
    assert rank({"a": 90.0, "b": 95.0, "c": 90.0, "d": 80.0}) == {"b": 1, "a": 2, "c": 2, "d": 4}
    assert rank({}) == {}


def test_rank_districts_uses_the_total() -> None:
    full = {"co2_per_gdp": 1.0, "energy_per_gdp": 1.0, "non_fossil_share": 1.0}
    scores = [
        score_district(RUBRIC, "a", full),
        score_district(RUBRIC, "b", {**full, "co2_per_gdp": 0.5}),  # vetoed
        score_district(RUBRIC, "c", full, bonuses={"pilot": 1.0}),
    ]
    assert rank_districts(scores) == {"c": 1, "a": 2, "b": 3}


progress_values = st.floats(-5.0, 5.0, allow_nan=False)


@given(
    progress=st.fixed_dictionaries(
        {
            "co2_per_gdp": progress_values,
            "energy_per_gdp": progress_values,
            "non_fossil_share": progress_values,
        }
    ),
    bonus=st.floats(0.0, 100.0),
    penalty=st.floats(0.0, 100.0),
)
def test_scores_stay_within_zero_and_full_marks_plus_bonus(
    progress: dict[str, float], bonus: float, penalty: float
) -> None:
    result = score_district(
        RUBRIC, "x", progress, bonuses={"pilot": bonus}, penalties={"incident": penalty}
    )
    assert 0.0 <= result.total <= RUBRIC.full_marks + RUBRIC.max_bonus


@given(weights=st.lists(st.floats(0.01, 10.0), min_size=1, max_size=10))
def test_normalised_weights_always_make_a_valid_rubric(weights: list[float]) -> None:
    total = sum(weights)
    items = tuple(RubricItem(f"i{n}", w / total) for n, w in enumerate(weights))
    rubric = Rubric(items=items)
    best = score_district(rubric, "x", {item.indicator: 1.0 for item in items})
    assert best.total == pytest.approx(100.0)


@given(scores=st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 5)))
def test_rank_is_one_for_the_best_and_ties_share(scores: dict[str, int]) -> None:
    ranks = rank({k: float(v) for k, v in scores.items()})
    for district, value in scores.items():
        assert ranks[district] == 1 + sum(1 for other in scores.values() if other > value)


def test_the_caller_says_which_binding_targets_were_missed() -> None:
    behind = {"co2_per_gdp": 0.9, "energy_per_gdp": 1.0, "non_fossil_share": 1.0}
    within_band = score_district(RUBRIC, "x", behind, missed=())
    assert within_band.vetoed_by == ()
    assert within_band.total == pytest.approx(within_band.base)
    assert score_district(RUBRIC, "x", behind, missed=["co2_per_gdp"]).total == 0.0
