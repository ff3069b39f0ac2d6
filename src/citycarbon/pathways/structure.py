"""Industry carbon transformation: maximum value added under a carbon and an energy cap.

For sectors ``s`` with value added ``VA_s`` (万元) in a target year, carbon intensity ``c_s``
(t CO2 per 万元) and energy intensity ``e_s`` (tce per 万元) — both the target year's, after
improvement — the linear programme is::

    maximise    Σ_s VA_s
    subject to  Σ_s c_s · VA_s ≤ C_cap          (carbon cap, t CO2)
                Σ_s e_s · VA_s ≤ E_cap          (energy cap, tce)
                L_s ≤ VA_s ≤ U_s                (growth bounds)

It is solved with HiGHS (``highspy``). Either cap may be absent (``None``). A carbon intensity
can be given directly or as ``c_s = e_s · f_s`` with ``f_s`` the sector's emission factor per tce
(``carbon_intensity_from_energy``). Growth bounds from yearly rates ``g_min``, ``g_max`` over
``n`` years are ``L_s = VA_s⁰ (1 + g_min)ⁿ`` and ``U_s = VA_s⁰ (1 + g_max)ⁿ`` (``growth_bounds``).

Feasibility. Intensities and bounds are non-negative, so both caps are easiest to meet with
every sector at its lower bound: the problem is feasible exactly when ``Σ c_s L_s ≤ C_cap`` and
``Σ e_s L_s ≤ E_cap``. This is checked before solving; a cap that fails is named in the error
with the shortfall ``Σ c_s L_s − C_cap``.

Shadow prices. The shadow price of a cap is ``∂(Σ VA) / ∂cap`` at the optimum: 万元 of value
added gained per extra t CO2 (or per extra tce) allowed, ≥ 0, and 0 for a cap with slack. It
is HiGHS's row dual of the maximisation, which HiGHS reports in that sign (tests check it
against a finite difference). In a two-sector problem where the carbon cap binds and the clean
sector sits at its upper bound, the marginal tonne goes to the dirty sector and the shadow
price is ``1 / c_dirty``. At a degenerate vertex (both caps exactly tight, or a sector exactly
at a bound) the duals are not unique; HiGHS returns one valid set.

A cap *binds* when its slack is at most ``BINDING_TOLERANCE × max(cap, 1)``; a binding cap can
still have a zero shadow price when the vertex is degenerate.

Structure path (``solve_structure_path``). Milestone years are solved in order; each year's
bounds grow from the previous year's optimal value added with that milestone's yearly rates
over the years between. The path is myopic (each milestone maximises its own year's value
added); a later milestone can become infeasible even though a path that held back earlier
would have met it — the error then names the milestone year.

Sector peak targets (``sector_peak_targets``). Given a city pathway (total emissions per year)
and each sector's share of emissions (for instance ``StructurePath.emission_shares``, scaled by
the share of city emissions the modelled sectors cover), the rule is: the sectors peak in the
city's peak year ``t*`` (the first year of maximum emissions, as ``peak.py`` defines it), and a
sector's peak target is ``share_s(t*) × E_city(t*)``. The shares at ``t*`` are interpolated
linearly between the years they are given for and held constant outside them; as the share rows
each sum to at most 1, so does the interpolated row, and the targets never sum to more than
the city peak. The remainder (sectors not modelled) is reported as ``unallocated``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import ArrayLike, NDArray

from citycarbon.errors import CitycarbonError, Message

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# A cap whose slack is within this share of the cap binds. HiGHS's primal feasibility
# tolerance is 1e-7; a relative 1e-7 keeps rounding from calling a slack cap binding.
BINDING_TOLERANCE = 1e-7
# Tolerance of the feasibility pre-check: a cap equal to the minimum need up to rounding is met.
_FEASIBILITY_TOLERANCE = 1e-9

CARBON_CAP = "carbon_cap"
ENERGY_CAP = "energy_cap"


class StructureError(CitycarbonError):
    """Inputs to the structure optimisation are malformed, or the solver failed."""


class CapInfeasibleError(StructureError):
    """A cap is below what the sectors emit (or use) with all of them at their lower bounds.

    ``shortfalls`` maps each cap that cannot be met (``carbon_cap``, ``energy_cap``) to how much
    it would have to rise; ``year`` is the milestone year in a path, else ``None``.
    """

    def __init__(
        self, message: Message, field: str, shortfalls: dict[str, float], year: int | None
    ) -> None:
        super().__init__(message, field=field)
        self.shortfalls = shortfalls
        self.year = year


def _fail(zh: str, en: str, field: str) -> StructureError:
    return StructureError(Message(zh=zh, en=en), field=field)


def _frozen(array: FloatArray) -> FloatArray:
    array.setflags(write=False)
    return array


@dataclass(frozen=True, slots=True, eq=False)
class StructureSolution:
    """The optimal structure of one target year: value added 万元, carbon t CO2, energy tce.

    Shadow prices are 万元 of value added per extra t CO2 (carbon) or per extra tce (energy),
    ≥ 0; 0 for an absent or slack cap.
    """

    sectors: tuple[str, ...]
    value_added: FloatArray
    sector_emissions: FloatArray
    sector_energy: FloatArray
    carbon_cap: float | None
    energy_cap: float | None
    carbon_binding: bool
    energy_binding: bool
    carbon_shadow_price: float
    energy_shadow_price: float
    at_upper: BoolArray
    at_lower: BoolArray
    status: str  # HiGHS's model status text: "Optimal" (anything else raises)

    @property
    def total_value_added(self) -> float:
        return float(self.value_added.sum())

    @property
    def emissions(self) -> float:
        return float(self.sector_emissions.sum())

    @property
    def energy(self) -> float:
        return float(self.sector_energy.sum())

    @property
    def shares(self) -> FloatArray:
        """Value-added shares: the industry structure. All zero when total value added is 0."""
        return _shares(self.value_added)

    @property
    def emission_shares(self) -> FloatArray:
        return _shares(self.sector_emissions)

    @property
    def binding_caps(self) -> tuple[str, ...]:
        names = ((CARBON_CAP, self.carbon_binding), (ENERGY_CAP, self.energy_binding))
        return tuple(name for name, binds in names if binds)


def _shares(values: FloatArray) -> FloatArray:
    total = float(values.sum())
    return np.zeros_like(values) if total <= 0 else values / total


def _vector(values: ArrayLike, field: str, size: int) -> FloatArray:
    """A finite, non-negative float vector of ``size`` entries; a scalar is broadcast."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise _fail(f"{field} 不是数值数组", f"{field} is not a numeric array", field) from None
    if array.ndim == 0:
        array = np.full(size, float(array))
    if array.shape != (size,):
        raise _fail(
            f"{field} 应有 {size} 个值（每个部门一个），实际形状为 {array.shape}",
            f"{field} needs {size} values (one per sector), got shape {array.shape}",
            field,
        )
    if not np.all(np.isfinite(array)):
        raise _fail(
            f"{field} 含有非有限值（NaN 或无穷）",
            f"{field} contains non-finite values (NaN or infinity)",
            field,
        )
    if np.any(array < 0):
        raise _fail(f"{field} 含有负值", f"{field} contains negative values", field)
    return array.copy()


