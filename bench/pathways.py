"""Benchmark: the pathway Monte Carlo against the same arithmetic as plain NumPy.

    python bench/pathways.py [--draws 10000] [--repeat 3]

Builds a synthetic scenario of 20 sectors over 2021-2060 (40 years): each sector with its own
value-added driver (constant growth), a base-year energy intensity with a yearly improvement
rate, a fuel mix of coal, oil, gas and electricity moving between 2021 and 2060, and a grid
factor that declines at a constant rate. Uncertain: the growth of every driver (normal), the
improvement of every sector (triangular) and a shift of the grid factor's decline (normal) —
41 parameters. Then times, on the same random numbers (same seed, same order of draws):

* ``montecarlo.simulate``: sampling, the scenario compiled to arrays, energy, gross and net
  emissions per draw and year, P5/P50/P95 bands of gross and net, peak year per draw and the
  probability of having peaked by each year;
* plain NumPy: the same sampling, then energy and emissions as one broadcast expression over
  draws × years × sectors (growth as powers), the same percentiles and the same peak rule.

Prints both times (median of ``--repeat`` runs), the largest relative difference between the
two results, and last ``ratio_vs_numpy=X`` (simulate / NumPy). Target: X ≤ 1.5 and the whole
run under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

from citycarbon.pathways.montecarlo import Normal, Triangular, Uncertain, simulate
from citycarbon.pathways.scenario import Scenario, compile_arrays
from citycarbon.pathways.scenario_dict import scenario_from_dict

SECTORS = 20
BASE_YEAR, END_YEAR = 2021, 2060
SEED = 20260
FUELS = {"coal": 2.66, "oil": 2.12, "gas": 1.64}  # t CO2 per tce
TCE_PER_MWH = 0.1229


def build_scenario() -> tuple[Scenario, list[Uncertain]]:
    rng = np.random.default_rng(7)
    drivers: dict[str, Any] = {}
    sectors: dict[str, Any] = {}
    uncertain_growth, uncertain_improvement = [], []
    for i in range(SECTORS):
        growth = float(rng.uniform(0.01, 0.07))
        improvement = float(rng.uniform(0.01, 0.04))
        coal = float(rng.uniform(0.3, 0.6))
        drivers[f"va_{i}"] = {"base": float(rng.uniform(50, 500)), "growth": growth}
        sectors[f"sector_{i}"] = {
            "activity": f"va_{i}",
            "intensity": float(rng.uniform(0.1, 2.0)),
            "improvement": improvement,
            "mix": {
                "coal": {BASE_YEAR: coal, END_YEAR: coal / 4},
                "oil": 0.2,
                "gas": {BASE_YEAR: 0.1, END_YEAR: 0.2},
                "electricity": {BASE_YEAR: 0.7 - coal, END_YEAR: 0.6 - coal / 4},
            },
        }
        uncertain_growth.append(Uncertain(f"drivers.va_{i}.growth", Normal(growth, 0.01)))
        uncertain_improvement.append(
            Uncertain(
                f"sectors.sector_{i}.improvement",
                Triangular(improvement / 2, improvement, improvement * 1.5),
            )
        )
    scenario = scenario_from_dict(
        {
            "name": "bench",
            "base_year": BASE_YEAR,
            "end_year": END_YEAR,
            "drivers": drivers,
            "sectors": sectors,
            "fuels": {name: {"co2": co2} for name, co2 in FUELS.items()},
            "grid": {"base": 0.58, "growth": -0.03},
            "sinks": {"base": 500.0, "growth": 0.02},
            "electricity_tce_per_mwh": TCE_PER_MWH,
        }
    )
    grid_shift = Uncertain("grid.growth_shift", Normal(0.0, 0.005))
    return scenario, [*uncertain_growth, *uncertain_improvement, grid_shift]


def plain_numpy(
    scenario: Scenario, uncertain: list[Uncertain], draws: int
) -> dict[str, np.ndarray[Any, Any]]:
    """The same Monte Carlo written directly: one broadcast expression for the projection."""
    rng = np.random.default_rng(SEED)
    samples = [u.distribution.sample(rng, draws) for u in uncertain]
    growth = np.stack(samples[:SECTORS], axis=1)  # (D, S)
    improvement = np.stack(samples[SECTORS : 2 * SECTORS], axis=1)  # (D, S)
    shift = samples[-1]  # (D,)
    arrays = compile_arrays(scenario)  # shares over years, as the engine does
    fossil_factor = arrays.shares[:, :, :-1] @ arrays.fuel_co2e[:-1]  # (T, S)
    electric_share = arrays.shares[:, :, -1]
    base_activity = arrays.activity[0]  # (S,)
    base_intensity = arrays.intensity[0]
    k = np.arange(arrays.years.size, dtype=np.float64)
    grid = 0.58 * (1.0 - 0.03 + shift)[:, None] ** k  # (D, T)

    energy_3d = (
        base_activity
        * (1.0 + growth)[:, None, :] ** k[None, :, None]
        * base_intensity
        * (1.0 - improvement)[:, None, :] ** k[None, :, None]
    )
    energy = energy_3d.sum(axis=2)
    gross = (energy_3d * (fossil_factor + electric_share * (grid / TCE_PER_MWH)[:, :, None])).sum(
        axis=2
    )
    net = gross - 500.0 * 1.02**k
    years = arrays.years.astype(np.int64)
    # the peak rule of citycarbon.pathways.peak, written out: the first maximum; the band
    # within 2 % of it; held to the last year for 5 years = plateau; maximum 5 or more years
    # before the end = peaked
    at = gross.argmax(axis=1)
    top = gross[np.arange(draws), at]
    in_band = gross >= (top - 0.02 * np.abs(top))[:, None]
    index = np.arange(k.size)[None, :]
    start = np.where(~in_band & (index < at[:, None]), index, -1).max(axis=1) + 1
    peak_year = years[at]
    plateau = in_band[:, -1] & (years[-1] - years[start] >= 5)
    peaked = plateau | (years[-1] - peak_year >= 5)
    probability = (peaked[:, None] & (peak_year[:, None] <= years)).mean(axis=0)
    return {
        "energy": energy,
        "gross": gross,
        "net": net,
        "bands": np.percentile(gross, (5.0, 50.0, 95.0), axis=0),
        "net_bands": np.percentile(net, (5.0, 50.0, 95.0), axis=0),
        "probability_peaked_by": probability,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    scenario, uncertain = build_scenario()

    engine_times, numpy_times = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        result = simulate(scenario, uncertain, args.draws, seed=SEED)
        engine_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        plain = plain_numpy(scenario, uncertain, args.draws)
        numpy_times.append(time.perf_counter() - t)

    worst = max(
        float(np.max(np.abs(getattr(result, name) / plain[name] - 1)))
        for name in ("energy", "gross", "net", "bands", "net_bands")
    )
    same_peaks = np.array_equal(result.probability_peaked_by, plain["probability_peaked_by"])
    engine_s, numpy_s = statistics.median(engine_times), statistics.median(numpy_times)
    print(
        f"draws={args.draws:,} years={result.years.size} sectors={len(scenario.sectors)} "
        f"parameters={len(uncertain)}"
    )
    print(f"simulate_s={engine_s:.3f} (runs: {', '.join(f'{t:.3f}' for t in engine_times)})")
    print(f"numpy_s={numpy_s:.3f} (runs: {', '.join(f'{t:.3f}' for t in numpy_times)})")
    print(
        f"P50 gross {result.years[0]}={result.p50[0]:.4e} {result.years[-1]}={result.p50[-1]:.4e}"
        f" P(peaked by 2030)={result.probability_peaked_by[2030 - BASE_YEAR]:.3f}"
    )
    print(f"max_rel_diff={worst:.2e} same_peak_probabilities={same_peaks}")
    print(f"whole_run_s={time.perf_counter() - started:.2f}")
    print(f"ratio_vs_numpy={engine_s / numpy_s:.3f}")


if __name__ == "__main__":
    main()
