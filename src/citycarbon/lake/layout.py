"""Where the lake keeps its files and what they hold.

Layout under the lake root (by default ``<data dir>/lake``)::

    readings/day=YYYY-MM-DD/<name>.parquet   accepted readings of one local day (UTC+8)
    readings/_tmp/                           files being written; never read by a query
    dims/meters.parquet                      the meter registry, as the rollups join it
    dims/factors.parquet                     conversion factors to tce and CO2 (engine refdata)

A reading file holds :data:`READINGS_SCHEMA`, sorted by (meter_id, ts). Consumption is stored
as a whole number of thousandths of the carrier's base unit (Wh for kWh, L for m3, kg for t,
MJ for GJ): sums of integers do not depend on the order they are added in, which is what lets
DuckDB and Spark agree to the last digit.

Every file appears whole or not at all: it is written under ``_tmp``, flushed to disk, then
renamed into its partition and the directory entry flushed (:func:`write_atomic`). A crash
leaves at most an orphan in ``_tmp``, which :func:`clear_tmp` removes at start-up.

Compaction (:mod:`citycarbon.lake.compaction`) swaps a day's small files for one merged file.
Readers list files under a shared lock (:func:`listing_lock`) that the compactor takes
exclusively only for the swap itself, so a listing sees the inputs or the merged file, never
both; after a crash in the middle of a swap the day's journal (``_compaction.json``) says
which files the merged one replaces, and :func:`reading_files` leaves them out until
``compaction.recover`` has removed them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

CST_OFFSET_S = 8 * 3600  # China Standard Time: the day a reading belongs to
READINGS = "readings"
TMP = "_tmp"
DIMS = "dims"
MILLI = 1000  # qty_milli = consumption × MILLI
JOURNAL = "_compaction.json"  # a day's compaction plan: {"inputs": [...], "output": "..."}
LISTING_LOCK = ".listing.lock"
READ_ATTEMPTS = 5

READINGS_SCHEMA = pa.schema(
    [
        pa.field("meter_id", pa.int32(), nullable=False),
        pa.field("ts", pa.int64(), nullable=False),  # epoch seconds UTC, end of the interval
        pa.field("qty_milli", pa.int64()),  # consumption in base unit × 1000; null = unknown
        pa.field("register_milli", pa.int64()),  # cumulative meters' register × 1000
        # index into monitoring.meters.CONSUMPTION_CODES
        pa.field("flag", pa.int8(), nullable=False),
    ]
)


def lake_root(data_dir: Path | None) -> Path:
    """Where the lake is: ``CITYCARBON_LAKE`` if set (a province points it at shared
    storage), else ``<data dir>/lake`` (the data directory defaults to ``~/.citycarbon``)."""
    configured = os.environ.get("CITYCARBON_LAKE")
    if configured:
        return Path(configured)
    return (data_dir or Path.home() / ".citycarbon") / "lake"


def readings_dir(root: Path) -> Path:
    return root / READINGS


def partition_dir(root: Path, day: str) -> Path:
    return root / READINGS / f"day={day}"


def local_days(ts: np.ndarray) -> np.ndarray:
    """The local (UTC+8) calendar day of each epoch-second timestamp, as datetime64[D]."""
    return ((np.asarray(ts, dtype=np.int64) + CST_OFFSET_S) // 86400).astype("datetime64[D]")


def day_bounds(day: str) -> tuple[int, int]:
    """[start, end) of a local day in epoch seconds."""
    start = int(np.datetime64(day, "D").astype(np.int64)) * 86400 - CST_OFFSET_S
    return start, start + 86400


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(table: pa.Table, target: Path, tmp_dir: Path) -> Path:
    """Write ``table`` to ``target`` so that readers see all of it or nothing, and it survives
    a power cut once this returns."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / f"{target.name}.{uuid.uuid4().hex}.tmp"
    with tmp.open("wb") as sink:
        pq.write_table(table, sink, compression="zstd")
        sink.flush()
        os.fsync(sink.fileno())
    tmp.replace(target)
    _fsync_dir(target.parent)
    return target


def append_readings(root: Path, table: pa.Table, prefix: str = "part") -> list[Path]:
    """Write accepted readings as one new file per local day they fall on; returns the files.

    Each file is atomic, the set is not: a caller that must not lose or repeat readings
    acknowledges its batch only after this returns, and on replay drops the keys already
    stored (:func:`read_keys`)."""
    table = table.cast(READINGS_SCHEMA)
    if table.num_rows == 0:
        return []
    days = local_days(table.column("ts").to_numpy())
    written = []
    for day in np.unique(days):
        part = table.filter(pa.array(days == day))
        part = part.sort_by([("meter_id", "ascending"), ("ts", "ascending")])
        name = f"{prefix}-{uuid.uuid4().hex}.parquet"
        target = partition_dir(root, str(day)) / name
        written.append(write_atomic(part, target, root / READINGS / TMP))
    return written


