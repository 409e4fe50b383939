"""Receiving raw provider traffic: persist first, then parse and ingest, never drop.

The raw bytes are committed before parsing, so a parser bug or a crash can lose nothing: the
record stays ``received`` (to be retried) or becomes ``rejected`` with the reason, for a person
to read. Every rejection is logged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.db import Database
from core.errors import DomainError
from core.inbound import InboundMessage
from core.ingest import IngestResult, ingest_committed
from core.metrics import INBOUND_MESSAGES
from core.models.channel import Channel
from core.models.inbound_record import InboundRecord, InboundState

log = structlog.get_logger(__name__)


class InboundParser(Protocol):
    channel: Channel

    def parse(self, tenant_id: uuid.UUID, payload: bytes, content_type: str) -> InboundMessage: ...


@dataclass(frozen=True, slots=True)
class IntakeOutcome:
    record_id: uuid.UUID
    state: InboundState
    result: IngestResult | None = None
    reason: str | None = None


def receive(
    database: Database,
    parser: InboundParser,
    *,
    tenant_id: uuid.UUID,
    payload: bytes,
    content_type: str,
) -> IntakeOutcome:
    """Store, parse and ingest one delivery; returns what happened, raises only on DB failure."""
    with database.tenant_unit(tenant_id) as session:
        record = InboundRecord(channel=parser.channel, content_type=content_type, payload=payload)
        session.add(record)
    try:
        message = parser.parse(tenant_id, payload, content_type)
        result = ingest_committed(database, message)
    except (DomainError, ValueError) as exc:
        reason = f"{type(exc).__name__}: {exc}"[:1000]
        log.warning(
            "intake.rejected", tenant_id=str(tenant_id), record_id=str(record.id), reason=reason
        )
        INBOUND_MESSAGES.labels(parser.channel.value, "rejected").inc()
        finish_record(database, tenant_id, record.id, InboundState.REJECTED, reason=reason)
        return IntakeOutcome(record.id, InboundState.REJECTED, reason=reason)
    state = InboundState.DUPLICATE if result.duplicate else InboundState.INGESTED
    finish_record(database, tenant_id, record.id, state, message_id=result.message_id)
    return IntakeOutcome(record.id, state, result=result)


def finish_record(
    database: Database,
    tenant_id: uuid.UUID,
    record_id: uuid.UUID,
    state: InboundState,
    *,
    reason: str | None = None,
    message_id: uuid.UUID | None = None,
) -> None:
    """Record what became of a stored delivery, in its own transaction (commits)."""
    with database.tenant_unit(tenant_id) as session:
        mark_record(session, record_id, state, reason=reason, message_id=message_id)


def mark_record(
    session: Session,
    record_id: uuid.UUID,
    state: InboundState,
    *,
    reason: str | None = None,
    message_id: uuid.UUID | None = None,
) -> None:
    """Record what became of a stored delivery in the caller's transaction (no commit)."""
    session.execute(
        sa.update(InboundRecord)
        .where(col(InboundRecord.id) == record_id)
        .values(state=state, reason=reason, message_id=message_id, processed_at=utcnow())
    )
