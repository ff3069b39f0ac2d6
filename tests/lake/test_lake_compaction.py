"""Compaction merges a day's files without losing or repeating a reading: normally, when the
process is killed at each step (then recover), and while appends and reads go on."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from citycarbon.lake import compaction, layout

DAY = "2025-03-10"


def batch(meter: int, first: int, count: int) -> pa.Table:
    start, _ = layout.day_bounds(DAY)
    ts = start + 900 * np.arange(first, first + count, dtype=np.int64)
    return pa.table(
        {
            "meter_id": pa.array(np.full(count, meter), pa.int32()),
            "ts": ts,
            "qty_milli": pa.array(np.arange(count, dtype=np.int64) * 7),
            "register_milli": pa.nulls(count, pa.int64()),
            "flag": pa.array(np.zeros(count), pa.int8()),
        }
    )


@pytest.fixture
def small_files(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    for meter in range(1, 6):
        for first in range(0, 96, 24):
            layout.append_readings(root, batch(meter, first, 24))
    return root


def sorted_rows(root: Path) -> list[tuple[int, int, int]]:
    table = layout.read_readings(root)
    columns = (table.column(c).to_pylist() for c in ("meter_id", "ts", "qty_milli"))
    return sorted(zip(*columns, strict=True))


def test_compaction_merges_a_day_into_one_file(small_files: Path) -> None:
    before = sorted_rows(small_files)
    assert len(layout.reading_files(small_files, [DAY])) == 20
    done = compaction.compact_day(small_files, DAY)
    assert (done.inputs, done.rows) == (20, 480)
    files = layout.reading_files(small_files, [DAY])
    assert [f.name for f in files] == [done.output]
    assert sorted_rows(small_files) == before
    assert layout.duplicate_keys(layout.read_readings(small_files)) == 0
    assert not (layout.partition_dir(small_files, DAY) / layout.JOURNAL).exists()
    assert compaction.compact_day(small_files, DAY).output is None  # one file: nothing to do


@pytest.mark.parametrize("step", compaction.STEPS)
def test_a_kill_at_every_step_loses_and_repeats_nothing(small_files: Path, step: str) -> None:
    before = sorted_rows(small_files)
    code = "import sys; from pathlib import Path; from citycarbon.lake import compaction; "
    code += f"compaction.compact_day(Path(sys.argv[1]), {DAY!r})"
    env = {**os.environ, compaction.CRASH_ENV: step}
    run = subprocess.run(
        [sys.executable, "-c", code, str(small_files)], env=env, check=False, timeout=120
    )
    assert run.returncode == -9  # SIGKILL at the step
    folder = layout.partition_dir(small_files, DAY)
    assert (folder / layout.JOURNAL).exists()
    # Readers are right even before recovery: the journal hides replaced inputs.
    assert sorted_rows(small_files) == before
    assert layout.duplicate_keys(layout.read_readings(small_files)) == 0
    outcome = compaction.recover(small_files)
    finished = step in {"placed", "removing", "removed"}
    assert outcome == {DAY: "finished" if finished else "rolled back"}
    assert not (folder / layout.JOURNAL).exists()
    assert not list((layout.readings_dir(small_files) / compaction.COMPACT_TMP).glob("*"))
    assert len(layout.reading_files(small_files, [DAY])) == (1 if finished else 20)
    assert sorted_rows(small_files) == before
    assert layout.duplicate_keys(layout.read_readings(small_files)) == 0
    assert compaction.recover(small_files) == {}


def test_recover_leaves_a_live_compaction_alone(small_files: Path) -> None:
    with compaction.compaction_lock(small_files):
        assert compaction.recover(small_files) == {}


def test_appends_and_reads_during_compaction(small_files: Path) -> None:
    expected = len(sorted_rows(small_files))
    stop = threading.Event()
    problems: list[str] = []

    def read_loop() -> None:
        seen = 0
        while not stop.is_set():
            table = layout.read_readings(small_files)
            if layout.duplicate_keys(table):
                problems.append("duplicate")
            if table.num_rows < seen:
                problems.append(f"lost rows: {table.num_rows} < {seen}")
            seen = table.num_rows

    reader = threading.Thread(target=read_loop)
    reader.start()
    try:
        for round_ in range(8):
            meter = 100 + round_
            for first in range(0, 96, 32):  # the ingest keeps appending to the same day
                layout.append_readings(small_files, batch(meter, first, 32))
                expected += 32
            compaction.compact_day(small_files, DAY)
    finally:
        stop.set()
        reader.join()
    assert problems == []
    table = layout.read_readings(small_files)
    assert (table.num_rows, layout.duplicate_keys(table)) == (expected, 0)
    assert len(layout.reading_files(small_files, [DAY])) == 1
