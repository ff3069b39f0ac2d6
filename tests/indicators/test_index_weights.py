"""Weights of the low-carbon index: expert, entropy (hand-computed) and AHP (Saaty)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from citycarbon.indicators.validation import InconsistentJudgementsError, IndexInputError
from citycarbon.indicators.weights import (
    SAATY_RANDOM_INDEX,
    ahp_weights,
    entropy_weights,
    expert_weights,
)


def test_entropy_weights_by_hand() -> None:
    matrix = [
        [1.0, 1.0, 2.0],
        [1.0, 0.0, 1.0],
        [1.0, 0.0, 1.0],
    ]
    # k = 1 / ln 3.
    # Column 1: p = (1/3, 1/3, 1/3) → e = −k · 3 · (1/3) ln(1/3) = ln 3 / ln 3 = 1, d = 0.
    # Column 2: p = (1, 0, 0) → e = −k · (1 · ln 1 + 0 + 0) = 0, d = 1.
    # Column 3: p = (1/2, 1/4, 1/4)
    #   → e = k · (½ ln 2 + 2 · ¼ ln 4) = k · (½ ln 2 + ln 2) = 1.5 ln 2 / ln 3 ≈ 0.946395,
    #     d = 1 − 0.946395 = 0.053605.
    d3 = 1 - 1.5 * math.log(2) / math.log(3)
    # w = d / Σd = (0, 1, 0.053605) / 1.053605 ≈ (0, 0.949122, 0.050878)
    expected = [0.0, 1 / (1 + d3), d3 / (1 + d3)]
    np.testing.assert_allclose(entropy_weights(matrix), expected, atol=1e-12)
    np.testing.assert_allclose(expected, [0.0, 0.949122, 0.050878], atol=1e-6)


def test_entropy_rejects_what_it_cannot_weigh() -> None:
    with pytest.raises(IndexInputError, match="at least 2 alternatives"):
        entropy_weights([[1.0, 2.0]])
    with pytest.raises(IndexInputError, match="row 2 is negative"):
        entropy_weights([[1.0, 2.0], [-0.5, 1.0]])
    with pytest.raises(IndexInputError, match="undefined"):
        entropy_weights([[1.0, 0.0], [1.0, 0.0]])


def test_expert_weights_normalise_points() -> None:
    np.testing.assert_allclose(expert_weights([30, 20, 50]), [0.3, 0.2, 0.5])


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ([0.0, 0.0], "all weights are zero"),
        ([0.5, -0.1, 0.6], "column 2: weights value is negative"),
        ([0.5, float("nan")], "column 2: weights value is not finite"),
        ([], "non-empty"),
        ([[0.5, 0.5]], "non-empty 1-D"),
    ],
)
def test_expert_weights_bad_input(raw: list[float], fragment: str) -> None:
    with pytest.raises(IndexInputError, match=fragment):
        expert_weights(raw)


def test_expert_weights_name_the_indicator() -> None:
    with pytest.raises(IndexInputError) as caught:
        expert_weights([1.0, -1.0], names=["人均排放", "森林覆盖率"])
    assert "森林覆盖率" in caught.value.message.zh


def test_saaty_random_index_table() -> None:
    assert [SAATY_RANDOM_INDEX[n] for n in range(1, 11)] == [
        0,
        0,
        0.58,
        0.90,
        1.12,
        1.24,
        1.32,
        1.41,
        1.45,
        1.49,
    ]


def test_perfectly_consistent_matrix_has_cr_zero() -> None:
    # a_ij = v_i / v_j for v = (4, 2, 1, 1): consistent by construction, λmax = n.
    v = np.array([4.0, 2.0, 1.0, 1.0])
    result = ahp_weights(np.outer(v, 1 / v))
    np.testing.assert_allclose(result.weights, v / v.sum(), atol=1e-12)
    assert result.lambda_max == pytest.approx(4.0)
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-12)
    assert result.acceptable


def test_inconsistent_three_by_three_matrix() -> None:
    pairwise = np.array([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    # λmax independently: largest real eigenvalue (≈ 3.0385 for this classic example).
    lambda_max = max(np.linalg.eigvals(pairwise).real)
    ci = (lambda_max - 3) / (3 - 1)
    cr = ci / 0.58  # Saaty's RI for n = 3
    assert cr == pytest.approx(0.0332, abs=1e-4)
    result = ahp_weights(pairwise)
    assert result.lambda_max == pytest.approx(lambda_max)
    assert result.consistency_index == pytest.approx(ci)
    assert result.consistency_ratio == pytest.approx(cr)
    assert result.acceptable
    np.testing.assert_allclose(result.weights, [0.6370, 0.2583, 0.1047], atol=1e-4)


def test_unacceptable_consistency_is_an_error_or_a_flag() -> None:
    # a ≻ b ≻ c ≻ a strongly: circular, so CR is far above 0.10.
    circular = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.raises(InconsistentJudgementsError, match="CR = ") as caught:
        ahp_weights(circular, names=["能源", "交通", "建筑"])
    assert "能源" in caught.value.message.zh
    flagged = ahp_weights(circular, strict=False)
    assert not flagged.acceptable
    assert flagged.consistency_ratio > 0.10
    assert flagged.weights.sum() == pytest.approx(1.0)


def test_two_by_two_is_always_consistent() -> None:
    result = ahp_weights([[1, 3], [1 / 3, 1]])
    np.testing.assert_allclose(result.weights, [0.75, 0.25])
    assert result.consistency_ratio == 0.0


def test_rounded_reciprocals_are_accepted() -> None:
    result = ahp_weights([[1, 3, 5], [0.33, 1, 3], [0.2, 0.33, 1]])
    assert result.acceptable


@pytest.mark.parametrize(
    ("pairwise", "fragment"),
    [
        ([[1, 2], [2, 1]], "not reciprocal"),
        ([[1, 0], [0, 1]], "must be > 0"),
        ([[1, -2], [-0.5, 1]], "must be > 0"),
        ([[2, 1], [1, 2]], "not reciprocal"),
        ([[1, 2, 3], [0.5, 1, 2]], "square"),
        (np.ones((11, 11)), "random-index table"),
        ([[1, float("nan")], [1, 1]], "not finite"),
    ],
)
def test_ahp_bad_input(pairwise: object, fragment: str) -> None:
    with pytest.raises(IndexInputError, match=fragment):
        ahp_weights(pairwise)  # type: ignore[arg-type]


non_negative = st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False)


@given(arrays(np.float64, st.integers(1, 8), elements=non_negative))
def test_expert_weights_sum_to_one(raw: np.ndarray) -> None:
    if raw.sum() <= 0:
        return
    weights = expert_weights(raw)
    assert weights.sum() == pytest.approx(1.0)
    assert np.all(weights >= 0)


@given(
    st.tuples(st.integers(2, 6), st.integers(1, 5)).flatmap(
        lambda shape: arrays(np.float64, shape, elements=st.floats(0.0, 1.0))
    )
)
def test_entropy_weights_sum_to_one(matrix: np.ndarray) -> None:
    try:
        weights = entropy_weights(matrix)
    except IndexInputError:
        return  # no column discriminates: rejected on purpose
    assert weights.sum() == pytest.approx(1.0)
    assert np.all(weights >= 0)


@st.composite
def reciprocal_matrices(draw: st.DrawFn) -> np.ndarray:
    """Random positive reciprocal matrices of order 1..10, consistent or not."""
    order = draw(st.integers(1, 10))
    pairs = order * (order - 1) // 2
    upper = draw(st.lists(st.floats(0.1, 10.0), min_size=pairs, max_size=pairs))
    pairwise = np.ones((order, order))
    rows, columns = np.triu_indices(order, k=1)
    pairwise[rows, columns] = upper
    pairwise[columns, rows] = 1 / np.asarray(upper)
    return pairwise


@given(reciprocal_matrices())
def test_ahp_weights_sum_to_one(pairwise: np.ndarray) -> None:
    result = ahp_weights(pairwise, strict=False)
    assert result.weights.sum() == pytest.approx(1.0)
    assert np.all(result.weights > 0)
    assert result.consistency_ratio >= 0
