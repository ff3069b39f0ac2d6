"""LMDI-I decomposition: exactness as a property, worked examples, zero values, bad input."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from citycarbon.pathways.lmdi import (
    KAYA_FACTORS,
    KayaState,
    LmdiError,
    decompose,
    kaya_decomposition,
    logarithmic_mean,
)

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
REL = 1e-9


def _close(actual: float, expected: float, scale: float) -> bool:
    """Equal to 1e-9 relative, of the change or (when the change is tiny) of the totals."""
    return math.isclose(actual, expected, rel_tol=REL, abs_tol=REL * scale)


positive = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)


@st.composite
def factor_pairs(draw: st.DrawFn, zeros: bool = False) -> tuple[np.ndarray, np.ndarray]:
    shape = draw(st.tuples(st.integers(1, 5), st.integers(1, 6)))
    x0 = draw(hnp.arrays(np.float64, shape, elements=positive))
    x1 = draw(hnp.arrays(np.float64, shape, elements=positive))
    if zeros:
        x0 = np.where(draw(hnp.arrays(np.bool_, shape)), 0.0, x0)
        x1 = np.where(draw(hnp.arrays(np.bool_, shape)), 0.0, x1)
    return x0, x1


# --- the logarithmic mean -------------------------------------------------------------


def test_logarithmic_mean_known_values() -> None:
    # L(4, 1) = 3 / ln 4; L(a, a) = a; L(a, 0) = 0 (the limit); symmetric.
    assert logarithmic_mean(4.0, 1.0) == pytest.approx(3 / math.log(4), rel=1e-15)
    assert logarithmic_mean(1.0, 4.0) == pytest.approx(3 / math.log(4), rel=1e-15)
    assert logarithmic_mean(7.5, 7.5) == 7.5
    assert logarithmic_mean(7.5, 0.0) == 0.0
    # Close arguments keep full precision: L(1 + e, 1) = 1 + e/2 - e^2/12 + ...
    eps = 1e-10
    assert logarithmic_mean(1 + eps, 1.0) == pytest.approx(1 + eps / 2, rel=1e-15)


# --- exactness as a property ----------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(factor_pairs())
def test_effects_add_and_multiply_exactly_to_the_change(
    pair: tuple[np.ndarray, np.ndarray],
) -> None:
    x0, x1 = pair
    v0, v1 = x0.prod(axis=0).sum(), x1.prod(axis=0).sum()
    result = decompose(x0, x1)
    assert _close(float(result.additive.sum()), v1 - v0, v0 + v1)
    assert result.multiplicative is not None
    assert math.isclose(float(np.prod(result.multiplicative)), v1 / v0, rel_tol=REL)
    # Per sub-category too: effects of category i add to V_i^T - V_i^0.
    per_category = result.additive_by_category.sum(axis=0)
    np.testing.assert_allclose(
        per_category, x1.prod(axis=0) - x0.prod(axis=0), rtol=REL, atol=REL * (v0 + v1)
    )


@settings(max_examples=60, deadline=None)
@given(factor_pairs(zeros=True))
def test_effects_stay_exact_with_zero_values(pair: tuple[np.ndarray, np.ndarray]) -> None:
    x0, x1 = pair
    v0, v1 = x0.prod(axis=0).sum(), x1.prod(axis=0).sum()
    result = decompose(x0, x1)
    assert _close(float(result.additive.sum()), v1 - v0, v0 + v1)
    if v0 > 0 and v1 > 0:
        assert result.multiplicative is not None
        assert math.isclose(float(np.prod(result.multiplicative)), v1 / v0, rel_tol=REL)
    else:
        assert result.multiplicative is None


# --- worked examples ------------------------------------------------------------------


def test_two_sector_example_by_hand() -> None:
    # Factors: activity A, intensity I. V_i = A_i * I_i.
    # Sector 1: A 10 -> 12, I 2 -> 2: V 20 -> 24. Only A moves, so A gets all of +4:
    #   L(24, 20) * ln(12/10) = (4 / ln 1.2) * ln 1.2 = 4.
    # Sector 2: A 5 -> 5, I 4 -> 2: V 20 -> 10. Only I moves: I gets -10.
    # Total: 40 -> 34, dA = 4, dI = -10, sum -6.
    # Multiplicative: ln D_k = dV_k / L(34, 40) = dV_k * ln(34/40) / (-6), so
    #   D_A = 0.85 ** (-4/6) = 1.11443..., D_I = 0.85 ** (10/6) = 0.76272...; product 0.85.
    start = [[10.0, 5.0], [2.0, 4.0]]
    end = [[12.0, 5.0], [2.0, 2.0]]
    result = decompose(start, end, ["activity", "intensity"])
    effects = result.additive_effects()
    assert effects["activity"] == pytest.approx(4.0, rel=1e-12)
    assert effects["intensity"] == pytest.approx(-10.0, rel=1e-12)
    assert result.total_change == pytest.approx(-6.0)
    assert result.category_shape == (2,)
    multiplicative = result.multiplicative_effects()
    assert multiplicative is not None
    assert multiplicative["activity"] == pytest.approx(0.85 ** (-2 / 3), rel=1e-12)
    assert multiplicative["activity"] == pytest.approx(1.11443, abs=1e-5)
    assert multiplicative["intensity"] == pytest.approx(0.85 ** (5 / 3), rel=1e-12)
    assert multiplicative["intensity"] == pytest.approx(0.76272, abs=1e-5)


def test_both_factors_moving_split_by_log_weights() -> None:
    # One category: A 1 -> 2, I 1 -> 4, V 1 -> 8. L(8, 1) = 7 / ln 8 = 7 / (3 ln 2).
    # dA = L * ln 2 = 7/3; dI = L * ln 4 = 14/3. Their sum is 7 = 8 - 1.
    result = decompose([[1.0], [1.0]], [[2.0], [4.0]])
    assert result.additive[0] == pytest.approx(7 / 3, rel=1e-12)
    assert result.additive[1] == pytest.approx(14 / 3, rel=1e-12)
    assert result.factor_names == ("factor_0", "factor_1")


# --- zero values: Ang & Liu (2007) analytical limits ----------------------------------


def test_appearing_sector_goes_to_the_factor_that_was_zero() -> None:
    # Sector 2 appears: A 0 -> 5 with I 3 -> 3, V 0 -> 15. The zero factor A gets +15.
    result = decompose([[10.0, 0.0], [2.0, 3.0]], [[10.0, 5.0], [2.0, 3.0]])
    assert result.additive_by_category[:, 1].tolist() == [15.0, 0.0]
    assert result.additive.sum() == pytest.approx(15.0)


def test_vanishing_sector_and_sector_absent_throughout() -> None:
    # Category 0 vanishes through I (4 -> 0): I gets -(2 * 4) = -8, A gets 0.
    # Category 1 is zero in both states: no effect at all.
    result = decompose([[2.0, 0.0], [4.0, 7.0]], [[3.0, 0.0], [0.0, 9.0]])
    assert result.additive_by_category[:, 0].tolist() == [0.0, -8.0]
    assert result.additive_by_category[:, 1].tolist() == [0.0, 0.0]
    assert result.multiplicative is None  # the end total is 0: no ratio to decompose


def test_limits_agree_with_small_value_strategy() -> None:
    # Two factors zero at the start, both 0 -> (5, 3): the limit splits V^T = 15 equally.
    # Replacing 0 by delta gives 15 * (ln 5 - ln delta) / (ln 15 - 2 ln delta), which tends to
    # 7.5 (slowly, like 1/ln delta): with delta = 1e-150 (delta^2 still a normal float) it is
    # 15 * (1.6094 + 345.3878) / (2.7081 + 690.7755) = 15 * 346.9972 / 693.4836 = 7.5055.
    exact = decompose([[0.0], [0.0]], [[5.0], [3.0]])
    assert exact.additive.tolist() == [7.5, 7.5]
    delta = 1e-150
    approx = decompose([[delta], [delta]], [[5.0], [3.0]])
    np.testing.assert_allclose(approx.additive, exact.additive, rtol=1e-3)
    assert approx.additive[0] == pytest.approx(7.5055, abs=1e-4)
    # One zero factor: the delta strategy equals the limit up to O(delta).
    one = decompose([[0.0], [3.0]], [[5.0], [3.0]])
    one_delta = decompose([[1e-12], [3.0]], [[5.0], [3.0]])
    np.testing.assert_allclose(one_delta.additive, one.additive, atol=1e-9)


# --- the Kaya-style identity ----------------------------------------------------------


def test_kaya_population_only() -> None:
    # Everything per person unchanged, population +10 %: all of dC = 10 is population effect.
    start = KayaState(100.0, 1000.0, [1000.0], [[50.0]], [[100.0]])
    end = KayaState(110.0, 1100.0, [1100.0], [[55.0]], [[110.0]])
    effects = kaya_decomposition(start, end).additive_effects()
    assert tuple(effects) == KAYA_FACTORS
    assert effects["population"] == pytest.approx(10.0, rel=1e-12)
    for name in KAYA_FACTORS[1:]:
        assert effects[name] == pytest.approx(0.0, abs=1e-12)


def test_kaya_new_fuel_is_a_mix_effect() -> None:
    # One sector, two fuels; P, G and value added fixed. Energy [10, 0] -> [10, 5],
    # emissions [20, 0] -> [20, 5].
    # Cell (0,0): C 20 -> 20; intensity x1.5, mix 1 -> 2/3: +20 ln 1.5 and -20 ln 1.5.
    # Cell (0,1): C 0 -> 5; its mix is the only zero factor (its undefined start emission
    # factor takes the end value 1), so mix gets +5.
    # intensity = 20 ln 1.5 = 8.109; mix = 5 - 20 ln 1.5 = -3.109; the rest 0; sum 5.
    start = KayaState(10.0, 100.0, [100.0], [[10.0, 0.0]], [[20.0, 0.0]])
    end = KayaState(10.0, 100.0, [100.0], [[10.0, 5.0]], [[20.0, 5.0]])
    result = kaya_decomposition(start, end)
    effects = result.additive_effects()
    assert effects["intensity"] == pytest.approx(20 * math.log(1.5), rel=1e-12)
    assert effects["mix"] == pytest.approx(5 - 20 * math.log(1.5), rel=1e-12)
    assert effects["emission_factor"] == pytest.approx(0.0, abs=1e-12)
    assert result.total_change == pytest.approx(5.0)
    assert result.category_shape == (1, 2)


def test_kaya_new_sector_is_a_structure_effect() -> None:
    # Sector 1 has no value added, energy or emissions at the start and then appears with
    # value added 50, energy 5, emissions 10: its +10 is all structure effect; sector 0 only
    # changes its share of GDP (100/100 -> 100/150), a structure effect against affluence.
    start = KayaState(1.0, 100.0, [100.0, 0.0], [[10.0], [0.0]], [[20.0], [0.0]])
    end = KayaState(1.0, 150.0, [100.0, 50.0], [[10.0], [5.0]], [[20.0], [10.0]])
    result = kaya_decomposition(start, end)
    assert result.additive_by_category[KAYA_FACTORS.index("structure"), 1, 0] == 10.0
    # Sector 0: C 20 -> 20 with G/P x1.5 and share x2/3: +20 ln 1.5 and -20 ln 1.5.
    effects = result.additive_effects()
    assert effects["affluence"] == pytest.approx(20 * math.log(1.5), rel=1e-12)
    assert effects["structure"] == pytest.approx(10 - 20 * math.log(1.5), rel=1e-12)
    assert sum(effects.values()) == pytest.approx(10.0, rel=1e-12)


@st.composite
def kaya_states(draw: st.DrawFn) -> tuple[KayaState, KayaState]:
    sectors = draw(st.integers(1, 4))
    fuels = draw(st.integers(1, 4))

    def state() -> KayaState:
        value_added = draw(hnp.arrays(np.float64, sectors, elements=positive))
        energy = draw(hnp.arrays(np.float64, (sectors, fuels), elements=positive))
        factor = draw(hnp.arrays(np.float64, (sectors, fuels), elements=positive))
        return KayaState(
            draw(positive), float(value_added.sum()), value_added, energy, energy * factor
        )

    return state(), state()


@settings(max_examples=40, deadline=None)
@given(kaya_states())
def test_kaya_effects_sum_to_the_change_in_emissions(
    states: tuple[KayaState, KayaState],
) -> None:
    start, end = states
    c0 = float(np.sum(start.emissions))
    c1 = float(np.sum(end.emissions))
    result = kaya_decomposition(start, end)
    assert _close(sum(result.additive_effects().values()), c1 - c0, c0 + c1)
    multiplicative = result.multiplicative_effects()
    assert multiplicative is not None
    assert math.isclose(math.prod(multiplicative.values()), c1 / c0, rel_tol=REL)


# --- bad input ------------------------------------------------------------------------


def _raises(field: str, match: str, call: object, *args: object) -> None:
    assert callable(call)
    with pytest.raises(LmdiError, match=match) as caught:
        call(*args)
    assert caught.value.field == field
    assert HAS_CJK.search(str(caught.value))  # bilingual


def test_bad_general_inputs_are_refused() -> None:
    good = [[1.0, 2.0], [3.0, 4.0]]
    _raises("start", "negative", decompose, [[1.0, -2.0], [3.0, 4.0]], good)
    _raises("end", "non-finite", decompose, good, [[1.0, np.nan], [3.0, 4.0]])
    _raises("end", "differ in shape", decompose, good, [[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]])
    _raises("start", "not a numeric array", decompose, [["a", "b"]], good)
    _raises("start", "at least one dimension", decompose, 3.0, 3.0)
    _raises("factor_names", "2 distinct factor names", decompose, good, good, ["a"])
    _raises("factor_names", "2 distinct factor names", decompose, good, good, ["a", "a"])


def test_bad_kaya_inputs_are_refused() -> None:
    good = KayaState(1.0, 100.0, [60.0, 40.0], [[1.0, 2.0], [3.0, 4.0]], [[2.0, 4.0], [6.0, 8.0]])
    shapes = KayaState(1.0, 100.0, [60.0, 40.0], [[1.0, 2.0], [3.0, 4.0]], [[2.0, 4.0]])
    _raises("end.emissions", "must be 2-D", kaya_decomposition, good, shapes)
    fewer_fuels = KayaState(1.0, 100.0, [60.0, 40.0], [[1.0], [3.0]], [[2.0], [6.0]])
    _raises("end.energy", "differ in sectors", kaya_decomposition, good, fewer_fuels)
    flat_va = KayaState(1.0, 100.0, [[60.0, 40.0]], good.energy, good.emissions)
    _raises("start.value_added", "must be 1-D", kaya_decomposition, flat_va, good)
    no_people = KayaState(0.0, 100.0, good.value_added, good.energy, good.emissions)
    _raises("start.population", "must be positive", kaya_decomposition, no_people, good)
    negative = KayaState(1.0, 100.0, good.value_added, [[1.0, -2.0], [3.0, 4.0]], good.emissions)
    _raises("end.energy", "negative", kaya_decomposition, good, negative)
    infinite = KayaState(1.0, math.inf, good.value_added, good.energy, good.emissions)
    _raises("start.gdp", "non-finite", kaya_decomposition, infinite, good)
    process = KayaState(1.0, 100.0, good.value_added, [[1.0, 0.0], [3.0, 4.0]], good.emissions)
    _raises("end.emissions", r"emissions\[0, 1\] is positive", kaya_decomposition, good, process)
    no_va = KayaState(1.0, 100.0, [60.0, 0.0], good.energy, good.emissions)
    _raises("end.value_added", r"value_added\[1\] is zero", kaya_decomposition, good, no_va)
