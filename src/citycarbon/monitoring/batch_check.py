"""The checks of :func:`citycarbon.monitoring.meters.check_readings`, vectorised over a batch
that mixes many interval meters (what one flush of the stream ingest holds).

Calling ``check_readings`` once per meter costs a few dozen numpy calls per meter; a flush of
200 000 readings from thousands of meters would spend its time in that overhead. Here every
check is one array operation over the whole batch. The rules are the same, for interval meters
with exact alignment (``align_tolerance=0``): the first failing check decides the reason
(non_finite, unit, future, misaligned, negative), accepted values are in the base unit
(value × unit factor × multiplier), and among accepted rows of the same (meter, timestamp)
the one that comes last in the batch wins. Cumulative meters need their previous register and
go through ``check_readings``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from citycarbon.monitoring.meters import MAX_FUTURE_S, REJECTION_CODES, Rejection

# (meter, ts) packed into one int64 for sorting: 2**34 s (≈ 544 years) from TS_ORIGIN
KEY_TS_BITS = 34
TS_ORIGIN = -(2**33)
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class BatchCheck:
    """Outcome per input row: ``codes[i]`` is -1 when row i passed the checks, else the index
    of its reason in ``REJECTION_CODES``. ``accepted_rows`` (sorted by meter, then timestamp)
    are the rows to store, duplicates within the batch removed; ``base_values`` are their
    values in the carrier's base unit."""

    codes: NDArray[np.int8]
    accepted_rows: IntArray
    base_values: FloatArray
    duplicates: int

    @property
    def rejected_rows(self) -> IntArray:
        return np.flatnonzero(self.codes >= 0)


def check_interval_batch(
    meter_index: IntArray,
    timestamps: IntArray,
    values: FloatArray,
    unit_factors: FloatArray,
    *,
    interval_s: IntArray,
    multiplier: FloatArray,
    export_allowed: NDArray[np.bool_],
    now: int,
    max_future: int = MAX_FUTURE_S,
) -> BatchCheck:
    """Check a batch of interval-meter readings.

    ``meter_index`` points each row at its meter in the per-meter arrays (``interval_s``,
    ``multiplier``, ``export_allowed``); ``unit_factors`` is each row's factor from its unit to
    the carrier's base unit, NaN when the unit does not convert."""
    n = timestamps.size
    interval = interval_s[meter_index]
    checks = (
        ~np.isfinite(values),
        np.isnan(unit_factors),
        timestamps > now + max_future,
        (timestamps % interval) != 0,
        (values < 0) & ~export_allowed[meter_index],
    )
    codes = np.full(n, -1, dtype=np.int8)
    for index, failed in reversed(list(enumerate(checks))):  # the first failing check wins
        codes[failed] = index
    rows = np.flatnonzero(codes < 0)
    # last occurrence of a (meter, ts) wins: a stable sort on one packed key (meter, ts) keeps
    # input order within a key; keep the last row of each run
    key = (meter_index[rows].astype(np.int64) << KEY_TS_BITS) | (timestamps[rows] - TS_ORIGIN)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    keep = np.ones(sorted_key.size, dtype=bool)
    keep[:-1] = sorted_key[1:] != sorted_key[:-1]
    kept = rows[order][keep]
    base = values[kept] * unit_factors[kept] * multiplier[meter_index[kept]]
    return BatchCheck(
        codes=codes, accepted_rows=kept, base_values=base, duplicates=int(rows.size - kept.size)
    )


def rejection_of(code: int) -> Rejection:
    return REJECTION_CODES[code]
