"""carbon assets

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Enterprise carbon assets (企业碳资产): allowance allocations per enterprise and compliance year
(with their inputs, refdata sources and calculation trace) and the carbon-asset ledger.
Triggers make the ledger append-only on both backends: a correction is a reversing entry.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LEDGER = "carbon_asset_entry"
REFUSAL = "carbon_asset_entry is append-only: post a reversing entry"


def upgrade() -> None:
    op.create_table(
        "allowance_allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("compliance_year", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("base_year", sa.Integer(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("pre_share", sa.Float(), nullable=False),
        sa.Column("pre_t", sa.Float(), nullable=False),
        sa.Column("final_t", sa.Float(), nullable=True),
        sa.Column("true_up_t", sa.Float(), nullable=True),
        sa.Column("trace", sa.JSON(), nullable=False),
        sa.Column("computed_by", sa.Integer(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trued_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["computed_by"],
            ["app_user.id"],
            name=op.f("fk_allowance_allocation_computed_by_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_allowance_allocation_enterprise_id_enterprise"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allowance_allocation")),
        sa.UniqueConstraint(
            "enterprise_id",
            "compliance_year",
            name=op.f("uq_allowance_allocation_enterprise_id_compliance_year"),
        ),
    )
    op.create_table(
        LEDGER,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("compliance_year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("quantity_t", sa.Float(), nullable=False),
        sa.Column("unit_type", sa.String(length=4), nullable=False),
        sa.Column("counterparty", sa.String(length=200), nullable=False),
        sa.Column("price_cny_per_t", sa.Float(), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("posted_by", sa.Integer(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["allowance_allocation.id"],
            name=op.f("fk_carbon_asset_entry_allocation_id_allowance_allocation"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_carbon_asset_entry_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["posted_by"], ["app_user.id"], name=op.f("fk_carbon_asset_entry_posted_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            [f"{LEDGER}.id"],
            name=op.f("fk_carbon_asset_entry_reverses_id_carbon_asset_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carbon_asset_entry")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_carbon_asset_entry_reverses_id")),
    )
    with op.batch_alter_table(LEDGER, schema=None) as batch_op:
        batch_op.create_index(
            "ix_carbon_asset_entry_enterprise_year",
            ["enterprise_id", "compliance_year"],
            unique=False,
        )
    _add_guard()


def _add_guard() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {LEDGER}_no_{verb.lower()} BEFORE {verb} ON {LEDGER} "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION citycarbon_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {LEDGER}_append_only BEFORE UPDATE OR DELETE ON {LEDGER} "
        "FOR EACH ROW EXECUTE FUNCTION citycarbon_ledger_append_only()"
    )


def _drop_guard() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER {LEDGER}_no_{verb}")
        return
    op.execute(f"DROP TRIGGER {LEDGER}_append_only ON {LEDGER}")
    op.execute("DROP FUNCTION citycarbon_ledger_append_only()")


def downgrade() -> None:
    _drop_guard()
    with op.batch_alter_table(LEDGER, schema=None) as batch_op:
        batch_op.drop_index("ix_carbon_asset_entry_enterprise_year")

    op.drop_table(LEDGER)
    op.drop_table("allowance_allocation")