def _sector_names(sectors: Sequence[str]) -> tuple[str, ...]:
    names = tuple(sectors)
    if not names:
        raise _fail("至少需要一个部门", "at least one sector is needed", "sectors")
    if any(not isinstance(n, str) or not n.strip() for n in names):
        raise _fail("部门名称必须是非空字符串", "sector names must be non-empty strings", "sectors")
    if len(set(names)) != len(names):
        raise _fail("部门名称有重复", "sector names are not unique", "sectors")
    return names


def _cap(value: float | None, field: str) -> float | None:
    if value is None:
        return None
    cap = float(value)
    if not np.isfinite(cap) or cap < 0:
        raise _fail(
            f"{field} 必须是有限的非负数（或不设上限）",
            f"{field} must be a finite non-negative number (or absent)",
            field,
        )
    return cap


def carbon_intensity_from_energy(
    energy_intensity: ArrayLike, emission_factor: ArrayLike
) -> FloatArray:
    """``c_s = e_s · f_s``: t CO2 per 万元 from tce per 万元 and t CO2 per tce."""
    energy = np.asarray(energy_intensity, dtype=np.float64)
    size = 1 if energy.ndim == 0 else len(energy)
    return _vector(energy, "energy_intensity", size) * _vector(
        emission_factor, "emission_factor", size
    )


def _rates(values: ArrayLike, field: str, size: int) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise _fail(f"{field} 不是数值数组", f"{field} is not a numeric array", field) from None
    if array.ndim == 0:
        array = np.full(size, float(array))
    if array.shape != (size,) or not np.all(np.isfinite(array)) or np.any(array <= -1):
        raise _fail(
            f"{field} 应为每个部门一个大于 -1 的有限年增长率",
            f"{field} needs one finite yearly growth rate above -1 per sector",
            field,
        )
    return array


