"""The transactional outbox: jobs written with the domain change, relayed to the broker after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned
from core.models.types import JSONType, UTCDateTime


class OutboxJob(TenantOwned, table=True):
    """A job to run after commit; dispatched_at is set once the broker has it.

    The one index not led by tenant_id: the relay drains all tenants oldest-first, so its
    partial index over undispatched rows is ordered by time alone and stays tiny.
    """

    __tablename__ = "outbox_job"
    __table_args__ = (
        sa.Index(
            "ix_outbox_undispatched",
            "created_at",
            postgresql_where=sa.text("dispatched_at IS NULL"),
            sqlite_where=sa.text("dispatched_at IS NULL"),
        ),
    )

    actor: str = Field(max_length=100)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dispatch_attempts: int = Field(default=0)


class JobReceipt(TenantOwned, table=True):
    """Proof that a job's effect committed; written in the effect's own transaction."""

    __tablename__ = "job_receipt"

    actor: str = Field(max_length=100)
    result: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
