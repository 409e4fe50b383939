"""Placing conversations in queues (core.queueing), on both backends."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from core.db import Database
from core.errors import NotFoundError
from core.ingest import ingest_committed
from core.models import Channel, Conversation, EventType, Tier
from core.queueing import place_in_queue
from tests.conftest import TenantHandle
from tests.workers.factories import add_queue, events_of_type, inbound_email


def new_conversation(
    database: Database, tenant: TenantHandle, *, tier: Tier = Tier.L1
) -> uuid.UUID:
    result = ingest_committed(
        database, inbound_email(tenant.id, f"{uuid.uuid4().hex[:8]}@example.com", uuid.uuid4().hex)
    )
    with database.tenant_unit(tenant.id) as session:
        session.execute(
            sa.update(Conversation)
            .where(Conversation.id == result.conversation_id)  # type: ignore[arg-type]
            .values(tier=tier)
        )
    return result.conversation_id


def place(database: Database, tenant: TenantHandle, conversation_id: uuid.UUID) -> uuid.UUID | None:
    with database.tenant_unit(tenant.id) as session:
        return place_in_queue(session, conversation_id=conversation_id)


def test_queue_of_the_same_channel_and_tier_is_chosen(
    database: Database, tenant: TenantHandle
) -> None:
    add_queue(database, tenant.id, name="A email L1", channels=[Channel.EMAIL])
    l2 = add_queue(database, tenant.id, name="B email L2", channels=[Channel.EMAIL], tier=Tier.L2)
    conversation_id = new_conversation(database, tenant, tier=Tier.L2)

    assert place(database, tenant, conversation_id) == l2
    queued = events_of_type(database, tenant.id, conversation_id, EventType.QUEUED)
    assert [event.data for event in queued] == [{"queue_id": str(l2)}]


def test_any_tier_serves_when_none_matches(database: Database, tenant: TenantHandle) -> None:
    add_queue(database, tenant.id, name="Phone L3", channels=[Channel.PHONE], tier=Tier.L3)
    email = add_queue(
        database, tenant.id, name="Mixed", channels=[Channel.PHONE, Channel.EMAIL], tier=Tier.L2
    )
    assert place(database, tenant, new_conversation(database, tenant, tier=Tier.L3)) == email


def test_inactive_and_other_channel_queues_are_not_used(
    database: Database, tenant: TenantHandle
) -> None:
    add_queue(database, tenant.id, name="Retired", channels=[Channel.EMAIL], active=False)
    add_queue(database, tenant.id, name="Phones", channels=[Channel.PHONE])
    conversation_id = new_conversation(database, tenant)

    assert place(database, tenant, conversation_id) is None
    assert not events_of_type(database, tenant.id, conversation_id, EventType.QUEUED)


def test_placing_twice_keeps_the_queue_and_records_one_event(
    database: Database, tenant: TenantHandle
) -> None:
    first = add_queue(database, tenant.id, name="Email", channels=[Channel.EMAIL])
    conversation_id = new_conversation(database, tenant)
    assert place(database, tenant, conversation_id) == first
    add_queue(database, tenant.id, name="A better email queue", channels=[Channel.EMAIL])

    assert place(database, tenant, conversation_id) == first
    assert len(events_of_type(database, tenant.id, conversation_id, EventType.QUEUED)) == 1


def test_unknown_conversation_is_not_found(database: Database, tenant: TenantHandle) -> None:
    with pytest.raises(NotFoundError):
        place(database, tenant, uuid.uuid4())
