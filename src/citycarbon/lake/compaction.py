"""Compaction: a day's many small reading files (one per ingest batch) become one file, without
losing or repeating a reading, also when the process dies half-way and while the ingest keeps
appending to the same day.

The steps, each durable before the next:

1. list the day's files (the inputs) and read them;
2. write the journal ``day=…/_compaction.json`` (inputs, output name) and flush it;
3. write the merged file under ``_tmp`` and flush it;
4. under the exclusive listing lock: rename it into the day folder, remove the inputs;
5. remove the journal.

A reader lists files under the shared listing lock, so it sees either the inputs or the merged
file. Files the ingest adds meanwhile are not inputs and stay as they are. After a crash,
:func:`recover` finishes a compaction whose merged file is in place (removes the remaining
inputs) and rolls back one whose merged file is not (removes the journal; the half-written file
in ``_compacting`` goes too). Until then :func:`layout.reading_files` leaves
out the inputs a placed merged file replaces, so no query counts a reading twice.

Tests stop the process at each step with ``CITYCARBON_COMPACT_CRASH_AT`` (see :data:`STEPS`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from citycarbon.lake import layout

COMPACT_LOCK = ".compaction.lock"
# Merged files being written: apart from the ingest's _tmp, which the ingest clears at start.
COMPACT_TMP = "_compacting"
CRASH_ENV = "CITYCARBON_COMPACT_CRASH_AT"
STEPS = ("journal", "written", "placed", "removing", "removed")


@dataclass(frozen=True)
class Compacted:
    day: str
    inputs: int
    rows: int
    output: str | None  # None: nothing to do (fewer than two files)


def _crash_point(step: str) -> None:
    """Kill this process at ``step`` when the crash tests ask for it."""
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")
    with tmp.open("wb") as sink:
        sink.write(data)
        sink.flush()
        os.fsync(sink.fileno())
    tmp.replace(path)
    _fsync_dir(path.parent)


@contextlib.contextmanager
def compaction_lock(root: Path, *, wait: bool = True) -> Iterator[bool]:
    """One compactor (or recovery) per lake at a time; yields False when ``wait`` is off and
    another process holds it."""
    base = layout.readings_dir(root)
    base.mkdir(parents=True, exist_ok=True)
    fd = os.open(base / COMPACT_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def compact_day(root: Path, day: str, *, min_files: int = 2) -> Compacted:
    """Merge the reading files of one local day into one (steps in the module doc)."""
    with compaction_lock(root):
        _recover_day(root, day)
        folder = layout.partition_dir(root, day)
        inputs = layout.reading_files(root, [day])
        if len(inputs) < min_files:
            return Compacted(day, len(inputs), 0, None)
        tables = [pq.read_table(f, schema=layout.READINGS_SCHEMA) for f in inputs]
        merged = pa.concat_tables(tables).sort_by([("meter_id", "ascending"), ("ts", "ascending")])
        output = f"compact-{uuid.uuid4().hex}.parquet"
        plan = {"day": day, "inputs": [f.name for f in inputs], "output": output}
        _write_durably(folder / layout.JOURNAL, json.dumps(plan).encode())
        _crash_point("journal")
        tmp = layout.readings_dir(root) / COMPACT_TMP / output
        tmp.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as sink:
            pq.write_table(merged, sink, compression="zstd")
            sink.flush()
            os.fsync(sink.fileno())
        _crash_point("written")
        with layout.listing_lock(root, exclusive=True):
            tmp.replace(folder / output)
            _fsync_dir(folder)
            _crash_point("placed")
            for number, path in enumerate(inputs):
                path.unlink()
                if number == 0:
                    _crash_point("removing")
            _fsync_dir(folder)
        _crash_point("removed")
        (folder / layout.JOURNAL).unlink()
        _fsync_dir(folder)
        return Compacted(day, len(inputs), merged.num_rows, output)


def compact(
    root: Path, days: list[str] | None = None, *, min_files: int = 2, keep_latest: bool = True
) -> list[Compacted]:
    """Compact the given days (default: every day but the newest, which the ingest is still
    filling when ``keep_latest``; compacting it is safe, only less useful)."""
    chosen = layout.partition_days(root) if days is None else days
    if days is None and keep_latest:
        chosen = chosen[:-1]
    return [compact_day(root, day, min_files=min_files) for day in chosen]


def _recover_day(root: Path, day: str) -> str | None:
    """Finish or roll back an interrupted compaction of ``day``; what was done, if anything."""
    folder = layout.partition_dir(root, day)
    plan = layout.read_journal(folder)
    if plan is None:
        return None
    output = str(plan["output"])
    with layout.listing_lock(root, exclusive=True):
        if (folder / output).exists():
            for name in plan["inputs"]:  # type: ignore[attr-defined]
                (folder / str(name)).unlink(missing_ok=True)
            action = "finished"
        else:
            action = "rolled back"
        _fsync_dir(folder)
    (folder / layout.JOURNAL).unlink()
    _fsync_dir(folder)
    return action


def recover(root: Path) -> dict[str, str]:
    """Finish or roll back every interrupted compaction and remove half-written merged files
    (call at start-up, with :func:`layout.clear_tmp`); {day: "finished" | "rolled back"}.
    Does nothing while a live compactor holds the lake."""
    if not layout.readings_dir(root).is_dir():
        return {}
    done: dict[str, str] = {}
    with compaction_lock(root, wait=False) as held:
        if not held:
            return done
        for day in layout.partition_days(root):
            action = _recover_day(root, day)
            if action is not None:
                done[day] = action
        leftovers = layout.readings_dir(root) / COMPACT_TMP
        if leftovers.is_dir():
            for path in leftovers.iterdir():
                path.unlink()
    return done
