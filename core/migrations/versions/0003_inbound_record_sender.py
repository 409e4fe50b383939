"""inbound record sender, mailbox and source (per-sender rate limit on email)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:05:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_record') as batch:
        batch.add_column(sa.Column('mailbox_id', sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column('sender', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True)
        )
        batch.add_column(
            sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch.create_foreign_key(
            'fk_inbound_record_mailbox',
            'mailbox',
            ['tenant_id', 'mailbox_id'],
            ['tenant_id', 'id'],
        )
        batch.create_index(
            'ix_inbound_record_sender', ['tenant_id', 'mailbox_id', 'sender', 'created_at']
        )


def downgrade() -> None:
    with op.batch_alter_table('inbound_record') as batch:
        batch.drop_index('ix_inbound_record_sender')
        batch.drop_constraint('fk_inbound_record_mailbox', type_='foreignkey')
        batch.drop_column('source')
        batch.drop_column('sender')
        batch.drop_column('mailbox_id')
