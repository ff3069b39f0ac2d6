"""The system of record: SQLAlchemy 2 models.

One schema on SQLite (embedded default) and PostgreSQL. Changes go through an Alembic
migration in ``store/migrations/versions``; a test checks the migrated schema matches these
models. Code columns name their code list in the comment (GB/T 2260 regions, GB/T 4754
industries, IPCC 2006 categories). Rules about what a state or a role may do live in the
domain and service layers, never in SQL; the few triggers the migration adds only back up
the two promises that must survive a bug elsewhere (the audit log is append-only, a
verified report's numbers are immutable).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC timestamps on both backends (SQLite drops the zone on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC timestamp")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self,
        value: dt.datetime | None,
        dialect: Dialect,  # noqa: ARG002
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UtcDateTime, dict[str, Any]: JSON}


# === regions and statistics ===


class Region(Base):
    """A GB/T 2260 administrative area at any depth, townships with their 主体功能区 type."""

    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)  # GB/T 2260 / 统计用区划代码
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(10))  # codelist cn_region_levels
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    # materialised path "/320000/321100/321102/": a subtree is one LIKE on an index
    path: Mapped[str] = mapped_column(String(200), index=True)
    function_zone: Mapped[str | None] = mapped_column(String(12))  # cn_main_function_zones


class RegionStatistic(Base):
    """A published statistic of a region and year: GDP, value added, population, forest …"""

    __tablename__ = "region_statistic"
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(200), default="")


class EnergyBalance(Base):
    """One cell of a regional energy balance table (sector × fuel) as the bureau publishes it."""

    __tablename__ = "energy_balance"
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    sector: Mapped[str] = mapped_column(String(40), primary_key=True)  # cn_energy_balance_sectors
    fuel: Mapped[str] = mapped_column(String(40), primary_key=True)  # cn_energy_balance_fuels
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(200), default="")


class RegionActivity(Base):
    """Region-level activity data of the city inventory, in the engine's record schema."""

    __tablename__ = "region_activity"
    __table_args__ = (
        UniqueConstraint("region_code", "year", "period", "category", "activity", "qualifier"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[int] = mapped_column(Integer, default=0)  # 0 = year, 1–12 = month
    category: Mapped[str] = mapped_column(String(20))  # IPCC 2006 / citycarbon IND.*
    activity: Mapped[str] = mapped_column(String(60))
    qualifier: Mapped[str] = mapped_column(String(60), default="")
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(30))
    overrides: Mapped[str] = mapped_column(String(300), default="")  # "ncv=20.5;…"
    source: Mapped[str] = mapped_column(String(200), default="")


# === enterprises ===


class Enterprise(Base):
    __tablename__ = "enterprise"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # GB 32100 统一社会信用代码
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    industry: Mapped[str] = mapped_column(String(5))  # GB/T 4754-2017 code
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    is_key_emitter: Mapped[bool] = mapped_column(Boolean, default=False)
    is_key_energy_user: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Facility(Base):
    __tablename__ = "facility"
    __table_args__ = (UniqueConstraint("enterprise_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(300), default="")


# === reporting (MRV) ===


class Report(Base):
    """One version of an enterprise's monthly (month 1–12) or annual (month 0) report.

    A restatement adds a version and keeps the old one; ``is_current`` marks the newest.
    """

    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year", "month", "version"),
        Index("ix_report_period_current", "enterprise_id", "year", "month", "is_current"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)  # 0 = annual report
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"))
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    factor_set: Mapped[str] = mapped_column(String(40))  # name@version pinned by the report
    gwp_set: Mapped[str] = mapped_column(String(10))
    due_date: Mapped[dt.date] = mapped_column(Date)
    return_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    checked_at: Mapped[dt.datetime | None]
    verified_at: Mapped[dt.datetime | None]
    locked_at: Mapped[dt.datetime | None]


class ReportLine(Base):
    """An activity figure of a report: energy use or process activity, per facility."""

    __tablename__ = "report_line"
    __table_args__ = (
        UniqueConstraint("report_id", "facility", "category", "activity", "qualifier"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    facility: Mapped[str] = mapped_column(String(40), default="")
    category: Mapped[str] = mapped_column(String(20))
    activity: Mapped[str] = mapped_column(String(60))
    qualifier: Mapped[str] = mapped_column(String(60), default="")
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(30))
    overrides: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(200), default="")


class ReportProduction(Base):
    """Production of a report period: output of a product, and its value."""

    __tablename__ = "report_production"
    __table_args__ = (UniqueConstraint("report_id", "facility", "product"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    facility: Mapped[str] = mapped_column(String(40), default="")
    product: Mapped[str] = mapped_column(String(60))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(30))
    output_value_10k_cny: Mapped[float | None] = mapped_column(Float)


class Attachment(Base):
    """Evidence for a report (invoices, meter readings, verification statement)."""

    __tablename__ = "attachment"
    __table_args__ = (UniqueConstraint("report_id", "sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Setting(Base):
    """Platform settings that are data, e.g. reporting deadlines (``deadlines``)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)


# === inventories ===


class FactorSetVersion(Base):
    """A factor set an inventory or report was computed with (``name@version``)."""

    __tablename__ = "factor_set_version"
    ref: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    version: Mapped[str] = mapped_column(String(20))
    catalogue_sha256: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class InventoryRun(Base):
    """A stored inventory of a region and year, with what it was computed from."""

    __tablename__ = "inventory_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    factor_set: Mapped[str] = mapped_column(ForeignKey("factor_set_version.ref"))
    gwp_set: Mapped[str] = mapped_column(String(10))
    input_digest: Mapped[str] = mapped_column(String(64))  # sha256 of the input records
    input_rows: Mapped[int] = mapped_column(Integer)
    computed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")


class InventoryValue(Base):
    """One figure of a stored inventory: region (the run's region or below) × category ×
    measure (CO2, CH4, N2O, HFCs, PFCs, SF6, CO2e, CO2_biogenic, energy_tce)."""

    __tablename__ = "inventory_value"
    run_id: Mapped[int] = mapped_column(ForeignKey("inventory_run.id"), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    measure: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))


# === people, access, audit ===


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(30))  # citycarbon.service.roles.Role
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """An API token: only its SHA-256 is stored; the prefix finds it without revealing it."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]


class AuditEntry(Base):
    """Append-only: who did what, when, to which record, with the state before and after.
    Database triggers refuse UPDATE and DELETE on this table."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the log outlives users
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))  # e.g. report.submit, enterprise.update
    entity: Mapped[str] = mapped_column(String(40))
    entity_key: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)


class ImportBatch(Base):
    """One committed import of a file: what it was and what it changed."""

    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    rows: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# === targets, district assessment, measures (目标清单、措施清单、责任清单) ===


class RegionTarget(Base):
    """A plan target of one indicator for one region: baseline (year, value) → target (year,
    value). A district's target decomposed from its city's points at it with ``parent_id``
    and names the method (equal, zone, gdp, emissions, potential, manual)."""

    __tablename__ = "region_target"
    __table_args__ = (UniqueConstraint("plan", "region_code", "indicator"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan: Mapped[str] = mapped_column(String(40))  # e.g. "14fyp" (2020→2025)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    indicator: Mapped[str] = mapped_column(String(40))  # citycarbon_plan_indicators code
    baseline_year: Mapped[int] = mapped_column(Integer)
    baseline_value: Mapped[float] = mapped_column(Float)
    target_year: Mapped[int] = mapped_column(Integer)
    target_value: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(20), default="manual")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region_target.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AssessmentAdjustment(Base):
    """Bonus or penalty points a region was given in a year's assessment, with the reason
    (the rubric, kept as data, names the items and their maximum points)."""

    __tablename__ = "assessment_adjustment"
    __table_args__ = (UniqueConstraint("region_code", "year", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))  # a bonus or penalty item of the rubric
    points: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")


class MeasureProject(Base):
    """A project that carries out one of the region's measures (the nine actions, codelist
    citycarbon_nine_actions): who is responsible, the schedule, status and completion, and
    the indicators it serves."""

    __tablename__ = "measure_project"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    action: Mapped[str] = mapped_column(String(30))  # citycarbon_nine_actions code
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    department: Mapped[str] = mapped_column(String(100))  # responsible department (责任单位)
    start_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    completion: Mapped[float] = mapped_column(Float, default=0.0)  # 0–1
    indicators: Mapped[list[str]] = mapped_column(JSON, default=list)
    investment_10k_cny: Mapped[float | None] = mapped_column(Float)
    expected_reduction_t: Mapped[float | None] = mapped_column(Float)  # t CO2e a year
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# === project carbon assessment (项目碳评估) ===


class ProjectProposal(Base):
    """A proposed investment project and its carbon assessment. The intake (energy by fuel,
    electricity, heat, process emissions) is kept as submitted; ``result`` holds the last
    assessment with every input, factor and reason; the decision trail is in the audit log."""

    __tablename__ = "project_proposal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    applicant: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)  # township
    industry: Mapped[str] = mapped_column(String(5))  # GB/T 4754-2017 code
    product: Mapped[str] = mapped_column(String(60), default="")  # benchmark product code
    capacity: Mapped[float | None] = mapped_column(Float)
    capacity_unit: Mapped[str] = mapped_column(String(30), default="")
    annual_output: Mapped[float] = mapped_column(Float)
    output_unit: Mapped[str] = mapped_column(String(30))
    output_value_10k_cny: Mapped[float] = mapped_column(Float)
    energy: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # fuel, qty, unit
    electricity_mwh: Mapped[float] = mapped_column(Float, default=0.0)
    heat_gj: Mapped[float] = mapped_column(Float, default=0.0)
    process_emissions_t: Mapped[float] = mapped_column(Float, default=0.0)  # t CO2e
    start_year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(30), default="submitted", index=True)
    grade: Mapped[str | None] = mapped_column(String(1))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    conditions: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    assessed_at: Mapped[dt.datetime | None]
    decided_at: Mapped[dt.datetime | None]


# === peak pathways (碳达峰路径) ===


class PathwayScenario(Base):
    """A pathway scenario of a region. A root holds its full definition in ``overrides``
    (JSON text, the dict form of :mod:`citycarbon.pathways.scenario`); a child names its
    ``parent`` (a scenario of the same region) and holds only what it changes; an
    ``external`` scenario holds imported IAMC series, for comparison only. ``version`` counts
    saves (optimistic locking: a save names the version it changes)."""

    __tablename__ = "pathway_scenario"
    __table_args__ = (UniqueConstraint("region_code", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    parent: Mapped[str | None] = mapped_column(String(60))  # a name in the same region
    kind: Mapped[str] = mapped_column(String(10), default="model")  # model | external
    label_zh: Mapped[str] = mapped_column(String(200), default="")
    label_en: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    overrides: Mapped[str] = mapped_column(Text)  # JSON text
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# The monitoring and carbon-asset tables live in modules of their own; importing them here puts
# them in Base.metadata wherever the models are loaded (migrations, schema checks).
from citycarbon.store import models_assets as _models_assets  # noqa: E402,F401
from citycarbon.store import models_monitoring as _models_monitoring  # noqa: E402,F401
