"""Ingest: one normalized inbound message → contact, conversation, message, events, outbox.

Everything happens in the caller's transaction, so a message is either fully recorded (and
its follow-up jobs queued) or not at all. Redelivery of the same provider id is a no-op.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from core import outbox
from core.clock import utcnow
from core.conversations import ROUTE_ACTOR, open_conversation
from core.db import Database, TenantScopeError, session_tenant
from core.events import record_event
from core.html_content import sanitize_html
from core.identities import normalize_identity
from core.ids import new_id
from core.inbound import InboundMessage
from core.models.contact import Contact, ContactIdentity
from core.models.conversation import OPEN_STATUSES, Conversation, ConversationStatus
from core.models.event import EventType
from core.models.message import DeliveryStatus, Message, MessageDirection

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class IngestResult:
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    contact_id: uuid.UUID
    duplicate: bool = False
    created_contact: bool = False
    created_conversation: bool = False
    reopened: bool = False


def ingest(session: Session, message: InboundMessage) -> IngestResult:
    """Record one inbound message (no commit); a concurrent twin surfaces as IntegrityError."""
    tenant_id = session_tenant(session)
    if message.tenant_id != tenant_id:
        raise TenantScopeError("inbound message addressed to another tenant")

    existing = session.execute(
        sa.select(col(Message.id), col(Message.conversation_id), col(Conversation.contact_id))
        .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .where(
            col(Message.channel) == message.channel, col(Message.external_id) == message.external_id
        )
    ).first()
    if existing is not None:
        return IngestResult(*existing, duplicate=True)

    now = utcnow()
    value = normalize_identity(message.sender_kind, message.sender, region=message.phone_region)
    identity = session.execute(
        sa.select(col(ContactIdentity.id), col(ContactIdentity.contact_id)).where(
            col(ContactIdentity.kind) == message.sender_kind, col(ContactIdentity.value) == value
        )
    ).first()
    created_contact = identity is None
    if identity is None:
        contact_id, identity_id = _create_contact(session, tenant_id, message, value, now)
    else:
        identity_id, contact_id = identity

    conversation_id, status = _find_thread(session, message, contact_id)
    created_conversation = reopened = False
    if conversation_id is None:
        opened = open_conversation(
            session,
            contact_id=contact_id,
            channel=message.channel,
            contact_identity_id=identity_id,
            subject=message.subject,
            category=message.category,
            language=message.language,
            at=now,
        )
        conversation_id, status, created_conversation = opened.id, ConversationStatus.NEW, True
    elif status is ConversationStatus.RESOLVED:
        reopened = True
        record_event(
            session, conversation_id=conversation_id, type=EventType.REOPENED, occurred_at=now
        )
        outbox.enqueue(
            session, actor=ROUTE_ACTOR, payload={"conversation_id": str(conversation_id)}
        )

    message_id = new_id()
    session.execute(
        sa.insert(Message).values(
            tenant_id=tenant_id,
            id=message_id,
            created_at=now,
            conversation_id=conversation_id,
            direction=MessageDirection.INBOUND,
            channel=message.channel,
            contact_identity_id=identity_id,
            external_id=message.external_id,
            in_reply_to=message.references[0] if message.references else None,
            text=message.text,
            html=sanitize_html(message.html),
            attachments=[a.as_json() for a in message.attachments],
            sent_at=message.sent_at,
            delivery_status=DeliveryStatus.RECEIVED,
        )
    )
    _touch_conversation(session, conversation_id, status, reopened=reopened, now=now)
    return IngestResult(
        message_id=message_id,
        conversation_id=conversation_id,
        contact_id=contact_id,
        created_contact=created_contact,
        created_conversation=created_conversation,
        reopened=reopened,
    )


def ingest_committed(database: Database, message: InboundMessage) -> IngestResult:
    """Ingest in its own transaction, as a webhook or listener does; safe under concurrency.

    A twin delivery or a first message from the same new address racing this one makes the
    insert fail on a unique key; the transaction is retried once and then finds the winner's rows.
    """
    for attempt in (1, 2):
        try:
            with database.tenant_unit(message.tenant_id) as session:
                result = ingest(session, message)
        except IntegrityError:
            if attempt == 2:
                raise
            log.info("ingest.retry_after_race", external_id=message.external_id)
            continue
        if not result.duplicate:
            outbox.notify_relay()
        log.info(
            "ingest.stored" if not result.duplicate else "ingest.duplicate",
            tenant_id=str(message.tenant_id),
            channel=message.channel.value,
            external_id=message.external_id,
            conversation_id=str(result.conversation_id),
        )
        return result
    raise AssertionError("unreachable")


def _create_contact(
    session: Session, tenant_id: uuid.UUID, message: InboundMessage, value: str, now: datetime
) -> tuple[uuid.UUID, uuid.UUID]:
    contact_id, identity_id = new_id(), new_id()
    session.execute(
        sa.insert(Contact).values(
            tenant_id=tenant_id,
            id=contact_id,
            created_at=now,
            updated_at=now,
            name=(message.sender_name or message.sender)[:200],
            value_tier="standard",
            language=message.language,
            attributes={},
        )
    )
    session.execute(
        sa.insert(ContactIdentity).values(
            tenant_id=tenant_id,
            id=identity_id,
            created_at=now,
            contact_id=contact_id,
            kind=message.sender_kind,
            value=value,
            display=message.sender[:320],
            verified=False,
        )
    )
    return contact_id, identity_id


def _find_thread(
    session: Session, message: InboundMessage, contact_id: uuid.UUID
) -> tuple[uuid.UUID | None, ConversationStatus | None]:
    """The conversation this message continues, if any; closed conversations are never reused."""
    candidates = sa.select(col(Conversation.id), col(Conversation.status)).where(
        col(Conversation.status) != ConversationStatus.CLOSED
    )
    if message.references:
        row = session.execute(
            candidates.join(Message, col(Message.conversation_id) == col(Conversation.id))
            .where(
                col(Message.external_id).in_(message.references),
                col(Message.channel) == message.channel,
            )
            .order_by(col(Message.id).desc())
            .limit(1)
        ).first()
        if row is not None:
            return row[0], row[1]
    if message.conversation_number is not None:
        row = session.execute(
            candidates.where(
                col(Conversation.number) == message.conversation_number,
                col(Conversation.contact_id) == contact_id,
            )
        ).first()
        if row is not None:
            return row[0], row[1]
    query = candidates.where(
        col(Conversation.contact_id) == contact_id,
        col(Conversation.status).in_(OPEN_STATUSES),
    )
    if not message.thread_any_channel:
        query = query.where(col(Conversation.channel) == message.channel)
    row = session.execute(query.order_by(col(Conversation.id).desc()).limit(1)).first()
    return (row[0], row[1]) if row is not None else (None, None)


def _touch_conversation(
    session: Session,
    conversation_id: uuid.UUID,
    status: ConversationStatus | None,
    *,
    reopened: bool,
    now: datetime,
) -> None:
    """A customer's message re-opens resolved work and ends a wait on the customer."""
    values: dict[str, object] = {"last_message_at": now, "last_inbound_at": now, "updated_at": now}
    if reopened:
        values.update(
            status=ConversationStatus.OPEN,
            resolved_at=None,
            reopen_count=col(Conversation.reopen_count) + 1,
        )
    elif status is ConversationStatus.PENDING:
        values["status"] = ConversationStatus.OPEN
        record_event(
            session,
            conversation_id=conversation_id,
            type=EventType.STATUS_CHANGED,
            data={"from": ConversationStatus.PENDING.value, "to": ConversationStatus.OPEN.value},
            occurred_at=now,
        )
    session.execute(
        sa.update(Conversation).where(col(Conversation.id) == conversation_id).values(**values)
    )
