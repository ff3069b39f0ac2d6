"""Benchmark: the inventory engine against hand-written DuckDB SQL on the same data.

    python bench/inventory.py --rows 10000000

Generates N synthetic activity records (100k entities, 50 categories, 20 fuels, 10 regions,
10 years × 12 months) as an Arrow table with dictionary-encoded code columns, then times

* the engine end to end: records → validation → per-key methods → CO2e → totals by
  (year, region, category) and by (year, entity);
* DuckDB: the same join of the records to a coefficient table (one row per category × fuel
  × unit × year, computed beforehand and not timed) and the same two aggregations, in SQL.

Prints both times (median of ``--repeat`` runs), the engine's peak memory over its input,
a check that both give the same totals, and last ``ratio_vs_duckdb=X`` (engine / DuckDB).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from citycarbon.accounting import methods
from citycarbon.accounting.inventory import compute_inventory
from citycarbon.accounting.registry import MethodContext, method_for
from citycarbon.refdata.loader import load_factor_set, load_gwp

ENERGY_CATEGORIES = [
    "1.A.1.a",
    "1.A.1.b",
    "1.A.1.c",
    *[f"1.A.2.{c}" for c in "abcdefghijklm"],
    "1.A.3.a",
    "1.A.3.b",
    "1.A.3.c",
    "1.A.3.d",
    "1.A.3.e",
    "1.A.4.a",
    "1.A.4.b",
    "1.A.4.c",
    "1.A.5",
    *[f"1.A.2.{c}.{i}" for c in "abc" for i in range(1, 8)],
    "1.A.1.a.i",
    "1.A.1.a.ii",
    "1.A.1.a.iii",
    "1.A.4.c.i",
    "1.A.4.c.ii",
    "1.A.4.c.iii",
]
INDIRECT = {
    "IND.1": ("electricity", "MWh"),
    "IND.2": ("heat", "GJ"),
    "IND.3": ("electricity", "MWh"),
}
FUELS = [
    ("raw_coal", "t"),
    ("coke", "t"),
    ("crude_oil", "t"),
    ("fuel_oil", "t"),
    ("gasoline", "t"),
    ("kerosene", "t"),
    ("diesel", "t"),
    ("lpg", "t"),
    ("refinery_gas", "t"),
    ("natural_gas", "10^4 Nm3"),
    ("washed_coal", "t"),
    ("anthracite", "t"),
    ("lignite", "t"),
    ("other_bituminous_coal", "t"),
    ("coke_oven_gas", "10^4 Nm3"),
    ("naphtha", "t"),
    ("petroleum_coke", "t"),
    ("jet_kerosene", "t"),
]
REGIONS = [
    "321102",
    "321111",
    "321112",
    "321181",
    "321182",
    "321183",
    "321101",
    "321171",
    "321172",
    "321173",
]
YEARS = list(range(2015, 2025))


def generate(rows: int, seed: int = 7) -> pa.Table:
    categories = ENERGY_CATEGORIES[: 50 - len(INDIRECT)] + list(INDIRECT)
    assert len(categories) == 50
    activities = [f for f, _ in FUELS] + ["electricity", "heat"]
    units = sorted({u for _, u in FUELS} | {"MWh", "GJ"})
    rng = np.random.default_rng(seed)
    n_ent = 100_000
    entity = rng.integers(0, n_ent, rows, dtype=np.int32)
    region = (entity % len(REGIONS)).astype(np.int8)  # an enterprise sits in one region
    category = rng.integers(0, 50, rows, dtype=np.int8)
    fuel = rng.integers(0, len(FUELS), rows, dtype=np.int8)
    n_energy = 50 - len(INDIRECT)
    fuel = np.where(
        category < n_energy, fuel, np.where(category == n_energy + 1, len(FUELS) + 1, len(FUELS))
    ).astype(np.int8)
    unit_of_activity = np.asarray(
        [units.index(u) for _, u in FUELS] + [units.index("MWh"), units.index("GJ")], np.int8
    )
    year = rng.integers(0, len(YEARS), rows).astype(np.int16) + YEARS[0]
    month = rng.integers(1, 13, rows, dtype=np.int8)
    quantity = rng.gamma(2.0, 50.0, rows)
    entities = pa.array([f"91321100MA{i:08d}" for i in range(n_ent)])

    def dictionary(indices: np.ndarray, values: list[str] | pa.Array) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(indices), pa.array(values, pa.string()))

    return pa.table(
        {
            "year": pa.array(year),
            "period": pa.array(month),
            "region": dictionary(region, REGIONS),
            "entity": dictionary(entity, entities),
            "category": dictionary(category, categories),
            "activity": dictionary(fuel, activities),
            "quantity": pa.array(quantity),
            "unit": dictionary(unit_of_activity[fuel], units),
        }
    )


def coefficient_table(table: pa.Table, factors, gwp) -> pa.Table:
    """Per (category, activity, unit, year): t CO2e and tce per unit, from the same methods
    (the reference engine is given these for free)."""
    rows = []
    categories = table.column("category").combine_chunks().dictionary.to_pylist()
    for category in categories:
        for activity, unit in [INDIRECT[category]] if category in INDIRECT else FUELS:
            for year in YEARS:
                # the engine runs with strict=False: a missing grid year uses the nearest
                context = MethodContext(category, activity, unit, year, factors, year_fallback=True)
                linear = method_for(category).linear
                assert linear is not None
                result = linear(context, 1.0)
                co2e = sum(t * gwp.gwp(g) for g, t in result.gases_t.items())
                rows.append((category, activity, unit, year, co2e, result.energy_tce or 0.0))
    names = ["category", "activity", "unit", "year", "co2e", "tce"]
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})


def run_engine(table: pa.Table, factors, gwp):
    return compute_inventory(table, factors, gwp, strict=False)


def run_duckdb(connection: duckdb.DuckDBPyConnection) -> tuple[pa.Table, pa.Table]:
    by_region = connection.sql("""
        SELECT r.year, r.region, r.category, sum(r.quantity * f.co2e) AS co2e
        FROM records r JOIN coefficients f
          ON r.category = f.category AND r.activity = f.activity AND r.unit = f.unit
         AND r.year = f.year
        GROUP BY ALL""").to_arrow_table()
    by_entity = connection.sql("""
        SELECT r.year, r.entity, sum(r.quantity * f.co2e) AS co2e, sum(r.quantity * f.tce) AS tce
        FROM records r JOIN coefficients f
          ON r.category = f.category AND r.activity = f.activity AND r.unit = f.unit
         AND r.year = f.year
        GROUP BY ALL""").to_arrow_table()
    return by_region, by_entity


class PeakRss:
    """Samples this process's resident memory in a thread; reports the peak."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def rss() -> int:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * 4096

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(0.002)

    def __enter__(self) -> PeakRss:
        self.base = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads")
    args = parser.parse_args()
    methods.load_all()
    factors, gwp = load_factor_set(), load_gwp("AR5")
    table = generate(args.rows)
    input_bytes = table.nbytes
    connection = duckdb.connect()
    connection.execute(f"SET threads TO {args.threads}")
    connection.register("records", table)
    connection.register("coefficients", coefficient_table(table, factors, gwp))

    run_engine(table.slice(0, 1000), factors, gwp)  # warm caches (method registry, units)
    run_duckdb(connection)
    engine_times, duck_times, peaks = [], [], []
    result = None
    for _ in range(args.repeat):
        with PeakRss() as peak:
            start = time.perf_counter()
            result = run_engine(table, factors, gwp)
            engine_times.append(time.perf_counter() - start)
        peaks.append(peak.peak - peak.base)
        start = time.perf_counter()
        by_region, by_entity = run_duckdb(connection)
        duck_times.append(time.perf_counter() - start)
    assert result is not None
    engine_total = sum(
        v
        for v, g in zip(
            result.cube.column("value").to_pylist(),
            result.cube.column("gas").to_pylist(),
            strict=True,
        )
        if g == "CO2e"
    )
    duck_total = float(np.sum(by_region.column("co2e").to_numpy()))
    duck_entity = float(np.sum(by_entity.column("co2e").to_numpy()))
    entity_total = float(
        np.sum(result.entity_table.column("direct_co2e_t").to_numpy())
        + np.sum(result.entity_table.column("indirect_co2e_t").to_numpy())
    )
    engine_s, duck_s = statistics.median(engine_times), statistics.median(duck_times)
    print(f"rows={args.rows:,} input_columns={input_bytes / 1e6:.1f} MB")
    print(f"engine_s={engine_s:.3f} (runs: {', '.join(f'{t:.3f}' for t in engine_times)})")
    print(
        f"duckdb_s={duck_s:.3f} (runs: {', '.join(f'{t:.3f}' for t in duck_times)}; "
        f"threads={args.threads})"
    )
    print(
        f"engine_peak_extra_memory={max(peaks) / 1e6:.1f} MB "
        f"= {max(peaks) / input_bytes:.2f}x input columns"
    )
    print(
        f"totals: engine={engine_total:.6e} duckdb={duck_total:.6e} "
        f"entity_view={entity_total:.6e} duckdb_entity={duck_entity:.6e} "
        f"rel_diff={abs(engine_total / duck_total - 1):.2e}"
    )
    print(f"ratio_vs_duckdb={engine_s / duck_s:.3f}")


if __name__ == "__main__":
    main()
