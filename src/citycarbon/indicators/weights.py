"""Indicator weights: expert weights, the entropy weight method and AHP.

Every function returns non-negative weights that sum to 1, one per indicator.

Entropy weight method (objective weights from the spread of the data). On a non-negative
normalised matrix x with n alternatives (rows) and m indicators (columns):

    p_ij = x_ij / Σ_i x_ij                 share of alternative i in indicator j
    e_j  = −k Σ_i p_ij ln p_ij,  k = 1/ln n    entropy, in [0, 1]; 0 ln 0 is taken as 0
    d_j  = 1 − e_j                          degree of diversification
    w_j  = d_j / Σ_j d_j

An indicator on which all alternatives are equal has e_j = 1 and gets weight 0; a column of
zeros is treated the same way (uniform shares).

Analytic hierarchy process (subjective weights from pairwise judgements). Saaty, T. L. (1980),
*The Analytic Hierarchy Process*, McGraw-Hill: the weights are the principal (Perron)
eigenvector of a positive reciprocal pairwise matrix A (a_ij = importance of i over j,
a_ji = 1/a_ij), normalised to sum 1. Consistency index CI = (λmax − n)/(n − 1); consistency
ratio CR = CI/RI with Saaty's random index RI (table below, n = 1..10). CR < 0.10 is
acceptable. By default an unacceptable CR raises :class:`InconsistentJudgementsError`, naming
the judgement that departs most from the weights; with ``strict=False`` the result is returned
with ``acceptable=False`` so that a form can show the CR and let the expert revise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from citycarbon.errors import Message
from citycarbon.indicators.validation import (
    WEIGHTS,
    FloatArray,
    InconsistentJudgementsError,
    IndexInputError,
    as_matrix,
    as_vector,
    check_names,
    check_non_negative,
    indicator_label,
)

# Saaty (1980) random consistency index RI for matrices of order n = 1..10.
SAATY_RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
}
ACCEPTABLE_CONSISTENCY_RATIO = 0.10

# Judgements are often typed as rounded fractions (0.33 for 1/3); a product a_ij·a_ji within
# this distance of 1 counts as reciprocal.
RECIPROCAL_TOLERANCE = 0.02


def expert_weights(raw: npt.ArrayLike, names: Sequence[str] | None = None) -> FloatArray:
    """Normalise expert points (any non-negative scale, e.g. 30/20/50) to weights summing to 1."""
    shape = np.shape(raw)
    if len(shape) != 1 or shape[0] == 0:
        raise IndexInputError(
            Message(
                zh=f"权重须为非空的一维列表（每个指标一个），实际形状为 {shape}",
                en=f"weights must be a non-empty 1-D list (one per indicator); got shape {shape}",
            )
        )
    vector = as_vector(raw, shape[0] if names is None else len(names), WEIGHTS, names)
    check_non_negative(vector, WEIGHTS, names)
    total = float(vector.sum())
    if total <= 0.0:
        raise IndexInputError(
            Message(
                zh="权重全为 0，至少须有一个指标的权重为正",
                en="all weights are zero; at least one indicator needs a positive weight",
            )
        )
    return vector / total


def entropy_weights(normalised: npt.ArrayLike, names: Sequence[str] | None = None) -> FloatArray:
    """Entropy weights of a non-negative normalised matrix (min–max or distance-to-target)."""
    matrix = as_matrix(normalised, names)
    rows = matrix.shape[0]
    if rows < 2:
        raise IndexInputError(
            Message(
                zh="熵权法至少需要 2 个被评价对象（行）",
                en="the entropy weight method needs at least 2 alternatives (rows)",
            )
        )
    negative = np.argwhere(matrix < 0)
    if negative.size:
        row, column = (int(i) for i in negative[0])
        zh, en = indicator_label(column, names)
        raise IndexInputError(
            Message(
                zh=f"{zh}第 {row + 1} 行为负值，熵权法须用非负的标准化矩阵（如极差法）",
                en=(
                    f"{en}, row {row + 1} is negative; the entropy weight method needs a "
                    "non-negative normalised matrix (e.g. min-max)"
                ),
            )
        )
    totals = matrix.sum(axis=0)
    # A column of zeros has no shares; uniform shares give it entropy 1 and weight 0.
    shares = np.where(totals > 0, matrix / np.where(totals > 0, totals, 1.0), 1.0 / rows)
    safe = np.where(shares > 0, shares, 1.0)  # ln 1 = 0 implements 0 ln 0 = 0
    entropy = -(shares * np.log(safe)).sum(axis=0) / np.log(rows)
    diversification = np.clip(1.0 - entropy, 0.0, None)  # rounding can push e_j above 1
    total = float(diversification.sum())
    if total <= 0.0:
        raise IndexInputError(
            Message(
                zh="所有指标在各对象间都相同，熵权法无法给出权重",
                en="every indicator is equal across alternatives; entropy weights are undefined",
            )
        )
    return np.asarray(diversification / total, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class AhpResult:
    """AHP weights with the consistency measures a reviewer needs to see."""

    weights: FloatArray
    lambda_max: float
    consistency_index: float
    consistency_ratio: float
    acceptable: bool


def _check_pairwise(matrix: FloatArray, names: Sequence[str] | None) -> None:
    order = matrix.shape[0]
    if matrix.shape != (order, order):
        raise IndexInputError(
            Message(
                zh=f"判断矩阵须为方阵，实际形状为 {matrix.shape}",
                en=f"the pairwise comparison matrix must be square; got shape {matrix.shape}",
            )
        )
    check_names(names, order)
    if order > max(SAATY_RANDOM_INDEX):
        raise IndexInputError(
            Message(
                zh=f"判断矩阵阶数 {order} 超过随机一致性指标表的上限 10，请分层比较",
                en=f"order {order} exceeds the random-index table (n <= 10); use a hierarchy",
            )
        )
    non_positive = np.argwhere(matrix <= 0)
    if non_positive.size:
        i, j = (int(k) for k in non_positive[0])
        raise IndexInputError(
            Message(
                zh=f"判断矩阵第 {i + 1} 行第 {j + 1} 列为 {matrix[i, j]}，须为正数",
                en=f"pairwise matrix row {i + 1}, column {j + 1} is {matrix[i, j]}; must be > 0",
            )
        )
    off = np.argwhere(np.abs(matrix * matrix.T - 1.0) > RECIPROCAL_TOLERANCE)
    if off.size:
        i, j = (int(k) for k in off[0])
        zh_i, en_i = indicator_label(i, names)
        zh_j, en_j = indicator_label(j, names)
        raise IndexInputError(
            Message(
                zh=(
                    f"判断矩阵不互反：{zh_i}对{zh_j}为 {matrix[i, j]:.4g}，"
                    f"反向为 {matrix[j, i]:.4g}，应互为倒数（对角线须为 1）"
                ),
                en=(
                    f"pairwise matrix is not reciprocal: {en_i} over {en_j} is "
                    f"{matrix[i, j]:.4g} but the reverse is {matrix[j, i]:.4g}; they must be "
                    "reciprocals (and the diagonal 1)"
                ),
            )
        )


def ahp_weights(
    pairwise: npt.ArrayLike,
    names: Sequence[str] | None = None,
    *,
    strict: bool = True,
) -> AhpResult:
    """Weights from a positive reciprocal pairwise matrix, with Saaty's consistency check."""
    matrix = as_matrix(pairwise)
    _check_pairwise(matrix, names)
    order = matrix.shape[0]
    eigenvalues, eigenvectors = np.linalg.eig(matrix)
    principal = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[principal].real)
    # Perron–Frobenius: the principal eigenvector of a positive matrix has one sign.
    vector = np.abs(eigenvectors[:, principal].real)
    weights = vector / vector.sum()
    if order <= 2:  # every 1×1 or 2×2 reciprocal matrix is consistent, and RI = 0
        ci, cr = 0.0, 0.0
    else:
        ci = max((lambda_max - order) / (order - 1), 0.0)  # λmax ≥ n; clip rounding below it
        cr = ci / SAATY_RANDOM_INDEX[order]
    result = AhpResult(weights, lambda_max, ci, cr, cr < ACCEPTABLE_CONSISTENCY_RATIO)
    if strict and not result.acceptable:
        # Point at the judgement farthest (on a log scale) from what the weights imply.
        departure = np.abs(np.log(matrix) - np.log(np.outer(weights, 1.0 / weights)))
        i, j = (int(k) for k in np.unravel_index(int(np.argmax(departure)), departure.shape))
        zh_i, en_i = indicator_label(i, names)
        zh_j, en_j = indicator_label(j, names)
        raise InconsistentJudgementsError(
            Message(
                zh=(
                    f"判断矩阵一致性比率 CR = {cr:.3f}，不小于 0.10，须修改判断；"
                    f"最不一致的是{zh_i}对{zh_j}（{matrix[i, j]:.4g}，"
                    f"按权重应约为 {weights[i] / weights[j]:.3g}）"
                ),
                en=(
                    f"consistency ratio CR = {cr:.3f} is not below 0.10; revise the judgements. "
                    f"Least consistent: {en_i} over {en_j} ({matrix[i, j]:.4g}, the weights "
                    f"imply about {weights[i] / weights[j]:.3g})"
                ),
            )
        )
    return result
