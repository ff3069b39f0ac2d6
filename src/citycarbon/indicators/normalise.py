"""Normalisation of an (alternatives × indicators) matrix so that higher is always better.

Each indicator has a direction: emission intensity is better when lower, forest cover when
higher. After normalisation every column reads “higher is better”, so that weights and
aggregation need not know the directions.

Three methods:

* :func:`min_max` — ``(x − min) / (max − min)`` for higher-is-better and
  ``(max − x) / (max − min)`` for lower-is-better; values in [0, 1].
* :func:`z_score` — ``(x − mean) / std`` (population standard deviation), negated for
  lower-is-better; values centred on 0, may be negative.
* :func:`distance_to_target` — share of the way from the worst observed value to the target,
  ``(x − worst) / (target − worst)``, capped to [0, 1]: meeting or beating the target scores 1
  and overshooting earns nothing more (the target is the policy goal, not a race).

min–max and z-score are invariant to the units of an indicator: scaling a column by a positive
constant (t → kt, tCO2 → kgCO2) leaves their result unchanged; distance-to-target is too when
the target is scaled with its column.

A constant column carries no information to tell alternatives apart. Rather than divide by
zero, it is given an explicit neutral value: 1.0 under min–max (nobody is worse than anybody
else), 0.0 under z-score (everybody sits on the mean).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from citycarbon.errors import Message
from citycarbon.indicators.validation import (
    FloatArray,
    IndexInputError,
    as_matrix,
    as_vector,
    indicator_label,
)

# Columns whose spread is below this share of their magnitude are treated as constant, so
# that rounding noise in equal values is not blown up into a full 0–1 range.
CONSTANT_RELATIVE_TOLERANCE = 1e-12

MIN_MAX_CONSTANT_VALUE = 1.0
Z_SCORE_CONSTANT_VALUE = 0.0


class Direction(StrEnum):
    """Which way an indicator improves."""

    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


class Method(StrEnum):
    MIN_MAX = "min_max"
    Z_SCORE = "z_score"
    DISTANCE_TO_TARGET = "distance_to_target"


def as_directions(
    directions: Sequence[Direction | str], count: int, names: Sequence[str] | None = None
) -> npt.NDArray[np.bool_]:
    """A boolean mask, True where lower is better, after checking every direction."""
    if len(directions) != count:
        raise IndexInputError(
            Message(
                zh=f"须为每个指标给出方向，共 {count} 个，实际给出 {len(directions)} 个",
                en=f"one direction per indicator is needed ({count}), got {len(directions)}",
            )
        )
    lower = np.zeros(count, dtype=np.bool_)
    for column, direction in enumerate(directions):
        try:
            lower[column] = Direction(direction) is Direction.LOWER_IS_BETTER
        except ValueError:
            zh, en = indicator_label(column, names)
            raise IndexInputError(
                Message(
                    zh=f"{zh}的方向“{direction}”无效，须为 higher 或 lower",
                    en=f"{en}: direction {direction!r} is invalid; use 'higher' or 'lower'",
                )
            ) from None
    return lower


def _constant_columns(matrix: FloatArray) -> npt.NDArray[np.bool_]:
    spread = matrix.max(axis=0) - matrix.min(axis=0)
    scale = np.abs(matrix).max(axis=0)
    return np.asarray(spread <= CONSTANT_RELATIVE_TOLERANCE * scale, dtype=np.bool_)


def min_max(
    values: npt.ArrayLike,
    directions: Sequence[Direction | str],
    names: Sequence[str] | None = None,
) -> FloatArray:
    """Min–max normalisation to [0, 1], higher is better; a constant column becomes 1.0."""
    matrix = as_matrix(values, names)
    lower = as_directions(directions, matrix.shape[1], names)
    low, high = matrix.min(axis=0), matrix.max(axis=0)
    constant = _constant_columns(matrix)
    span = np.where(constant, 1.0, high - low)  # 1.0 only to avoid 0/0; overwritten below
    result = np.where(lower, high - matrix, matrix - low) / span
    result[:, constant] = MIN_MAX_CONSTANT_VALUE
    return np.asarray(np.clip(result, 0.0, 1.0), dtype=np.float64)


def z_score(
    values: npt.ArrayLike,
    directions: Sequence[Direction | str],
    names: Sequence[str] | None = None,
) -> FloatArray:
    """Standard scores (population std), higher is better; a constant column becomes 0.0."""
    matrix = as_matrix(values, names)
    lower = as_directions(directions, matrix.shape[1], names)
    constant = _constant_columns(matrix)
    # Scale each column to [-1, 1] first (z-scores do not change) so that squaring tiny or
    # huge values cannot underflow or overflow.
    magnitude = np.abs(matrix).max(axis=0)
    scaled = matrix / np.where(constant, 1.0, magnitude)
    std = np.where(constant, 1.0, scaled.std(axis=0))
    result = (scaled - scaled.mean(axis=0)) / std
    result = np.where(lower, -result, result)
    result[:, constant] = Z_SCORE_CONSTANT_VALUE
    return np.asarray(result, dtype=np.float64)


def distance_to_target(
    values: npt.ArrayLike,
    directions: Sequence[Direction | str],
    targets: npt.ArrayLike,
    names: Sequence[str] | None = None,
) -> FloatArray:
    """Share of the way from the worst observed value to the target, in [0, 1].

    The worst value is the column minimum for higher-is-better and the maximum for
    lower-is-better. When no alternative falls short of the target (the worst already meets
    it) every value scores 1.0.
    """
    matrix = as_matrix(values, names)
    lower = as_directions(directions, matrix.shape[1], names)
    target = as_vector(targets, matrix.shape[1], Message(zh="目标值", en="targets"), names)
    # Flip lower-is-better columns so that “higher is better” holds for all of them.
    signed = np.where(lower, -matrix, matrix)
    signed_target = np.where(lower, -target, target)
    worst = signed.min(axis=0)
    gap = signed_target - worst
    all_meet = gap <= CONSTANT_RELATIVE_TOLERANCE * np.maximum(np.abs(target), np.abs(worst))
    result = (signed - worst) / np.where(all_meet, 1.0, gap)
    result[:, all_meet] = 1.0
    return np.asarray(np.clip(result, 0.0, 1.0), dtype=np.float64)


def normalise(
    values: npt.ArrayLike,
    directions: Sequence[Direction | str],
    method: Method | str = Method.MIN_MAX,
    targets: npt.ArrayLike | None = None,
    names: Sequence[str] | None = None,
) -> FloatArray:
    """Dispatch to one of the methods by name; ``targets`` only for distance-to-target."""
    try:
        chosen = Method(method)
    except ValueError:
        raise IndexInputError(
            Message(
                zh=f"未知的标准化方法“{method}”，可选 {', '.join(Method)}",
                en=f"unknown normalisation method {method!r}; choose from {', '.join(Method)}",
            )
        ) from None
    if chosen is Method.DISTANCE_TO_TARGET:
        if targets is None:
            raise IndexInputError(
                Message(
                    zh="目标距离法须为每个指标给出目标值",
                    en="distance-to-target normalisation needs a target for every indicator",
                )
            )
        return distance_to_target(values, directions, targets, names)
    if chosen is Method.Z_SCORE:
        return z_score(values, directions, names)
    return min_max(values, directions, names)
