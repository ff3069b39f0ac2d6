"""Meters, lake readings and a park for the monitoring web and browser tests (imported by
name). The lake is the application's own (``<data dir>/lake``); readings are written with the
lake's writer and the dimension tables with its exporters, as the ingest does."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.lake.dims import export_meters
from citycarbon.lake.factors import export_factors
from citycarbon.lake.layout import append_readings
from citycarbon.monitoring.meters import Carrier
from citycarbon.store.models import Enterprise, Report, User
from citycarbon.store.models_monitoring import Park, ParkMember
from citycarbon.testing.meters import add_meter, equal_readings

CST = dt.timezone(dt.timedelta(hours=8))
INTERVAL = 900


@dataclass(frozen=True)
class Seeded:
    root: Path
    credit_code: str  # firm-1's enterprise: live readings up to now
    meter_id: int
    last_ts: int
    verify_report_id: int  # firm-5's December 2024 report, verified by verifier-a
    park_code: str  # firm-1's park (the demo's, or one made here)


def aligned_now() -> int:
    return int(time.time()) // INTERVAL * INTERVAL


def readings(meter_id: int, first_end: int, count: int, quantity: float) -> pa.Table:
    return equal_readings(meter_id, first_end, count, quantity, INTERVAL)


def _enterprise_of(session: Session, username: str) -> Enterprise:
    user = session.scalars(select(User).where(User.username == username)).one()
    firm = session.get(Enterprise, user.enterprise_id)
    assert firm is not None
    return firm


def _meter(session: Session, firm: Enterprise, code: str, carrier: Carrier) -> int:
    return add_meter(session, firm.id, code, carrier, INTERVAL)


def seed(
    sessions: sessionmaker[Session], data_dir: Path, *, hours: int = 6, held_back: int = 0
) -> Seeded:
    """firm-1: an electricity meter with 20 kWh per 15 min over the last ``hours`` (the newest
    ``held_back`` readings not yet written: :func:`late_readings` brings them) and a park;
    firm-5: an electricity meter whose December 2024 runs 20 % above its reported lines."""
    root = data_dir / "lake"
    now = aligned_now()
    with sessions.begin() as session:
        firm1 = _enterprise_of(session, "firm-1")
        firm5 = _enterprise_of(session, "firm-5")
        power = _meter(session, firm1, "WEB-F1-E1", Carrier.ELECTRICITY)
        verify_meter = _meter(session, firm5, "WEB-F5-E1", Carrier.ELECTRICITY)
        park_code = _park_of(session, firm1)
        report = session.scalars(
            select(Report).where(Report.enterprise_id == firm5.id, Report.year == 2024,
                                 Report.month == 12, Report.is_current.is_(True))
        ).one()  # fmt: skip
        reported_kwh = _reported_kwh(session, report.id)
        export_meters(session, root)
        credit_code, report_id = firm1.credit_code, report.id
    year = dt.datetime.now(CST).year
    export_factors(root, range(2024, year + 1))
    count = hours * 3600 // INTERVAL
    first = now - (count - 1) * INTERVAL
    append_readings(root, readings(power, first, count - held_back, 20.0))
    december = int(dt.datetime(2024, 12, 1, tzinfo=CST).timestamp())
    slots = 31 * 96
    append_readings(
        root, readings(verify_meter, december + INTERVAL, slots, reported_kwh * 1.2 / slots)
    )
    return Seeded(root, credit_code, power, now, report_id, park_code)


def _park_of(session: Session, firm: Enterprise) -> str:
    """firm-1's park: the demo's if it seeded one, else a test park."""
    member = session.get(ParkMember, firm.id)
    if member is not None:
        return member.park_code
    session.add(Park(code="WEBPARK", name_zh="测试园区", name_en="Test park",
                     region_code=firm.region_code, lon=firm.lon, lat=firm.lat))  # fmt: skip
    session.add(ParkMember(enterprise_id=firm.id, park_code="WEBPARK"))
    return "WEBPARK"


def late_readings(seeded: Seeded, held_back: int) -> None:
    """The readings :func:`seed` held back arrive."""
    first = seeded.last_ts - (held_back - 1) * INTERVAL
    append_readings(seeded.root, readings(seeded.meter_id, first, held_back, 20.0))


def _reported_kwh(session: Session, report_id: int) -> float:
    from citycarbon.store.models import ReportLine
    from citycarbon.units import factor

    lines = session.scalars(
        select(ReportLine).where(ReportLine.report_id == report_id,
                                 ReportLine.activity == "electricity")
    )  # fmt: skip
    return sum(line.quantity * factor(line.unit, "kWh") for line in lines)
