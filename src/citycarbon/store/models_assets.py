"""The system of record for enterprise carbon assets (企业碳资产): allowance allocations and
the carbon-asset ledger (migration 0005).

An allocation keeps what it was computed from (the method's inputs, the refdata table and
edition of the benchmarks and rules, the full calculation trace), so every tonne issued can be
traced to output × benchmark × coefficients. Ledger entries are append-only: database
triggers refuse UPDATE and DELETE, and a correction is a new entry that reverses an earlier
one (``reverses_id``). Quantities are t CO2e; ``unit_type`` says whether they are allowances
(CEA, 全国碳排放配额) or offsets (CCER).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
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


class AllowanceAllocation(Base):
    """An enterprise's allowance allocation for one compliance year: the pre-allocation on
    the base year's output and, once the year's output is verified, the final allocation and
    the true-up (final − pre; negative = taken back)."""

    __tablename__ = "allowance_allocation"
    __table_args__ = (UniqueConstraint("enterprise_id", "compliance_year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    compliance_year: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(30))  # benchmark | historical_intensity
    base_year: Mapped[int] = mapped_column(Integer)  # year of the output pre-allocated on
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)  # generating units / product lines
    sources: Mapped[dict[str, Any]] = mapped_column(JSON)  # refdata tables, editions, rules
    pre_share: Mapped[float] = mapped_column(Float)  # cn_ets_rules:pre_allocation_share
    pre_t: Mapped[float] = mapped_column(Float)
    final_t: Mapped[float | None] = mapped_column(Float)
    true_up_t: Mapped[float | None] = mapped_column(Float)
    trace: Mapped[dict[str, Any]] = mapped_column(JSON)  # Allocation.as_dict of base / final
    computed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    trued_up_at: Mapped[dt.datetime | None]


class CarbonAssetEntry(Base):
    """One entry of an enterprise's carbon-asset ledger (see
    :mod:`citycarbon.enterprise.assets` for the kinds and their signs). Append-only."""

    __tablename__ = "carbon_asset_entry"
    __table_args__ = (
        Index("ix_carbon_asset_entry_enterprise_year", "enterprise_id", "compliance_year"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    compliance_year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # citycarbon.enterprise.assets.EntryKind
    entry_date: Mapped[dt.date] = mapped_column(Date)
    quantity_t: Mapped[float] = mapped_column(Float)  # > 0, t CO2e
    unit_type: Mapped[str] = mapped_column(String(4))  # CEA | CCER
    counterparty: Mapped[str] = mapped_column(String(200), default="")
    price_cny_per_t: Mapped[float | None] = mapped_column(Float)
    reference: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("allowance_allocation.id"))
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("carbon_asset_entry.id"), unique=True
    )
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    posted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
