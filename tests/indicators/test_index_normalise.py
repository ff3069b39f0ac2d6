"""Normalisation of the low-carbon index: directions, constant columns, unit invariance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from citycarbon.indicators.normalise import (
    Direction,
    distance_to_target,
    min_max,
    normalise,
    z_score,
)
from citycarbon.indicators.validation import IndexInputError

# CO2 per 万元 GDP (lower is better), forest cover % (higher is better)
DISTRICTS = [[0.8, 30.0], [1.2, 45.0], [1.0, 60.0]]
DIRECTIONS = [Direction.LOWER_IS_BETTER, Direction.HIGHER_IS_BETTER]


def test_min_max_reads_higher_is_better_in_every_column() -> None:
    result = min_max(DISTRICTS, DIRECTIONS)
    # intensity: (1.2 − x) / 0.4 → 1, 0, 0.5; forest: (x − 30) / 30 → 0, 0.5, 1
    np.testing.assert_allclose(result, [[1.0, 0.0], [0.0, 0.5], [0.5, 1.0]])


def test_z_score_is_negated_for_lower_is_better() -> None:
    result = z_score(DISTRICTS, DIRECTIONS)
    std = np.sqrt(((0.8 - 1.0) ** 2 + (1.2 - 1.0) ** 2 + 0.0) / 3)  # population std
    np.testing.assert_allclose(result[:, 0], [0.2 / std, -0.2 / std, 0.0], atol=1e-12)
    np.testing.assert_allclose(result.mean(axis=0), [0.0, 0.0], atol=1e-12)


def test_distance_to_target_caps_at_the_target() -> None:
    # targets: intensity 0.9 (worst observed 1.2), forest 50 (worst observed 30)
    result = distance_to_target(DISTRICTS, DIRECTIONS, [0.9, 50.0])
    expected = [[1.0, 0.0], [0.0, 15 / 20], [0.2 / 0.3, 1.0]]
    np.testing.assert_allclose(result, expected)


def test_distance_to_target_when_everyone_meets_it() -> None:
    result = distance_to_target([[5.0], [7.0]], ["higher"], [4.0])
    np.testing.assert_array_equal(result, [[1.0], [1.0]])


def test_constant_column_is_explicit_not_a_division_by_zero() -> None:
    matrix = [[3.0, 1.0], [3.0, 2.0]]
    np.testing.assert_array_equal(min_max(matrix, ["higher", "lower"])[:, 0], [1.0, 1.0])
    np.testing.assert_array_equal(z_score(matrix, ["higher", "lower"])[:, 0], [0.0, 0.0])


def test_dispatch_by_name() -> None:
    np.testing.assert_array_equal(
        normalise(DISTRICTS, DIRECTIONS, "min_max"), min_max(DISTRICTS, DIRECTIONS)
    )
    with pytest.raises(IndexInputError, match="target"):
        normalise(DISTRICTS, DIRECTIONS, "distance_to_target")
    with pytest.raises(IndexInputError, match="unknown normalisation"):
        normalise(DISTRICTS, DIRECTIONS, "rank")


@pytest.mark.parametrize(
    ("matrix", "directions", "fragment"),
    [
        ([[1.0, float("nan")], [2.0, 3.0]], ["higher", "higher"], "column 2, row 1"),
        ([[1.0, 2.0]], ["higher"], "one direction per indicator"),
        ([[1.0, 2.0]], ["higher", "upwards"], "'upwards' is invalid"),
        ([1.0, 2.0], ["higher"], "2-D"),
        ([["a", "b"]], ["higher", "higher"], "not numeric"),
    ],
)
def test_bad_input_is_rejected_with_a_bilingual_message(
    matrix: object, directions: list[str], fragment: str
) -> None:
    with pytest.raises(IndexInputError, match=fragment) as caught:
        min_max(matrix, directions)  # type: ignore[arg-type]
    assert caught.value.message.zh
    assert caught.value.message.en


def test_errors_name_the_indicator() -> None:
    with pytest.raises(IndexInputError) as caught:
        z_score([[1.0, np.inf]], ["higher", "lower"], names=["森林覆盖率", "碳强度"])
    assert "碳强度" in caught.value.message.zh
    assert "碳强度" in caught.value.message.en


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
matrices = st.tuples(st.integers(2, 6), st.integers(1, 4)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=finite)
)


@given(
    matrix=matrices,
    factor=st.floats(1e-3, 1e3),
    lower=st.lists(st.booleans(), min_size=4, max_size=4),
)
def test_min_max_and_z_score_ignore_the_units_of_an_indicator(
    matrix: np.ndarray, factor: float, lower: list[bool]
) -> None:
    directions = ["lower" if flag else "higher" for flag in lower[: matrix.shape[1]]]
    scaled = matrix.copy()
    scaled[:, 0] *= factor  # e.g. t → kg in the first column
    np.testing.assert_allclose(min_max(scaled, directions), min_max(matrix, directions), atol=1e-6)
    np.testing.assert_allclose(z_score(scaled, directions), z_score(matrix, directions), atol=1e-6)


@given(matrix=matrices)
def test_min_max_stays_in_the_unit_interval(matrix: np.ndarray) -> None:
    result = min_max(matrix, ["higher"] * matrix.shape[1])
    assert np.all((result >= 0.0) & (result <= 1.0))
