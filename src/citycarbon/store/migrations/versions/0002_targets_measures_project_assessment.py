"""targets, measures, project assessment

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

Plan targets and their decomposition, assessment adjustments, measure projects (措施清单)
and proposed projects with their carbon assessment (项目碳评估).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "assessment_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["region.code"],
            name=op.f("fk_assessment_adjustment_region_code_region"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_adjustment")),
        sa.UniqueConstraint(
            "region_code",
            "year",
            "code",
            name=op.f("uq_assessment_adjustment_region_code_year_code"),
        ),
    )
    with op.batch_alter_table("assessment_adjustment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_adjustment_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "measure_project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("completion", sa.Float(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("investment_10k_cny", sa.Float(), nullable=True),
        sa.Column("expected_reduction_t", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_measure_project_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_project")),
    )
    with op.batch_alter_table("measure_project", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measure_project_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "region_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan", sa.String(length=40), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("baseline_year", sa.Integer(), nullable=False),
        sa.Column("baseline_value", sa.Float(), nullable=False),
        sa.Column("target_year", sa.Integer(), nullable=False),
        sa.Column("target_value", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["region_target.id"],
            name=op.f("fk_region_target_parent_id_region_target"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_region_target_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_target")),
        sa.UniqueConstraint(
            "plan",
            "region_code",
            "indicator",
            name=op.f("uq_region_target_plan_region_code_indicator"),
        ),
    )
    with op.batch_alter_table("region_target", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_region_target_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "project_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("applicant", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("industry", sa.String(length=5), nullable=False),
        sa.Column("product", sa.String(length=60), nullable=False),
        sa.Column("capacity", sa.Float(), nullable=True),
        sa.Column("capacity_unit", sa.String(length=30), nullable=False),
        sa.Column("annual_output", sa.Float(), nullable=False),
        sa.Column("output_unit", sa.String(length=30), nullable=False),
        sa.Column("output_value_10k_cny", sa.Float(), nullable=False),
        sa.Column("energy", sa.JSON(), nullable=False),
        sa.Column("electricity_mwh", sa.Float(), nullable=False),
        sa.Column("heat_gj", sa.Float(), nullable=False),
        sa.Column("process_emissions_t", sa.Float(), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("conditions", sa.Text(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_project_proposal_region_code_region")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["app_user.id"],
            name=op.f("fk_project_proposal_submitted_by_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_proposal")),
    )
    with op.batch_alter_table("project_proposal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_proposal_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_project_proposal_status"), ["status"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("project_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_proposal_status"))
        batch_op.drop_index(batch_op.f("ix_project_proposal_region_code"))

    op.drop_table("project_proposal")
    with op.batch_alter_table("region_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_target_region_code"))

    op.drop_table("region_target")
    with op.batch_alter_table("measure_project", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_project_region_code"))

    op.drop_table("measure_project")
    with op.batch_alter_table("assessment_adjustment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_adjustment_region_code"))

    op.drop_table("assessment_adjustment")
