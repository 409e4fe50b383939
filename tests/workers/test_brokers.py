"""Brokers by URL, and a reply travelling through real Redis and RabbitMQ in this process."""

from __future__ import annotations

from pathlib import Path

import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from core.conversations import ROUTE_ACTOR
from core.db import Database
from core.ingest import ingest_committed
from core.models import DeliveryStatus
from core.outbound import DELIVER_ACTOR
from tests.conftest import TenantHandle
from tests.workers.conftest import RABBITMQ_URL, REDIS_URL, wait_until
from tests.workers.factories import (
    get_message,
    inbound_email,
    queue_reply,
    receipts,
    running_workers,
)
from workers.actors import ACTORS
from workers.broker import make_broker


@pytest.mark.parametrize(
    ("url", "broker_class"),
    [
        (None, StubBroker),
        ("redis://127.0.0.1:6379/0", RedisBroker),
        ("amqp://guest:guest@127.0.0.1:5672", RabbitmqBroker),
    ],
)
def test_broker_follows_the_url_and_declares_every_actor(
    url: str | None, broker_class: type
) -> None:
    broker = make_broker(url, namespace="ns")
    assert isinstance(broker, broker_class)
    assert broker.get_declared_actors() == {spec.name for spec in ACTORS}
    assert {ROUTE_ACTOR, DELIVER_ACTOR, "route_agent"} <= broker.get_declared_actors()
    assert broker.get_actor(DELIVER_ACTOR).queue_name == "ns.delivery"
    assert broker.get_actor(DELIVER_ACTOR).options["max_retries"] > 0


def test_unknown_broker_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="redis:// or amqp://"):
        make_broker("kafka://127.0.0.1:9092")


@pytest.mark.parametrize("broker_kind", ["rabbitmq", "redis"])
def test_reply_is_delivered_through_a_real_broker(
    broker_kind: str,
    request: pytest.FixtureRequest,
    installed_database: Database,
    tenant: TenantHandle,
    outbound_dir: Path,
) -> None:
    database = installed_database
    namespace = request.getfixturevalue(f"{broker_kind}_namespace")
    url = RABBITMQ_URL if broker_kind == "rabbitmq" else REDIS_URL
    broker = make_broker(url, namespace=namespace)
    inbound = ingest_committed(database, inbound_email(tenant.id, "ann@example.com", "<a1@m>"))
    message_id, job_id = queue_reply(database, tenant.id, inbound.conversation_id, "Hi")

    try:
        with running_workers(database, broker=broker):
            wait_until(lambda: receipts(database, tenant.id, job_id), timeout=15, what="delivery")
    finally:
        broker.close()

    assert receipts(database, tenant.id, job_id) == 1
    assert get_message(database, tenant.id, message_id).delivery_status is DeliveryStatus.SENT
    assert (outbound_dir / f"{message_id}.json").exists()
