"""Handing a city target down to its districts, and checking that the children reconcile.

Methods: ``equal``; ``zone`` (a multiplier per main-function-zone type: ``optimized``,
``key``, ``moderate``, ``ecological``); weighted by ``gdp``, ``emissions`` or reduction
``potential``; ``manual`` (weights entered by hand). Targets entered by hand as finished
numbers are built directly as a ``TotalDecomposition`` / ``IntensityDecomposition`` and
checked with ``reconcile``.

Totals (a CO2 cap, a reduction amount). Each district gets ``parent * w_i / sum(w)``; for
``equal`` every ``w_i = 1`` and for ``zone`` ``w_i`` is its zone's multiplier. The children
sum to the parent.

Intensity (reduction rate of CO2 per GDP). District ``i`` has base emissions ``E_i``, base
GDP ``G_i`` and projected target-year GDP ``P_i``; its base intensity is ``E_i / G_i`` and
its target intensity ``E_i / G_i * (1 - r_i)``. Rates: ``equal`` gives every district the
city's rate ``r``; ``zone`` gives ``r * m_zone``; the weighted methods give
``r * w_i / w_bar`` with ``w_bar = sum(E_j * w_j) / sum(E_j)``, the emission-weighted mean
weight, so that under uniform GDP growth the city's rate is met exactly. With
``calibrate=True`` the city's ``r`` in these formulas is replaced by the one factor ``k`` that
makes the reconciliation below hold exactly with the projected GDP (it is linear in ``k``);
the method then fixes only how the effort is shared.

Reconciliation of an intensity decomposition: the city's implied target-year intensity is
the children's target intensities weighted by their projected GDP,

    I_city,T = sum(E_i / G_i * (1 - r_i) * P_i) / sum(P_i),

against the city's base intensity ``I_city,0 = sum(E_i) / sum(G_i)``. The implied rate is
``1 - I_city,T / I_city,0`` and the gap is implied rate minus the city's rate: the children
meet the city's target when the gap is not negative. When every district grows alike
(``P_i = g * G_i``) and every ``r_i = r``, ``I_city,T = (1 - r) * I_city,0`` exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from citycarbon.errors import CitycarbonError, Message

ZONE_TYPES = ("optimized", "key", "moderate", "ecological")


class DecompositionError(CitycarbonError):
    """A decomposition cannot be made from the given districts and method."""


class Method(StrEnum):
    EQUAL = "equal"
    ZONE = "zone"
    GDP = "gdp"
    EMISSIONS = "emissions"
    POTENTIAL = "potential"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class District:
    """What a decomposition may need to know of a district; unneeded fields stay None."""

    code: str
    zone: str | None = None
    gdp: float | None = None  # base year
    emissions: float | None = None  # base year
    potential: float | None = None  # reduction potential, any consistent unit
    projected_gdp: float | None = None  # target year


def _fail(zh: str, en: str, field: str | None = None) -> DecompositionError:
    return DecompositionError(Message(zh=zh, en=en), field=field)


def _value(district: District, name: str) -> float:
    return _non_negative(district.code, name, getattr(district, name))


def _non_negative(code: str, name: str, value: float | None) -> float:
    if value is None or not math.isfinite(value) or value < 0:
        raise _fail(
            f"区县 {code} 的 {name} 必须是非负有限数，实际为 {value!r}",
            f"district {code}: {name} must be a finite non-negative number, got {value!r}",
            name,
        )
    return float(value)


def _check_districts(districts: Sequence[District]) -> None:
    if not districts:
        raise _fail("没有可分解的区县", "there are no districts to decompose to", "districts")
    codes = [d.code for d in districts]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise _fail(
            f"区县代码重复：{', '.join(repeated)}",
            f"district codes repeat: {', '.join(repeated)}",
            "districts",
        )


def weights(
    districts: Sequence[District],
    method: Method,
    *,
    zone_multipliers: Mapping[str, float] | None = None,
    manual: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """The raw (not normalised) weight of each district under ``method``."""
    _check_districts(districts)
    method = Method(method)
    if method is Method.EQUAL:
        return {d.code: 1.0 for d in districts}
    if method is Method.ZONE:
        if not zone_multipliers:  # packaged: citycarbon_zone_target_multipliers
            raise _fail(
                "按主体功能区分解需要各类型的系数",
                "a split by main-function zone needs the multiplier of each zone type",
                "zone_multipliers",
            )
        multipliers = zone_multipliers
        raw = {d.code: _zone_multiplier(d, multipliers) for d in districts}
    elif method is Method.MANUAL:
        given = manual or {}
        raw = {}
        for d in districts:
            if d.code not in given:
                raise _fail(
                    f"手工分解缺少区县 {d.code} 的权重",
                    f"manual decomposition has no weight for district {d.code}",
                    "manual",
                )
            raw[d.code] = _non_negative(d.code, "manual", given[d.code])
    else:
        raw = {d.code: _value(d, method.value) for d in districts}
    if math.fsum(raw.values()) <= 0:
        raise _fail(
            f"按 {method.value} 分解时所有区县的权重都为 0",
            f"every district has a zero weight under method {method.value}",
            "weights",
        )
    return raw


def _zone_multiplier(district: District, multipliers: Mapping[str, float]) -> float:
    if district.zone not in ZONE_TYPES:
        raise _fail(
            f"区县 {district.code} 的主体功能区类型 {district.zone!r} 无效，应为："
            f"{', '.join(ZONE_TYPES)}",
            f"district {district.code}: main-function-zone type {district.zone!r} is not one "
            f"of: {', '.join(ZONE_TYPES)}",
            "zone",
        )
    if district.zone not in multipliers:
        raise _fail(
            f"没有主体功能区类型 {district.zone} 的系数",
            f"no multiplier for main-function-zone type {district.zone}",
            "zone_multipliers",
        )
    return _non_negative(district.code, "zone_multipliers", multipliers[district.zone])


@dataclass(frozen=True, slots=True)
class TotalDecomposition:
    parent_amount: float
    amounts: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class IntensityDecomposition:
    parent_rate: float
    rates: Mapping[str, float]
    districts: tuple[District, ...]


@dataclass(frozen=True, slots=True)
class Reconciliation:
    ok: bool
    parent: float  # the parent's amount or reduction rate
    implied: float  # what the children add up to
    gap: float  # implied - parent
    message: Message


def split_total(
    parent_amount: float,
    districts: Sequence[District],
    method: Method,
    *,
    zone_multipliers: Mapping[str, float] | None = None,
    manual: Mapping[str, float] | None = None,
) -> TotalDecomposition:
    """Share a total (a cap, a reduction amount) among districts in proportion to weights."""
    if not math.isfinite(parent_amount):
        raise _fail("城市目标总量无效", "the city's total is not a finite number", "parent")
    raw = weights(districts, method, zone_multipliers=zone_multipliers, manual=manual)
    total = math.fsum(raw.values())
    return TotalDecomposition(parent_amount, {c: parent_amount * w / total for c, w in raw.items()})


def split_intensity(
    parent_rate: float,
    districts: Sequence[District],
    method: Method,
    *,
    zone_multipliers: Mapping[str, float] | None = None,
    manual: Mapping[str, float] | None = None,
    calibrate: bool = False,
) -> IntensityDecomposition:
    """Differentiated intensity-reduction rates (see the module doc for each method)."""
    if not math.isfinite(parent_rate) or not 0 <= parent_rate < 1:
        raise _fail(
            f"城市强度下降率应在 [0, 1) 之间，实际为 {parent_rate!r}",
            f"the city's intensity reduction rate must lie in [0, 1), got {parent_rate!r}",
            "parent_rate",
        )
    method = Method(method)
    raw = weights(districts, method, zone_multipliers=zone_multipliers, manual=manual)
    # The method fixes the shape (relative rates); the city's rate, or calibration, the scale.
    if method in (Method.EQUAL, Method.ZONE):
        shape = dict(raw)
    else:
        emissions = {d.code: _value(d, "emissions") for d in districts}
        mean = math.fsum(emissions[c] * w for c, w in raw.items()) / math.fsum(emissions.values())
        if mean <= 0:
            raise _fail(
                "排放量为正的区县权重都为 0，无法区分下降率",
                "every district with emissions has a zero weight; rates cannot be set",
                "weights",
            )
        shape = {c: w / mean for c, w in raw.items()}
    scale = _calibrated_scale(parent_rate, districts, shape) if calibrate else parent_rate
    rates = {c: scale * w for c, w in shape.items()}
    too_high = sorted(c for c, r in rates.items() if r >= 1)
    if too_high:
        raise _fail(
            f"区县 {', '.join(too_high)} 的下降率达到或超过 100%，分解不可行",
            f"districts {', '.join(too_high)} would need a reduction of 100 % or more; "
            "the decomposition is not feasible",
            "rates",
        )
    return IntensityDecomposition(parent_rate, rates, tuple(districts))


def _calibrated_scale(
    parent_rate: float, districts: Sequence[District], shape: Mapping[str, float]
) -> float:
    """The k with sum(E_i * g_i * (1 - k * s_i)) = (1 - r) * I_0 * sum(P_i), g_i = P_i / G_i."""
    emissions, growth, projected, base_gdp = _intensity_inputs(districts)
    grown = math.fsum(emissions[c] * growth[c] for c in emissions)
    weighted = math.fsum(emissions[c] * growth[c] * shape[c] for c in emissions)
    wanted = (1 - parent_rate) * math.fsum(emissions.values()) / base_gdp * projected
    if weighted > 0:
        return (grown - wanted) / weighted
    if math.isclose(grown, wanted, rel_tol=1e-12):
        return 0.0  # the city meets its target with no district cutting at all
    raise _fail(
        "所有区县的相对下降率都为 0，无法校准到城市目标",
        "every district's relative rate is zero, so none can be scaled to the city's target",
        "rates",
    )


def _intensity_inputs(
    districts: Sequence[District],
) -> tuple[dict[str, float], dict[str, float], float, float]:
    """Base emissions, GDP growth factors, total projected GDP and total base GDP."""
    _check_districts(districts)
    emissions, growth = {}, {}
    for d in districts:
        gdp = _value(d, "gdp")
        if gdp == 0:
            raise _fail(
                f"区县 {d.code} 的基准 GDP 为 0，无法计算强度",
                f"district {d.code} has a base GDP of 0, so it has no intensity",
                "gdp",
            )
        emissions[d.code] = _value(d, "emissions")
        growth[d.code] = _value(d, "projected_gdp") / gdp
    projected = math.fsum(_value(d, "projected_gdp") for d in districts)
    if projected == 0 or math.fsum(emissions.values()) == 0:
        raise _fail(
            "城市预测 GDP 或基准排放总量为 0，无法计算强度",
            "the city's projected GDP or base emissions are zero; no intensity can be computed",
            "districts",
        )
    return emissions, growth, projected, math.fsum(_value(d, "gdp") for d in districts)


def implied_city_rate(decomposition: IntensityDecomposition) -> float:
    """The city's intensity reduction implied by the children's rates (module doc formula)."""
    emissions, growth, projected, base_gdp = _intensity_inputs(decomposition.districts)
    missing = sorted(set(emissions) - set(decomposition.rates))
    if missing:
        raise _fail(
            f"缺少区县 {', '.join(missing)} 的下降率",
            f"no reduction rate for districts {', '.join(missing)}",
            "rates",
        )
    # each district's target intensity times its projected GDP, rewritten with g_i = P_i / G_i
    target_emissions = math.fsum(
        emissions[c] * growth[c] * (1 - decomposition.rates[c]) for c in emissions
    )
    base_intensity = math.fsum(emissions.values()) / base_gdp
    return 1 - (target_emissions / projected) / base_intensity


def reconcile(
    decomposition: TotalDecomposition | IntensityDecomposition, *, tolerance: float = 1e-9
) -> Reconciliation:
    """Do the children reconcile with the parent? Totals must add up to the parent (within
    ``tolerance`` relative to it); intensity rates must imply at least the city's rate
    (within ``tolerance`` absolute)."""
    if isinstance(decomposition, TotalDecomposition):
        parent = decomposition.parent_amount
        implied = math.fsum(decomposition.amounts.values())
        gap = implied - parent
        ok = abs(gap) <= tolerance * max(1.0, abs(parent))
        verdict_zh = "与城市目标一致" if ok else ("超过城市目标" if gap > 0 else "低于城市目标")
        verdict_en = (
            "match the city's target"
            if ok
            else ("exceed the city's target" if gap > 0 else "fall short of the city's target")
        )
        return Reconciliation(
            ok,
            parent,
            implied,
            gap,
            Message(
                zh=f"区县目标合计 {implied:.6g}，城市目标 {parent:.6g}，"
                f"差额 {gap:+.6g}：{verdict_zh}",
                en=f"district targets add up to {implied:.6g} against the city's {parent:.6g} "
                f"(gap {gap:+.6g}): they {verdict_en}",
            ),
        )
    parent = decomposition.parent_rate
    implied = implied_city_rate(decomposition)
    gap = implied - parent
    ok = gap >= -tolerance
    verdict_zh = "达到城市强度目标" if ok else "未达到城市强度目标"
    verdict_en = "meets the city's intensity target" if ok else "misses the city's intensity target"
    return Reconciliation(
        ok,
        parent,
        implied,
        gap,
        Message(
            zh=f"按预测 GDP 折算，城市强度下降 {implied:.2%}，目标 {parent:.2%}，"
            f"差额 {gap * 100:+.2f} 个百分点：{verdict_zh}",
            en=f"with projected GDP the city's intensity falls by {implied:.2%} against a target "
            f"of {parent:.2%} (gap {gap * 100:+.2f} percentage points): this {verdict_en}",
        ),
    )
