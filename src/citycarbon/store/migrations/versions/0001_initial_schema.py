"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21

Also adds the triggers that back up two promises even against a bug elsewhere: the audit
log is append-only, and the lines of a verified or locked report cannot change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_key", sa.String(length=100), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_log_entity", ["entity", "entity_key"], unique=False)

    op.create_table(
        "factor_set_version",
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("catalogue_sha256", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_factor_set_version")),
    )
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_sha256"), ["sha256"], unique=False)

    op.create_table(
        "region",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("parent_code", sa.String(length=12), nullable=True),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("function_zone", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["region.code"], name=op.f("fk_region_parent_code_region")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_region")),
    )
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_parent_code"), ["parent_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_region_path"), ["path"], unique=False)

    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )
    op.create_table(
        "energy_balance",
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sector", sa.String(length=40), nullable=False),
        sa.Column("fuel", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_energy_balance_region_code_region")
        ),
        sa.PrimaryKeyConstraint(
            "region_code", "year", "sector", "fuel", name=op.f("pk_energy_balance")
        ),
    )
    op.create_table(
        "enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("industry", sa.String(length=5), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("is_key_emitter", sa.Boolean(), nullable=False),
        sa.Column("is_key_energy_user", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_enterprise_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_enterprise_credit_code")),
    )
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enterprise_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "region_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("activity", sa.String(length=60), nullable=False),
        sa.Column("qualifier", sa.String(length=60), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("overrides", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_region_activity_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_activity")),
        sa.UniqueConstraint(
            "region_code",
            "year",
            "period",
            "category",
            "activity",
            "qualifier",
            name=op.f("uq_region_activity_region_code_year_period_category_activity_qualifier"),
        ),
    )
    op.create_table(
        "region_statistic",
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_region_statistic_region_code_region")
        ),
        sa.PrimaryKeyConstraint(
            "region_code", "year", "indicator", name=op.f("pk_region_statistic")
        ),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_app_user_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_app_user_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    op.create_table(
        "facility",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_facility_enterprise_id_enterprise")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facility")),
        sa.UniqueConstraint("enterprise_id", "code", name=op.f("uq_facility_enterprise_id_code")),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_api_token_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "inventory_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("factor_set", sa.String(length=40), nullable=False),
        sa.Column("gwp_set", sa.String(length=10), nullable=False),
        sa.Column("input_digest", sa.String(length=64), nullable=False),
        sa.Column("input_rows", sa.Integer(), nullable=False),
        sa.Column("computed_by", sa.Integer(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["computed_by"], ["app_user.id"], name=op.f("fk_inventory_run_computed_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["factor_set"],
            ["factor_set_version.ref"],
            name=op.f("fk_inventory_run_factor_set_factor_set_version"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_inventory_run_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_run")),
    )
    with op.batch_alter_table("inventory_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inventory_run_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("verifier_id", sa.Integer(), nullable=True),
        sa.Column("factor_set", sa.String(length=40), nullable=False),
        sa.Column("gwp_set", sa.String(length=10), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_report_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["report.id"], name=op.f("fk_report_supersedes_id_report")
        ),
        sa.ForeignKeyConstraint(
            ["verifier_id"], ["app_user.id"], name=op.f("fk_report_verifier_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint(
            "enterprise_id",
            "year",
            "month",
            "version",
            name=op.f("uq_report_enterprise_id_year_month_version"),
        ),
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_period_current",
            ["enterprise_id", "year", "month", "is_current"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_report_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_verifier_id"), ["verifier_id"], unique=False)

    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_attachment_report_id_report")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["app_user.id"], name=op.f("fk_attachment_uploaded_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("report_id", "sha256", name=op.f("uq_attachment_report_id_sha256")),
    )
    op.create_table(
        "inventory_value",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["inventory_run.id"], name=op.f("fk_inventory_value_run_id_inventory_run")
        ),
        sa.PrimaryKeyConstraint(
            "run_id", "region_code", "category", "measure", name=op.f("pk_inventory_value")
        ),
    )
    op.create_table(
        "report_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("facility", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("activity", sa.String(length=60), nullable=False),
        sa.Column("qualifier", sa.String(length=60), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("overrides", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_report_line_report_id_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_line")),
        sa.UniqueConstraint(
            "report_id",
            "facility",
            "category",
            "activity",
            "qualifier",
            name=op.f("uq_report_line_report_id_facility_category_activity_qualifier"),
        ),
    )
    op.create_table(
        "report_production",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("facility", sa.String(length=40), nullable=False),
        sa.Column("product", sa.String(length=60), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("output_value_10k_cny", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_report_production_report_id_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_production")),
        sa.UniqueConstraint(
            "report_id",
            "facility",
            "product",
            name=op.f("uq_report_production_report_id_facility_product"),
        ),
    )
    _create_guards()


GUARDED_LINES = ("report_line", "report_production")
FROZEN = "('verified', 'locked')"


def _create_guards() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )
        for table in GUARDED_LINES:
            for verb, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
                op.execute(
                    f"CREATE TRIGGER {table}_frozen_{verb.lower()} BEFORE {verb} ON {table} "
                    f"WHEN (SELECT state FROM report WHERE id = {row}.report_id) IN {FROZEN} "
                    "BEGIN SELECT RAISE(ABORT, 'a verified report is immutable'); END"
                )
        return
    op.execute(
        "CREATE FUNCTION citycarbon_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION citycarbon_append_only()"
    )
    # Statement-level triggers over the transition tables: one join per statement instead
    # of a query per row, so that a bulk import (COPY of a million lines) stays fast.
    frozen_rows = "SELECT 1 FROM {rows} x JOIN report r ON r.id = x.report_id WHERE r.state IN "
    op.execute(
        "CREATE FUNCTION citycarbon_frozen_report() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
        f"IF EXISTS ({frozen_rows.format(rows='new_rows')}{FROZEN}) THEN "
        "RAISE EXCEPTION 'a verified report is immutable'; END IF; END IF; "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
        f"IF EXISTS ({frozen_rows.format(rows='old_rows')}{FROZEN}) THEN "
        "RAISE EXCEPTION 'a verified report is immutable'; END IF; END IF; "
        "RETURN NULL; END $$"
    )
    for table in GUARDED_LINES:
        for verb, tables in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            op.execute(
                f"CREATE TRIGGER {table}_frozen_{verb.lower()} AFTER {verb} ON {table} "
                f"REFERENCING {tables} FOR EACH STATEMENT "
                "EXECUTE FUNCTION citycarbon_frozen_report()"
            )


def _drop_guards() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER audit_log_no_{verb}")
        for table in GUARDED_LINES:
            for verb in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_frozen_{verb}")
        return
    op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
    for table in GUARDED_LINES:
        for verb in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER {table}_frozen_{verb} ON {table}")
    op.execute("DROP FUNCTION citycarbon_append_only()")
    op.execute("DROP FUNCTION citycarbon_frozen_report()")


def downgrade() -> None:
    _drop_guards()
    op.drop_table("report_production")
    op.drop_table("report_line")
    op.drop_table("inventory_value")
    op.drop_table("attachment")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_verifier_id"))
        batch_op.drop_index(batch_op.f("ix_report_state"))
        batch_op.drop_index("ix_report_period_current")

    op.drop_table("report")
    with op.batch_alter_table("inventory_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inventory_run_region_code"))

    op.drop_table("inventory_run")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    op.drop_table("facility")
    op.drop_table("app_user")
    op.drop_table("region_statistic")
    op.drop_table("region_activity")
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_region_code"))

    op.drop_table("enterprise")
    op.drop_table("energy_balance")
    op.drop_table("setting")
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_path"))
        batch_op.drop_index(batch_op.f("ix_region_parent_code"))

    op.drop_table("region")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_sha256"))

    op.drop_table("import_batch")
    op.drop_table("factor_set_version")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_entity")
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
