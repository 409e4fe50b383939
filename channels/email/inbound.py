"""Receiving one email, however it came (SMTP listener, IMAP poller, raw-MIME webhook).

Guarantees: the raw bytes are committed as an InboundRecord (tenant = the mailbox's) before
anything parses them, and every record ends in a state with a reason a person can read:
``ingested``/``duplicate`` (a conversation message), ``bounce`` (our outbound message marked
failed, or an unknown bounce), ``auto_reply``, ``rate_limited`` (a sender over the loop limit),
``rejected`` (no usable From, over the mailbox's size). Only database failures raise; the
caller answers "try again" (SMTP 451, HTTP 5xx) and the record, if written, stays ``received``.

The Message's text is the new part of the mail (quoted history cut off by the parser); the
full text and every header stay in the raw record, linked through ``InboundRecord.message_id``.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
import structlog
from sqlmodel import col

from channels.email.acknowledgement import detect_language, queue_acknowledgement
from channels.email.parsing import ParsedEmail, parse_email
from core import delivery
from core import statements as st
from core.clock import utcnow
from core.db import Database
from core.ids import new_id
from core.inbound import InboundAttachment, InboundMessage
from core.ingest import ingest_committed
from core.intake import IntakeOutcome
from core.metrics import INBOUND_MESSAGES
from core.models.channel import Channel
from core.models.contact import IdentityKind
from core.models.inbound_record import InboundRecord, InboundState
from core.models.mailbox import Mailbox
from core.models.message import Message, MessageDirection
from core.settings import get_settings
from core.storage import BlobStore

log = structlog.get_logger(__name__)

CONTENT_TYPE = "message/rfc822"

__all__ = [
    "EmailLimits",
    "IntakeOutcome",
    "receive_email",
    "synthetic_message_id",
    "to_inbound_message",
]


@dataclass(frozen=True, slots=True)
class EmailLimits:
    """Loop protection: at most ``per_sender`` mails from one sender to one mailbox per window."""

    per_sender: int
    window: timedelta

    @classmethod
    def from_settings(cls) -> EmailLimits:
        settings = get_settings()
        return cls(
            per_sender=settings.email_sender_limit,
            window=timedelta(seconds=settings.email_sender_window_seconds),
        )


_record = InboundRecord.__table__  # type: ignore[attr-defined]
_message = Message.__table__  # type: ignore[attr-defined]
_INSERT_RECORD = sa.insert(_record)
_FINISH_VALUES: dict[str, Any] = {
    "state": sa.bindparam("state"),
    "reason": sa.bindparam("reason"),
    "message_id": sa.bindparam("message_id"),
    "processed_at": sa.bindparam("processed_at"),
}
_THIS_RECORD = (_record.c.tenant_id == st.TENANT) & (_record.c.id == sa.bindparam("record_id"))
_FINISH = sa.update(_record).where(_THIS_RECORD).values(**_FINISH_VALUES)
_FINISH_WITH_SENDER = (
    sa.update(_record).where(_THIS_RECORD).values(**_FINISH_VALUES, sender=sa.bindparam("sender"))
)
_SENDER_ACTIVITY = sa.select(
    sa.select(sa.func.count())
    .select_from(_record)
    .where(
        _record.c.tenant_id == st.TENANT,
        _record.c.mailbox_id == sa.bindparam("mailbox_id"),
        _record.c.sender == sa.bindparam("sender"),
        _record.c.created_at >= sa.bindparam("since", type_=_record.c.created_at.type),
    )
    .scalar_subquery()
    .label("earlier"),
    sa.select(_message.c.id)
    .where(
        _message.c.tenant_id == st.TENANT,
        _message.c.channel == Channel.EMAIL.value,
        _message.c.external_id == sa.bindparam("external_id"),
    )
    .scalar_subquery()
    .label("known"),
)


def synthetic_message_id(raw: bytes) -> str:
    """A stable Message-ID for mail that has none, so that redelivery stays idempotent."""
    return f"<sb-{hashlib.sha256(raw).hexdigest()[:40]}@synthetic.switchboard.invalid>"


def receive_email(
    database: Database,
    *,
    mailbox: Mailbox,
    raw: bytes,
    source: str,
    store: BlobStore,
    limits: EmailLimits | None = None,
) -> IntakeOutcome:
    """Store, classify and ingest one raw RFC 5322 message for one mailbox (commits).

    Idempotent per Message-ID: a redelivered mail gets a record of its own (state
    ``duplicate``) and no second conversation message, attachment blobs or acknowledgement.
    """
    tenant_id = mailbox.tenant_id
    limits = limits or EmailLimits.from_settings()
    record_id = new_id()
    with database.tenant_unit(tenant_id) as session:
        st.insert_row(
            session,
            _INSERT_RECORD,
            {
                "id": record_id,
                "created_at": utcnow(),
                "channel": Channel.EMAIL,
                "content_type": CONTENT_TYPE,
                "payload": raw,
                "state": InboundState.RECEIVED,
                "reason": None,
                "message_id": None,
                "processed_at": None,
                "mailbox_id": mailbox.id,
                "sender": None,
                "source": source[:32],
            },
        )
    if len(raw) > mailbox.max_message_bytes:
        reason = (
            f"message of {len(raw)} bytes exceeds the mailbox limit {mailbox.max_message_bytes}"
        )
        return _finish(database, mailbox, record_id, InboundState.REJECTED, reason=reason)

    parsed = parse_email(raw)
    sender = (parsed.from_address or "").strip().lower() or None
    if parsed.is_bounce:
        return _bounce(database, mailbox, record_id, parsed, sender)
    if sender is None or "@" not in sender:
        return _finish(database, mailbox, record_id, InboundState.REJECTED, reason="no usable From")

    external_id = parsed.message_id or synthetic_message_id(raw)
    recent, known = _sender_activity(database, mailbox, sender, external_id, limits)
    done = functools.partial(_finish, database, mailbox, record_id, sender=sender)
    if known is not None:
        return done(InboundState.DUPLICATE, message_id=known)
    if recent > limits.per_sender:
        reason = f"{recent} mails from {sender} within {limits.window}; limit {limits.per_sender}"
        return done(InboundState.RATE_LIMITED, reason=reason)
    if parsed.auto_submitted:
        return done(InboundState.AUTO_REPLY, reason="auto-submitted")

    message = _inbound_message(mailbox, parsed, sender, external_id, store)
    result = ingest_committed(database, message)
    state = InboundState.DUPLICATE if result.duplicate else InboundState.INGESTED
    outcome = done(state, message_id=result.message_id)
    if result.created_conversation and mailbox.acknowledge_new:
        queue_acknowledgement(database, tenant_id=tenant_id, conversation_id=result.conversation_id)
    return IntakeOutcome(outcome.record_id, state, result=result)


def _inbound_message(
    mailbox: Mailbox, parsed: ParsedEmail, sender: str, external_id: str, store: BlobStore
) -> InboundMessage:
    """The normalized message; attachments are written to the blob store first."""
    attachments = tuple(
        InboundAttachment(
            filename=part.filename,
            content_type=part.content_type,
            size=len(part.data),
            storage_key=store.put(
                tenant_id=mailbox.tenant_id, filename=part.filename, data=part.data
            ),
        )
        for part in parsed.attachments
    )
    return to_inbound_message(
        mailbox.tenant_id,
        parsed,
        sender=sender,
        external_id=external_id,
        attachments=attachments,
        metadata={"mailbox": mailbox.address, "full_text": parsed.text},
    )


def to_inbound_message(
    tenant_id: uuid.UUID,
    parsed: ParsedEmail,
    *,
    sender: str,
    external_id: str,
    attachments: tuple[InboundAttachment, ...] = (),
    metadata: dict[str, Any] | None = None,
) -> InboundMessage:
    """A parsed mail as core's normalized message: the one mapping every email path uses."""
    text = (parsed.new_text.strip() and parsed.new_text) or parsed.text
    return InboundMessage(
        tenant_id=tenant_id,
        channel=Channel.EMAIL,
        sender_kind=IdentityKind.EMAIL,
        sender=sender,
        external_id=external_id[:512],
        text=text,
        html=parsed.html,
        subject=parsed.subject[:500],
        sender_name=parsed.from_name,
        sent_at=parsed.date,
        attachments=attachments,
        references=_thread_references(parsed),
        conversation_number=parsed.conversation_number,
        language=detect_language(f"{parsed.subject}\n{text}"),
        metadata=metadata or {},
    )


