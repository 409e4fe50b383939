"""Raw inbound traffic, stored before it is parsed so that nothing a customer sent is lost."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.channel import Channel
from core.models.types import UTCDateTime, enum_type


class InboundState(enum.StrEnum):
    RECEIVED = "received"
    INGESTED = "ingested"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    BOUNCE = "bounce"  # a delivery report about a message we sent; never a conversation
    AUTO_REPLY = "auto_reply"  # out-of-office and other automatic mail; kept, not ingested
    RATE_LIMITED = "rate_limited"  # over the per-sender limit (a mail loop); kept, not ingested


class InboundRecord(TenantOwned, table=True):
    """What a provider delivered, byte for byte, and what became of it."""

    __tablename__ = "inbound_record"
    __table_args__ = (
        tenant_fk("message_id", "message"),
        tenant_fk("mailbox_id", "mailbox"),
        sa.Index("ix_inbound_record_state", "tenant_id", "state", "created_at"),
        sa.Index("ix_inbound_record_sender", "tenant_id", "mailbox_id", "sender", "created_at"),
        sa.Index("ix_inbound_record_remote", "tenant_id", "channel", "remote_addr", "created_at"),
    )

    channel: Channel = Field(sa_type=enum_type(Channel))
    content_type: str = Field(default="application/octet-stream", max_length=200)
    payload: bytes = Field(sa_type=sa.LargeBinary)
    state: InboundState = Field(default=InboundState.RECEIVED, sa_type=enum_type(InboundState))
    reason: str | None = Field(default=None, max_length=1000)
    message_id: uuid.UUID | None = Field(default=None)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    mailbox_id: uuid.UUID | None = Field(default=None, description="email: the receiving mailbox")
    sender: str | None = Field(
        default=None, max_length=320, description="email: the lower-cased From address"
    )
    source: str | None = Field(default=None, max_length=32, description="smtp, imap, webhook, ...")
    remote_addr: str | None = Field(
        default=None, max_length=45, description="web forms: the submitter's IP (rate limits)"
    )
