"""Raw voice webhooks, kept with what they did (``core.intake``'s rule: nothing is dropped).

Each webhook's form body is stored as an InboundRecord in the same transaction as its effect,
marked with what became of it (ingested, duplicate); a webhook whose step fails is stored
rejected, with the reason, in a transaction of its own. One commit per webhook keeps the
incoming-call webhook fast; what a crash between receipt and commit could lose is a webhook
the provider saw fail (no 200), which it retries or sends to the fallback URL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.orm import Session

from core.calls import statements as cs
from core.clock import utcnow
from core.db import Database, session_tenant
from core.ids import new_id
from core.metrics import INBOUND_MESSAGES
from core.models.channel import Channel
from core.models.inbound_record import InboundState

log = structlog.get_logger(__name__)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
OUTCOMES = {InboundState.DUPLICATE: "duplicate", InboundState.REJECTED: "rejected"}


@dataclass(frozen=True, slots=True)
class RawWebhook:
    """One webhook as delivered: its form body and where it came from."""

    payload: bytes
    source: str
    sender: str | None
    remote_addr: str | None
    received_at: datetime


def store(
    session: Session,
    *,
    raw: RawWebhook,
    state: InboundState,
    reason: str | None = None,
    message_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Keep the webhook with its outcome, in the caller's transaction; the record's id."""
    record_id = new_id()
    session.connection().execute(
        cs.INSERT_RECORD,
        {
            "tenant_id": session_tenant(session),
            "id": record_id,
            "created_at": raw.received_at,
            "channel": Channel.PHONE,
            "content_type": FORM_CONTENT_TYPE,
            "payload": raw.payload,
            "state": state,
            "reason": reason[:1000] if reason else None,
            "message_id": message_id,
            "processed_at": utcnow(),
            "mailbox_id": None,
            "sender": (raw.sender or "")[:320] or None,
            "source": raw.source[:32],
            "remote_addr": (raw.remote_addr or "")[:45] or None,
        },
    )
    INBOUND_MESSAGES.labels(Channel.PHONE.value, OUTCOMES.get(state, "stored")).inc()
    return record_id


def store_rejected(
    database: Database, *, tenant_id: uuid.UUID, raw: RawWebhook, reason: str
) -> uuid.UUID:
    """The step failed: keep the webhook, rejected with the reason, and log it."""
    with database.tenant_unit(tenant_id) as session:
        record_id = store(session, raw=raw, state=InboundState.REJECTED, reason=reason)
    log.warning(
        "voice.webhook_rejected",
        tenant_id=str(tenant_id),
        record_id=str(record_id),
        source=raw.source,
        reason=reason,
    )
    return record_id
