"""Monte Carlo over scenario parameters: bands per year and the probability of having peaked.

Each uncertain parameter of a scenario gets a distribution (normal, lognormal, uniform,
triangular). :func:`simulate` draws ``D`` values of each, in the order the parameters are
listed, from one ``numpy.random.Generator`` seeded with ``seed`` (so a run is reproducible),
and recomputes the projection for all draws at once. Parameters, by address:

* ``drivers.<name>.growth`` — the yearly growth rate of a constant-growth driver;
* ``drivers.<name>.growth_shift`` — added to a growth driver's rate in every year;
* ``drivers.<name>.change_scale`` — multiplies any driver's change from its base value,
  ``v'_t = v_0 + x (v_t - v_0)`` (1 = as planned);
* the same three for ``grid`` and ``sinks`` (e.g. ``grid.growth`` for the grid factor's decline);
* ``sectors.<name>.improvement`` — a sector's yearly intensity improvement rate.

On one driver, ``growth`` applies before ``growth_shift`` and both before ``change_scale``.

With ``E_{d,s,t} = A_{d,s,t} I_{d,s,t}``, ``b_{s,t}`` the CO2e per tce of the sector's fuels
other than electricity and ``l_{s,t}`` its electricity share, the totals per draw and year are

    energy_{d,t} = Σ_s E_{d,s,t}
    gross_{d,t}  = Σ_s E_{d,s,t} b_{s,t} + (G_{d,t} / c) Σ_s E_{d,s,t} l_{s,t}
    net_{d,t}    = gross_{d,t} - sinks_{d,t}

(the same arithmetic as :func:`citycarbon.pathways.scenario.project`; fuel shares and emission
factors are not sampled). The arrays are draws × years; the only Python loop is over sectors,
each step a whole draws × years array, so that nothing of size draws × years × sectors is
materialised. Bands are the 5th, 50th and 95th percentiles over draws in each year.

Non-energy sources (``other``) add ``A_{d,o,t} · c_{o,t}`` with ``c`` their CO2e per unit of
activity; their activity drivers are sampled like the sectors' when they are uncertain.

Peak: every draw's gross emissions go through :func:`citycarbon.pathways.peak.detect_peaks`,
the same rule as a single pathway (plateau tolerance, confirmation years). The probability of
having peaked by year ``y`` is the share of draws that peaked (or hold a plateau) with the
peak year at or before ``y``; it never decreases.

As data (a scenario's ``uncertainty`` block, see :func:`uncertain_from_dict`): parameter
address → one distribution, ``{"normal": {"mean": 0, "sd": 0.01}}``, ``{"lognormal":
{"median": 1, "sigma": 0.1}}``, ``{"uniform": {"low": 0.9, "high": 1.1}}`` or
``{"triangular": {"low": 0.9, "mode": 1, "high": 1.2}}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from citycarbon.errors import CitycarbonError, Message
from citycarbon.pathways.drivers import Driver, FloatArray, grow
from citycarbon.pathways.peak import CONFIRM_YEARS, PLATEAU_TOLERANCE, PathPeaks, detect_peaks
from citycarbon.pathways.scenario import ELECTRICITY, Scenario, compile_arrays

BAND_PERCENTILES = (5.0, 50.0, 95.0)


class MonteCarloError(CitycarbonError):
    """A distribution is malformed, or an uncertain parameter does not fit the scenario."""


def _fail(zh: str, en: str, field: str | None = None) -> MonteCarloError:
    return MonteCarloError(Message(zh=zh, en=en), field=field)


def _check(ok: bool, what: str, zh: str, en: str) -> None:
    if not ok:
        raise _fail(f"{what}：{zh}", f"{what}: {en}", what)


class Distribution(Protocol):
    def sample(self, rng: np.random.Generator, draws: int) -> FloatArray: ...


def _finite(*values: float) -> bool:
    return all(np.isfinite(v) for v in values)


@dataclass(frozen=True, slots=True)
class Normal:
    mean: float
    sd: float

    def __post_init__(self) -> None:
        _check(
            _finite(self.mean, self.sd) and self.sd >= 0,
            "normal",
            "均值和标准差须为有限数，标准差不能为负",
            "mean and sd must be finite and sd may not be negative",
        )

    def sample(self, rng: np.random.Generator, draws: int) -> FloatArray:
        return rng.normal(self.mean, self.sd, draws)


@dataclass(frozen=True, slots=True)
class LogNormal:
    """``median · exp(sigma · z)``: the median and the sd of the logarithm."""

    median: float
    sigma: float

    def __post_init__(self) -> None:
        _check(
            _finite(self.median, self.sigma) and self.median > 0 and self.sigma >= 0,
            "lognormal",
            "中位数须大于 0，sigma 不能为负",
            "the median must be positive and sigma may not be negative",
        )

    def sample(self, rng: np.random.Generator, draws: int) -> FloatArray:
        out: FloatArray = self.median * np.exp(self.sigma * rng.standard_normal(draws))
        return out


@dataclass(frozen=True, slots=True)
class Uniform:
    low: float
    high: float

    def __post_init__(self) -> None:
        _check(
            _finite(self.low, self.high) and self.low <= self.high,
            "uniform",
            "下限不能大于上限",
            "low may not exceed high",
        )

    def sample(self, rng: np.random.Generator, draws: int) -> FloatArray:
        return rng.uniform(self.low, self.high, draws)


@dataclass(frozen=True, slots=True)
class Triangular:
    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        _check(
            _finite(self.low, self.mode, self.high) and self.low <= self.mode <= self.high,
            "triangular",
            "须满足 low ≤ mode ≤ high",
            "needs low ≤ mode ≤ high",
        )

    def sample(self, rng: np.random.Generator, draws: int) -> FloatArray:
        if self.low == self.high:  # numpy refuses a zero-width triangle
            return np.full(draws, self.low)
        return rng.triangular(self.low, self.mode, self.high, draws)


@dataclass(frozen=True, slots=True)
class Uncertain:
    """A distribution attached to one scenario parameter (addresses in the module doc)."""

    parameter: str
    distribution: Distribution


_DRIVER_KINDS = ("growth", "growth_shift", "change_scale")


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    years: npt.NDArray[np.int64]  # (T,)
    energy: FloatArray  # (D, T) tce
    gross: FloatArray  # (D, T) t CO2e
    net: FloatArray  # (D, T) t CO2e after sinks
    bands: FloatArray  # (3, T) P5, P50, P95 of gross emissions
    net_bands: FloatArray  # (3, T) the same for net emissions
    peaks: PathPeaks  # per draw: status, peak year and value, plateau

    @property
    def peaked(self) -> npt.NDArray[np.bool_]:
        """(D,) draws that peaked or hold a plateau."""
        return self.peaks.has_peaked()

    @property
    def peak_year(self) -> npt.NDArray[np.int64]:
        """(D,) the year of each draw's maximum; meaningful where ``peaked``."""
        return self.peaks.peak_year

    @property
    def probability_peaked_by(self) -> FloatArray:
        """(T,) share of draws peaked by each year, non-decreasing."""
        return self.peaks.probability_curve()

    @property
    def p5(self) -> FloatArray:
        row: FloatArray = self.bands[0]
        return row

    @property
    def p50(self) -> FloatArray:
        row: FloatArray = self.bands[1]
        return row

    @property
    def p95(self) -> FloatArray:
        row: FloatArray = self.bands[2]
        return row