def partition_days(root: Path) -> list[str]:
    """The local days that hold readings, oldest first."""
    base = readings_dir(root)
    if not base.is_dir():
        return []
    return sorted(p.name.removeprefix("day=") for p in base.iterdir() if p.name.startswith("day="))


@contextlib.contextmanager
def listing_lock(root: Path, *, exclusive: bool = False) -> Iterator[None]:
    """Shared while a reader lists files, exclusive while compaction swaps files. A lake on
    read-only storage cannot hold the lock file: nobody compacts it then, so no lock."""
    # flock, not fcntl record locks: closing any descriptor of the file in this process would
    # drop a record lock. NFS v4 supports flock; see docs/lake.md for other shared storage.
    base = readings_dir(root)
    try:
        if exclusive:
            base.mkdir(parents=True, exist_ok=True)
        fd = os.open(base / LISTING_LOCK, os.O_RDONLY | os.O_CREAT, 0o644)
    except OSError:  # no lake yet (a reader creates nothing), or read-only storage
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def read_journal(folder: Path) -> dict[str, object] | None:
    """The compaction plan left in a day folder, None when there is none."""
    try:
        text = (folder / JOURNAL).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    plan: dict[str, object] = json.loads(text)
    return plan


def _day_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.parquet"))
    plan = read_journal(folder)
    if plan is None:
        return files
    names = {f.name for f in files}
    if plan.get("output") in names:  # merged file placed, inputs not all removed yet
        replaced = set(plan.get("inputs", []))  # type: ignore[call-overload]
        files = [f for f in files if f.name not in replaced]
    return files


def reading_files(root: Path, days: Iterable[str] | None = None) -> list[Path]:
    """The complete reading files of the given days (all days by default): every stored
    reading once, also while a compaction runs or after one crashed."""
    with listing_lock(root):
        chosen = partition_days(root) if days is None else list(days)
        files: list[Path] = []
        for day in chosen:
            folder = partition_dir(root, day)
            if folder.is_dir():
                files.extend(_day_files(folder))
    return files


def _read_days(root: Path, days: Iterable[str] | None, columns: list[str] | None) -> pa.Table:
    """The files of ``days`` read as one table; lists again when a compaction removed a
    listed file before it was read (it then holds the same rows in its merged file)."""
    chosen = None if days is None else list(days)
    for attempt in range(READ_ATTEMPTS):
        files = reading_files(root, chosen)
        try:
            tables = [pq.read_table(f, schema=READINGS_SCHEMA, columns=columns) for f in files]
        except FileNotFoundError:
            if attempt + 1 == READ_ATTEMPTS:
                raise
            continue
        schema = READINGS_SCHEMA
        if columns is not None:
            schema = pa.schema([READINGS_SCHEMA.field(c) for c in columns])
        return pa.concat_tables(tables) if tables else schema.empty_table()
    raise AssertionError  # pragma: no cover - the loop returns or raises


def read_readings(root: Path, days: Iterable[str] | None = None) -> pa.Table:
    """All readings of the given days as one table (small reads: tests, one day's keys)."""
    return _read_days(root, days, None)


def read_keys(root: Path, day: str) -> tuple[np.ndarray, np.ndarray]:
    """(meter_id, ts) of every stored reading of one local day."""
    keys = _read_days(root, [day], ["meter_id", "ts"])
    return keys.column("meter_id").to_numpy(), keys.column("ts").to_numpy()


def clear_tmp(root: Path) -> int:
    """Remove files a crashed writer left half-written; returns how many."""
    tmp = root / READINGS / TMP
    if not tmp.is_dir():
        return 0
    orphans = list(tmp.iterdir())
    for path in orphans:
        path.unlink()
    return len(orphans)


def write_dim(root: Path, name: str, table: pa.Table) -> Path:
    """Replace a dimension table (``meters``, ``factors``) atomically."""
    return write_atomic(table, root / DIMS / f"{name}.parquet", root / DIMS / TMP)


def read_dim(root: Path, name: str) -> pa.Table:
    return pq.read_table(root / DIMS / f"{name}.parquet")


def count_rows(root: Path, days: Iterable[str] | None = None) -> int:
    """Stored readings of the given days, from the files' footers."""
    chosen = None if days is None else list(days)
    for attempt in range(READ_ATTEMPTS):
        try:
            return sum(pq.ParquetFile(f).metadata.num_rows for f in reading_files(root, chosen))
        except FileNotFoundError:  # compacted away after listing: list again
            if attempt + 1 == READ_ATTEMPTS:
                raise
    raise AssertionError  # pragma: no cover - the loop returns or raises


def duplicate_keys(table: pa.Table) -> int:
    """How many rows repeat an earlier (meter_id, ts): zero in a healthy lake."""
    if table.num_rows == 0:
        return 0
    grouped = table.group_by(["meter_id", "ts"]).aggregate([("ts", "count")])
    return int(pc.sum(pc.subtract(grouped.column("ts_count"), 1)).as_py() or 0)
