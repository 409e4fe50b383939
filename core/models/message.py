"""Messages: what the customer and the agents said, in whichever channel."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.channel import Channel
from core.models.types import JSONType, UTCDateTime, enum_type


class MessageDirection(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    NOTE = "note"  # internal, never sent to the customer


class DeliveryStatus(enum.StrEnum):
    RECEIVED = "received"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    NOT_APPLICABLE = "n/a"


class Message(TenantOwned, table=True):
    """One message; external_id is the provider's id and makes redelivery idempotent."""

    __table_args__ = (
        tenant_fk("conversation_id", "conversation", ondelete="CASCADE"),
        tenant_fk("author_user_id", "user"),
        tenant_fk("contact_identity_id", "contact_identity"),
        sa.UniqueConstraint("tenant_id", "channel", "external_id"),
        sa.Index("ix_message_conversation", "tenant_id", "conversation_id", "id"),
    )

    conversation_id: uuid.UUID
    direction: MessageDirection = Field(sa_type=enum_type(MessageDirection))
    channel: Channel = Field(sa_type=enum_type(Channel))
    author_user_id: uuid.UUID | None = Field(default=None)
    contact_identity_id: uuid.UUID | None = Field(default=None)
    external_id: str | None = Field(default=None, max_length=512)
    in_reply_to: str | None = Field(default=None, max_length=512)
    text: str = Field(default="", sa_type=sa.Text)
    html: str | None = Field(default=None, sa_type=sa.Text, description="sanitised")
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="provider time")
    delivery_status: DeliveryStatus = Field(
        default=DeliveryStatus.RECEIVED, sa_type=enum_type(DeliveryStatus)
    )
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivery_error: str | None = Field(default=None, max_length=1000)
