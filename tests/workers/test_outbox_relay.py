"""The outbox relay: every committed job reaches the broker, once per relay pass, never lost."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from queue import Empty

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from structlog.testing import capture_logs

from core import outbox
from core.conversations import ROUTE_ACTOR
from core.db import Database
from tests.conftest import TenantHandle
from tests.workers.factories import dispatch_states
from workers.broker import make_broker
from workers.relay import OutboxRelay, relay_once

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def enqueue_jobs(
    database: Database, tenant: TenantHandle, count: int, *, actor: str = ROUTE_ACTOR
) -> set[uuid.UUID]:
    with database.tenant_unit(tenant.id) as session:
        return {
            outbox.enqueue(session, actor=actor, payload={"conversation_id": str(uuid.uuid4())})
            for _ in range(count)
        }


def drain_job_ids(broker: StubBroker, actor: str) -> list[uuid.UUID]:
    """Job ids of the messages waiting for ``actor``, taking them off the queue."""
    queue = broker.queues[broker.get_actor(actor).queue_name]
    job_ids: list[uuid.UUID] = []
    while True:
        try:
            message = dramatiq.Message.decode(queue.get_nowait())
        except Empty:
            return job_ids
        job_ids.append(uuid.UUID(message.args[0]))


def test_two_relays_dispatch_every_job_exactly_once(
    database: Database, tenant: TenantHandle
) -> None:
    job_ids = enqueue_jobs(database, tenant, 300)
    broker = make_broker(None)
    assert isinstance(broker, StubBroker)
    start = threading.Barrier(2)
    dispatched_by: dict[str, int] = {}

    def relay(name: str) -> None:
        start.wait(timeout=10)
        total = 0
        while batch := relay_once(database, broker, batch_size=7):
            total += batch
        dispatched_by[name] = total

    threads = [threading.Thread(target=relay, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    sent = Counter(job_id for job_id in drain_job_ids(broker, ROUTE_ACTOR) if job_id in job_ids)
    assert set(sent) == job_ids
    assert set(sent.values()) == {1}
    assert set(dispatch_states(database, job_ids)) == {(True, 1)}
    if database.backend == "postgresql":  # SKIP LOCKED lets both work at once
        assert dispatched_by["a"] > 0 and dispatched_by["b"] > 0


def test_jobs_for_unknown_actors_wait_for_a_relay_that_knows_them(
    database: Database, tenant: TenantHandle
) -> None:
    unknown = enqueue_jobs(database, tenant, 1, actor="sweep_something_later")
    known = enqueue_jobs(database, tenant, 1)
    broker = make_broker(None)
    while relay_once(database, broker, batch_size=50):
        pass

    assert dispatch_states(database, unknown) == [(False, 0)]
    assert dispatch_states(database, known) == [(True, 1)]


def test_broker_outage_leaves_jobs_undispatched(database: Database, tenant: TenantHandle) -> None:
    job_ids = enqueue_jobs(database, tenant, 3)
    with pytest.raises(Exception, match="onnect"):
        relay_once(database, make_broker(UNREACHABLE_BROKER), batch_size=50)
    assert set(dispatch_states(database, job_ids)) == {(False, 0)}


def test_relay_thread_keeps_retrying_through_a_broker_outage(
    database: Database, tenant: TenantHandle
) -> None:
    enqueue_jobs(database, tenant, 1)
    relay = OutboxRelay(database, make_broker(UNREACHABLE_BROKER), poll_seconds=0.05)
    with capture_logs() as logs:
        relay.start()
        deadline = time.monotonic() + 10
        while sum(entry["event"] == "relay.failed" for entry in logs) < 2:
            assert time.monotonic() < deadline, "the relay did not retry"
            time.sleep(0.05)
        relay.stop(timeout=5)
    failures = [entry for entry in logs if entry["event"] == "relay.failed"]
    assert [entry["retry_in_seconds"] for entry in failures[:2]] == [0.5, 1.0]
    assert logs[-1]["event"] == "relay.stopped"
