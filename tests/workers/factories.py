"""Small factories for worker tests: inbound messages, queues, replies waiting to be sent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from core import outbox
from core.db import Database
from core.inbound import InboundMessage
from core.models import (
    Channel,
    ConversationEvent,
    DeliveryStatus,
    EventType,
    IdentityKind,
    JobReceipt,
    Message,
    MessageDirection,
    OutboxJob,
    Queue,
    Tier,
)
from core.outbound import DELIVER_ACTOR
from workers import kpi_actors
from workers.embedded import ALL_PERIODIC, EmbeddedWorkers

SHARED_DATABASE_PERIODIC = tuple(task for task in ALL_PERIODIC if task not in kpi_actors.PERIODIC)
"""Periodic work for workers on the suite's shared database. The KPI refresh visits every
tenant the suite has made, thousands by then; on SQLite its back-to-back write transactions
starve the relay and the worker threads. tests/kpis runs it on a database of its own."""


@contextmanager
def running_workers(database: Database, **options: Any) -> Iterator[EmbeddedWorkers]:
    """Embedded workers on the shared database, stopped however the block ends (a fixture
    that fails while they start must not leave a relay draining later tests' outboxes)."""
    workers = EmbeddedWorkers(
        database, threads=2, relay_poll_seconds=0.05, periodic=SHARED_DATABASE_PERIODIC, **options
    )
    workers.start()
    try:
        yield workers
    finally:
        workers.stop()


def inbound_email(
    tenant_id: uuid.UUID, sender: str, external_id: str, **extra: object
) -> InboundMessage:
    return InboundMessage(
        tenant_id=tenant_id,
        channel=Channel.EMAIL,
        sender_kind=IdentityKind.EMAIL,
        sender=sender,
        external_id=external_id,
        text=str(extra.pop("text", "hello")),
        **extra,  # type: ignore[arg-type]
    )


def add_queue(
    database: Database,
    tenant_id: uuid.UUID,
    *,
    name: str,
    channels: Sequence[Channel],
    tier: Tier = Tier.L1,
    active: bool = True,
) -> uuid.UUID:
    with database.tenant_unit(tenant_id) as session:
        queue = Queue(name=name, tier=tier, channels=[c.value for c in channels], active=active)
        session.add(queue)
        session.flush()
        return queue.id


def queue_reply(
    database: Database, tenant_id: uuid.UUID, conversation_id: uuid.UUID, text: str
) -> tuple[uuid.UUID, uuid.UUID]:
    """An agent's reply and its deliver job, committed together as the reply service would."""
    with database.tenant_unit(tenant_id) as session:
        message = Message(
            conversation_id=conversation_id,
            direction=MessageDirection.OUTBOUND,
            channel=Channel.EMAIL,
            text=text,
            delivery_status=DeliveryStatus.QUEUED,
        )
        session.add(message)
        session.flush()
        job_id = outbox.enqueue(
            session, actor=DELIVER_ACTOR, payload={"message_id": str(message.id)}
        )
        message_id = message.id
    outbox.notify_relay()
    return message_id, job_id


def get_message(database: Database, tenant_id: uuid.UUID, message_id: uuid.UUID) -> Message:
    with database.tenant_session(tenant_id) as session:
        return session.get_one(Message, (tenant_id, message_id))


def receipts(database: Database, tenant_id: uuid.UUID, job_id: uuid.UUID) -> int:
    with database.tenant_session(tenant_id) as session:
        query = sa.select(sa.func.count()).where(col(JobReceipt.id) == job_id)
        return int(session.execute(query).scalar_one())


def events_of_type(
    database: Database, tenant_id: uuid.UUID, conversation_id: uuid.UUID, type: EventType
) -> list[ConversationEvent]:
    with database.tenant_session(tenant_id) as session:
        query = sa.select(ConversationEvent).where(
            col(ConversationEvent.conversation_id) == conversation_id,
            col(ConversationEvent.type) == type,
        )
        return list(session.execute(query).scalars())


def dispatch_states(database: Database, job_ids: set[uuid.UUID]) -> list[tuple[bool, int]]:
    """For each job: whether the relay marked it dispatched, and how often it was."""
    with database.system_session() as session:
        rows = session.execute(
            sa.select(col(OutboxJob.dispatched_at), col(OutboxJob.dispatch_attempts)).where(
                col(OutboxJob.id).in_(job_ids)
            )
        ).all()
    return [(dispatched_at is not None, attempts) for dispatched_at, attempts in rows]
