"""Conversations, their messages and their timeline on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import (
    INPUT_CONFIG,
    OUTPUT_CONFIG,
    HtmlText,
    Label,
    MessageText,
    Subject,
    patch_field,
)
from api.schemas.contacts import ContactOut
from api.schemas.handoffs import HandoffOut
from api.schemas.sla import SlaClockOut
from core.models.channel import Channel
from core.models.conversation import ConversationStatus, Priority, RoutingState
from core.models.event import EventType
from core.models.interaction import InteractionState
from core.models.message import DeliveryStatus, MessageDirection
from core.models.user import Tier


class ConversationCreate(BaseModel):
    """An agent-opened conversation; replies go to the contact's address for the channel."""

    model_config = INPUT_CONFIG

    contact_id: uuid.UUID
    channel: Channel
    subject: Subject
    text: MessageText | None = Field(default=None, description="a first outbound message")
    priority: Priority = Priority.NORMAL
    category: Label | None = None
    queue_id: uuid.UUID | None = None


class ConversationUpdate(BaseModel):
    """Only the fields sent change; each change is recorded as a timeline event."""

    model_config = INPUT_CONFIG

    status: ConversationStatus = patch_field()
    priority: Priority = patch_field()
    category: Label | None = None
    queue_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    subject: Subject = patch_field()
    identity_verified: bool = patch_field()

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ReplyIn(BaseModel):
    model_config = INPUT_CONFIG

    text: MessageText
    html: HtmlText | None = Field(default=None, description="sanitised before it is stored")


class NoteIn(BaseModel):
    model_config = INPUT_CONFIG

    text: MessageText


class ConversationOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    number: int = Field(description="per-tenant reference number customers quote")
    contact_id: uuid.UUID
    contact_identity_id: uuid.UUID | None
    channel: Channel
    subject: str
    status: ConversationStatus
    priority: Priority
    category: str | None
    tier: Tier
    language: str | None
    queue_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    identity_verified: bool
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    sla_breached_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    last_message_at: datetime | None
    last_inbound_at: datetime | None
    reopen_count: int
    transfer_count: int
    escalation_count: int
    bounce_count: int = Field(description="returns to a tier the conversation had left (D2)")
    routing_state: RoutingState
    waiting_since: datetime | None
    assigned_at: datetime | None
    next_response_due_at: datetime | None
    sla_at_risk: bool
    sentiment_score: float | None
    sentiment_label: str | None
    created_at: datetime
    updated_at: datetime | None
    sla: list[SlaClockOut] = Field(
        default_factory=list, description="SLA clocks, running and finished, by level"
    )


class MessageOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    conversation_id: uuid.UUID
    direction: MessageDirection
    channel: Channel
    author_user_id: uuid.UUID | None
    contact_identity_id: uuid.UUID | None
    external_id: str | None
    text: str
    html: str | None
    attachments: list[dict[str, Any]]
    sent_at: datetime | None
    delivery_status: DeliveryStatus
    delivered_at: datetime | None
    delivery_error: str | None
    created_at: datetime


class EventOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    type: EventType
    occurred_at: datetime
    actor_user_id: uuid.UUID | None
    data: dict[str, Any]


class InteractionOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    channel: Channel
    inbound: bool
    external_id: str | None
    queue_id: uuid.UUID | None
    agent_id: uuid.UUID | None
    state: InteractionState
    queued_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    talk_seconds: int
    hold_seconds: int
    wrap_up_seconds: int
    abandoned: bool
    recording_url: str | None
    disposition: str | None


class MessageEntry(BaseModel):
    kind: Literal["message"] = "message"
    at: datetime
    message: MessageOut


class EventEntry(BaseModel):
    kind: Literal["event"] = "event"
    at: datetime
    event: EventOut


class InteractionEntry(BaseModel):
    kind: Literal["interaction"] = "interaction"
    at: datetime
    interaction: InteractionOut


TimelineEntryOut = Annotated[
    MessageEntry | EventEntry | InteractionEntry, Field(discriminator="kind")
]


class ConversationDetailOut(ConversationOut):
    """The conversation with its contact and everything that happened, oldest first."""

    contact: ContactOut
    handoffs: list[HandoffOut] = Field(
        description="hand-over notes, newest first: what the receiving agent reads first (D2)"
    )
    timeline: list[TimelineEntryOut]
