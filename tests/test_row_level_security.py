"""The database's own tenant wall: with the ORM's scoping bypassed, PostgreSQL still shows a
tenant session nothing of another tenant, and refuses to write rows for one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

import core.models  # noqa: F401  (registers every table)
from core import contacts
from core.contacts import IdentityInput
from core.db import TENANT_ROLE, Database
from core.models.contact import IdentityKind
from tests.conftest import TenantHandle

pytestmark = pytest.mark.postgres_only


def _add_contact(database: Database, tenant: TenantHandle, name: str) -> None:
    with database.tenant_unit(tenant.id) as session:
        contacts.create_contact(
            session,
            name=name,
            identities=[IdentityInput(IdentityKind.EMAIL, f"{name}@example.com")],
        )


def test_raw_sql_in_a_tenant_session_sees_only_that_tenant(
    database: Database, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    _add_contact(database, tenant, "mine")
    _add_contact(database, other_tenant, "theirs")
    with database.tenant_unit(tenant.id) as session:
        # Text SQL escapes the ORM's loader criteria entirely: only RLS stands in the way.
        names = session.execute(sa.text("SELECT name FROM contact")).scalars().all()
        tenants = session.execute(sa.text("SELECT DISTINCT tenant_id FROM contact_identity")).all()
        raw = session.connection().exec_driver_sql("SELECT count(*) FROM tenant").scalar_one()
        role = session.execute(sa.text("SELECT current_user")).scalar_one()
    assert names == ["mine"]
    assert [row[0] for row in tenants] == [tenant.id]
    assert raw == 1  # even the list of tenants is walled
    assert role == TENANT_ROLE
    with database.system_unit() as session:  # the platform itself still sees everyone
        assert session.execute(sa.text("SELECT count(*) FROM contact")).scalar_one() >= 2


def test_a_tenant_session_cannot_write_rows_for_another_tenant(
    database: Database, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    _add_contact(database, tenant, "mover")
    _add_contact(database, other_tenant, "stays")
    insert = sa.text(
        "INSERT INTO contact (tenant_id, id, created_at, name, value_tier, attributes) "
        "VALUES (:tenant, gen_random_uuid(), now(), 'planted', 'standard', '{}')"
    )
    with (
        pytest.raises(DBAPIError, match="row-level security"),
        database.tenant_unit(tenant.id) as session,
    ):
        session.execute(insert, {"tenant": other_tenant.id})
    with (
        pytest.raises(DBAPIError, match="row-level security"),
        database.tenant_unit(tenant.id) as session,
    ):
        session.execute(
            sa.text("UPDATE contact SET tenant_id = :other"), {"other": other_tenant.id}
        )
    with database.tenant_unit(tenant.id) as session:
        deleted = session.execute(
            sa.text("DELETE FROM contact WHERE tenant_id = :other"), {"other": other_tenant.id}
        )
        assert isinstance(deleted, sa.CursorResult)  # a DELETE's result has a row count
        assert deleted.rowcount == 0
    with database.system_unit() as session:
        assert (
            session.execute(
                sa.text("SELECT count(*) FROM contact WHERE name = 'stays'")
            ).scalar_one()
            == 1
        )


def test_every_tenant_owned_table_is_behind_the_wall(database: Database) -> None:
    owned = {t.name for t in SQLModel.metadata.sorted_tables if "tenant_id" in t.c} | {"tenant"}
    with database.system_unit() as session:
        protected = set(
            session.execute(
                sa.text(
                    "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
                    "WHERE c.relrowsecurity AND p.polname = 'tenant_wall'"
                )
            ).scalars()
        )
    assert owned - protected == set(), "add the tenant_wall policy in a migration"


def test_audit_entries_cannot_be_changed_or_removed(
    database: Database, tenant: TenantHandle
) -> None:
    with database.system_unit() as session:
        assert session.execute(sa.text("SELECT count(*) FROM audit_entry")).scalar_one() >= 1
    for statement in ("UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry"):
        with (
            pytest.raises(DBAPIError, match="append-only"),
            database.system_unit() as session,
        ):
            session.execute(sa.text(statement))
