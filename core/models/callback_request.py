"""A customer's request to be called back (from the IVR or a web form)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import UTCDateTime, enum_type


class CallbackState(enum.StrEnum):
    PENDING = "pending"
    DIALING = "dialing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"


class CallbackRequest(TenantOwned, table=True):
    """Placed as an outbound call through the provider's REST API by a worker."""

    __tablename__ = "callback_request"
    __table_args__ = (
        tenant_fk("conversation_id", "conversation", ondelete="CASCADE"),
        tenant_fk("contact_id", "contact"),
        sa.Index("ix_callback_request_due", "tenant_id", "state", "due_at"),
    )

    conversation_id: uuid.UUID | None = Field(default=None)
    contact_id: uuid.UUID | None = Field(default=None)
    number: str = Field(max_length=32, description="E.164")
    source: str = Field(default="api", max_length=32, description="ivr, webform, incident, api")
    state: CallbackState = Field(default=CallbackState.PENDING, sa_type=enum_type(CallbackState))
    due_at: datetime = Field(sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    call_sid: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=1000)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