def growth_bounds(
    value_added: ArrayLike, years: int, min_rate: ArrayLike, max_rate: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """``(L, U) = VA⁰ (1 + g_min)ⁿ, VA⁰ (1 + g_max)ⁿ`` over ``n = years``; rates per year."""
    base = np.asarray(value_added, dtype=np.float64)
    size = 1 if base.ndim == 0 else len(base)
    base = _vector(base, "value_added", size)
    if isinstance(years, bool) or not isinstance(years, int | np.integer) or years < 0:
        raise _fail("年数必须是非负整数", "years must be a non-negative integer", "years")
    low = _rates(min_rate, "min_growth", size)
    high = _rates(max_rate, "max_growth", size)
    if np.any(low > high):
        raise _fail(
            "最低增长率高于最高增长率", "min_growth is above max_growth for a sector", "min_growth"
        )
    return base * (1.0 + low) ** years, base * (1.0 + high) ** years


def _infeasible(
    needs: dict[str, tuple[float, float]], year: int | None
) -> CapInfeasibleError | None:
    """The error for the caps below their minimum need ``{cap: (need, cap)}``, or ``None``."""
    labels = {
        CARBON_CAP: ("碳排放上限", "carbon cap", "t CO2", "排放", "emitted"),
        ENERGY_CAP: ("能耗上限", "energy cap", "tce", "能耗", "used"),
    }
    shortfalls: dict[str, float] = {}
    zh_parts: list[str] = []
    en_parts: list[str] = []
    for name, (need, cap) in needs.items():
        if need - cap <= _FEASIBILITY_TOLERANCE * max(abs(cap), 1.0):
            continue
        shortfalls[name] = need - cap
        zh_name, en_name, unit, zh_verb, en_verb = labels[name]
        zh_parts.append(
            f"{zh_name} {cap:.6g} {unit} 低于各部门取最低增加值时的{zh_verb} {need:.6g} {unit}，"
            f"需至少提高 {need - cap:.6g} {unit}"
        )
        en_parts.append(
            f"the {en_name} of {cap:.6g} {unit} is below the {need:.6g} {unit} {en_verb} with "
            f"every sector at its minimum value added; it must rise by {need - cap:.6g} {unit}"
        )
    if not shortfalls:
        return None
    zh_year = "" if year is None else f"{year} 年："
    en_year = "" if year is None else f"{year}: "
    message = Message(
        zh=zh_year + "；".join(zh_parts) + "。", en=en_year + "; ".join(en_parts) + "."
    )
    return CapInfeasibleError(message, next(iter(shortfalls)), shortfalls, year)


def optimise_structure(
    sectors: Sequence[str],
    *,
    carbon_intensity: ArrayLike,
    energy_intensity: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    carbon_cap: float | None,
    energy_cap: float | None,
    year: int | None = None,
) -> StructureSolution:
    """Solve the LP of the module docstring for one target year. ``year`` only labels errors."""
    names = _sector_names(sectors)
    size = len(names)
    carbon = _vector(carbon_intensity, "carbon_intensity", size)
    energy = _vector(energy_intensity, "energy_intensity", size)
    low = _vector(lower, "lower", size)
    high = _vector(upper, "upper", size)
    if np.any(low > high):
        bad = names[int(np.argmax(low > high))]
        raise _fail(
            f"部门 {bad} 的增加值下限高于上限",
            f"the lower bound of sector {bad} is above its upper bound",
            "lower",
        )
    c_cap = _cap(carbon_cap, CARBON_CAP)
    e_cap = _cap(energy_cap, ENERGY_CAP)
    caps = {
        name: cap for name, cap in ((CARBON_CAP, c_cap), (ENERGY_CAP, e_cap)) if cap is not None
    }
    coefficients = {CARBON_CAP: carbon, ENERGY_CAP: energy}
    error = _infeasible({k: (float(coefficients[k] @ low), cap) for k, cap in caps.items()}, year)
    if error is not None:
        raise error

    value_added, duals, status = _solve_lp(
        low, high, [coefficients[k] for k in caps], [caps[k] for k in caps]
    )
    value_added = np.clip(value_added, low, high)
    # A slack cap's dual is 0 up to rounding; clip the rounding so it never reads as negative.
    dual_of = {name: max(dual, 0.0) for name, dual in zip(caps, duals, strict=True)}
    emissions = carbon * value_added
    used = energy * value_added

    def binds(cap: float | None, total: float) -> bool:
        return cap is not None and cap - total <= BINDING_TOLERANCE * max(cap, 1.0)

    scale = np.maximum(high, 1.0)
    return StructureSolution(
        sectors=names,
        value_added=_frozen(value_added),
        sector_emissions=_frozen(emissions),
        sector_energy=_frozen(used),
        carbon_cap=c_cap,
        energy_cap=e_cap,
        carbon_binding=binds(c_cap, float(emissions.sum())),
        energy_binding=binds(e_cap, float(used.sum())),
        carbon_shadow_price=dual_of.get(CARBON_CAP, 0.0),
        energy_shadow_price=dual_of.get(ENERGY_CAP, 0.0),
        at_upper=high - value_added <= BINDING_TOLERANCE * scale,
        at_lower=value_added - low <= BINDING_TOLERANCE * scale,
        status=status,
    )


def _solve_lp(
    lower: FloatArray, upper: FloatArray, rows: list[FloatArray], caps: list[float]
) -> tuple[FloatArray, list[float], str]:
    """Maximise Σ x over ``lower ≤ x ≤ upper`` and ``row · x ≤ cap``: x, the row duals, status."""
    size = len(lower)
    solver = highspy.Highs()  # type: ignore[no-untyped-call]  # the wrapper's __init__ is untyped
    solver.setOptionValue("output_flag", False)
    solver.addVars(size, lower, upper)
    solver.changeColsCost(size, np.arange(size, dtype=np.int32), np.ones(size))
    if rows:
        matrix = np.vstack(rows)
        solver.addRows(
            len(rows),
            np.full(len(rows), -highspy.kHighsInf),
            np.asarray(caps, dtype=np.float64),
            matrix.size,
            np.arange(0, matrix.size, size, dtype=np.int32),
            np.tile(np.arange(size, dtype=np.int32), len(rows)),
            matrix.ravel(),
        )
    solver.changeObjectiveSense(highspy.ObjSense.kMaximize)
    run_status = solver.run()
    model_status = solver.getModelStatus()
    text = solver.modelStatusToString(model_status)
    if (
        run_status == highspy.HighsStatus.kError
        or model_status != highspy.HighsModelStatus.kOptimal
    ):
        raise _fail(f"求解器未找到最优解：{text}", f"the solver found no optimum: {text}", "solver")
    solution = solver.getSolution()
    return np.asarray(solution.col_value, dtype=np.float64), list(solution.row_dual), text


@dataclass(frozen=True, slots=True)
class Milestone:
    """A target year of the structure path: its caps, intensities and yearly growth bounds.

    Intensities are the milestone year's (after improvement); growth rates are per year and
    apply over the years since the previous milestone (or the base year); a scalar applies to
    every sector.
    """

    year: int
    carbon_cap: float | None
    energy_cap: float | None
    carbon_intensity: ArrayLike
    energy_intensity: ArrayLike
    min_growth: ArrayLike
    max_growth: ArrayLike


@dataclass(frozen=True, slots=True, eq=False)
class StructurePath:
    """The optimal structure per milestone year; arrays are ``(years, sectors)`` or ``(years,)``."""

    sectors: tuple[str, ...]
    base_year: int
    base_value_added: FloatArray
    milestone_years: tuple[int, ...]
    solutions: tuple[StructureSolution, ...]

    @property
    def years(self) -> NDArray[np.int64]:
        return np.array(self.milestone_years, dtype=np.int64)

    def _per_year(self, field: str) -> FloatArray:
        """One solution field for every milestone year (rows = years)."""
        return np.array([getattr(s, field) for s in self.solutions], dtype=np.float64)

    @property
    def value_added(self) -> FloatArray:
        return self._per_year("value_added")

    @property
    def shares(self) -> FloatArray:
        return self._per_year("shares")

    @property
    def emission_shares(self) -> FloatArray:
        return self._per_year("emission_shares")

    @property
    def total_value_added(self) -> FloatArray:
        return self._per_year("total_value_added")

    @property
    def emissions(self) -> FloatArray:
        return self._per_year("emissions")

    @property
    def energy(self) -> FloatArray:
        return self._per_year("energy")

    @property
    def carbon_shadow_price(self) -> FloatArray:
        return self._per_year("carbon_shadow_price")

    @property
    def energy_shadow_price(self) -> FloatArray:
        return self._per_year("energy_shadow_price")


def solve_structure_path(
    sectors: Sequence[str],
    base_year: int,
    base_value_added: ArrayLike,
    milestones: Sequence[Milestone],
) -> StructurePath:
    """Solve each milestone in year order, its bounds grown from the previous optimum."""
    names = _sector_names(sectors)
    base = _vector(base_value_added, "base_value_added", len(names))
    if not milestones:
        raise _fail("至少需要一个目标年份", "at least one milestone year is needed", "milestones")
    previous_year, previous_value_added = base_year, base
    solutions: list[StructureSolution] = []
    for milestone in milestones:
        if milestone.year <= previous_year:
            raise _fail(
                f"目标年份 {milestone.year} 必须晚于 {previous_year}（基准年及之前的目标年份）",
                f"milestone year {milestone.year} must come after {previous_year} "
                "(the base year and earlier milestones)",
                "milestones",
            )
        lower, upper = growth_bounds(
            previous_value_added,
            milestone.year - previous_year,
            milestone.min_growth,
            milestone.max_growth,
        )
        solution = optimise_structure(
            names,
            carbon_intensity=milestone.carbon_intensity,
            energy_intensity=milestone.energy_intensity,
            lower=lower,
            upper=upper,
            carbon_cap=milestone.carbon_cap,
            energy_cap=milestone.energy_cap,
            year=milestone.year,
        )
        solutions.append(solution)
        previous_year, previous_value_added = milestone.year, solution.value_added
    return StructurePath(
        sectors=names,
        base_year=base_year,
        base_value_added=_frozen(base),
        milestone_years=tuple(m.year for m in milestones),
        solutions=tuple(solutions),
    )


@dataclass(frozen=True, slots=True, eq=False)
class SectorPeakTargets:
    """Each sector's peak target: its share of the city's peak emissions, in the city's peak year.

    ``peaked_in_horizon`` is false when the city's maximum is its last year: the pathway has not
    peaked, so the "peak" is only the horizon's end value.
    """

    sectors: tuple[str, ...]
    peak_year: int
    city_peak: float
    peaked_in_horizon: bool
    shares: FloatArray
    targets: FloatArray
    unallocated: float

    def as_dict(self) -> dict[str, float]:
        return {name: float(v) for name, v in zip(self.sectors, self.targets, strict=True)}


def _years(values: ArrayLike, field: str) -> NDArray[np.int64]:
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
        raise _fail(
            f"{field} 应为非空的整数年份序列", f"{field} must be non-empty integer years", field
        )
    if np.any(np.diff(array) <= 0):
        raise _fail(f"{field} 必须严格递增", f"{field} must be strictly increasing", field)
    return array.astype(np.int64)


def sector_peak_targets(
    years: ArrayLike,
    city_emissions: ArrayLike,
    sectors: Sequence[str],
    share_years: ArrayLike,
    sector_shares: ArrayLike,
) -> SectorPeakTargets:
    """Sector peak targets from a city pathway; the rule is in the module docstring.

    ``sector_shares`` has one row per ``share_years`` entry and one column per sector; rows are
    non-negative and sum to at most 1 (the share of city emissions each sector makes).
    """
    names = _sector_names(sectors)
    pathway_years = _years(years, "years")
    emissions = _vector(city_emissions, "city_emissions", len(pathway_years))
    at_years = _years(share_years, "share_years")
    try:
        shares = np.asarray(sector_shares, dtype=np.float64)
    except (TypeError, ValueError):
        raise _fail(
            "sector_shares 不是数值数组", "sector_shares is not a numeric array", "sector_shares"
        ) from None
    if shares.shape != (len(at_years), len(names)):
        raise _fail(
            f"sector_shares 的形状应为 {(len(at_years), len(names))}（年份 × 部门），"
            f"实际为 {shares.shape}",
            f"sector_shares must have shape {(len(at_years), len(names))} (years × sectors), "
            f"got {shares.shape}",
            "sector_shares",
        )
    if not np.all(np.isfinite(shares)) or np.any(shares < 0):
        raise _fail(
            "sector_shares 含有负值或非有限值",
            "sector_shares contains negative or non-finite values",
            "sector_shares",
        )
    if np.any(shares.sum(axis=1) > 1.0 + _FEASIBILITY_TOLERANCE):
        raise _fail(
            "某年各部门份额之和超过 1",
            "the sector shares of a year sum to more than 1",
            "sector_shares",
        )
    peak_index = int(np.argmax(emissions))  # the first year of the maximum
    peak_year = int(pathway_years[peak_index])
    city_peak = float(emissions[peak_index])
    # Linear in the year between the given years, held constant outside (np.interp clamps).
    at_peak = np.array(
        [np.interp(peak_year, at_years, shares[:, j]) for j in range(len(names))],
        dtype=np.float64,
    )
    targets = at_peak * city_peak
    return SectorPeakTargets(
        sectors=names,
        peak_year=peak_year,
        city_peak=city_peak,
        peaked_in_horizon=peak_index < len(pathway_years) - 1,
        shares=_frozen(at_peak),
        targets=_frozen(targets),
        unallocated=max(city_peak - float(targets.sum()), 0.0),
    )
