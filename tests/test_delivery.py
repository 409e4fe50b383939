"""Building outbound messages and recording their fate (core.delivery), on both backends."""

from __future__ import annotations

import uuid

import pytest

from core.conversations import open_conversation
from core.db import Database
from core.delivery import MAX_REFERENCES, build_outbound, record_failed, record_sent
from core.errors import InvalidInputError
from core.ingest import ingest_committed
from core.models import Channel, DeliveryStatus, EventType, IdentityKind
from core.outbound import DeliveryError, DeliveryReceipt, OutboundMessage
from tests.conftest import TenantHandle
from tests.workers.factories import (
    events_of_type,
    get_message,
    inbound_email,
    queue_reply,
)


def build(database: Database, tenant: TenantHandle, message_id: uuid.UUID) -> OutboundMessage:
    with database.tenant_session(tenant.id) as session:
        outbound = build_outbound(session, message_id=message_id)
    assert outbound is not None
    return outbound


def mark_sent(
    database: Database, tenant: TenantHandle, message_id: uuid.UUID, external_id: str
) -> None:
    with database.tenant_unit(tenant.id) as session:
        record_sent(session, message_id=message_id, receipt=DeliveryReceipt(external_id))


def test_reply_goes_to_the_customer_address_with_the_conversation_subject(
    database: Database, tenant: TenantHandle
) -> None:
    inbound = ingest_committed(
        database, inbound_email(tenant.id, "Ann@Example.com", "<a1@m>", subject="Refund")
    )
    message_id, _ = queue_reply(database, tenant.id, inbound.conversation_id, "Done")

    outbound = build(database, tenant, message_id)
    assert (outbound.recipient_kind, outbound.recipient) == (IdentityKind.EMAIL, "ann@example.com")
    assert (outbound.subject, outbound.text, outbound.channel) == ("Refund", "Done", Channel.EMAIL)
    assert outbound.conversation_id == inbound.conversation_id
    assert outbound.conversation_number >= 1


def test_reply_threads_onto_the_latest_inbound_and_references_the_whole_thread(
    database: Database, tenant: TenantHandle
) -> None:
    first = ingest_committed(database, inbound_email(tenant.id, "ann@example.com", "<a1@m>"))
    earlier_reply, _ = queue_reply(database, tenant.id, first.conversation_id, "Looking")
    mark_sent(database, tenant, earlier_reply, "<o1@us>")
    ingest_committed(
        database, inbound_email(tenant.id, "ann@example.com", "<a2@m>", references=("<o1@us>",))
    )
    message_id, _ = queue_reply(database, tenant.id, first.conversation_id, "Found it")

    outbound = build(database, tenant, message_id)
    assert outbound.in_reply_to == "<a2@m>"
    assert outbound.references == ("<a1@m>", "<o1@us>", "<a2@m>")


def test_long_thread_references_its_root_and_latest_messages(
    database: Database, tenant: TenantHandle
) -> None:
    ids = [f"<m{i}@m>" for i in range(MAX_REFERENCES + 5)]
    results = [ingest_committed(database, inbound_email(tenant.id, "ann@x.com", i)) for i in ids]
    message_id, _ = queue_reply(database, tenant.id, results[0].conversation_id, "Phew")

    references = build(database, tenant, message_id).references
    assert len(references) == MAX_REFERENCES
    assert references == (ids[0], *ids[-(MAX_REFERENCES - 1) :])


def test_sent_reply_is_not_built_again(database: Database, tenant: TenantHandle) -> None:
    inbound = ingest_committed(database, inbound_email(tenant.id, "ann@example.com", "<a1@m>"))
    message_id, _ = queue_reply(database, tenant.id, inbound.conversation_id, "Done")
    mark_sent(database, tenant, message_id, "provider-1")

    with database.tenant_session(tenant.id) as session:
        assert build_outbound(session, message_id=message_id) is None
    message = get_message(database, tenant.id, message_id)
    assert (message.delivery_status, message.external_id) == (DeliveryStatus.SENT, "provider-1")
    assert message.delivered_at is not None


def test_only_outbound_messages_are_delivered(database: Database, tenant: TenantHandle) -> None:
    inbound = ingest_committed(database, inbound_email(tenant.id, "ann@example.com", "<a1@m>"))
    with database.tenant_session(tenant.id) as session, pytest.raises(InvalidInputError):
        build_outbound(session, message_id=inbound.message_id)


def test_conversation_without_an_address_fails_permanently(
    database: Database, tenant: TenantHandle
) -> None:
    inbound = ingest_committed(database, inbound_email(tenant.id, "ann@example.com", "<a1@m>"))
    with database.tenant_unit(tenant.id) as session:
        opened = open_conversation(session, contact_id=inbound.contact_id, channel=Channel.EMAIL)
    message_id, _ = queue_reply(database, tenant.id, opened.id, "Hello?")

    with database.tenant_session(tenant.id) as session, pytest.raises(DeliveryError) as raised:
        build_outbound(session, message_id=message_id)
    assert raised.value.permanent


def test_failure_is_recorded_on_the_message_and_the_timeline(
    database: Database, tenant: TenantHandle
) -> None:
    inbound = ingest_committed(database, inbound_email(tenant.id, "ann@example.com", "<a1@m>"))
    message_id, _ = queue_reply(database, tenant.id, inbound.conversation_id, "Done")
    with database.tenant_unit(tenant.id) as session:
        record_failed(session, message_id=message_id, reason="mailbox full", permanent=False)

    message = get_message(database, tenant.id, message_id)
    assert (message.delivery_status, message.delivery_error) == (
        DeliveryStatus.FAILED,
        "mailbox full",
    )
    failed = events_of_type(database, tenant.id, inbound.conversation_id, EventType.DELIVERY_FAILED)
    assert [event.data for event in failed] == [
        {"message_id": str(message_id), "reason": "mailbox full", "permanent": False}
    ]
