"""voice and web forms

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:15:20.163394
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import core.models.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('voice_account',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', core.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('account_sid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('auth_token', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('api_base_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('public_base_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('caller_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ),
    sa.PrimaryKeyConstraint('tenant_id', 'id'),
    sa.UniqueConstraint('tenant_id', name='uq_voice_account_tenant')
    )
    op.create_table('voice_line',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', core.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('ivr', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('default_queue_id', sa.Uuid(), nullable=True),
    sa.Column('calendar_id', sa.Uuid(), nullable=True),
    sa.Column('voicemail', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'calendar_id'], ['business_calendar.tenant_id', 'business_calendar.id'], ),
    sa.ForeignKeyConstraint(['tenant_id', 'default_queue_id'], ['queue.tenant_id', 'queue.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ),
    sa.PrimaryKeyConstraint('tenant_id', 'id'),
    sa.UniqueConstraint('tenant_id', 'number')
    )
    op.create_table('web_form',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', core.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('title', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('definition', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('queue_id', sa.Uuid(), nullable=True),
    sa.Column('default_language', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('allowed_origins', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('thread_into_open', sa.Boolean(), nullable=False),
    sa.Column('max_attachment_bytes', sa.Integer(), nullable=False),
    sa.Column('max_attachments', sa.Integer(), nullable=False),
    sa.Column('attachment_types', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('per_ip_per_hour', sa.Integer(), nullable=False),
    sa.Column('per_identity_per_hour', sa.Integer(), nullable=False),
    sa.Column('captcha', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'queue_id'], ['queue.tenant_id', 'queue.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ),
    sa.PrimaryKeyConstraint('tenant_id', 'id'),
    sa.UniqueConstraint('tenant_id', 'slug')
    )
    op.create_table('callback_request',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', core.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('conversation_id', sa.Uuid(), nullable=True),
    sa.Column('contact_id', sa.Uuid(), nullable=True),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('state', sa.Enum('pending', 'dialing', 'completed', 'failed', 'canceled', name='callbackstate', native_enum=False, length=32), nullable=False),
    sa.Column('due_at', core.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('call_sid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('completed_at', core.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'contact_id'], ['contact.tenant_id', 'contact.id'], ),
    sa.ForeignKeyConstraint(['tenant_id', 'conversation_id'], ['conversation.tenant_id', 'conversation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ),
    sa.PrimaryKeyConstraint('tenant_id', 'id')
    )
    with op.batch_alter_table('callback_request', schema=None) as batch_op:
        batch_op.create_index('ix_callback_request_due', ['tenant_id', 'state', 'due_at'], unique=False)

    with op.batch_alter_table('inbound_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remote_addr', sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True))
        batch_op.create_index('ix_inbound_record_remote', ['tenant_id', 'channel', 'remote_addr', 'created_at'], unique=False)

    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('line_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('from_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('to_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('provider_status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('ivr_path', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('verified', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('voicemail', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('ringing_at', core.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('wrap_up_started_at', core.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('wrap_up_ended_at', core.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('conversation_id',
               existing_type=sa.Uuid(),
               nullable=True)
        batch_op.create_foreign_key('fk_interaction_contact', 'contact', ['tenant_id', 'contact_id'], ['tenant_id', 'id'])
        batch_op.create_foreign_key('fk_interaction_line', 'voice_line', ['tenant_id', 'line_id'], ['tenant_id', 'id'])



def downgrade() -> None:
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_constraint('fk_interaction_line', type_='foreignkey')
        batch_op.drop_constraint('fk_interaction_contact', type_='foreignkey')
        batch_op.alter_column('conversation_id',
               existing_type=sa.Uuid(),
               nullable=False)
        batch_op.drop_column('wrap_up_ended_at')
        batch_op.drop_column('wrap_up_started_at')
        batch_op.drop_column('ringing_at')
        batch_op.drop_column('voicemail')
        batch_op.drop_column('verified')
        batch_op.drop_column('ivr_path')
        batch_op.drop_column('provider_status')
        batch_op.drop_column('to_number')
        batch_op.drop_column('from_number')
        batch_op.drop_column('line_id')
        batch_op.drop_column('contact_id')

    with op.batch_alter_table('inbound_record', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_record_remote')
        batch_op.drop_column('remote_addr')

    with op.batch_alter_table('callback_request', schema=None) as batch_op:
        batch_op.drop_index('ix_callback_request_due')

    op.drop_table('callback_request')
    op.drop_table('web_form')
    op.drop_table('voice_line')
    op.drop_table('voice_account')
