"""The system of record for online energy monitoring (重点用能单位在线监测): industrial parks,
the meter registry, rejected readings, monthly budgets and alerts.

Readings themselves are not here: they go to the Parquet lake (:mod:`citycarbon.lake`), keyed
by ``meter.id``. A rejected reading is kept with its reason so that a gateway's operator can
see what was refused and why; its ``fingerprint`` (a hash of the source item and the reason)
makes a replayed message add nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from citycarbon.store.models import Base, utcnow


class Park(Base):
    """An industrial park (园区): a group of enterprises shown together on the park map."""

    __tablename__ = "park"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)


class ParkMember(Base):
    """An enterprise's park (at most one)."""

    __tablename__ = "park_member"
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), primary_key=True)
    park_code: Mapped[str] = mapped_column(ForeignKey("park.code"), index=True)


class MeterRecord(Base):
    """A meter of the registry (see :class:`citycarbon.monitoring.meters.Meter`). ``id`` is
    the meter's key in the lake; ``code`` is what gateways send."""

    __tablename__ = "meter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    facility: Mapped[str] = mapped_column(String(40))
    carrier: Mapped[str] = mapped_column(String(20))  # citycarbon.monitoring.meters.Carrier
    unit: Mapped[str] = mapped_column(String(20))  # unit the meter reports in
    multiplier: Mapped[float] = mapped_column(Float, default=1.0)
    interval_s: Mapped[int] = mapped_column(Integer, default=900)
    kind: Mapped[str] = mapped_column(String(12), default="interval")  # interval | cumulative
    export_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    register_max: Mapped[float | None] = mapped_column(Float)  # cumulative: wrap value
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RejectedReading(Base):
    """A reading (or a whole message) the ingest refused, with the reason in zh and en."""

    __tablename__ = "meter_rejected"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(10))  # mqtt | http | csv
    meter_code: Mapped[str] = mapped_column(String(60), default="", index=True)
    ts: Mapped[int | None] = mapped_column(BigInteger)  # epoch seconds, when one was readable
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20), default="")
    code: Mapped[str] = mapped_column(String(20))  # malformed | unknown_meter | Rejection codes
    reason_zh: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)
    item: Mapped[str] = mapped_column(Text, default="")  # the offending item, truncated
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)


class EnergyBudget(Base):
    """An enterprise's energy (tce) or carbon (t CO2e) budget for one month."""

    __tablename__ = "energy_budget"
    __table_args__ = (UniqueConstraint("enterprise_id", "year", "month", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # energy | carbon
    amount: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(10))  # tce | t
    set_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    set_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MonitoringAlert(Base):
    """One alert from open to cleared (see :func:`citycarbon.monitoring.budgets.step_alerts`).
    ``subject`` names what it is about (a budget or a meter); ``detail`` holds the figures of
    the last observation."""

    __tablename__ = "monitoring_alert"
    __table_args__ = (Index("ix_monitoring_alert_open", "subject", "kind", "state"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))  # citycarbon.monitoring.budgets.AlertKind
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meter.id"))
    state: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open | cleared
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    cleared_at: Mapped[dt.datetime | None]
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
