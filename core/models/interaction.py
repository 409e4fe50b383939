"""Timed segments of a conversation (a call leg, a chat session): the raw input of AHT (D20)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.channel import Channel
from core.models.types import JSONType, UTCDateTime, enum_type


class InteractionState(enum.StrEnum):
    """The call statuses Twilio reports, plus IVR and ENDED (any live session that closed)."""

    IVR = "ivr"
    QUEUED = "queued"
    RINGING = "ringing"
    ANSWERED = "answered"
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    CANCELED = "canceled"
    ENDED = "ended"


FINAL_STATES = frozenset(
    {
        InteractionState.COMPLETED,
        InteractionState.BUSY,
        InteractionState.NO_ANSWER,
        InteractionState.FAILED,
        InteractionState.CANCELED,
        InteractionState.ENDED,
    }
)


class Interaction(TenantOwned, table=True):
    """One leg of live contact; AHT = talk + hold + wrap-up."""

    __table_args__ = (
        tenant_fk("conversation_id", "conversation", ondelete="CASCADE"),
        tenant_fk("queue_id", "queue"),
        tenant_fk("agent_id", "user"),
        tenant_fk("line_id", "voice_line"),
        tenant_fk("contact_id", "contact"),
        sa.UniqueConstraint("tenant_id", "channel", "external_id"),
        sa.Index("ix_interaction_conversation", "tenant_id", "conversation_id"),
    )

    conversation_id: uuid.UUID | None = Field(
        default=None, description="None while a call is still in the IVR"
    )
    contact_id: uuid.UUID | None = Field(default=None)
    line_id: uuid.UUID | None = Field(default=None)
    from_number: str | None = Field(default=None, max_length=32)
    to_number: str | None = Field(default=None, max_length=32)
    channel: Channel = Field(sa_type=enum_type(Channel))
    inbound: bool = Field(default=True)
    external_id: str | None = Field(default=None, max_length=128, description="e.g. a call sid")
    queue_id: uuid.UUID | None = Field(default=None)
    agent_id: uuid.UUID | None = Field(default=None)
    state: InteractionState = Field(
        default=InteractionState.QUEUED, sa_type=enum_type(InteractionState)
    )
    provider_status: str | None = Field(default=None, max_length=32, description="as reported")
    ivr_path: list[str] = Field(default_factory=list, sa_type=JSONType, description="choices")
    verified: bool | None = Field(default=None, description="identity check (D11); None: not asked")
    voicemail: bool = Field(default=False)
    queued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ringing_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    talk_seconds: int = Field(default=0)
    hold_seconds: int = Field(default=0, description="ended hold periods (core.calls.hold)")
    on_hold_since: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="the current hold began; None: not held"
    )
    wrap_up_seconds: int = Field(default=0)
    wrap_up_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    wrap_up_ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    abandoned: bool = Field(default=False)
    recording_url: str | None = Field(default=None, max_length=1000)
    disposition: str | None = Field(default=None, max_length=64)
