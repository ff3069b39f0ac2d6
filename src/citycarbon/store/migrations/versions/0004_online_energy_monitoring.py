"""online energy monitoring

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Online energy monitoring (重点用能单位在线监测): industrial parks and their members, the
meter registry, rejected readings, monthly energy and carbon budgets, alerts. Readings go to
the Parquet lake, not here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meter_rejected",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("meter_code", sa.String(length=60), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("reason_zh", sa.Text(), nullable=False),
        sa.Column("reason_en", sa.Text(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter_rejected")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_meter_rejected_fingerprint")),
    )
    with op.batch_alter_table("meter_rejected", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meter_rejected_meter_code"), ["meter_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_meter_rejected_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "park",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_park_region_code_region")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_park")),
    )
    with op.batch_alter_table("park", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_park_region_code"), ["region_code"], unique=False)

    op.create_table(
        "meter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("facility", sa.String(length=40), nullable=False),
        sa.Column("carrier", sa.String(length=20), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("multiplier", sa.Float(), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("export_allowed", sa.Boolean(), nullable=False),
        sa.Column("register_max", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_meter_enterprise_id_enterprise")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter")),
        sa.UniqueConstraint("code", name=op.f("uq_meter_code")),
    )
    with op.batch_alter_table("meter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meter_enterprise_id"), ["enterprise_id"], unique=False)

    op.create_table(
        "park_member",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("park_code", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_park_member_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["park_code"], ["park.code"], name=op.f("fk_park_member_park_code_park")
        ),
        sa.PrimaryKeyConstraint("enterprise_id", name=op.f("pk_park_member")),
    )
    with op.batch_alter_table("park_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_park_member_park_code"), ["park_code"], unique=False)

    op.create_table(
        "energy_budget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_energy_budget_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["set_by"], ["app_user.id"], name=op.f("fk_energy_budget_set_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_energy_budget")),
        sa.UniqueConstraint(
            "enterprise_id",
            "year",
            "month",
            "kind",
            name=op.f("uq_energy_budget_enterprise_id_year_month_kind"),
        ),
    )
    op.create_table(
        "monitoring_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("meter_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_monitoring_alert_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["meter_id"], ["meter.id"], name=op.f("fk_monitoring_alert_meter_id_meter")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_alert")),
    )
    with op.batch_alter_table("monitoring_alert", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_alert_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            "ix_monitoring_alert_open", ["subject", "kind", "state"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_monitoring_alert_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("monitoring_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_alert_state"))
        batch_op.drop_index("ix_monitoring_alert_open")
        batch_op.drop_index(batch_op.f("ix_monitoring_alert_enterprise_id"))

    op.drop_table("monitoring_alert")
    op.drop_table("energy_budget")
    with op.batch_alter_table("park_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_park_member_park_code"))

    op.drop_table("park_member")
    with op.batch_alter_table("meter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meter_enterprise_id"))

    op.drop_table("meter")
    with op.batch_alter_table("park", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_park_region_code"))

    op.drop_table("park")
    with op.batch_alter_table("meter_rejected", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meter_rejected_received_at"))
        batch_op.drop_index(batch_op.f("ix_meter_rejected_meter_code"))

    op.drop_table("meter_rejected")
