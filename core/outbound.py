"""The outbound half of the channel contract: what a reply looks like to an adapter.

Defined in core so that core's delivery service can build and record it without importing
channels/; channels/base.py re-exports these for adapters.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from core.models.channel import Channel
from core.models.contact import IdentityKind
from core.models.message import DeliveryStatus

DELIVER_ACTOR = "deliver_message"


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """An agent's reply, with what a provider needs to thread it on the customer's side.

    ``message_id`` doubles as the idempotency key: sending the same one twice must not reach
    the customer twice where the provider can prevent it.
    """

    tenant_id: uuid.UUID
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    conversation_number: int
    channel: Channel
    recipient_kind: IdentityKind
    recipient: str
    subject: str
    text: str
    html: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """What the provider answered: its id for the message, and how far it got."""

    external_id: str | None
    status: DeliveryStatus = DeliveryStatus.SENT


class DeliveryError(Exception):
    """Sending failed; ``permanent`` failures are not retried (a bad address, say)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent
