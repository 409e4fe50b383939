"""Ingest: one normalized inbound message → contact, conversation, message, events, outbox.

Everything happens in the caller's transaction, so a message is either fully recorded (and
its follow-up jobs queued) or not at all. Redelivery of the same provider id is a no-op.
The common case (a known customer writing again) costs three statements: one lookup, one
insert, one update — see core.statements.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import outbox
from core import statements as st
from core.clock import utcnow
from core.conversations import ROUTE_ACTOR, open_conversation
from core.db import Database, TenantScopeError, session_tenant
from core.events import record_event
from core.html_content import sanitize_html
from core.identities import normalize_identity
from core.ids import new_id
from core.inbound import InboundMessage
from core.metrics import INBOUND_MESSAGES
from core.models.conversation import ConversationStatus
from core.models.event import EventType
from core.models.message import DeliveryStatus, MessageDirection
from core.sla import hooks as sla_hooks

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
    if message.tenant_id != session_tenant(session):
        raise TenantScopeError("inbound message addressed to another tenant")
    value = normalize_identity(message.sender_kind, message.sender, region=message.phone_region)
    found = st.run(
        session,
        st.RESOLVE_INBOUND_ANY_CHANNEL
        if message.thread_any_channel
        else st.RESOLVE_INBOUND_SAME_CHANNEL,
        {
            "channel": message.channel.value,
            "external_id": message.external_id,
            "kind": message.sender_kind.value,
            "value": value,
        },
    ).one()
    if found.duplicate_id is not None:
        twin = st.run(session, st.DUPLICATE_OF, {"message_id": found.duplicate_id}).one()
        return IngestResult(
            message_id=twin.id,
            conversation_id=twin.conversation_id,
            contact_id=twin.contact_id,
            duplicate=True,
        )

    now = utcnow()
    created_contact = found.identity_id is None
    if created_contact:
        contact_id, identity_id = _create_contact(session, message, value, now)
    else:
        contact_id, identity_id = found.contact_id, found.identity_id
    thread = _hinted_thread(session, message, contact_id)
    if thread is None and not created_contact:
        thread = (found.conversation_id, found.conversation_status)
    conversation_id = thread[0] if thread else None
    status = ConversationStatus(thread[1]) if thread and thread[1] else None

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
            last_inbound_at=now,
        )
        conversation_id, created_conversation = opened.id, True
    else:
        reopened = _continue_conversation(session, conversation_id, status, now)

    message_id = new_id()
    st.insert_row(
        session,
        st.INSERT_MESSAGE,
        {
            "id": message_id,
            "created_at": now,
            "conversation_id": conversation_id,
            "direction": MessageDirection.INBOUND,
            "channel": message.channel,
            "author_user_id": None,
            "contact_identity_id": identity_id,
            "external_id": message.external_id,
            "in_reply_to": message.references[0] if message.references else None,
            "text": message.text,
            "html": sanitize_html(message.html),
            "attachments": [a.as_json() for a in message.attachments],
            "sent_at": message.sent_at,
            "delivery_status": DeliveryStatus.RECEIVED,
            "delivered_at": None,
            "delivery_error": None,
        },
    )
    if not created_conversation:
        st.run(session, st.TOUCH_CONVERSATION, {"cid": conversation_id, "now": now})
        _tell_sla(session, conversation_id, status, now)
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
        INBOUND_MESSAGES.labels(
            message.channel.value, "duplicate" if result.duplicate else "stored"
        ).inc()
        log_event = log.info if result.duplicate else log.debug
        log_event(
            "ingest.duplicate" if result.duplicate else "ingest.stored",
            tenant_id=str(message.tenant_id),
            channel=message.channel.value,
            external_id=message.external_id,
            conversation_id=str(result.conversation_id),
        )
        return result
    raise AssertionError("unreachable")


def _create_contact(
    session: Session, message: InboundMessage, value: str, now: datetime
) -> tuple[uuid.UUID, uuid.UUID]:
    contact_id, identity_id = new_id(), new_id()
    st.insert_row(
        session,
        st.INSERT_CONTACT,
        {
            "id": contact_id,
            "created_at": now,
            "updated_at": now,
            "name": (message.sender_name or message.sender)[:200],
            "value_tier": "standard",
            "segment": None,
            "language": message.language,
            "attributes": {},
            "merged_into_id": None,
        },
    )
    st.insert_row(
        session,
        st.INSERT_IDENTITY,
        {
            "id": identity_id,
            "created_at": now,
            "contact_id": contact_id,
            "kind": message.sender_kind,
            "value": value,
            "display": message.sender[:320],
            "verified": False,
        },
    )
    return contact_id, identity_id


def _hinted_thread(
    session: Session, message: InboundMessage, contact_id: uuid.UUID
) -> tuple[uuid.UUID, str] | None:
    """The conversation named by thread hints, strongest first, with its status."""
    if message.references:
        row = st.run(
            session,
            st.THREAD_BY_REFERENCE,
            {"channel": message.channel.value, "references": list(message.references)},
        ).first()
        if row is not None:
            return row[0], row[1]
    if message.conversation_number is not None:
        row = st.run(
            session,
            st.THREAD_BY_NUMBER,
            {"number": message.conversation_number, "contact_id": contact_id},
        ).first()
        if row is not None:
            return row[0], row[1]
    return None


def _tell_sla(
    session: Session,
    conversation_id: uuid.UUID,
    status: ConversationStatus | None,
    now: datetime,
) -> None:
    """The SLA engine hears of the status change the message made, then of the message."""
    if status in (ConversationStatus.RESOLVED, ConversationStatus.PENDING):
        sla_hooks.status_changed(
            session,
            conversation_id=conversation_id,
            old=status,
            new=ConversationStatus.OPEN,
            at=now,
        )
    sla_hooks.customer_message(session, conversation_id=conversation_id, at=now)


def _continue_conversation(
    session: Session,
    conversation_id: uuid.UUID,
    status: ConversationStatus | None,
    now: datetime,
) -> bool:
    """A customer's message re-opens resolved work and ends a wait on the customer.

    Returns whether the conversation was re-opened.
    """
    if status is ConversationStatus.RESOLVED:
        record_event(
            session, conversation_id=conversation_id, type=EventType.REOPENED, occurred_at=now
        )
        st.run(session, st.REOPEN_CONVERSATION, {"cid": conversation_id})
        outbox.enqueue(
            session, actor=ROUTE_ACTOR, payload={"conversation_id": str(conversation_id)}
        )
        return True
    if status is ConversationStatus.PENDING:
        record_event(
            session,
            conversation_id=conversation_id,
            type=EventType.STATUS_CHANGED,
            data={"from": ConversationStatus.PENDING.value, "to": ConversationStatus.OPEN.value},
            occurred_at=now,
        )
        st.run(
            session,
            st.SET_CONVERSATION_STATUS,
            {"cid": conversation_id, "status": ConversationStatus.OPEN.value},
        )
    return False