def _thread_references(parsed: ParsedEmail) -> tuple[str, ...]:
    """Newest first (ingest uses the first as in_reply_to): In-Reply-To, then References."""
    ordered = [parsed.in_reply_to] if parsed.in_reply_to else []
    ordered += [ref for ref in reversed(parsed.references) if ref != parsed.in_reply_to]
    return tuple(ref[:512] for ref in ordered)


def _sender_activity(
    database: Database, mailbox: Mailbox, sender: str, external_id: str, limits: EmailLimits
) -> tuple[int, uuid.UUID | None]:
    """Count the sender's records in the window (this one included: it is stamped with the
    sender only when finished) and look for an ingested twin — one round trip, two index reads."""
    with database.tenant_session(mailbox.tenant_id) as session:
        row = st.run(
            session,
            _SENDER_ACTIVITY,
            {
                "mailbox_id": mailbox.id,
                "sender": sender[:320],
                "since": utcnow() - limits.window,
                "external_id": external_id[:512],
            },
        ).one()
    return int(row.earlier) + 1, row.known


def _bounce(
    database: Database,
    mailbox: Mailbox,
    record_id: uuid.UUID,
    parsed: ParsedEmail,
    sender: str | None,
) -> IntakeOutcome:
    """A delivery report: our outbound message it names is marked failed for good."""
    reason = parsed.bounce_reason or "bounced"
    with database.tenant_unit(mailbox.tenant_id) as session:
        target = None
        if parsed.bounced_message_id:
            target = session.execute(
                sa.select(col(Message.id)).where(
                    col(Message.channel) == Channel.EMAIL,
                    col(Message.direction) == MessageDirection.OUTBOUND,
                    col(Message.external_id) == parsed.bounced_message_id,
                )
            ).scalar_one_or_none()
        if target is not None:
            delivery.record_failed(
                session, message_id=target, reason=f"bounce: {reason}", permanent=True
            )
    if target is None:
        log.warning(
            "email.unknown_bounce",
            tenant_id=str(mailbox.tenant_id),
            record_id=str(record_id),
            bounced_message_id=parsed.bounced_message_id,
        )
        reason = (
            f"unknown bounce ({parsed.bounced_message_id or 'no original Message-ID'}): {reason}"
        )
    return _finish(
        database,
        mailbox,
        record_id,
        InboundState.BOUNCE,
        reason=reason,
        message_id=target,
        sender=sender,
    )


