"""Offers of real-time work to one agent, who must accept before a timeout (push routing)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.channel import Channel
from core.models.types import UTCDateTime, enum_type


class OfferState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class RoutingOffer(TenantOwned, table=True):
    __tablename__ = "routing_offer"
    __table_args__ = (
        tenant_fk("conversation_id", "conversation", ondelete="CASCADE"),
        tenant_fk("agent_id", "user"),
        sa.Index("ix_routing_offer_conversation", "tenant_id", "conversation_id"),
        sa.Index("ix_routing_offer_agent_state", "tenant_id", "agent_id", "state"),
        sa.Index(
            "ix_routing_offer_pending_expiry",
            "expires_at",
            postgresql_where=sa.text("state = 'pending'"),
            sqlite_where=sa.text("state = 'pending'"),
        ),
    )

    conversation_id: uuid.UUID
    agent_id: uuid.UUID
    channel: Channel = Field(sa_type=enum_type(Channel))
    state: OfferState = Field(default=OfferState.PENDING, sa_type=enum_type(OfferState))
    offered_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
