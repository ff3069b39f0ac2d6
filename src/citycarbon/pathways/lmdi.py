"""LMDI-I decomposition of a change between two states into factor effects, exact.

An aggregate is a sum over sub-categories ``i`` (sectors, sectors × fuels …) of a product of
factors ``k``: ``V = Σ_i V_i`` with ``V_i = Π_k x_{k,i}``. Between a start state ``0`` and an
end state ``T`` the logarithmic mean Divisia index, method I (Ang 2004, 2005), gives

* additive:       ``ΔV_k = Σ_i L(V_i^T, V_i^0) · ln(x_{k,i}^T / x_{k,i}^0)``
* multiplicative: ``D_k = exp(Σ_i [L(V_i^T, V_i^0) / L(V^T, V^0)] · ln(x_{k,i}^T / x_{k,i}^0))``

with the logarithmic mean ``L(a, b) = (a − b) / (ln a − ln b)`` and ``L(a, a) = a``. Because
``Σ_k ln(x_{k,i}^T / x_{k,i}^0) = ln(V_i^T / V_i^0)`` and ``L(a, b) · ln(a / b) = a − b``, the
effects add up to ``V^T − V^0`` and multiply to ``V^T / V^0`` exactly: there is no residual.
Note ``ln D_k = ΔV_k / L(V^T, V^0)``, which is how the multiplicative effects are computed.

Zero values. We use the analytical limits of Ang & Liu (2007, "Handling zero values in the
logarithmic mean Divisia index decomposition approach"), i.e. the limit of the "replace 0 by
δ" strategy as δ → 0, not a small numeric δ:

* ``V_i`` zero in both states: every effect of sub-category ``i`` is 0.
* ``V_i^0 = 0 < V_i^T`` (a sector or fuel appears): the factors that are zero at the start
  share ``V_i^T`` equally (with one zero factor it gets all of it); the others get 0.
* ``V_i^0 > 0 = V_i^T`` (it vanishes): the factors that are zero at the end share ``−V_i^0``.

The sums stay exact. The multiplicative form needs both aggregates positive; otherwise it is
not defined and ``multiplicative`` is ``None``. Products that underflow to 0 although every
factor is positive (below about 1e-308) are outside what this handles.

Kaya-style identity (``kaya_decomposition``). Emissions by sector ``i`` and fuel ``j``:
``C = Σ_ij P · (G/P) · (G_i/G) · (E_i/G_i) · (E_ij/E_i) · (C_ij/E_ij)`` with population ``P``,
GDP ``G``, value added ``G_i``, energy ``E_ij`` (``E_i = Σ_j E_ij``) and emissions ``C_ij``:
population, affluence, industry structure, energy intensity, energy mix and emission factor
effects. A ratio whose denominator is zero (a fuel not used, a sector without energy or value
added) is undefined; like Ang & Liu we take it equal to the same ratio in the other state, so
that the appearing or vanishing quantity carries the effect (a new fuel → mix effect, a new
sector → structure effect). Data the identity cannot hold is refused: emissions without
energy (process emissions belong elsewhere) and energy in a sector without value added.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from citycarbon.errors import CitycarbonError, Message

FloatArray = NDArray[np.float64]

KAYA_FACTORS: tuple[str, ...] = (
    "population",
    "affluence",
    "structure",
    "intensity",
    "mix",
    "emission_factor",
)


class LmdiError(CitycarbonError):
    """Inputs to a decomposition are malformed: wrong shape, negative or not finite."""


def _fail(zh: str, en: str, field: str) -> LmdiError:
    return LmdiError(Message(zh=zh, en=en), field=field)


@dataclass(frozen=True, slots=True)
class Decomposition:
    """The factor effects of the change of an aggregate from a start to an end state.

    ``additive_by_category`` has shape ``(factors, *category_shape)``; summed over the
    categories it gives ``additive``. ``multiplicative`` is ``None`` when either aggregate is 0.
    """

    factor_names: tuple[str, ...]
    category_shape: tuple[int, ...]
    start_total: float
    end_total: float
    additive: FloatArray
    additive_by_category: FloatArray
    multiplicative: FloatArray | None

    @property
    def total_change(self) -> float:
        return self.end_total - self.start_total

    def additive_effects(self) -> dict[str, float]:
        return {name: float(v) for name, v in zip(self.factor_names, self.additive, strict=True)}

    def multiplicative_effects(self) -> dict[str, float] | None:
        if self.multiplicative is None:
            return None
        pairs = zip(self.factor_names, self.multiplicative, strict=True)
        return {name: float(v) for name, v in pairs}


def logarithmic_mean(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """``L(a, b) = (a − b) / ln(a / b)``, ``L(a, a) = a``, ``L(a, 0) = 0``; non-negative inputs."""
    a_arr = np.asarray(a, dtype=np.float64)
    b_arr = np.asarray(b, dtype=np.float64)
    both_positive = (a_arr > 0) & (b_arr > 0)
    safe_a = np.where(both_positive, a_arr, 1.0)
    safe_b = np.where(both_positive, b_arr, 1.0)
    diff = safe_a - safe_b
    equal = diff == 0
    # log1p is exact for close arguments; far apart, ln a - ln b is (log1p near -1 is not).
    relative = diff / safe_b
    near = np.abs(relative) < 0.5
    log_ratio = np.where(
        near,
        np.log1p(np.where(near & ~equal, relative, 1.0)),
        np.log(safe_a) - np.log(safe_b),
    )
    mean = np.where(equal, safe_a, diff / np.where(equal, 1.0, log_ratio))
    return np.where(both_positive, mean, 0.0)


def _as_factor_array(values: ArrayLike, field: str) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise _fail(f"{field} 不是数值数组", f"{field} is not a numeric array", field) from None
    if array.ndim == 0:
        raise _fail(
            f"{field} 至少需要一维（因素）",
            f"{field} needs at least one dimension (the factors)",
            field,
        )
    if not np.all(np.isfinite(array)):
        raise _fail(
            f"{field} 含有非有限值（NaN 或无穷）",
            f"{field} contains non-finite values (NaN or infinity)",
            field,
        )
    if np.any(array < 0):
        raise _fail(
            f"{field} 含有负值；LMDI 只适用于非负因素",
            f"{field} contains negative values; LMDI needs non-negative factors",
            field,
        )
    return array


def decompose(
    start: ArrayLike,
    end: ArrayLike,
    factor_names: Sequence[str] | None = None,
) -> Decomposition:
    """Decompose ``Σ_i Π_k x_{k,i}`` from ``start`` to ``end``; axis 0 indexes the factors.

    ``start`` and ``end`` have shape ``(factors, *categories)``: ``start[k]`` holds factor ``k``
    for every sub-category. Effects are exact, including sub-categories that appear or vanish.
    """
    x0 = _as_factor_array(start, "start")
    x1 = _as_factor_array(end, "end")
    if x0.shape != x1.shape:
        raise _fail(
            f"起始与终止因素数组形状不一致：{x0.shape} 与 {x1.shape}",
            f"start and end factor arrays differ in shape: {x0.shape} vs {x1.shape}",
            "end",
        )
    n_factors = x0.shape[0]
    names = (
        tuple(factor_names)
        if factor_names is not None
        else tuple(f"factor_{k}" for k in range(n_factors))
    )
    if len(names) != n_factors or len(set(names)) != n_factors:
        raise _fail(
            f"需要 {n_factors} 个互不相同的因素名称，得到 {list(names)}",
            f"need {n_factors} distinct factor names, got {list(names)}",
            "factor_names",
        )

    v0 = np.prod(x0, axis=0)
    v1 = np.prod(x1, axis=0)
    weight = logarithmic_mean(v1, v0)
    positive = (x0 > 0) & (x1 > 0)
    log_ratio = np.log(np.where(positive, x1, 1.0)) - np.log(np.where(positive, x0, 1.0))
    by_category = weight * log_ratio  # zero wherever a V_i is zero, since then weight is 0

    # Appearing and vanishing sub-categories: the analytical limits of Ang & Liu (2007).
    zero_at_start = x0 == 0
    zero_at_end = x1 == 0
    appears = zero_at_start.any(axis=0) & ~zero_at_end.any(axis=0)
    vanishes = ~zero_at_start.any(axis=0) & zero_at_end.any(axis=0)
    share_appear = v1 / np.maximum(zero_at_start.sum(axis=0), 1)
    share_vanish = v0 / np.maximum(zero_at_end.sum(axis=0), 1)
    by_category = np.where(appears & zero_at_start, share_appear, by_category)
    by_category = np.where(vanishes & zero_at_end, -share_vanish, by_category)

    additive = by_category.reshape(n_factors, -1).sum(axis=1)
    start_total = float(v0.sum())
    end_total = float(v1.sum())
    multiplicative: FloatArray | None = None
    if start_total > 0 and end_total > 0:
        multiplicative = np.exp(additive / logarithmic_mean(end_total, start_total))
    return Decomposition(
        factor_names=names,
        category_shape=tuple(x0.shape[1:]),
        start_total=start_total,
        end_total=end_total,
        additive=additive,
        additive_by_category=by_category,
        multiplicative=multiplicative,
    )


@dataclass(frozen=True, slots=True)
class KayaState:
    """One year of the Kaya-style identity's inputs.

    ``value_added`` has shape ``(sectors,)``; ``energy`` and ``emissions`` have shape
    ``(sectors, fuels)``. Units are the caller's, but must be the same in both years.
    """

    population: float
    gdp: float
    value_added: ArrayLike
    energy: ArrayLike
    emissions: ArrayLike


def _kaya_arrays(
    state: KayaState, label: str
) -> tuple[float, float, FloatArray, FloatArray, FloatArray]:
    population = _as_factor_array([state.population], f"{label}.population")[0]
    gdp = _as_factor_array([state.gdp], f"{label}.gdp")[0]
    for name, value in (("population", population), ("gdp", gdp)):
        if value <= 0:
            raise _fail(
                f"{label}.{name} 必须为正数",
                f"{label}.{name} must be positive",
                f"{label}.{name}",
            )
    value_added = _as_factor_array(state.value_added, f"{label}.value_added")
    energy = _as_factor_array(state.energy, f"{label}.energy")
    emissions = _as_factor_array(state.emissions, f"{label}.emissions")
    if value_added.ndim != 1:
        raise _fail(
            f"{label}.value_added 应为一维（部门），形状为 {value_added.shape}",
            f"{label}.value_added must be 1-D (sectors), got shape {value_added.shape}",
            f"{label}.value_added",
        )
    n_sectors = value_added.shape[0]
    for name, array in (("energy", energy), ("emissions", emissions)):
        if array.ndim != 2 or array.shape[0] != n_sectors or array.shape != energy.shape:
            raise _fail(
                f"{label}.{name} 应为（部门数 {n_sectors}，燃料数）的二维数组且与 energy 形状一致，"
                f"实际形状为 {array.shape}",
                f"{label}.{name} must be 2-D (sectors = {n_sectors}, fuels) with the shape of "
                f"energy; got shape {array.shape}",
                f"{label}.{name}",
            )
    if np.any((emissions > 0) & (energy == 0)):
        sector, fuel = (int(i) for i in np.argwhere((emissions > 0) & (energy == 0))[0])
        raise _fail(
            f"{label}.emissions[{sector}, {fuel}] 有排放但无能源消费；过程排放不适用此恒等式",
            f"{label}.emissions[{sector}, {fuel}] is positive with zero energy; process "
            "emissions do not fit this identity",
            f"{label}.emissions",
        )
    sector_energy = energy.sum(axis=1)
    if np.any((sector_energy > 0) & (value_added == 0)):
        sector = int(np.argwhere((sector_energy > 0) & (value_added == 0))[0][0])
        raise _fail(
            f"{label}.value_added[{sector}] 为零但该部门有能源消费，能源强度无定义",
            f"{label}.value_added[{sector}] is zero while the sector uses energy; its energy "
            "intensity is undefined",
            f"{label}.value_added",
        )
    return population, gdp, value_added, energy, emissions


def _ratio_pair(
    num0: FloatArray, den0: FloatArray, num1: FloatArray, den1: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``num/den`` in both states; where undefined (den 0) take the other state's ratio.

    Undefined in both states (the quantity is absent throughout): 1, which leaves the effect 0
    because the sub-category's aggregate is then 0 in both states as well.
    """
    ok0 = den0 > 0
    ok1 = den1 > 0
    r0 = np.divide(num0, den0, out=np.zeros(np.broadcast(num0, den0).shape), where=ok0)
    r1 = np.divide(num1, den1, out=np.zeros(np.broadcast(num1, den1).shape), where=ok1)
    fill0 = np.where(ok1, r1, 1.0)
    fill1 = np.where(ok0, r0, 1.0)
    return np.where(ok0, r0, fill0), np.where(ok1, r1, fill1)


