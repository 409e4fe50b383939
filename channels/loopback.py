"""A loopback adapter: JSON in, files out. It proves the interface and stands in for a
channel whose real adapter a process does not run (the demo, before a provider is set up).

Inbound payload: ``{"from": ..., "from_kind": "email", "id": ..., "text": ..., "subject": ...,
"name": ..., "in_reply_to": ...}``. Outbound: one JSON file per message id under ``directory``,
written atomically, so a resend replaces rather than duplicates (provider-side idempotency).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from channels.base import DeliveryError, DeliveryReceipt, InboundParseError, OutboundMessage
from core.inbound import InboundMessage
from core.models.channel import Channel
from core.models.contact import IdentityKind
from core.models.message import DeliveryStatus


class LoopbackAdapter:
    """Serves one channel; what it sends lands in ``directory``."""

    def __init__(self, channel: Channel, directory: Path) -> None:
        self.channel = channel
        self.directory = directory

    def parse(self, tenant_id: uuid.UUID, payload: bytes, content_type: str) -> InboundMessage:
        try:
            data: dict[str, Any] = json.loads(payload)
            kind = IdentityKind(data.get("from_kind", IdentityKind.EMAIL.value))
            sender, external_id = str(data["from"]), str(data["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InboundParseError(f"not a loopback message: {exc}") from exc
        in_reply_to = data.get("in_reply_to")
        return InboundMessage(
            tenant_id=tenant_id,
            channel=self.channel,
            sender_kind=kind,
            sender=sender,
            external_id=external_id,
            text=str(data.get("text", "")),
            subject=str(data.get("subject", "")),
            sender_name=data.get("name"),
            references=(str(in_reply_to),) if in_reply_to else (),
        )

    def send(self, message: OutboundMessage) -> DeliveryReceipt:
        if not message.recipient:
            raise DeliveryError("no recipient", permanent=True)
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{message.message_id}.json"
        body = {
            "to": message.recipient,
            "subject": message.subject,
            "text": message.text,
            "in_reply_to": message.in_reply_to,
            "conversation_number": message.conversation_number,
        }
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, target)
        return DeliveryReceipt(
            external_id=f"loopback-{message.message_id}", status=DeliveryStatus.SENT
        )
