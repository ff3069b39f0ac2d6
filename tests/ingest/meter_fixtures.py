"""Meters of the small test city (see ``ingest_fixtures``) and helpers for the meter tests."""

from __future__ import annotations

from pathlib import Path

import orjson
from ingest_fixtures import CC_A, CC_B, CC_C
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.ingest.meter_registry import MeterEntry, add_meter
from citycarbon.service.actor import LOCAL_ADMIN

T0 = 1_772_294_400  # 2026-03-01 00:00 CST, a multiple of 900
METERS = (
    MeterEntry("E-A1", CC_A, "1号变电站", "electricity", "kWh"),
    MeterEntry("E-A2", CC_A, "2号变电站", "electricity", "MWh", multiplier=10.0),
    MeterEntry("E-B1", CC_B, "总表", "electricity", "kWh", export_allowed=True),
    MeterEntry("G-B1", CC_B, "锅炉", "natural_gas", "m3", interval_s=3600),
    MeterEntry("S-C1", CC_C, "蒸汽", "steam", "t", kind="cumulative", register_max=1e6),
)


def register_meters(sessions: sessionmaker[Session]) -> dict[str, int]:
    """The test meters added to the registry; their lake ids by code."""
    with sessions.begin() as session:
        return {m.code: add_meter(session, LOCAL_ADMIN, m).id for m in METERS}


def batch(code: str, t0: int, values: list[float], **extra: object) -> bytes:
    return orjson.dumps({"meter": code, "t0": t0, "values": values, **extra})


def lake_of(tmp: Path) -> Path:
    return tmp / "lake"
