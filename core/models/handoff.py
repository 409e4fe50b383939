"""Transfers and escalations with the note that travels with them (D2)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import UTCDateTime, enum_type
from core.models.user import Tier


class HandoffKind(enum.StrEnum):
    TRANSFER = "transfer"
    ESCALATION_TIER = "escalation_tier"
    ESCALATION_ORG = "escalation_org"


class Handoff(TenantOwned, table=True):
    """One hand-over; the receiving agent reads the newest first and marks it read."""

    __table_args__ = (
        tenant_fk("conversation_id", "conversation", ondelete="CASCADE"),
        tenant_fk("from_agent_id", "user"),
        tenant_fk("to_agent_id", "user"),
        tenant_fk("from_queue_id", "queue"),
        tenant_fk("to_queue_id", "queue"),
        tenant_fk("from_org_unit_id", "org_unit"),
        tenant_fk("to_org_unit_id", "org_unit"),
        tenant_fk("actor_user_id", "user"),
        sa.Index("ix_handoff_conversation", "tenant_id", "conversation_id", "id"),
    )

    conversation_id: uuid.UUID
    kind: HandoffKind = Field(sa_type=enum_type(HandoffKind))
    summary: str = Field(max_length=4000, description="the problem, in the sender's words")
    tried: str = Field(default="", max_length=4000, description="what was already tried")
    identity_verified: bool = Field(default=False)
    from_agent_id: uuid.UUID | None = Field(default=None)
    to_agent_id: uuid.UUID | None = Field(default=None)
    from_queue_id: uuid.UUID | None = Field(default=None)
    to_queue_id: uuid.UUID | None = Field(default=None)
    from_tier: Tier | None = Field(default=None, sa_type=enum_type(Tier))
    to_tier: Tier | None = Field(default=None, sa_type=enum_type(Tier))
    from_org_unit_id: uuid.UUID | None = Field(default=None)
    to_org_unit_id: uuid.UUID | None = Field(default=None)
    actor_user_id: uuid.UUID | None = Field(default=None, description="None: the SLA engine")
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