def kaya_decomposition(start: KayaState, end: KayaState) -> Decomposition:
    """Population, affluence, structure, intensity, mix and emission-factor effects on C."""
    p0, g0, va0, e0, c0 = _kaya_arrays(start, "start")
    p1, g1, va1, e1, c1 = _kaya_arrays(end, "end")
    if e0.shape != e1.shape:
        raise _fail(
            f"两年的部门 × 燃料形状不一致：{e0.shape} 与 {e1.shape}",
            f"the two years differ in sectors × fuels: {e0.shape} vs {e1.shape}",
            "end.energy",
        )
    shape = e0.shape
    sector_energy0 = e0.sum(axis=1, keepdims=True)
    sector_energy1 = e1.sum(axis=1, keepdims=True)
    structure0, structure1 = va0[:, None] / g0, va1[:, None] / g1
    intensity0, intensity1 = _ratio_pair(sector_energy0, va0[:, None], sector_energy1, va1[:, None])
    mix0, mix1 = _ratio_pair(e0, sector_energy0, e1, sector_energy1)
    factor0, factor1 = _ratio_pair(c0, e0, c1, e1)

    def stack(p: float, g: float, *cells: FloatArray) -> FloatArray:
        scalars = [np.full(shape, p), np.full(shape, g / p)]
        return np.stack(scalars + [np.broadcast_to(c, shape) for c in cells])

    x0 = stack(p0, g0, structure0, intensity0, mix0, factor0)
    x1 = stack(p1, g1, structure1, intensity1, mix1, factor1)
    return decompose(x0, x1, KAYA_FACTORS)
