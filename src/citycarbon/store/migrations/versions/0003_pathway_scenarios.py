"""pathway scenarios

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Peak-pathway scenarios of a region (碳达峰路径情景): a root's full definition or a child's
overrides of its parent, or imported IAMC series ('external'), with a version for
optimistic locking.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "pathway_scenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("parent", sa.String(length=60), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("label_zh", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("overrides", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_pathway_scenario_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_pathway_scenario_region_code_region")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["app_user.id"], name=op.f("fk_pathway_scenario_updated_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_scenario")),
        sa.UniqueConstraint(
            "region_code", "name", name=op.f("uq_pathway_scenario_region_code_name")
        ),
    )
    with op.batch_alter_table("pathway_scenario", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pathway_scenario_region_code"), ["region_code"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("pathway_scenario", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathway_scenario_region_code"))

    op.drop_table("pathway_scenario")
