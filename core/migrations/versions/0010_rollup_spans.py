"""rollup spans: hour and day rollup rows beside the 15-minute ones; the SLA watch list's index

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kpi_rollup", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("span_seconds", sa.Integer(), server_default="900", nullable=False)
        )
        batch_op.drop_index("ix_kpi_rollup_bucket")
        batch_op.create_index(
            "ix_kpi_rollup_span", ["tenant_id", "span_seconds", "bucket_start"], unique=False
        )
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


def downgrade() -> None:
    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_sla_clock_running",
            postgresql_where=sa.text("stopped_at IS NULL"),
            sqlite_where=sa.text("stopped_at IS NULL"),
        )
    op.execute("DELETE FROM kpi_rollup WHERE span_seconds <> 900")
    with op.batch_alter_table("kpi_rollup", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_rollup_span")
        batch_op.create_index("ix_kpi_rollup_bucket", ["tenant_id", "bucket_start"], unique=False)
        batch_op.drop_column("span_seconds")
