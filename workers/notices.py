"""Mail notices to staff (SLA breaches, public-opinion alerts) through the email adapter."""

from __future__ import annotations

import uuid

from channels.registry import adapter_for
from core.models.channel import Channel
from core.models.contact import IdentityKind
from core.outbound import DeliveryError, OutboundMessage

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
