"""A conversation: one customer matter from first contact to closure, across its messages."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.channel import Channel
from core.models.types import JSONType, UTCDateTime, enum_type
from core.models.user import Tier


class ConversationStatus(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the customer; SLA clocks pause
    ON_HOLD = "on_hold"  # waiting on a third party or another department
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self not in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED)


OPEN_STATUSES = tuple(s for s in ConversationStatus if s.is_open)


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    def raised(self) -> Priority:
        """One step up, URGENT staying URGENT (SLA breach action)."""
        members = list(Priority)
        return members[min(members.index(self) + 1, len(members) - 1)]


class RoutingState(enum.StrEnum):
    """Where a conversation is in routing; only WAITING ones are picked by the router."""

    UNROUTED = "unrouted"  # no queue serves it, or routing has not run yet
    WAITING = "waiting"
    OFFERED = "offered"  # held for one agent until they accept or the offer times out
    ASSIGNED = "assigned"
    DONE = "done"  # resolved or closed: out of routing


class Conversation(TenantOwned, table=True):
    """The unit of work agents handle; counters are conveniences, events are the record."""

    __table_args__ = (
        tenant_fk("contact_id", "contact"),
        tenant_fk("contact_identity_id", "contact_identity"),
        tenant_fk("queue_id", "queue"),
        tenant_fk("assignee_id", "user"),
        tenant_fk("owner_id", "user"),
        sa.UniqueConstraint("tenant_id", "number"),
        sa.Index("ix_conversation_contact_status", "tenant_id", "contact_id", "status"),
        sa.Index("ix_conversation_status_id", "tenant_id", "status", "id"),
        sa.Index("ix_conversation_queue_status", "tenant_id", "queue_id", "status"),
        sa.Index("ix_conversation_assignee_status", "tenant_id", "assignee_id", "status"),
        tenant_fk("sticky_agent_id", "user"),
        tenant_fk("sticky_org_unit_id", "org_unit"),
        # The router's work list: waiting conversations of a queue, best first.
        sa.Index(
            "ix_conversation_waiting_rank",
            "tenant_id",
            "queue_id",
            "routing_rank",
            postgresql_where=sa.text("routing_state = 'waiting'"),
            sqlite_where=sa.text("routing_state = 'waiting'"),
        ),
    )

    number: int = Field(description="per-tenant reference number customers quote")
    contact_id: uuid.UUID
    contact_identity_id: uuid.UUID | None = Field(
        default=None, description="the address replies go back to"
    )
    channel: Channel = Field(sa_type=enum_type(Channel))
    subject: str = Field(default="", max_length=500)
    status: ConversationStatus = Field(
        default=ConversationStatus.NEW, sa_type=enum_type(ConversationStatus)
    )
    priority: Priority = Field(default=Priority.NORMAL, sa_type=enum_type(Priority))
    category: str | None = Field(default=None, max_length=64)
    tier: Tier = Field(default=Tier.L1, sa_type=enum_type(Tier))
    language: str | None = Field(default=None, max_length=16)
    queue_id: uuid.UUID | None = Field(default=None)
    assignee_id: uuid.UUID | None = Field(default=None)
    owner_id: uuid.UUID | None = Field(default=None, description="owns final resolution (D3)")
    identity_verified: bool = Field(default=False, description="D11")
    first_response_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sla_breached_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_inbound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reopen_count: int = Field(default=0)
    transfer_count: int = Field(default=0)
    escalation_count: int = Field(default=0)
    sentiment_score: float | None = Field(default=None)
    sentiment_label: str | None = Field(default=None, max_length=16)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    routing_state: RoutingState = Field(
        default=RoutingState.UNROUTED, sa_type=enum_type(RoutingState)
    )
    waiting_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    routing_rank: float | None = Field(
        default=None, description="higher goes first; see core.routing.rank"
    )
    required_skills: dict[str, int] = Field(
        default_factory=dict,
        sa_type=JSONType,
        description="skill -> minimum level, beyond the queue's",
    )
    assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sticky_agent_id: uuid.UUID | None = Field(default=None, description="D10: last agent")
    sticky_org_unit_id: uuid.UUID | None = Field(default=None, description="that agent's team")
    sticky_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    bounce_count: int = Field(default=0, description="D2: returns to a tier it had left")
    tiers_left: list[str] = Field(default_factory=list, sa_type=JSONType)
    next_response_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sla_at_risk: bool = Field(default=False)