def _driver_draws(
    driver: Driver, path: FloatArray, mods: dict[str, FloatArray], t0: int, t1: int, where: str
) -> FloatArray:
    """A driver's path under its sampled parameters: (T,) if none, else (D, T)."""
    if not mods:
        return path
    out = path
    growth_field = f"{where}.growth" if "growth" in mods else f"{where}.growth_shift"
    if "growth" in mods or "growth_shift" in mods:
        if driver.growth is None:
            raise _fail(
                f"{where} 不是按增长率给出的，不能对增长率抽样",
                f"{where} is not a growth driver; its growth cannot be sampled",
                growth_field,
            )
        rates = driver.growth_rates(t0, t1)[None, :]
        if "growth" in mods:
            if driver.growth_changes:
                raise _fail(
                    f"{where} 的增长率分段给出，请改用 growth_shift",
                    f"{where} has piecewise growth; sample growth_shift instead",
                    f"{where}.growth",
                )
            rates = np.broadcast_to(mods["growth"][:, None], (mods["growth"].size, t1 - t0))
        if "growth_shift" in mods:
            rates = rates + mods["growth_shift"][:, None]
        if np.any(rates <= -1):
            raise _fail(
                f"{where} 的抽样增长率低于 -100%",
                f"{where}: a sampled growth rate is at or below -100 %",
                growth_field,
            )
        out = grow(driver.base, rates)
    if "change_scale" in mods:
        out = driver.base + mods["change_scale"][:, None] * (out - driver.base)
    if driver.nonnegative and np.any(out < 0):
        last = f"{where}.change_scale" if "change_scale" in mods else growth_field
        raise _fail(f"{where} 的抽样结果出现负值", f"{where}: sampled values go negative", last)
    return out


