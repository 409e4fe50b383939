"""rollup spans: hour and day rollup rows beside the 15-minute ones; the SLA watch list's index;
customer-satisfaction answers (csat_response) and their two rollup counters

csat_response is tenant-owned, so it gets the tenant_wall row-level-security policy of 0008
and the switchboard_tenant grants, as 0009 gives its tables.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.models.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "switchboard_tenant"
CURRENT_TENANT = "NULLIF(current_setting('switchboard.tenant_id', true), '')::uuid"
TENANT_TABLES = ["csat_response"]
CSAT_COUNTERS = ("csat_responses", "csat_satisfied")


def upgrade() -> None:
    with op.batch_alter_table("kpi_rollup", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("span_seconds", sa.Integer(), server_default="900", nullable=False)
        )
        batch_op.drop_index("ix_kpi_rollup_bucket")
        batch_op.create_index(
            "ix_kpi_rollup_span", ["tenant_id", "span_seconds", "bucket_start"], unique=False
        )
        for counter in CSAT_COUNTERS:
            batch_op.add_column(sa.Column(counter, sa.Integer(), server_default="0", nullable=False))
    # Existing rollups are all 15-minute rows; the next refresh from the start adds the rest.
    op.execute("DELETE FROM kpi_refresh")
    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sla_clock_running",
            ["tenant_id", "due_at"],
            unique=False,
            postgresql_where=sa.text("stopped_at IS NULL"),
            sqlite_where=sa.text("stopped_at IS NULL"),
        )
    op.create_table(
        "csat_response",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "email_link", "web", "phone_ivr",
                name="surveychannel", native_enum=False, length=32,
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("answered_at", core.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_csat_response_score"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "conversation_id"],
            ["conversation.tenant_id", "conversation.id"],
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "conversation_id", name="uq_csat_response_conversation"),
    )
    with op.batch_alter_table("csat_response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_csat_response_answered", ["tenant_id", "answered_at"], unique=False
        )
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{table}" TO {ROLE}')
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY tenant_wall ON "{table}" TO {ROLE} '
            f"USING (tenant_id = {CURRENT_TENANT}) WITH CHECK (tenant_id = {CURRENT_TENANT})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            op.execute(f'DROP POLICY tenant_wall ON "{table}"')
            op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
    with op.batch_alter_table("csat_response", schema=None) as batch_op:
        batch_op.drop_index("ix_csat_response_answered")
    op.drop_table("csat_response")
    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_sla_clock_running",
            postgresql_where=sa.text("stopped_at IS NULL"),
            sqlite_where=sa.text("stopped_at IS NULL"),
        )
    op.execute("DELETE FROM kpi_rollup WHERE span_seconds <> 900")
    with op.batch_alter_table("kpi_rollup", schema=None) as batch_op:
        for counter in CSAT_COUNTERS:
            batch_op.drop_column(counter)
        batch_op.drop_index("ix_kpi_rollup_span")
        batch_op.create_index("ix_kpi_rollup_bucket", ["tenant_id", "bucket_start"], unique=False)
        batch_op.drop_column("span_seconds")
