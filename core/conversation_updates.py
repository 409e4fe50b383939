"""Changing conversations: every change is an event, so KPIs can be rebuilt from the record."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.contacts import get_contact
from core.conversation_queries import get_conversation
from core.conversations import open_conversation
from core.errors import ConflictError, FieldProblem, InvalidInputError
from core.events import record_event
from core.lookup import get_referenced
from core.models.channel import Channel
from core.models.contact import ContactIdentity, IdentityKind
from core.models.conversation import Conversation, ConversationStatus, Priority
from core.models.event import EventType
from core.models.queue import Queue
from core.models.user import User
from core.replies import reply

UPDATABLE_FIELDS = frozenset(
    {"status", "priority", "category", "queue_id", "assignee_id", "subject", "identity_verified"}
)

REPLY_IDENTITY_KIND: dict[Channel, IdentityKind] = {
    Channel.PHONE: IdentityKind.PHONE,
    Channel.EMAIL: IdentityKind.EMAIL,
    Channel.WEBFORM: IdentityKind.EMAIL,
    Channel.SOCIAL: IdentityKind.SOCIAL,
}


def create_conversation(
    session: Session,
    *,
    contact_id: uuid.UUID,
    channel: Channel,
    subject: str,
    text: str | None = None,
    priority: Priority = Priority.NORMAL,
    category: str | None = None,
    queue_id: uuid.UUID | None = None,
    actor_user_id: uuid.UUID | None = None,
) -> Conversation:
    """An agent-opened conversation, replied through the contact's address for that channel."""
    contact = get_contact(session, contact_id=contact_id)
    if contact.merged_into_id is not None:
        raise ConflictError(f"contact was merged into {contact.merged_into_id}")
    kind = REPLY_IDENTITY_KIND[channel]
    identity_id = session.execute(
        sa.select(col(ContactIdentity.id))
        .where(col(ContactIdentity.contact_id) == contact_id, col(ContactIdentity.kind) == kind)
        .order_by(col(ContactIdentity.id))
        .limit(1)
    ).scalar_one_or_none()
    if identity_id is None:
        raise InvalidInputError(
            "no address for this channel",
            [FieldProblem("channel", f"the contact has no {kind.value} identity")],
        )
    if queue_id is not None:
        get_referenced(session, Queue, queue_id, field="queue_id", noun="queue")
    opened = open_conversation(
        session,
        contact_id=contact_id,
        channel=channel,
        contact_identity_id=identity_id,
        subject=subject,
        priority=priority,
        category=category,
        queue_id=queue_id,
        actor_user_id=actor_user_id,
    )
    if text:
        reply(session, conversation_id=opened.id, text=text, author_user_id=actor_user_id)
    return get_conversation(session, conversation_id=opened.id)


def update_conversation(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    changes: Mapping[str, Any],
    actor_user_id: uuid.UUID | None = None,
) -> Conversation:
    """Apply changes and record one event per changed aspect; closed conversations are final."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise InvalidInputError(
            "unknown fields", [FieldProblem(f, "cannot be changed") for f in sorted(unknown)]
        )
    conversation = get_conversation(session, conversation_id=conversation_id)
    if conversation.status is ConversationStatus.CLOSED:
        raise ConflictError("closed conversations cannot change; open a new one")
    now = utcnow()

    def event(type_: EventType, **data: Any) -> None:
        record_event(
            session,
            conversation_id=conversation_id,
            type=type_,
            actor_user_id=actor_user_id,
            data={k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in data.items()},
            occurred_at=now,
        )

    if "status" in changes and changes["status"] != conversation.status:
        _change_status(conversation, ConversationStatus(changes["status"]), now, event)
    if "priority" in changes and changes["priority"] != conversation.priority:
        event(
            EventType.PRIORITY_CHANGED,
            **{"from": conversation.priority.value, "to": changes["priority"]},
        )
        conversation.priority = Priority(changes["priority"])
    if "category" in changes and changes["category"] != conversation.category:
        event(
            EventType.CATEGORY_CHANGED, **{"from": conversation.category, "to": changes["category"]}
        )
        conversation.category = changes["category"]
    if "queue_id" in changes and changes["queue_id"] != conversation.queue_id:
        new_queue = changes["queue_id"]
        if new_queue is not None:
            get_referenced(session, Queue, new_queue, field="queue_id", noun="queue")
        if conversation.queue_id is not None:
            event(EventType.TRANSFERRED, from_queue_id=conversation.queue_id, to_queue_id=new_queue)
            conversation.transfer_count += 1
        else:
            event(EventType.QUEUED, queue_id=new_queue)
        conversation.queue_id = new_queue
    if "assignee_id" in changes and changes["assignee_id"] != conversation.assignee_id:
        assignee = changes["assignee_id"]
        if assignee is None:
            event(EventType.UNASSIGNED, previous_assignee_id=conversation.assignee_id)
        else:
            get_referenced(session, User, assignee, field="assignee_id", noun="user")
            event(
                EventType.ASSIGNED,
                assignee_id=assignee,
                previous_assignee_id=conversation.assignee_id,
            )
            conversation.owner_id = conversation.owner_id or assignee
        conversation.assignee_id = assignee
    if "subject" in changes:
        conversation.subject = str(changes["subject"])[:500]
    if changes.get("identity_verified") and not conversation.identity_verified:
        event(EventType.IDENTITY_VERIFIED)
        conversation.identity_verified = True
    elif changes.get("identity_verified") is False:
        conversation.identity_verified = False
    conversation.updated_at = now
    session.flush()
    return conversation


def _change_status(
    conversation: Conversation, target: ConversationStatus, now: Any, event: Any
) -> None:
    source = conversation.status
    if source is ConversationStatus.RESOLVED and target.is_open:
        event(EventType.REOPENED)
        conversation.reopen_count += 1
        conversation.resolved_at = None
    event(EventType.STATUS_CHANGED, **{"from": source.value, "to": target.value})
    if target is ConversationStatus.RESOLVED:
        conversation.resolved_at = now
    if target is ConversationStatus.CLOSED:
        conversation.closed_at = now
        conversation.resolved_at = conversation.resolved_at or now
    conversation.status = target
