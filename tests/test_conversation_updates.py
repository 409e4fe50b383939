"""Conversation changes: each is an event; replies queue delivery; closed is final."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import col

from core import contacts
from core.conversation_queries import get_conversation_detail
from core.conversation_updates import create_conversation, update_conversation
from core.db import Database
from core.errors import ConflictError, InvalidInputError
from core.inbound import InboundMessage
from core.ingest import ingest_committed
from core.models import (
    Channel,
    ConversationEvent,
    ConversationStatus,
    DeliveryStatus,
    EventType,
    IdentityKind,
    OutboxJob,
    PresenceState,
    Priority,
    Queue,
    RoutingState,
    Tier,
    User,
)
from core.replies import add_note, reply
from core.routing.presence import set_presence
from tests.conftest import TenantHandle


def conversation_from_customer(database: Database, tenant: TenantHandle) -> uuid.UUID:
    return ingest_committed(
        database,
        InboundMessage(
            tenant_id=tenant.id,
            channel=Channel.EMAIL,
            sender_kind=IdentityKind.EMAIL,
            sender="wang@example.cn",
            external_id="<w1@x>",
            subject="宽带断线",
        ),
    ).conversation_id


def event_types(
    database: Database, tenant: TenantHandle, conversation_id: uuid.UUID
) -> list[EventType]:
    with database.tenant_session(tenant.id) as session:
        detail = get_conversation_detail(session, conversation_id=conversation_id)
        return [e.item.type for e in detail.timeline if isinstance(e.item, ConversationEvent)]


def test_changes_are_recorded_as_events(database: Database, tenant: TenantHandle) -> None:
    conversation_id = conversation_from_customer(database, tenant)
    with database.tenant_unit(tenant.id) as session:
        queue = Queue(name="Front line", channels=["email"])
        agent = User(email="agent@example.com", name="Agent", roles=["agent"], tier=Tier.L1)
        session.add_all([queue, agent])
        session.flush()
        set_presence(session, agent_id=agent.id, state=PresenceState.AVAILABLE)
        update_conversation(
            session, conversation_id=conversation_id, changes={"queue_id": queue.id}
        )
        update_conversation(
            session,
            conversation_id=conversation_id,
            changes={"assignee_id": agent.id, "priority": Priority.HIGH},
        )
        updated = update_conversation(
            session,
            conversation_id=conversation_id,
            changes={"status": ConversationStatus.RESOLVED},
        )
        assert updated.owner_id == agent.id and updated.assignee_id == agent.id
        assert updated.resolved_at is not None
        assert updated.routing_state is RoutingState.DONE
        reopened = update_conversation(
            session, conversation_id=conversation_id, changes={"status": ConversationStatus.OPEN}
        )
        assert reopened.reopen_count == 1 and reopened.resolved_at is None
        assert reopened.routing_state is RoutingState.WAITING

    assert event_types(database, tenant, conversation_id) == [
        EventType.CREATED,
        EventType.QUEUED,
        EventType.PRIORITY_CHANGED,
        EventType.ASSIGNED,
        EventType.STATUS_CHANGED,
        EventType.REOPENED,
        EventType.STATUS_CHANGED,
        EventType.UNASSIGNED,  # back in line; sticky routing offers it to the same agent first
    ]


def test_moving_a_queued_or_assigned_conversation_needs_a_transfer(
    database: Database, tenant: TenantHandle
) -> None:
    conversation_id = conversation_from_customer(database, tenant)
    with database.tenant_unit(tenant.id) as session:
        first, second = (
            Queue(name="Front", channels=["email"]),
            Queue(name="Back", channels=["email"]),
        )
        session.add_all([first, second])
        session.flush()
        update_conversation(
            session, conversation_id=conversation_id, changes={"queue_id": first.id}
        )
        with pytest.raises(InvalidInputError) as raised:
            update_conversation(
                session, conversation_id=conversation_id, changes={"queue_id": second.id}
            )
        assert raised.value.problems[0].field == "queue_id"


def test_unknown_queue_or_assignee_is_a_field_error(
    database: Database, tenant: TenantHandle
) -> None:
    conversation_id = conversation_from_customer(database, tenant)
    with database.tenant_unit(tenant.id) as session:
        with pytest.raises(InvalidInputError) as raised:
            update_conversation(
                session, conversation_id=conversation_id, changes={"assignee_id": uuid.uuid4()}
            )
        assert raised.value.problems[0].field == "assignee_id"


def test_reply_is_queued_with_its_delivery_job_and_sets_first_response(
    database: Database, tenant: TenantHandle
) -> None:
    conversation_id = conversation_from_customer(database, tenant)
    with database.tenant_unit(tenant.id) as session:
        message = reply(session, conversation_id=conversation_id, text="我们正在处理。")
        add_note(session, conversation_id=conversation_id, text="Checked the line: fault at DSLAM")
    with database.tenant_session(tenant.id) as session:
        jobs = session.execute(sa.select(col(OutboxJob.actor), col(OutboxJob.payload))).all()
        detail = get_conversation_detail(session, conversation_id=conversation_id)
    assert message.delivery_status is DeliveryStatus.QUEUED
    assert ("deliver_message", {"message_id": str(message.id)}) in [tuple(j) for j in jobs]
    assert detail.conversation.first_response_at is not None
    assert detail.conversation.status is ConversationStatus.OPEN
    assert [e.item.type for e in detail.timeline if e.kind == "event"][-2:] == [  # type: ignore[union-attr]
        EventType.REPLIED,
        EventType.NOTE_ADDED,
    ]


def test_closed_conversation_takes_no_changes_or_replies(
    database: Database, tenant: TenantHandle
) -> None:
    conversation_id = conversation_from_customer(database, tenant)
    with database.tenant_unit(tenant.id) as session:
        update_conversation(
            session, conversation_id=conversation_id, changes={"status": ConversationStatus.CLOSED}
        )
        with pytest.raises(ConflictError):
            reply(session, conversation_id=conversation_id, text="hello?")
        with pytest.raises(ConflictError):
            update_conversation(
                session,
                conversation_id=conversation_id,
                changes={"status": ConversationStatus.OPEN},
            )


def test_agent_opened_conversation_needs_an_address_for_its_channel(
    database: Database, tenant: TenantHandle
) -> None:
    with database.tenant_unit(tenant.id) as session:
        contact = contacts.create_contact(
            session,
            name="Zhao",
            identities=[contacts.IdentityInput(IdentityKind.PHONE, "+8613911112222")],
        )
        with pytest.raises(InvalidInputError):
            create_conversation(session, contact_id=contact.id, channel=Channel.EMAIL, subject="x")
        opened = create_conversation(
            session,
            contact_id=contact.id,
            channel=Channel.PHONE,
            subject="Call-back about the outage",
            text="We will call you at 3pm.",
        )
        assert opened.status is ConversationStatus.OPEN and opened.number >= 1
