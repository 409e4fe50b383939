"""row-level security: the database's own tenant wall (PostgreSQL)

Tenant sessions switch to the role ``switchboard_tenant`` for each transaction and name
their tenant in the setting ``switchboard.tenant_id`` (core.db); the policies below let that
role see and write only that tenant's rows, whatever the query says. System sessions stay on
the login role, which owns the tables and so is not subject to the policies.

New tenant-owned tables must get the same policy (tests.test_row_level_security checks).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:40:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "switchboard_tenant"
CURRENT_TENANT = "NULLIF(current_setting('switchboard.tenant_id', true), '')::uuid"
TENANT_TABLES = [
    'agent_skill', 'agent_state_change', 'agent_status', 'api_key', 'audit_entry',
    'browser_session', 'business_calendar', 'callback_request', 'contact', 'contact_identity',
    'conversation', 'conversation_event', 'handoff', 'identity_provider', 'inbound_record',
    'incident', 'incident_link', 'interaction', 'job_receipt', 'local_credential', 'mailbox',
    'message', 'monitor', 'monitor_hit', 'org_unit', 'outbox_job', 'password_reset', 'queue',
    'routing_offer', 'routing_policy', 'sla_clock', 'sla_policy', 'sla_prediction',
    'social_account', 'social_alert', 'social_post', 'user', 'user_identity', 'voice_account',
    'voice_line', 'volume_bucket', 'web_form', 'work_order',
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
                CREATE ROLE {ROLE} NOLOGIN NOBYPASSRLS;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database's migration created it at the same moment
        END
        $$
        """
    )
    op.execute(f"GRANT {ROLE} TO CURRENT_USER")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {ROLE}"
    )
    op.execute(f"REVOKE ALL ON TABLE alembic_version FROM {ROLE}")
    for table in TENANT_TABLES:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY tenant_wall ON "{table}" TO {ROLE} '
            f"USING (tenant_id = {CURRENT_TENANT}) WITH CHECK (tenant_id = {CURRENT_TENANT})"
        )
    op.execute('ALTER TABLE "tenant" ENABLE ROW LEVEL SECURITY')
    op.execute(
        f'CREATE POLICY tenant_wall ON "tenant" TO {ROLE} '
        f"USING (id = {CURRENT_TENANT}) WITH CHECK (id = {CURRENT_TENANT})"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in [*TENANT_TABLES, "tenant"]:
        op.execute(f'DROP POLICY tenant_wall ON "{table}"')
        op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {ROLE}"
    )
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {ROLE}")
