"""The append-only conversation timeline; KPIs are computed from these, not from counters."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from core.clock import utcnow
from core.models.base import TenantOwned, tenant_fk
from core.models.types import JSONType, UTCDateTime, enum_type


class EventType(enum.StrEnum):
    CREATED = "created"
    REOPENED = "reopened"
    STATUS_CHANGED = "status_changed"
    PRIORITY_CHANGED = "priority_changed"
    CATEGORY_CHANGED = "category_changed"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    TRANSFERRED = "transferred"
    ESCALATED = "escalated"
    REPLIED = "replied"
    NOTE_ADDED = "note_added"
    IDENTITY_VERIFIED = "identity_verified"
    SLA_WARNED = "sla_warned"
    SLA_BREACHED = "sla_breached"
    SURVEY_SENT = "survey_sent"
    MERGED = "merged"
    DELIVERY_FAILED = "delivery_failed"
    OFFERED = "offered"
    OFFER_EXPIRED = "offer_expired"
    OFFER_DECLINED = "offer_declined"
    BOUNCED = "bounced"
    OWNER_CHANGED = "owner_changed"
    CLOSE_LOOP_REQUESTED = "close_loop_requested"
    WORK_ORDER_OPENED = "work_order_opened"
    WORK_ORDER_DONE = "work_order_done"
    WORK_ORDER_CANCELLED = "work_order_cancelled"
    RESOLVE_OVERRIDDEN = "resolve_overridden"
    SLA_STARTED = "sla_started"
    SLA_MET = "sla_met"
    SLA_AT_RISK = "sla_at_risk"
    SLA_ESCALATED = "sla_escalated"
    CALL_HELD = "call_held"
    CALL_HOLD_ENDED = "call_hold_ended"


class ConversationEvent(TenantOwned, table=True):
    """One thing that happened to a conversation; never updated or deleted."""

    __tablename__ = "conversation_event"
    __table_args__ = (
        tenant_fk("conversation_id", "conversation", ondelete="CASCADE"),
        tenant_fk("actor_user_id", "user"),
        sa.Index("ix_event_conversation", "tenant_id", "conversation_id", "id"),
        sa.Index("ix_event_type_time", "tenant_id", "type", "occurred_at"),
    )

    conversation_id: uuid.UUID
    type: EventType = Field(sa_type=enum_type(EventType))
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_user_id: uuid.UUID | None = Field(default=None)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
