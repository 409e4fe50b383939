"""Timed segments of a conversation (a call leg, a chat session): the raw input of AHT (D20)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.channel import Channel
from core.models.types import UTCDateTime, enum_type


class InteractionState(enum.StrEnum):
    QUEUED = "queued"
    RINGING = "ringing"
    ANSWERED = "answered"
    ENDED = "ended"


class Interaction(TenantOwned, table=True):
    """One leg of live contact; AHT = talk + hold + wrap-up."""

    __table_args__ = (
        tenant_fk("conversation_id", "conversation", ondelete="CASCADE"),
        tenant_fk("queue_id", "queue"),
        tenant_fk("agent_id", "user"),
        sa.UniqueConstraint("tenant_id", "channel", "external_id"),
        sa.Index("ix_interaction_conversation", "tenant_id", "conversation_id"),
    )

    conversation_id: uuid.UUID
    channel: Channel = Field(sa_type=enum_type(Channel))
    inbound: bool = Field(default=True)
    external_id: str | None = Field(default=None, max_length=128, description="e.g. a call sid")
    queue_id: uuid.UUID | None = Field(default=None)
    agent_id: uuid.UUID | None = Field(default=None)
    state: InteractionState = Field(
        default=InteractionState.QUEUED, sa_type=enum_type(InteractionState)
    )
    queued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    talk_seconds: int = Field(default=0)
    hold_seconds: int = Field(default=0)
    wrap_up_seconds: int = Field(default=0)
    abandoned: bool = Field(default=False)
    recording_url: str | None = Field(default=None, max_length=1000)
    disposition: str | None = Field(default=None, max_length=64)
