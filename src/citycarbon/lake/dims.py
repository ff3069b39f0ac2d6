"""Dimension tables of the lake built from the system of record.

``dims/meters.parquet`` is the meter registry as the rollups join it: each meter with its
enterprise, park, district and city. It is rewritten whole (atomically) after every registry
change; it is small (one row per meter)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.lake.layout import write_dim
from citycarbon.monitoring.meters import BASE_UNITS, Carrier
from citycarbon.store.models import Enterprise, Region
from citycarbon.store.models_monitoring import MeterRecord, ParkMember

METERS_SCHEMA = pa.schema(
    [
        pa.field("meter_id", pa.int32(), nullable=False),
        pa.field("meter_code", pa.string(), nullable=False),
        pa.field("enterprise_id", pa.int32(), nullable=False),
        pa.field("credit_code", pa.string(), nullable=False),
        pa.field("facility", pa.string()),
        pa.field("carrier", pa.string(), nullable=False),
        pa.field("base_unit", pa.string(), nullable=False),
        pa.field("interval_s", pa.int32(), nullable=False),
        pa.field("park_code", pa.string()),
        pa.field("region_code", pa.string()),
        pa.field("city_code", pa.string()),
    ]
)


def _district_and_city(path: str | None, own: str) -> tuple[str, str | None]:
    """From a materialised region path ``/province/city/county/township/``: the county-level
    district (the enterprise's own region when it is not deeper) and the city."""
    parts = [p for p in (path or "").split("/") if p]
    district = parts[2] if len(parts) > 2 else own
    city = parts[1] if len(parts) > 1 else None
    return district, city


def meters_table(session: Session) -> pa.Table:
    rows = session.execute(
        select(
            MeterRecord.id,
            MeterRecord.code,
            MeterRecord.enterprise_id,
            Enterprise.credit_code,
            MeterRecord.facility,
            MeterRecord.carrier,
            MeterRecord.interval_s,
            ParkMember.park_code,
            Enterprise.region_code,
            Region.path,
        )
        .join(Enterprise, Enterprise.id == MeterRecord.enterprise_id)
        .join(Region, Region.code == Enterprise.region_code)
        .outerjoin(ParkMember, ParkMember.enterprise_id == MeterRecord.enterprise_id)
        .order_by(MeterRecord.id)
    ).all()
    columns: dict[str, list[object]] = {name: [] for name in METERS_SCHEMA.names}
    for mid, code, eid, credit, facility, carrier, interval, park, region, path in rows:
        district, city = _district_and_city(path, region)
        values = (
            mid,
            code,
            eid,
            credit,
            facility,
            carrier,
            BASE_UNITS[Carrier(carrier)],
            interval,
            park,
            district,
            city,
        )
        for name, value in zip(METERS_SCHEMA.names, values, strict=True):
            columns[name].append(value)
    return pa.table(columns, schema=METERS_SCHEMA)


def export_meters(session: Session, root: Path) -> Path:
    """Write ``dims/meters.parquet`` from the registry; call after any registry change."""
    return write_dim(root, "meters", meters_table(session))
