"""The tenant-owned mixin: every row a tenant owns is keyed (tenant_id, id).

Leading every key with tenant_id lets composite foreign keys make cross-tenant references
impossible in the database itself, and lets the tables be sharded by tenant later.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.ids import new_id
from core.models.types import UTCDateTime


class TenantOwned(SQLModel):
    """Mixin for tables whose rows belong to exactly one tenant; scoping keys off this class."""

    tenant_id: uuid.UUID = Field(default=None, primary_key=True, foreign_key="tenant.id")
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def tenant_fk(column: str, target: str, *, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    """A foreign key to another tenant-owned table, through (tenant_id, column)."""
    return sa.ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{target}.tenant_id", f"{target}.id"],
        ondelete=ondelete,
    )
