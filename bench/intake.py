"""Benchmark: importing monthly enterprise activity against a raw bulk load of the same rows.

    python bench/intake.py --rows 1000000

Generates N monthly enterprise-activity rows as CSV (N/96 enterprises × 12 months × 8
fuels, regions and enterprises loaded beforehand, not timed), then, in the same run, times
(median of ``--repeat`` runs, a fresh database each time):

* SQLite: ``import_file`` (read, validate, group into reports, write, audit) against
  ``executemany`` of the same rows — already parsed into tuples, not timed — in one
  transaction into a table with the same columns and unique key;
* PostgreSQL: ``import_file`` against ``COPY`` of the same CSV into a table with the same
  columns and unique key (a fresh schema each time; skipped if the server is unreachable).

Prints each time and ratio, and last ``ratio_vs_raw=X`` (the worse of the two).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from citycarbon.enterprise.credit_code import make_credit_code
from citycarbon.ingest.commit import import_file
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.store.db import make_engine, session_factory
from citycarbon.store.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "CITYCARBON_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test"
)
FUELS = [
    ("1.A.2.a", "raw_coal", "t"),
    ("1.A.2.a", "coke", "t"),
    ("1.A.2.c", "fuel_oil", "t"),
    ("1.A.2.c", "diesel", "t"),
    ("1.A.2.d", "lpg", "t"),
    ("1.A.2.e", "natural_gas", "10^4 Nm3"),
    ("1.A.2.f", "gasoline", "t"),
    ("1.A.2.m", "washed_coal", "t"),
]
COLUMNS = ["credit_code", "year", "month", "facility", "category", "activity", "qualifier",
           "quantity", "unit", "overrides", "source"]  # fmt: skip
RAW_TABLE = (
    "CREATE TABLE raw_activity (credit_code VARCHAR(18), year INTEGER, month INTEGER, "
    "facility VARCHAR(40), category VARCHAR(20), activity VARCHAR(60), qualifier VARCHAR(60), "
    "quantity FLOAT, unit VARCHAR(30), overrides VARCHAR(300), source VARCHAR(200), "
    "UNIQUE (credit_code, year, month, facility, category, activity, qualifier))"
)
TOWNSHIPS = [f"321102{i:03d}" for i in range(1, 11)]


def generate(rows: int, folder: Path) -> tuple[Path, Path, Path, pa.Table]:
    n_enterprises = max(1, -(-rows // (12 * len(FUELS))))
    codes = [make_credit_code(f"91321102MA{i:07d}") for i in range(n_enterprises)]
    regions = folder / "regions.csv"
    regions.write_text(
        "code,name_zh,level,parent_code,function_zone\n320000,江苏省,province,,\n"
        "321100,镇江市,city,320000,\n321102,京口区,county,321100,\n"
        + "".join(f"{t},街道{t[-3:]},township,321102,key\n" for t in TOWNSHIPS),
        encoding="utf-8",
    )
    enterprises = folder / "enterprises.csv"
    enterprises.write_text(
        "credit_code,name_zh,industry,region\n"
        + "".join(f"{c},企业{i},{25 + i % 10},{TOWNSHIPS[i % 10]}\n" for i, c in enumerate(codes)),
        encoding="utf-8",
    )
    per_enterprise = 12 * len(FUELS)
    index = range(rows)
    table = pa.table({
        "credit_code": [codes[i // per_enterprise] for i in index],
        "year": pa.array([2023] * rows, pa.int32()),
        "month": [(i // len(FUELS)) % 12 + 1 for i in index],
        "facility": [""] * rows,
        "category": [FUELS[i % len(FUELS)][0] for i in index],
        "activity": [FUELS[i % len(FUELS)][1] for i in index],
        "qualifier": [""] * rows,
        "quantity": [float(10 + (i * 7919) % 1000) / 10 for i in index],
        "unit": [FUELS[i % len(FUELS)][2] for i in index],
        "overrides": [""] * rows,
        "source": ["台账"] * rows,
    })  # fmt: skip
    activity = folder / "activity.csv"
    pacsv.write_csv(table, activity, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return regions, enterprises, activity, table


def median_time(run: Callable[[], float], repeat: int) -> float:
    return statistics.median(run() for _ in range(repeat))


def sqlite_runs(folder: Path, files: tuple[Path, Path, Path], table: pa.Table,
                repeat: int) -> tuple[float, float]:  # fmt: skip
    regions, enterprises, activity = files

    def ours() -> float:
        path = folder / f"{uuid.uuid4().hex}.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        sessions = session_factory(engine)
        import_file(sessions, LOCAL_ADMIN, regions, "regions")
        import_file(sessions, LOCAL_ADMIN, enterprises, "enterprises")
        start = time.perf_counter()
        summary = import_file(sessions, LOCAL_ADMIN, activity, "enterprise-activity")
        elapsed = time.perf_counter() - start
        assert summary.inserted == table.num_rows, summary
        engine.dispose()
        return elapsed

    rows = list(zip(*(c.to_pylist() for c in table.columns), strict=True))

    def raw() -> float:
        path = folder / f"{uuid.uuid4().hex}.sqlite3"
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(RAW_TABLE)
        connection.commit()
        marks = ", ".join("?" * len(COLUMNS))
        start = time.perf_counter()
        connection.executemany(f"INSERT INTO raw_activity VALUES ({marks})", rows)  # noqa: S608
        connection.commit()
        elapsed = time.perf_counter() - start
        connection.close()
        return elapsed

    return median_time(ours, repeat), median_time(raw, repeat)


def postgres_runs(files: tuple[Path, Path, Path], table: pa.Table,
                  repeat: int) -> tuple[float, float] | None:  # fmt: skip
    regions, enterprises, activity = files
    admin = make_engine(POSTGRES_URL, poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means: skip
        print(f"PostgreSQL skipped: {str(exc).splitlines()[0]}")
        return None

    def fresh_schema() -> str:
        schema = f"cc_bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        return schema

    def drop(schema: str) -> None:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))

    def ours() -> float:
        schema = fresh_schema()
        engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
        try:
            upgrade(engine)
            sessions = session_factory(engine)
            import_file(sessions, LOCAL_ADMIN, regions, "regions")
            import_file(sessions, LOCAL_ADMIN, enterprises, "enterprises")
            start = time.perf_counter()
            summary = import_file(sessions, LOCAL_ADMIN, activity, "enterprise-activity")
            elapsed = time.perf_counter() - start
            assert summary.inserted == table.num_rows, summary
        finally:
            engine.dispose()
            drop(schema)
        return elapsed

    plain_url = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")

    def raw() -> float:
        schema = fresh_schema()
        try:
            with psycopg.connect(plain_url, options=f"-csearch_path={schema}") as connection:
                connection.execute(RAW_TABLE)
                connection.commit()
                start = time.perf_counter()
                with (
                    connection.cursor() as cursor,
                    cursor.copy(
                        f"COPY raw_activity ({', '.join(COLUMNS)}) FROM STDIN "
                        "(FORMAT csv, HEADER true)"
                    ) as copy,
                    activity.open("rb") as handle,
                ):
                    while block := handle.read(1 << 20):
                        copy.write(block)
                connection.commit()
                elapsed = time.perf_counter() - start
        finally:
            drop(schema)
        return elapsed

    try:
        return median_time(ours, repeat), median_time(raw, repeat)
    finally:
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        *files, table = generate(args.rows, folder)
        paths = (files[0], files[1], files[2])
        print(f"rows={args.rows} enterprises={len(set(table.column('credit_code').to_pylist()))}")
        ours, raw = sqlite_runs(folder, paths, table, args.repeat)
        ratios = [ours / raw]
        print(f"sqlite: import_file={ours:.2f}s executemany={raw:.2f}s ratio={ours / raw:.2f}")
        if not args.no_postgres:
            pg = postgres_runs(paths, table, args.repeat)
            if pg is not None:
                ours, raw = pg
                ratios.append(ours / raw)
                print(f"postgresql: import_file={ours:.2f}s copy={raw:.2f}s ratio={ours / raw:.2f}")
        print(f"ratio_vs_raw={max(ratios):.2f}")


if __name__ == "__main__":
    main()
