"""Meters and lake readings for the monitoring service tests (imported by name).

Readings are written with the lake's own writer and the dimension tables with the lake's own
exporters (registry → ``dims/meters.parquet``, packaged factors → ``dims/factors.parquet``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
from sqlalchemy.orm import Session

from citycarbon.lake.dims import export_meters
from citycarbon.lake.factors import export_factors
from citycarbon.lake.layout import append_readings
from citycarbon.monitoring.meters import BASE_UNITS, Carrier
from citycarbon.store.models_monitoring import MeterRecord

CST = dt.timezone(dt.timedelta(hours=8))


def local_epoch(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(dt.datetime(year, month, day, hour, minute, tzinfo=CST).timestamp())


def add_meter(
    session: Session,
    enterprise_id: int,
    code: str,
    carrier: Carrier = Carrier.ELECTRICITY,
    interval_s: int = 900,
) -> int:
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


def readings(
    meter_id: int, first_end: int, count: int, quantity: float, interval_s: int = 900
) -> pa.Table:
    """``count`` readings of ``quantity`` (base unit) each, the first ending at ``first_end``."""
    ts = first_end + interval_s * np.arange(count, dtype=np.int64)
    return pa.table(
        {
            "meter_id": pa.array(np.full(count, meter_id, np.int32)),
            "ts": pa.array(ts),
            "qty_milli": pa.array(np.full(count, round(quantity * 1000), np.int64)),
            "register_milli": pa.nulls(count, pa.int64()),
            "flag": pa.array(np.zeros(count, np.int8)),
        }
    )


def write(root: Path, table: pa.Table) -> None:
    append_readings(root, table)


def export_dims(session: Session, root: Path, years: tuple[int, ...] = (2026,)) -> None:
    export_meters(session, root)
    export_factors(root, years)
