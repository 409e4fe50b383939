"""The transactional outbox: enqueue jobs inside the domain transaction, relay them after.

Delivery to the broker is at-least-once (a relay that dies between send and mark sends again);
actors make that exactly-once in effect with a JobReceipt written in their own transaction.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.db import session_tenant
from core.ids import new_id
from core.models.outbox import JobReceipt, OutboxJob
from core.statements import INSERT_OUTBOX, insert_row

_wakeup = threading.Event()


@dataclass(frozen=True, slots=True)
class PendingJob:
    """A job read from the outbox, ready to hand to the broker."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    actor: str
    payload: dict[str, Any]
    created_at: datetime


def enqueue(session: Session, *, actor: str, payload: dict[str, Any]) -> uuid.UUID:
    """Write a job to the outbox in the caller's transaction (no commit); returns the job id."""
    job_id = new_id()
    insert_row(
        session,
        INSERT_OUTBOX,
        {
            "id": job_id,
            "created_at": utcnow(),
            "actor": actor,
            "payload": payload,
            "dispatched_at": None,
            "dispatch_attempts": 0,
        },
    )
    return job_id


def notify_relay() -> None:
    """Tell an in-process relay that new jobs were committed (it polls anyway)."""
    _wakeup.set()


def wait_for_jobs(timeout: float) -> None:
    """Block until notified or the timeout passes (the relay's poll loop)."""
    _wakeup.wait(timeout)
    _wakeup.clear()


def claim_pending(
    session: Session, *, limit: int, actors: Collection[str] | None = None
) -> list[PendingJob]:
    """Undispatched jobs, oldest first, locked against other relays where the backend can.

    ``actors`` narrows the claim to jobs this relay's workers can run; the others wait for a
    relay that knows them (a newer release, say) instead of filling every batch.
    """
    query = (
        sa.select(
            col(OutboxJob.id),
            col(OutboxJob.tenant_id),
            col(OutboxJob.actor),
            col(OutboxJob.payload),
            col(OutboxJob.created_at),
        )
        .where(col(OutboxJob.dispatched_at).is_(None))
        .order_by(col(OutboxJob.created_at))
        .limit(limit)
    )
    if actors is not None:
        query = query.where(col(OutboxJob.actor).in_(actors))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [PendingJob(*row) for row in session.execute(query).all()]


def mark_dispatched(
    session: Session, jobs: list[PendingJob], *, at: datetime | None = None
) -> None:
    """Record that the broker accepted these jobs (no commit)."""
    if not jobs:
        return
    session.execute(
        sa.update(OutboxJob)
        .where(col(OutboxJob.id).in_([job.id for job in jobs]))
        .values(
            dispatched_at=at or utcnow(), dispatch_attempts=col(OutboxJob.dispatch_attempts) + 1
        )
    )


def already_done(session: Session, job_id: uuid.UUID) -> bool:
    """Whether a job's effect has committed before (a redelivery); tenant-scoped."""
    query = sa.select(col(JobReceipt.id)).where(col(JobReceipt.id) == job_id)
    return session.execute(query).first() is not None


def record_done(
    session: Session, *, job_id: uuid.UUID, actor: str, result: dict[str, Any] | None = None
) -> None:
    """Write the receipt in the same transaction as the job's effect (no commit)."""
    session.execute(
        sa.insert(JobReceipt).values(
            tenant_id=session_tenant(session),
            id=job_id,
            created_at=utcnow(),
            actor=actor,
            result=result or {},
        )
    )
