"""Which (meter, timestamp) keys the lake already holds: the exactly-once check of the ingest.

A stored reading (meter, ts) lives in the partition of ts's local day. Before a batch is
checked, every day it touches is *synchronised*: files of that day this writer has not seen
yet (written by another writer — the HTTP endpoint, a CSV backfill, a compaction) are read
and their keys merged. Then, per reading:

* fast path: ts greater than the newest stored ts of its meter → new;
* slow path: otherwise the day's keys are loaded once (``read_keys``), kept sorted, and
  looked up; they are updated after each write.

Writers of one lake serialise on an exclusive lock file (:func:`writer_lock`), so the
synchronise–check–write sequence of one writer sees everything the others stored.

At start the newest :data:`SCAN_DAYS` partitions are read to learn each meter's newest ts. A
meter with no reading there gets the start of that window minus one: nothing of it is stored
at or after the window, older readings take the slow path.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from numpy.typing import NDArray

from citycarbon.lake.layout import (
    CST_OFFSET_S,
    day_bounds,
    partition_days,
    read_keys,
    reading_files,
)

SCAN_DAYS = 62
TS_BITS = 33  # key = meter_id << 33 | ts; ts < 2**33 (year 2242)
NEVER = np.iinfo(np.int64).min
LOCK_NAME = ".writer.lock"
READ_ATTEMPTS = 5
CACHED_DAYS = 64  # days whose keys the slow path keeps in memory

I64 = NDArray[np.int64]


def day_numbers(ts: I64) -> I64:
    """Local (UTC+8) day of each timestamp as days since the epoch (cheap to group by)."""
    return (ts + CST_OFFSET_S) // 86400


def distinct_days(days: I64) -> I64:
    """The distinct day numbers of a batch (few, adjacent): cheaper than ``np.unique``."""
    if days.size == 0:
        return days
    first = int(days.min())
    present = np.flatnonzero(np.bincount(days - first))
    return present + first


def day_name(number: int) -> str:
    return str(np.datetime64(int(number), "D"))


def pack(meter_ids: NDArray[np.int32] | I64, ts: I64) -> I64:
    return (meter_ids.astype(np.int64) << TS_BITS) | ts


@contextmanager
def writer_lock(root: Path) -> Iterator[None]:
    """Exclusive for the writers of one lake (advisory ``flock``; released if the process
    dies)."""
    folder = root / "readings"
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class LakeKeys:
    """The stored keys of one lake, as far as the exactly-once check needs them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.last_ts = np.full(0, NEVER, dtype=np.int64)  # by meter_id
        self.floor = NEVER  # unseen meters: nothing stored at or after floor + 1
        self.known: dict[str, set[str]] = {}  # day → file names read (or written) here
        self.day_keys: dict[str, I64] = {}  # day → sorted packed keys (slow path only)

    def _grow(self, meter_id: int) -> None:
        if meter_id >= self.last_ts.size:
            grown = np.full(max(meter_id + 1, 2 * self.last_ts.size), self.floor, np.int64)
            grown[: self.last_ts.size] = self.last_ts
            self.last_ts = grown

    def _absorb(self, day: str, meter_ids: NDArray[np.int32], ts: I64) -> None:
        if meter_ids.size:
            self._grow(int(meter_ids.max()))
            np.maximum.at(self.last_ts, meter_ids, ts)
            if day in self.day_keys:
                self.day_keys[day] = np.union1d(self.day_keys[day], pack(meter_ids, ts))

    def _read_new_files(self, day: str) -> None:
        """Absorb the day's files not seen yet. A compaction may remove a listed file before
        it is read: then list again (its readings are in the merged file)."""
        seen = self.known.setdefault(day, set())
        for attempt in range(READ_ATTEMPTS):
            files = [f for f in reading_files(self.root, [day]) if f.name not in seen]
            try:
                tables = [(f.name, pq.read_table(f, columns=["meter_id", "ts"])) for f in files]
            except FileNotFoundError:
                if attempt + 1 == READ_ATTEMPTS:
                    raise
                continue
            for name, table in tables:
                ids, ts = table.column("meter_id").to_numpy(), table.column("ts").to_numpy()
                self._absorb(day, ids, ts)
                seen.add(name)
            return

    def start(self) -> None:
        """Learn the newest stored ts of every meter from the newest partitions."""
        days = partition_days(self.root)
        window = days[-SCAN_DAYS:]
        self.floor = day_bounds(window[0])[0] - 1 if len(days) > SCAN_DAYS else NEVER
        self.last_ts = np.full(0, self.floor, dtype=np.int64)
        self.known.clear()
        self.day_keys.clear()
        for day in window:
            self._read_new_files(day)

    def newest(self, meter_id: int) -> int | None:
        """The newest stored ts of a meter as far as this writer knows (None: none seen)."""
        if meter_id >= self.last_ts.size or self.last_ts[meter_id] <= self.floor:
            return None
        return int(self.last_ts[meter_id])

    def new_mask(self, meter_ids: NDArray[np.int32], ts: I64) -> NDArray[np.bool_]:
        """True for keys the lake does not hold yet. Call under :func:`writer_lock`."""
        if ts.size == 0:
            return np.zeros(0, dtype=bool)
        days = day_numbers(ts)
        touched = distinct_days(days)
        for day in touched:
            self._read_new_files(day_name(day))
        self._grow(int(meter_ids.max()))
        new = ts > self.last_ts[meter_ids]
        slow = np.flatnonzero(~new)
        if slow.size:
            keys = pack(meter_ids[slow], ts[slow])
            slow_days = days[slow]
            for day in distinct_days(slow_days):
                in_day = slow_days == day
                stored = self._keys_of(day_name(day))
                new[slow[in_day]] = ~np.isin(keys[in_day], stored)
        return new

    def _keys_of(self, day: str) -> I64:
        if day not in self.day_keys:
            if len(self.day_keys) >= CACHED_DAYS:  # the oldest loaded day goes first
                del self.day_keys[next(iter(self.day_keys))]
            meter_ids, ts = read_keys(self.root, day)
            self.day_keys[day] = np.unique(pack(meter_ids, ts))
        return self.day_keys[day]

    def written(self, files: list[Path], meter_ids: NDArray[np.int32], ts: I64) -> None:
        """Record what this writer has just stored."""
        for path in files:
            self.known.setdefault(path.parent.name.removeprefix("day="), set()).add(path.name)
        if ts.size == 0:
            return
        days = day_numbers(ts)
        for day in distinct_days(days):
            mine = days == day
            self._absorb(day_name(day), meter_ids[mine], ts[mine])
