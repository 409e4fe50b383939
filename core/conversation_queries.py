"""Reading conversations: filtered lists and the detail view with its merged timeline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.lookup import get_by_id
from core.models.channel import Channel
from core.models.contact import Contact
from core.models.conversation import Conversation, ConversationStatus, Priority
from core.models.event import ConversationEvent
from core.models.interaction import Interaction
from core.models.message import Message
from core.models.user import Tier
from core.pagination import Page, paginate


@dataclass(frozen=True)
class ConversationFilter:
    statuses: tuple[ConversationStatus, ...] = ()
    channel: Channel | None = None
    queue_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    priority: Priority | None = None
    category: str | None = None
    tier: Tier | None = None
    unassigned: bool | None = None


@dataclass(frozen=True)
class TimelineEntry:
    kind: Literal["message", "event", "interaction"]
    at: datetime
    item: Message | ConversationEvent | Interaction


@dataclass(frozen=True)
class ConversationDetail:
    conversation: Conversation
    contact: Contact
    timeline: list[TimelineEntry]


def list_conversations(
    session: Session, *, filters: ConversationFilter, limit: int = 50, cursor: str | None = None
) -> Page[Conversation]:
    """Newest first; every filter narrows, none widens."""
    query = sa.select(Conversation)
    conditions = {
        col(Conversation.channel): filters.channel,
        col(Conversation.queue_id): filters.queue_id,
        col(Conversation.assignee_id): filters.assignee_id,
        col(Conversation.contact_id): filters.contact_id,
        col(Conversation.priority): filters.priority,
        col(Conversation.category): filters.category,
        col(Conversation.tier): filters.tier,
    }
    for column, value in conditions.items():
        if value is not None:
            query = query.where(column == value)
    if filters.statuses:
        query = query.where(col(Conversation.status).in_(filters.statuses))
    if filters.unassigned is not None:
        assignee = col(Conversation.assignee_id)
        query = query.where(assignee.is_(None) if filters.unassigned else assignee.is_not(None))
    return paginate(session, query, col(Conversation.id), limit=limit, cursor=cursor)


def get_conversation(session: Session, *, conversation_id: uuid.UUID) -> Conversation:
    return get_by_id(session, Conversation, conversation_id, noun="conversation")


def get_conversation_detail(session: Session, *, conversation_id: uuid.UUID) -> ConversationDetail:
    """The conversation, its contact, and everything that happened, oldest first."""
    conversation = get_conversation(session, conversation_id=conversation_id)
    contact = session.execute(
        sa.select(Contact).where(col(Contact.id) == conversation.contact_id)
    ).scalar_one()
    entries: list[TimelineEntry] = []
    for message in session.execute(
        sa.select(Message).where(col(Message.conversation_id) == conversation_id)
    ).scalars():
        entries.append(TimelineEntry("message", message.created_at, message))
    for event in session.execute(
        sa.select(ConversationEvent).where(
            col(ConversationEvent.conversation_id) == conversation_id
        )
    ).scalars():
        entries.append(TimelineEntry("event", event.occurred_at, event))
    for interaction in session.execute(
        sa.select(Interaction).where(col(Interaction.conversation_id) == conversation_id)
    ).scalars():
        entries.append(
            TimelineEntry(
                "interaction", interaction.queued_at or interaction.created_at, interaction
            )
        )
    entries.sort(key=lambda entry: (entry.at, entry.item.id))
    return ConversationDetail(conversation=conversation, contact=contact, timeline=entries)