def _finish(
    database: Database,
    mailbox: Mailbox,
    record_id: uuid.UUID,
    state: InboundState,
    *,
    reason: str | None = None,
    message_id: uuid.UUID | None = None,
    sender: str | None = None,
) -> IntakeOutcome:
    """Record what became of the mail (commits); everything but ingestion is logged."""
    values: dict[str, object] = {
        "state": state,
        "reason": reason[:1000] if reason else None,
        "message_id": message_id,
        "processed_at": utcnow(),
    }
    if sender is not None:
        values["sender"] = sender[:320]
    values.setdefault("sender", None)
    statement = _FINISH_WITH_SENDER if values["sender"] is not None else _FINISH
    with database.tenant_unit(mailbox.tenant_id) as session:
        st.run(session, statement, {"record_id": record_id, **values})
    if state not in (InboundState.INGESTED, InboundState.DUPLICATE):
        log_event = log.warning if state is InboundState.REJECTED else log.info
        log_event(
            f"email.{state.value}",
            tenant_id=str(mailbox.tenant_id),
            mailbox=mailbox.address,
            record_id=str(record_id),
            reason=reason,
        )
        INBOUND_MESSAGES.labels(Channel.EMAIL.value, state.value).inc()
    return IntakeOutcome(record_id, state, reason=reason)
