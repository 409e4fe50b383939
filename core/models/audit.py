"""The audit log: append-only (the database refuses updates and deletes of its rows)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from core.clock import utcnow
from core.models.base import TenantOwned
from core.models.types import JSONType, UTCDateTime


class AuditEntry(TenantOwned, table=True):
    """Who did what, when, from where; actor ids are kept even after the actor is deleted."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        sa.Index("ix_audit_entry_at", "tenant_id", "at"),
        sa.Index("ix_audit_entry_action_ip", "tenant_id", "action", "ip", "at"),
    )

    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    action: str = Field(max_length=64, description="e.g. signin.succeeded, user.roles_changed")
    outcome: str = Field(default="success", max_length=16, description="success or failure")
    actor_user_id: uuid.UUID | None = Field(default=None)
    actor_key_id: uuid.UUID | None = Field(default=None)
    actor_label: str | None = Field(default=None, max_length=254, description="e-mail or key name")
    target_type: str | None = Field(default=None, max_length=64)
    target_id: str | None = Field(default=None, max_length=100)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