def _group(
    scenario: Scenario, uncertain: Sequence[Uncertain], samples: list[FloatArray]
) -> tuple[dict[str, dict[str, FloatArray]], dict[str, FloatArray]]:
    """Sort the samples by target: drivers (incl. ``grid``/``sinks``) and sector improvements."""
    drivers: dict[str, dict[str, FloatArray]] = {}
    improvements: dict[str, FloatArray] = {}
    for item, values in zip(uncertain, samples, strict=True):
        parts = item.parameter.split(".")
        where = item.parameter
        if len(parts) == 3 and parts[0] == "drivers" and parts[2] in _DRIVER_KINDS:
            if parts[1] not in scenario.drivers:
                raise _fail(f"未知驱动因素：{where}", f"unknown driver: {where}", where)
            target, kind = f"drivers.{parts[1]}", parts[2]
        elif len(parts) == 2 and parts[0] in {"grid", "sinks"} and parts[1] in _DRIVER_KINDS:
            if getattr(scenario, parts[0]) is None:
                raise _fail(f"情景没有 {parts[0]}", f"the scenario has no {parts[0]}", where)
            target, kind = parts[0], parts[1]
        elif len(parts) == 3 and parts[0] == "sectors" and parts[2] == "improvement":
            sector = scenario.sectors.get(parts[1])
            if sector is None:
                raise _fail(f"未知部门：{where}", f"unknown sector: {where}", where)
            if sector.intensity_milestones:
                raise _fail(
                    f"{where}：该部门的强度按里程碑给出，没有年下降率",
                    f"{where}: the sector's intensity is given by milestones, not a rate",
                    where,
                )
            if parts[1] in improvements:
                raise _fail(f"参数重复：{where}", f"parameter given twice: {where}", where)
            if np.any(values >= 1):
                raise _fail(
                    f"{where} 的抽样值达到 100%", f"{where}: a sampled rate reaches 100 %", where
                )
            improvements[parts[1]] = values
            continue
        else:
            raise _fail(
                f"无法识别的不确定参数：{where!r}（见 montecarlo 模块说明）",
                f"unknown uncertain parameter {where!r} (see the montecarlo module doc)",
                where,
            )
        mods = drivers.setdefault(target, {})
        if kind in mods:
            raise _fail(f"参数重复：{where}", f"parameter given twice: {where}", where)
        mods[kind] = values
    return drivers, improvements


