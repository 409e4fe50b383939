"""Telling people and systems: mail notices to staff through the email adapter, and signed
webhook POSTs, for SLA breaches, public-opinion alerts and incidents."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from channels.registry import adapter_for
from core import outbox
from core.db import get_database
from core.models.channel import Channel
from core.models.contact import IdentityKind
from core.outbound import DeliveryError, OutboundMessage
from core.webhooks import WebhookError, WebhookTarget, post_webhook

NO_CONVERSATION = uuid.UUID(int=0)


def mail_notice(
    job: uuid.UUID,
    tenant: uuid.UUID,
    *,
    recipient: str,
    subject: str,
    text: str,
    kind: str,
    conversation_id: uuid.UUID | None = None,
    conversation_number: int = 0,
) -> str:
    """The outcome for one recipient: "sent", or why not; transient failures raise for a retry.

    The message id is derived from the job and the recipient, so a retried job is the same
    message to the adapter (its idempotency key).
    """
    try:
        adapter = adapter_for(Channel.EMAIL)
    except KeyError:
        return "not sent: no email adapter in this process"
    message = OutboundMessage(
        tenant_id=tenant,
        message_id=uuid.uuid5(job, recipient),
        conversation_id=conversation_id or NO_CONVERSATION,
        conversation_number=conversation_number,
        channel=Channel.EMAIL,
        recipient_kind=IdentityKind.EMAIL,
        recipient=recipient,
        subject=subject,
        text=text,
        metadata={"kind": kind, "notice": True},
    )
    try:
        adapter.send(message)
    except DeliveryError as exc:
        if not exc.permanent:
            raise
        return f"not sent: {exc}"
    return "sent"


def deliver_webhook(
    job_id: str,
    tenant_id: str,
    *,
    actor: str,
    body: dict[str, Any],
    target: Callable[[Session], WebhookTarget | None],
) -> None:
    """One webhook job: look the target up (when sending, so a changed secret is used at
    once), POST ``body`` signed, record the outcome with the job's receipt. Transient failures
    raise for the broker's retry; permanent ones and a vanished target are recorded."""
    job, tenant = uuid.UUID(job_id), uuid.UUID(tenant_id)
    database = get_database()
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            return
        where = target(session)
    if where is None:
        result: dict[str, Any] = {"skipped": "no webhook configured any more"}
    else:
        try:
            result = {"status": post_webhook(where, body, delivery_id=job_id)}
        except WebhookError as exc:
            if not exc.permanent:
                raise
            result = {"failed": str(exc)}
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            return
        outbox.record_done(session, job_id=job, actor=actor, result=result)
