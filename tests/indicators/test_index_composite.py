"""Composite index: aggregation, ranking with ties, and rank sensitivity to the weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from citycarbon.indicators.composite import (
    aggregate,
    one_at_a_time_weights,
    rank,
    rank_sensitivity,
)
from citycarbon.indicators.validation import IndexInputError

NORMALISED = np.array([[1.0, 0.0, 0.5], [0.0, 0.5, 1.0], [0.5, 1.0, 0.0], [0.2, 0.2, 0.2]])
WEIGHTS = [0.5, 0.3, 0.2]


def test_weighted_sum() -> None:
    # row 1: 0.5·1 + 0.3·0 + 0.2·0.5 = 0.6; row 2: 0.15 + 0.2 = 0.35; row 3: 0.25 + 0.3 = 0.55
    np.testing.assert_allclose(aggregate(NORMALISED, WEIGHTS), [0.6, 0.35, 0.55, 0.2])


def test_weighted_geometric_mean() -> None:
    scores = aggregate([[0.25, 1.0], [0.5, 0.5], [0.0, 1.0]], [0.5, 0.5], "geometric_mean")
    # √(0.25·1) = 0.5; √(0.5·0.5) = 0.5; a zero indicator cannot be compensated: 0
    np.testing.assert_allclose(scores, [0.5, 0.5, 0.0])


def test_geometric_mean_ignores_indicators_of_zero_weight() -> None:
    np.testing.assert_allclose(aggregate([[0.0, 0.4]], [0.0, 1.0], "geometric_mean"), [0.4])


def test_ranks_one_is_best_and_ties_share_the_better_rank() -> None:
    np.testing.assert_array_equal(rank([0.6, 0.8, 0.6, 0.1]), [2, 1, 2, 4])
    np.testing.assert_array_equal(rank([0.3 + 1e-15, 0.3]), [1, 1])  # rounding noise


def test_ranks_row_wise_on_a_batch() -> None:
    np.testing.assert_array_equal(rank([[1.0, 2.0], [2.0, 1.0]]), [[2, 1], [1, 2]])


def test_one_at_a_time_scenarios() -> None:
    scenarios = one_at_a_time_weights(np.array([0.5, 0.5]), [0.2])
    # first weight ×1.2 → (0.6, 0.5)/1.1; second ×1.2 → (0.5, 0.6)/1.1; then ×0.8 the same way
    np.testing.assert_allclose(
        scenarios,
        [[6 / 11, 5 / 11], [5 / 11, 6 / 11], [4 / 9, 5 / 9], [5 / 9, 4 / 9]],
    )


def test_sensitivity_report() -> None:
    report = rank_sensitivity(NORMALISED, WEIGHTS, draws=500, seed=7)
    np.testing.assert_array_equal(report.base_ranks, [1, 3, 2, 4])
    assert report.one_at_a_time.scenarios == 12  # 3 indicators × 2 steps × 2 signs
    assert report.monte_carlo.scenarios == 500
    # the last alternative is worst whatever the weights (0.2 everywhere vs a 0.33+ average)
    assert report.monte_carlo.share_kept[3] == 1.0
    assert report.monte_carlo.best_rank[3] == report.monte_carlo.worst_rank[3] == 4
    # the top two (0.60 vs 0.55) swap under some Dirichlet draws, never beyond ranks 1–3
    assert 0.0 < report.monte_carlo.share_kept[0] < 1.0
    assert report.monte_carlo.worst_rank[0] <= 3
    for stability in (report.one_at_a_time, report.monte_carlo):
        assert np.all(stability.best_rank <= report.base_ranks)
        assert np.all(report.base_ranks <= stability.worst_rank)


def test_sensitivity_is_reproducible_with_a_seed() -> None:
    first = rank_sensitivity(NORMALISED, WEIGHTS, draws=200, seed=3)
    again = rank_sensitivity(NORMALISED, WEIGHTS, draws=200, seed=3)
    np.testing.assert_array_equal(first.monte_carlo.share_kept, again.monte_carlo.share_kept)


def test_zero_weights_stay_zero_under_perturbation() -> None:
    report = rank_sensitivity([[1.0, 0.0], [0.0, 1.0]], [1.0, 0.0], draws=50)
    assert report.monte_carlo.share_kept.tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    ("weights", "fragment"),
    [
        ([0.5, 0.3], "3 values"),
        ([0.5, 0.3, 0.3], "must sum to 1"),
        ([0.7, -0.2, 0.5], "column 2: weights value is negative"),
        ([0.5, float("nan"), 0.5], "not finite"),
    ],
)
def test_bad_weights_are_rejected(weights: list[float], fragment: str) -> None:
    with pytest.raises(IndexInputError, match=fragment) as caught:
        aggregate(NORMALISED, weights)
    assert caught.value.message.zh


def test_other_bad_input_is_rejected() -> None:
    with pytest.raises(IndexInputError, match="z-scores"):
        aggregate([[-0.5, 1.0]], [0.5, 0.5], "geometric_mean")
    with pytest.raises(IndexInputError, match="unknown aggregation"):
        aggregate(NORMALISED, WEIGHTS, "median")
    with pytest.raises(IndexInputError, match="strictly between 0 and 1"):
        rank_sensitivity(NORMALISED, WEIGHTS, steps=[1.5])
    with pytest.raises(IndexInputError, match="draws must be"):
        rank_sensitivity(NORMALISED, WEIGHTS, draws=0)
    with pytest.raises(IndexInputError, match="non-finite"):
        rank([1.0, float("nan")])
    with pytest.raises(IndexInputError) as caught:
        aggregate(NORMALISED, [0.5, 0.7, -0.2], names=["碳强度", "人均排放", "非化石占比"])
    assert "非化石占比" in caught.value.message.zh


unit = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def index_cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    rows, columns = draw(st.integers(2, 6)), draw(st.integers(1, 5))
    matrix = draw(arrays(np.float64, (rows, columns), elements=unit))
    raw = draw(arrays(np.float64, columns, elements=st.floats(0.01, 1.0)))
    return matrix, raw / raw.sum()


@given(case=index_cases(), method=st.sampled_from(["weighted_sum", "geometric_mean"]))
def test_a_dominated_alternative_never_ranks_above_its_dominator(
    case: tuple[np.ndarray, np.ndarray], method: str
) -> None:
    matrix, weights = case
    # make row 1 dominated by row 0: no better anywhere
    matrix[1] = np.minimum(matrix[1], matrix[0])
    ranks = rank(aggregate(matrix, weights, method))
    assert ranks[0] <= ranks[1]


@given(arrays(np.float64, st.integers(1, 12), elements=st.sampled_from([0.0, 0.25, 0.5, 1.0])))
def test_ranks_are_a_permutation_with_ties(scores: np.ndarray) -> None:
    ranks = rank(scores)
    # each rank equals 1 + the number of strictly better scores …
    for i, score in enumerate(scores):
        assert ranks[i] == 1 + int((scores > score).sum())
    # … so the sorted ranks are 1..n with each tie block repeating its first position
    ordered = np.sort(ranks)
    assert ordered[0] == 1
    for position, value in enumerate(ordered, start=1):
        assert value == position or value == ordered[position - 2]
    # equal scores share a rank; a higher score has a better (smaller) rank
    order = np.argsort(-scores, kind="stable")
    assert np.all(np.diff(ranks[order]) >= 0)


@given(case=index_cases())
def test_sensitivity_ranges_contain_the_base_rank(case: tuple[np.ndarray, np.ndarray]) -> None:
    matrix, weights = case
    report = rank_sensitivity(matrix, weights, draws=20)
    for stability in (report.one_at_a_time, report.monte_carlo):
        assert np.all((stability.share_kept >= 0) & (stability.share_kept <= 1))
        assert np.all(stability.best_rank >= 1)
        assert np.all(stability.worst_rank <= matrix.shape[0])
