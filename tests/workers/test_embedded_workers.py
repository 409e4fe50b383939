"""The embedded deployment: relay and actors in this process, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from dramatiq.brokers.stub import StubBroker

from channels.loopback import LoopbackAdapter
from channels.registry import register_adapter
from core import outbox
from core.db import Database
from core.inbound import InboundMessage
from core.ingest import ingest_committed
from core.models import Channel, Conversation, DeliveryStatus, EventType, Tier
from core.outbound import DELIVER_ACTOR, DeliveryError, DeliveryReceipt, OutboundMessage
from tests.conftest import TenantHandle
from tests.workers.factories import (
    add_queue,
    events_of_type,
    get_message,
    inbound_email,
    queue_reply,
    receipts,
)
from workers.actors import deliver_message
from workers.embedded import EmbeddedWorkers

IDLE_TIMEOUT = 15.0


class BouncingAdapter:
    """A provider that rejects the address outright, as a mail server's 550 does."""

    channel = Channel.EMAIL

    def parse(self, tenant_id: uuid.UUID, payload: bytes, content_type: str) -> InboundMessage:
        raise NotImplementedError

    def send(self, message: OutboundMessage) -> DeliveryReceipt:
        raise DeliveryError("550 no such mailbox", permanent=True)


class FlakyAdapter:
    """A provider that times out ``failures`` times, then behaves like the loopback."""

    channel = Channel.EMAIL

    def __init__(self, directory: Path, *, failures: int) -> None:
        self.loopback = LoopbackAdapter(Channel.EMAIL, directory)
        self.failures = failures
        self.attempts = 0

    def parse(self, tenant_id: uuid.UUID, payload: bytes, content_type: str) -> InboundMessage:
        raise NotImplementedError

    def send(self, message: OutboundMessage) -> DeliveryReceipt:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise DeliveryError("connection timed out")
        return self.loopback.send(message)


def test_new_conversation_is_placed_in_the_queue_for_its_channel_and_tier(
    database: Database, tenant: TenantHandle, embedded: EmbeddedWorkers
) -> None:
    add_queue(database, tenant.id, name="Phone L1", channels=[Channel.PHONE])
    add_queue(database, tenant.id, name="Email L2", channels=[Channel.EMAIL], tier=Tier.L2)
    email_l1 = add_queue(database, tenant.id, name="Email L1", channels=[Channel.EMAIL])

    result = ingest_committed(database, inbound_email(tenant.id, "ann@example.com", "<a1@mail>"))
    embedded.join_idle(IDLE_TIMEOUT)

    with database.tenant_session(tenant.id) as session:
        conversation = session.get_one(Conversation, (tenant.id, result.conversation_id))
    assert conversation.queue_id == email_l1
    queued = events_of_type(database, tenant.id, result.conversation_id, EventType.QUEUED)
    assert [event.data for event in queued] == [{"queue_id": str(email_l1)}]


def test_reply_is_delivered_once_through_the_loopback(
    database: Database, tenant: TenantHandle, embedded: EmbeddedWorkers, outbound_dir: Path
) -> None:
    inbound = ingest_committed(
        database, inbound_email(tenant.id, "ann@example.com", "<a1@mail>", subject="Refund")
    )
    message_id, job_id = queue_reply(database, tenant.id, inbound.conversation_id, "Done!")
    embedded.join_idle(IDLE_TIMEOUT)

    assert [path.name for path in outbound_dir.iterdir()] == [f"{message_id}.json"]
    sent = json.loads((outbound_dir / f"{message_id}.json").read_text())
    assert sent["to"] == "ann@example.com"
    assert sent["subject"] == "Refund"
    assert sent["in_reply_to"] == "<a1@mail>"
    message = get_message(database, tenant.id, message_id)
    assert message.delivery_status is DeliveryStatus.SENT
    assert message.external_id == f"loopback-{message_id}"
    assert message.delivered_at is not None
    assert receipts(database, tenant.id, job_id) == 1


