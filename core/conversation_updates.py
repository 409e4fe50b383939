"""Changing conversations: every change is an event, so KPIs can be rebuilt from the record."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.contacts import get_contact
from core.conversation_queries import get_conversation
from core.conversations import open_conversation
from core.errors import ConflictError, FieldProblem, InvalidInputError, reject_unknown_fields
from core.events import record_event
from core.lookup import get_referenced
from core.models.channel import Channel
from core.models.contact import ContactIdentity, IdentityKind
from core.models.conversation import Conversation, ConversationStatus, Priority, RoutingState
from core.models.event import EventType
from core.models.queue import Queue
from core.models.user import User
from core.replies import reply
from core.routing import assignment, waiting
from core.sla import hooks as sla_hooks
from core.work_orders import check_resolvable

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
    override_reason: str | None = None,
) -> Conversation:
    """Apply changes and record one event per changed aspect; closed conversations are final.

    Moving a conversation that already has a queue or an assignee is a transfer and needs a
    hand-over note (``core.handoffs``); here a queue or assignee can only be set where there was
    none, or the assignee removed (the conversation goes back to waiting in its queue).
    Resolving over open work orders needs ``override_reason``.
    """
    reject_unknown_fields(changes, UPDATABLE_FIELDS)
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
            data=data,
            occurred_at=now,
        )

    if "status" in changes and changes["status"] != conversation.status:
        target = ConversationStatus(changes["status"])
        if not target.is_open:
            check_resolvable(
                session,
                conversation_id=conversation_id,
                override_reason=override_reason,
                actor_user_id=actor_user_id,
            )
        source = conversation.status
        _change_status(conversation, target, now, event)
        session.flush()
        _after_status_change(session, conversation, source, target, actor_user_id, now)
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
        if conversation.queue_id is not None or new_queue is None:
            raise InvalidInputError(
                "moving a queued conversation is a transfer",
                [FieldProblem("queue_id", "use POST /conversations/{id}/transfer with a note")],
            )
        get_referenced(session, Queue, new_queue, field="queue_id", noun="queue")
        session.flush()
        waiting.make_waiting(session, conversation_id=conversation_id, queue_id=new_queue, at=now)
        session.refresh(conversation)
    if "assignee_id" in changes and changes["assignee_id"] != conversation.assignee_id:
        _change_assignee(session, conversation, changes["assignee_id"], now)
    if "subject" in changes:
        conversation.subject = str(changes["subject"])[:500]
    if changes.get("identity_verified") and not conversation.identity_verified:
        event(EventType.IDENTITY_VERIFIED)
        conversation.identity_verified = True
    elif changes.get("identity_verified") is False:
        conversation.identity_verified = False
    conversation.updated_at = now
    session.flush()
    if "priority" in changes and conversation.routing_state is RoutingState.WAITING:
        waiting.rerank(session, conversation_id=conversation_id)
    return conversation


def _change_assignee(
    session: Session, conversation: Conversation, assignee: uuid.UUID | None, now: datetime
) -> None:
    """Assign where nobody is, or take it back from its agent into its queue."""
    session.flush()
    if assignee is None:
        assignment.release(session, conversation_id=conversation.id, at=now)
        if conversation.status.is_open:
            waiting.make_waiting(
                session, conversation_id=conversation.id, queue_id=conversation.queue_id, at=now
            )
    elif conversation.assignee_id is not None:
        raise InvalidInputError(
            "reassigning is a transfer",
            [FieldProblem("assignee_id", "use POST /conversations/{id}/transfer with a note")],
        )
    else:
        get_referenced(session, User, assignee, field="assignee_id", noun="user")
        if not conversation.status.is_open:
            raise ConflictError(f"the conversation is {conversation.status.value}")
        if not assignment.assign(
            session, conversation_id=conversation.id, agent_id=assignee, at=now
        ):
            raise ConflictError(
                f"agent {assignee} is not available or has no capacity on "
                f"{conversation.channel.value}"
            )
    session.refresh(conversation)


def _after_status_change(
    session: Session,
    conversation: Conversation,
    source: ConversationStatus,
    target: ConversationStatus,
    actor_user_id: uuid.UUID | None,
    now: datetime,
) -> None:
    """Tell the SLA engine and routing; ask the owner to close the loop (D3)."""
    sla_hooks.status_changed(
        session, conversation_id=conversation.id, old=source, new=target, at=now
    )
    if source.is_open and not target.is_open:
        assignment.finish(session, conversation_id=conversation.id, at=now)
        owner = conversation.owner_id
        if owner is not None and owner not in (actor_user_id, conversation.assignee_id):
            record_event(
                session,
                conversation_id=conversation.id,
                type=EventType.CLOSE_LOOP_REQUESTED,
                actor_user_id=actor_user_id,
                data={"owner_id": owner, "resolved_by": actor_user_id},
                occurred_at=now,
            )
    elif not source.is_open and target.is_open:
        waiting.make_waiting(
            session, conversation_id=conversation.id, queue_id=conversation.queue_id, at=now
        )
    session.refresh(conversation)


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
