"""The channel adapter interface: provider traffic in, replies out.

An adapter knows one provider's wire format and nothing about business rules. Inbound, it
turns a raw delivery into core's ``InboundMessage``; ``core.intake.receive`` stores the raw
bytes first, then parses and ingests. Outbound, the delivery worker hands it an
``OutboundMessage`` and records the receipt.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from core.inbound import InboundMessage
from core.models.channel import Channel
from core.outbound import DeliveryError, DeliveryReceipt, OutboundMessage

__all__ = [
    "ChannelAdapter",
    "DeliveryError",
    "DeliveryReceipt",
    "InboundParseError",
    "OutboundMessage",
]


class InboundParseError(ValueError):
    """The raw delivery cannot become a message at all; the raw record keeps it for a person."""


class ChannelAdapter(Protocol):
    """What every channel package provides."""

    channel: Channel

    def parse(self, tenant_id: uuid.UUID, payload: bytes, content_type: str) -> InboundMessage:
        """Turn one raw delivery into a normalized message; raise InboundParseError if hopeless."""
        ...

    def send(self, message: OutboundMessage) -> DeliveryReceipt:
        """Deliver one reply; raise DeliveryError on failure."""
        ...