def test_redelivered_job_does_not_send_again(
    database: Database, tenant: TenantHandle, embedded: EmbeddedWorkers, outbound_dir: Path
) -> None:
    inbound = ingest_committed(database, inbound_email(tenant.id, "ann@example.com", "<a1@m>"))
    message_id, job_id = queue_reply(database, tenant.id, inbound.conversation_id, "Done!")
    embedded.join_idle(IDLE_TIMEOUT)
    (outbound_dir / f"{message_id}.json").unlink()

    twin = embedded.broker.get_actor(DELIVER_ACTOR).message(
        str(job_id), str(tenant.id), {"message_id": str(message_id)}
    )
    embedded.broker.enqueue(twin)
    embedded.join_idle(IDLE_TIMEOUT)

    assert list(outbound_dir.iterdir()) == []  # the adapter was not called again
    assert receipts(database, tenant.id, job_id) == 1
    assert get_message(database, tenant.id, message_id).delivery_status is DeliveryStatus.SENT


def test_permanent_failure_marks_the_reply_failed_without_retrying(
    database: Database, tenant: TenantHandle, embedded: EmbeddedWorkers
) -> None:
    register_adapter(BouncingAdapter())
    inbound = ingest_committed(database, inbound_email(tenant.id, "ann@example.com", "<a1@m>"))
    message_id, job_id = queue_reply(database, tenant.id, inbound.conversation_id, "Hi")
    embedded.join_idle(IDLE_TIMEOUT)

    message = get_message(database, tenant.id, message_id)
    assert message.delivery_status is DeliveryStatus.FAILED
    assert message.delivery_error == "550 no such mailbox"
    failed = events_of_type(database, tenant.id, inbound.conversation_id, EventType.DELIVERY_FAILED)
    assert [event.data for event in failed] == [
        {"message_id": str(message_id), "reason": "550 no such mailbox", "permanent": True}
    ]
    assert receipts(database, tenant.id, job_id) == 1


def test_transient_failure_is_retried_until_sent(
    database: Database, tenant: TenantHandle, embedded: EmbeddedWorkers, outbound_dir: Path
) -> None:
    adapter = FlakyAdapter(outbound_dir, failures=1)
    register_adapter(adapter)
    inbound = ingest_committed(database, inbound_email(tenant.id, "ann@example.com", "<a1@m>"))
    message_id, job_id = queue_reply(database, tenant.id, inbound.conversation_id, "Hi")
    embedded.join_idle(IDLE_TIMEOUT)

    assert adapter.attempts == 2
    assert get_message(database, tenant.id, message_id).delivery_status is DeliveryStatus.SENT
    assert receipts(database, tenant.id, job_id) == 1
    assert not events_of_type(
        database, tenant.id, inbound.conversation_id, EventType.DELIVERY_FAILED
    )


def test_transient_failure_on_the_last_attempt_marks_the_reply_failed(
    installed_database: Database, tenant: TenantHandle, outbound_dir: Path
) -> None:
    database = installed_database
    register_adapter(FlakyAdapter(outbound_dir, failures=100))
    inbound = ingest_committed(database, inbound_email(tenant.id, "ann@example.com", "<a1@m>"))
    message_id, job_id = queue_reply(database, tenant.id, inbound.conversation_id, "Hi")

    # Called outside a worker there is no retry to come, as on the last attempt.
    deliver_message(str(job_id), str(tenant.id), {"message_id": str(message_id)})

    message = get_message(database, tenant.id, message_id)
    assert message.delivery_status is DeliveryStatus.FAILED
    failed = events_of_type(database, tenant.id, inbound.conversation_id, EventType.DELIVERY_FAILED)
    assert [event.data["permanent"] for event in failed] == [False]
    assert receipts(database, tenant.id, job_id) == 1


def test_join_idle_returns_when_nothing_is_pending(embedded: EmbeddedWorkers) -> None:
    embedded.join_idle(IDLE_TIMEOUT)
    embedded.join_idle(0.5)


def test_job_for_a_missing_message_fails_at_once_without_retries(
    database: Database, tenant: TenantHandle, embedded: EmbeddedWorkers
) -> None:
    with database.tenant_unit(tenant.id) as session:
        job_id = outbox.enqueue(
            session, actor=DELIVER_ACTOR, payload={"message_id": str(uuid.uuid4())}
        )
    outbox.notify_relay()
    embedded.join_idle(IDLE_TIMEOUT)  # a retry would sit in the delay queue for seconds

    assert isinstance(embedded.broker, StubBroker)
    assert [m.args[0] for m in embedded.broker.dead_letters] == [str(job_id)]
    assert receipts(database, tenant.id, job_id) == 0
