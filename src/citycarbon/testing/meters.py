"""Meters and lake readings for tests: one registry entry, and a run of equal readings in
the lake's reading schema (written with :func:`citycarbon.lake.layout.append_readings`)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from sqlalchemy.orm import Session

from citycarbon.lake.layout import MILLI, READINGS_SCHEMA
from citycarbon.monitoring.meters import BASE_UNITS, Carrier
from citycarbon.store.models_monitoring import MeterRecord


def add_meter(
    session: Session,
    enterprise_id: int,
    code: str,
    carrier: Carrier = Carrier.ELECTRICITY,
    interval_s: int = 900,
) -> int:
    """A meter of the enterprise in its carrier's base unit; returns its id (the lake's key)."""
    meter = MeterRecord(
        code=code,
        enterprise_id=enterprise_id,
        facility="main",
        carrier=carrier.value,
        unit=BASE_UNITS[carrier],
        interval_s=interval_s,
    )
    session.add(meter)
    session.flush()
    return meter.id


def equal_readings(
    meter_id: int, first_end: int, count: int, quantity: float, interval_s: int = 900
) -> pa.Table:
    """``count`` readings of ``quantity`` (base unit) each, the first ending at ``first_end``."""
    ts = first_end + interval_s * np.arange(count, dtype=np.int64)
    return pa.table(
        {
            "meter_id": pa.array(np.full(count, meter_id, np.int32)),
            "ts": pa.array(ts),
            "qty_milli": pa.array(np.full(count, round(quantity * MILLI), np.int64)),
            "register_milli": pa.nulls(count, pa.int64()),
            "flag": pa.array(np.zeros(count, np.int8)),
        },
        schema=READINGS_SCHEMA,
    )
