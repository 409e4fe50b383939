"""The normalized inbound message: what every channel adapter hands to ``ingest``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.models.channel import Channel
from core.models.contact import IdentityKind


@dataclass(frozen=True, slots=True)
class InboundAttachment:
    """An attachment already written to storage; the database keeps only the reference."""

    filename: str
    content_type: str
    size: int
    storage_key: str

    def as_json(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "storage_key": self.storage_key,
        }


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One customer message, channel-neutral.

    ``external_id`` is the provider's own id (Message-ID, call sid, post id): redelivery of the
    same id is a no-op. Thread hints, strongest first: ``references`` (ids of earlier messages
    this one answers), ``conversation_number`` (a reference the customer quoted), then the
    contact's open conversation on the same channel (any channel if ``thread_any_channel``).
    """

    tenant_id: uuid.UUID
    channel: Channel
    sender_kind: IdentityKind
    sender: str
    external_id: str
    text: str = ""
    html: str | None = None
    subject: str = ""
    sender_name: str | None = None
    sent_at: datetime | None = None
    attachments: tuple[InboundAttachment, ...] = ()
    references: tuple[str, ...] = ()
    conversation_number: int | None = None
    thread_any_channel: bool = False
    language: str | None = None
    category: str | None = None
    phone_region: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
