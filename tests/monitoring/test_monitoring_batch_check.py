"""The vectorised batch check agrees with ``check_readings`` meter by meter."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.monitoring.batch_check import check_interval_batch
from citycarbon.monitoring.meters import REJECTION_CODES, Carrier, Meter, check_readings
from citycarbon.units import factor

CODE = "91110000710925462X"
T0 = 1_772_294_400
NOW = T0 + 3600
METERS = (
    Meter("E1", CODE, "主变", Carrier.ELECTRICITY, "kWh"),
    Meter("E2", CODE, "主变", Carrier.ELECTRICITY, "MWh", multiplier=40.0, export_allowed=True),
    Meter("G1", CODE, "锅炉", Carrier.NATURAL_GAS, "m3", interval_s=3600),
    Meter("S1", CODE, "蒸汽", Carrier.STEAM, "t", interval_s=300),
)
UNITS = ("kWh", "MWh", "m3", "t", "kg", "GJ")


def _factor(unit: str, base: str) -> float:
    try:
        return factor(unit, base)
    except Exception:  # noqa: BLE001 - any unit that does not convert
        return float("nan")


rows = st.lists(
    st.tuples(
        st.integers(0, len(METERS) - 1),
        st.integers(-8, 8).map(lambda k: T0 + k * 450),  # aligned and misaligned, some future
        st.one_of(
            st.floats(-5, 50, allow_nan=False),
            st.sampled_from([float("nan"), float("inf"), 0.0, 7.0]),
        ),
        st.sampled_from(UNITS),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(rows)
def test_batch_check_agrees_with_check_readings(batch: list[tuple[int, int, float, str]]):
    index = np.array([r[0] for r in batch], dtype=np.int64)
    ts = np.array([r[1] for r in batch], dtype=np.int64)
    values = np.array([r[2] for r in batch], dtype=np.float64)
    units = [r[3] for r in batch]
    factors = np.array([_factor(u, METERS[i].base_unit) for i, u in zip(index, units, strict=True)])
    result = check_interval_batch(
        index,
        ts,
        values,
        factors,
        interval_s=np.array([m.interval_s for m in METERS], dtype=np.int64),
        multiplier=np.array([m.multiplier for m in METERS]),
        export_allowed=np.array([m.export_allowed for m in METERS]),
        now=NOW,
        max_future=300,
    )
    duplicates = 0
    for i, meter in enumerate(METERS):
        mine = np.flatnonzero(index == i)
        single = check_readings(
            meter, ts[mine], values[mine], NOW, units=[units[r] for r in mine], max_future=300
        )
        duplicates += single.duplicates
        rejected = mine[single.rejected_rows]
        assert list(rejected) == [r for r in mine if result.codes[r] >= 0]
        expected = [REJECTION_CODES[c] for c in single.rejected_codes]
        assert [REJECTION_CODES[result.codes[r]] for r in rejected] == expected
        kept = np.isin(result.accepted_rows, mine)
        assert list(result.accepted_rows[kept]) == list(mine[single.accepted_rows])
        np.testing.assert_allclose(result.base_values[kept], single.values, rtol=1e-12)
    assert result.duplicates == duplicates
