"""Outbound delivery: what a reply looks like to an adapter, and what became of it.

The adapter call itself happens in the ``deliver_message`` worker, outside any transaction;
these services build its input and record its outcome. None of them commits.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.errors import InvalidInputError
from core.events import record_event
from core.lookup import get_by_id
from core.models.contact import ContactIdentity
from core.models.conversation import Conversation
from core.models.event import EventType
from core.models.message import DeliveryStatus, Message, MessageDirection
from core.outbound import DeliveryError, DeliveryReceipt, OutboundMessage

MAX_REFERENCES = 20
ALREADY_SENT = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)


def build_outbound(session: Session, *, message_id: uuid.UUID) -> OutboundMessage | None:
    """The adapter's view of an outbound message; None if it was sent already (a redelivery).

    Raises NotFoundError for an unknown message, InvalidInputError for one that is not
    outbound, and a permanent DeliveryError when the conversation has no address to reply to.
    """
    message = _get_message(session, message_id=message_id)
    if message.direction is not MessageDirection.OUTBOUND:
        raise InvalidInputError(f"message {message_id} is {message.direction.value}, not outbound")
    if message.delivery_status in ALREADY_SENT:
        return None
    conversation = session.execute(
        sa.select(Conversation).where(col(Conversation.id) == message.conversation_id)
    ).scalar_one()
    identity_id = message.contact_identity_id or conversation.contact_identity_id
    identity = (
        session.execute(
            sa.select(ContactIdentity).where(col(ContactIdentity.id) == identity_id)
        ).scalar_one_or_none()
        if identity_id is not None
        else None
    )
    if identity is None:
        raise DeliveryError("the conversation has no address to reply to", permanent=True)
    references = _thread_references(session, conversation_id=conversation.id, message=message)
    return OutboundMessage(
        tenant_id=message.tenant_id,
        message_id=message.id,
        conversation_id=conversation.id,
        conversation_number=conversation.number,
        channel=message.channel,
        recipient_kind=identity.kind,
        recipient=identity.value,
        subject=conversation.subject,
        text=message.text,
        html=message.html,
        in_reply_to=_latest_inbound_external_id(
            session, conversation_id=conversation.id, message=message
        ),
        references=references,
    )


def record_sent(session: Session, *, message_id: uuid.UUID, receipt: DeliveryReceipt) -> None:
    """Store the provider's answer on the message (no commit)."""
    values: dict[str, object] = {
        "delivery_status": receipt.status,
        "delivered_at": utcnow(),
        "delivery_error": None,
    }
    if receipt.external_id is not None:
        values["external_id"] = receipt.external_id
    session.execute(sa.update(Message).where(col(Message.id) == message_id).values(**values))


def record_failed(session: Session, *, message_id: uuid.UUID, reason: str, permanent: bool) -> None:
    """Mark the message failed and put a DELIVERY_FAILED event on its timeline (no commit).

    Call it only when no retry will follow: the failure was permanent or retries ran out.
    """
    message = _get_message(session, message_id=message_id)
    session.execute(
        sa.update(Message)
        .where(col(Message.id) == message_id)
        .values(delivery_status=DeliveryStatus.FAILED, delivery_error=reason[:1000])
    )
    record_event(
        session,
        conversation_id=message.conversation_id,
        type=EventType.DELIVERY_FAILED,
        data={"message_id": str(message_id), "reason": reason[:1000], "permanent": permanent},
    )


def _get_message(session: Session, *, message_id: uuid.UUID) -> Message:
    return get_by_id(session, Message, message_id, noun="message")


def _thread_messages(conversation_id: uuid.UUID, message: Message) -> sa.Select[Any]:
    """External ids of the customer-visible messages of this thread on the message's channel."""
    return sa.select(col(Message.external_id)).where(
        col(Message.conversation_id) == conversation_id,
        col(Message.channel) == message.channel,
        col(Message.direction).in_([MessageDirection.INBOUND, MessageDirection.OUTBOUND]),
        col(Message.external_id).is_not(None),
        col(Message.id) != message.id,
    )


def _latest_inbound_external_id(
    session: Session, *, conversation_id: uuid.UUID, message: Message
) -> str | None:
    query = (
        _thread_messages(conversation_id, message)
        .where(col(Message.direction) == MessageDirection.INBOUND)
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(1)
    )
    external_id: str | None = session.execute(query).scalar_one_or_none()
    return external_id


def _thread_references(
    session: Session, *, conversation_id: uuid.UUID, message: Message
) -> tuple[str, ...]:
    """Oldest first: the thread's first message and its latest ones, MAX_REFERENCES at most.

    Mail clients thread by the root and the most recent ids; the middle of a long thread adds
    nothing but header length.
    """
    thread = _thread_messages(conversation_id, message)
    oldest_first = (col(Message.created_at), col(Message.id))
    first: str | None = session.execute(thread.order_by(*oldest_first).limit(1)).scalar()
    latest: list[str] = list(
        session.execute(
            thread.order_by(*(c.desc() for c in oldest_first)).limit(MAX_REFERENCES - 1)
        ).scalars()
    )
    latest.reverse()
    if first is not None and first not in latest:
        latest.insert(0, first)
    return tuple(latest)
