"""Input checks shared by the index modules, with bilingual messages that say where.

Positions shown to users are 1-based (“column 2”, “row 3”), as in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from citycarbon.errors import CitycarbonError, Message

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Weights that should sum to 1 may be off by rounding, never by more.
WEIGHT_SUM_TOLERANCE = 1e-6


class IndexInputError(CitycarbonError):
    """Bad input to the low-carbon index: shapes, NaN, negative or unnormalised weights."""


class InconsistentJudgementsError(IndexInputError):
    """AHP pairwise judgements whose consistency ratio is not acceptable."""


def indicator_label(column: int, names: Sequence[str] | None) -> tuple[str, str]:
    """(zh, en) text naming indicator ``column`` (0-based) by name when known, else position."""
    if names is not None and column < len(names):
        return f"指标“{names[column]}”（第 {column + 1} 列）", (
            f"indicator '{names[column]}' (column {column + 1})"
        )
    return f"第 {column + 1} 个指标", f"indicator in column {column + 1}"


def check_names(names: Sequence[str] | None, count: int) -> None:
    if names is not None and len(names) != count:
        raise IndexInputError(
            Message(
                zh=f"给出了 {len(names)} 个指标名称，但有 {count} 个指标",
                en=f"{len(names)} indicator names given for {count} indicators",
            )
        )


def as_matrix(values: npt.ArrayLike, names: Sequence[str] | None = None) -> FloatArray:
    """A finite 2-D float matrix, alternatives in rows and indicators in columns."""
    try:
        matrix = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise IndexInputError(
            Message(zh=f"指标矩阵不是数值矩阵：{exc}", en=f"indicator matrix is not numeric: {exc}")
        ) from exc
    if matrix.ndim != 2 or matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise IndexInputError(
            Message(
                zh=f"指标矩阵须为非空的二维矩阵（行为方案，列为指标），实际形状为 {matrix.shape}",
                en=(
                    "indicator matrix must be a non-empty 2-D matrix (alternatives in rows, "
                    f"indicators in columns); got shape {matrix.shape}"
                ),
            )
        )
    check_names(names, matrix.shape[1])
    bad = np.argwhere(~np.isfinite(matrix))
    if bad.size:
        row, column = (int(i) for i in bad[0])
        zh, en = indicator_label(column, names)
        raise IndexInputError(
            Message(
                zh=f"{zh}第 {row + 1} 行的值不是有限数（{matrix[row, column]}），共 {len(bad)} 处",
                en=(
                    f"{en}, row {row + 1}: value is not finite ({matrix[row, column]}); "
                    f"{len(bad)} such cell(s)"
                ),
            )
        )
    return matrix


def as_vector(
    values: npt.ArrayLike, count: int, what: Message, names: Sequence[str] | None = None
) -> FloatArray:
    """A finite 1-D float vector with one entry per indicator; ``what`` names it in errors."""
    try:
        vector = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise IndexInputError(
            Message(zh=f"{what.zh}不是数值：{exc}", en=f"{what.en} are not numeric: {exc}")
        ) from exc
    if vector.ndim != 1 or vector.shape[0] != count:
        raise IndexInputError(
            Message(
                zh=f"{what.zh}须有 {count} 个值（每个指标一个），实际形状为 {vector.shape}",
                en=f"{what.en} must have {count} values (one per indicator); got {vector.shape}",
            )
        )
    not_finite = np.flatnonzero(~np.isfinite(vector))
    if not_finite.size:
        column = int(not_finite[0])
        zh, en = indicator_label(column, names)
        raise IndexInputError(
            Message(
                zh=f"{zh}的{what.zh}不是有限数（{vector[column]}）",
                en=f"{en}: {what.en} value is not finite ({vector[column]})",
            )
        )
    return vector


def check_non_negative(vector: FloatArray, what: Message, names: Sequence[str] | None) -> None:
    negative = np.flatnonzero(vector < 0)
    if negative.size:
        column = int(negative[0])
        zh, en = indicator_label(column, names)
        raise IndexInputError(
            Message(
                zh=f"{zh}的{what.zh}为负（{vector[column]}），须不小于 0",
                en=f"{en}: {what.en} value is negative ({vector[column]}); must be >= 0",
            )
        )


WEIGHTS = Message(zh="权重", en="weights")


def check_weights(
    weights: npt.ArrayLike, count: int, names: Sequence[str] | None = None
) -> FloatArray:
    """Weights ready to aggregate with: finite, non-negative, one per indicator, sum 1."""
    vector = as_vector(weights, count, WEIGHTS, names)
    check_non_negative(vector, WEIGHTS, names)
    total = float(vector.sum())
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        raise IndexInputError(
            Message(
                zh=f"权重之和须为 1，实际为 {total:.6g}（可先用专家权重函数归一化）",
                en=(
                    f"weights must sum to 1, they sum to {total:.6g} "
                    "(normalise them with expert_weights first)"
                ),
            )
        )
    return vector
