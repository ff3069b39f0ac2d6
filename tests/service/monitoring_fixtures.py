"""Meters and lake readings for the monitoring service tests (imported by name).

Readings are written with the lake's own writer and the dimension tables with the lake's own
exporters (registry → ``dims/meters.parquet``, packaged factors → ``dims/factors.parquet``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
from sqlalchemy.orm import Session

from citycarbon.lake.dims import export_meters
from citycarbon.lake.factors import export_factors
from citycarbon.lake.layout import append_readings
from citycarbon.testing.meters import equal_readings

CST = dt.timezone(dt.timedelta(hours=8))


def local_epoch(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(dt.datetime(year, month, day, hour, minute, tzinfo=CST).timestamp())


def readings(
    meter_id: int, first_end: int, count: int, quantity: float, interval_s: int = 900
) -> pa.Table:
    return equal_readings(meter_id, first_end, count, quantity, interval_s)


def write(root: Path, table: pa.Table) -> None:
    append_readings(root, table)


def export_dims(session: Session, root: Path, years: tuple[int, ...] = (2026,)) -> None:
    export_meters(session, root)
    export_factors(root, years)
