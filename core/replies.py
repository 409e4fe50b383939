"""Agent replies (queued for delivery through the origin channel) and internal notes."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core import outbox
from core.clock import utcnow
from core.conversation_queries import get_conversation
from core.errors import ConflictError, FieldProblem, InvalidInputError
from core.events import record_event
from core.html_content import sanitize_html
from core.models.conversation import Conversation, ConversationStatus
from core.models.event import EventType
from core.models.message import DeliveryStatus, Message, MessageDirection
from core.outbound import DELIVER_ACTOR
from core.sla import hooks as sla_hooks


def reply(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    text: str,
    html: str | None = None,
    author_user_id: uuid.UUID | None = None,
) -> Message:
    """Store the reply as queued and enqueue its delivery in the same transaction (no commit)."""
    conversation = get_conversation(session, conversation_id=conversation_id)
    if conversation.status is ConversationStatus.CLOSED:
        raise ConflictError("closed conversations take no replies; open a new one")
    if conversation.contact_identity_id is None:
        raise InvalidInputError(
            "nowhere to reply", [FieldProblem("conversation", "has no customer address")]
        )
    _require_text(text)
    now = utcnow()
    message = Message(
        conversation_id=conversation_id,
        direction=MessageDirection.OUTBOUND,
        channel=conversation.channel,
        author_user_id=author_user_id,
        contact_identity_id=conversation.contact_identity_id,
        text=text,
        html=sanitize_html(html),
        delivery_status=DeliveryStatus.QUEUED,
        created_at=now,
    )
    session.add(message)
    session.flush()
    record_event(
        session,
        conversation_id=conversation_id,
        type=EventType.REPLIED,
        actor_user_id=author_user_id,
        data={"message_id": str(message.id)},
        occurred_at=now,
    )
    values: dict[str, object] = {"last_message_at": now, "updated_at": now}
    if conversation.first_response_at is None:
        values["first_response_at"] = now
    if conversation.status is ConversationStatus.NEW:
        values["status"] = ConversationStatus.OPEN
    session.execute(
        sa.update(Conversation).where(col(Conversation.id) == conversation_id).values(**values)
    )
    outbox.enqueue(session, actor=DELIVER_ACTOR, payload={"message_id": str(message.id)})
    sla_hooks.agent_replied(session, conversation_id=conversation_id, at=now)
    return message


def add_note(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    text: str,
    author_user_id: uuid.UUID | None = None,
) -> Message:
    """An internal note: visible to staff on the timeline, never sent to the customer."""
    conversation = get_conversation(session, conversation_id=conversation_id)
    _require_text(text)
    now = utcnow()
    message = Message(
        conversation_id=conversation.id,
        direction=MessageDirection.NOTE,
        channel=conversation.channel,
        author_user_id=author_user_id,
        text=text,
        delivery_status=DeliveryStatus.NOT_APPLICABLE,
        created_at=now,
    )
    session.add(message)
    session.flush()
    record_event(
        session,
        conversation_id=conversation.id,
        type=EventType.NOTE_ADDED,
        actor_user_id=author_user_id,
        data={"message_id": str(message.id)},
        occurred_at=now,
    )
    return message


def _require_text(text: str) -> None:
    if not text.strip():
        raise InvalidInputError("empty message", [FieldProblem("text", "must not be empty")])