def simulate(
    scenario: Scenario,
    uncertain: Sequence[Uncertain],
    draws: int,
    seed: int | None = None,
    *,
    tolerance: float = PLATEAU_TOLERANCE,
    confirm_years: int = CONFIRM_YEARS,
) -> MonteCarloResult:
    """Run ``draws`` projections with the parameters sampled (see module doc)."""
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise _fail(
            f"抽样次数须为正整数：{draws!r}",
            f"draws must be a positive integer, got {draws!r}",
            "draws",
        )
    rng = np.random.default_rng(seed)
    samples = [np.asarray(u.distribution.sample(rng, draws), dtype=np.float64) for u in uncertain]
    driver_mods, improvements = _group(scenario, uncertain, samples)
    arrays = compile_arrays(scenario)
    t0, t1 = scenario.base_year, scenario.end_year
    steps = np.arange(t1 - t0 + 1, dtype=np.float64)

    def driver_path(key: str, driver: Driver, path: FloatArray) -> FloatArray:
        return _driver_draws(driver, path, driver_mods.get(key, {}), t0, t1, key)

    # one path per activity driver, however many sectors share it
    columns = {s.activity: arrays.activity[:, j] for j, s in enumerate(scenario.sectors.values())}
    for k, source in enumerate(scenario.other.values()):
        columns.setdefault(source.activity, arrays.other_activity[:, k])
    paths = {
        name: driver_path(f"drivers.{name}", scenario.drivers[name], path)
        for name, path in columns.items()
    }
    grid = arrays.grid
    if scenario.grid is not None:
        grid = driver_path("grid", scenario.grid, grid)
    sinks = arrays.sinks
    if scenario.sinks is not None:
        sinks = driver_path("sinks", scenario.sinks, sinks)

    has_electricity = bool(arrays.fuels) and arrays.fuels[-1] == ELECTRICITY
    fuel_co2e = arrays.fuel_co2e
    fossil_factor = arrays.shares @ fuel_co2e  # (T, S); electricity's row of factors is zero
    electric_share = arrays.shares[:, :, -1] if has_electricity else np.zeros_like(fossil_factor)

    shape = (draws, steps.size)
    energy: FloatArray = np.zeros(shape)
    fossil: FloatArray = np.zeros(shape)
    electric: FloatArray = np.zeros(shape)
    sector_energy, weighted = np.empty(shape), np.empty(shape)  # reused: no temporaries
    for j, (name, sector) in enumerate(scenario.sectors.items()):
        intensity = arrays.intensity[:, j]
        if name in improvements:
            rates = np.broadcast_to(-improvements[name][:, None], (draws, steps.size - 1))
            intensity = grow(sector.intensity, rates)
        np.multiply(paths[sector.activity], intensity, out=sector_energy)
        energy += sector_energy
        fossil += np.multiply(sector_energy, fossil_factor[:, j], out=weighted)
        if has_electricity:
            electric += np.multiply(sector_energy, electric_share[:, j], out=weighted)
    gross = fossil + electric * (grid / arrays.tce_per_mwh) if has_electricity else fossil
    other_co2e = arrays.other_factors @ arrays.gwp  # (T, O) CO2e per unit of activity
    for k, source in enumerate(scenario.other.values()):
        gross += np.multiply(paths[source.activity], other_co2e[:, k], out=weighted)
    net = gross - sinks
    years = arrays.years.astype(np.int64)
    peaks = detect_peaks(years, gross, tolerance=tolerance, confirm_years=confirm_years)
    return MonteCarloResult(
        years=years,
        energy=energy,
        gross=gross,
        net=net,
        bands=np.percentile(gross, BAND_PERCENTILES, axis=0),
        net_bands=np.percentile(net, BAND_PERCENTILES, axis=0),
        peaks=peaks,
    )


_DISTRIBUTIONS: dict[str, type[Normal | LogNormal | Uniform | Triangular]] = {
    "normal": Normal,
    "lognormal": LogNormal,
    "uniform": Uniform,
    "triangular": Triangular,
}


def uncertain_from_dict(data: Mapping[str, Any]) -> list[Uncertain]:
    """The uncertain parameters of a scenario's ``uncertainty`` block, in their listed order.

    Addresses are checked against a scenario only by :func:`simulate`; here each entry must be
    one known distribution with exactly its parameters, as finite numbers."""
    out: list[Uncertain] = []
    for address, spec in data.items():
        where = f"uncertainty.{address}"
        if not isinstance(spec, Mapping) or len(spec) != 1:
            raise _fail(
                f"{where} 应给出一种分布，如 {{normal: {{mean: 0, sd: 0.01}}}}",
                f"{where} must give one distribution, e.g. {{normal: {{mean: 0, sd: 0.01}}}}",
                where,
            )
        (kind, params), *_ = spec.items()
        cls = _DISTRIBUTIONS.get(str(kind))
        if cls is None:
            known = ", ".join(_DISTRIBUTIONS)
            raise _fail(
                f"{where}：未知分布 {kind!r}（可用：{known}）",
                f"{where}: unknown distribution {kind!r} (known: {known})",
                where,
            )
        names = [f.name for f in fields(cls)]
        if not isinstance(params, Mapping) or sorted(map(str, params)) != sorted(names):
            raise _fail(
                f"{where}.{kind} 的参数应为 {', '.join(names)}",
                f"{where}.{kind} takes exactly {', '.join(names)}",
                f"{where}.{kind}",
            )
        values = {str(k): v for k, v in params.items()}
        if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values.values()):
            raise _fail(
                f"{where}.{kind} 的参数必须是数值",
                f"{where}.{kind}: parameters must be numbers",
                f"{where}.{kind}",
            )
        try:
            distribution = cls(**{k: float(v) for k, v in values.items()})
        except MonteCarloError as error:
            raise MonteCarloError(error.message, field=where) from None
        out.append(Uncertain(str(address), distribution))
    return out
