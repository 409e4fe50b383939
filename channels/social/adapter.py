"""Channel.SOCIAL's adapter: replies go back through the network the post came from."""

from __future__ import annotations

import uuid

from channels.base import DeliveryError, DeliveryReceipt, InboundParseError, OutboundMessage
from channels.registry import register_adapter
from channels.social.base import ConnectorError
from channels.social.registry import publishing_connector
from core.db import Database, get_database
from core.inbound import InboundMessage
from core.models.channel import Channel
from core.models.message import DeliveryStatus
from core.social.replies import reply_target


class SocialAdapter:
    """Sends agents' replies as public replies or private messages; receives nothing itself
    (posts arrive through the pollers and webhooks, in batches, via core.social.intake)."""

    channel = Channel.SOCIAL

    def __init__(self, database: Database | None = None) -> None:
        self._database_override = database

    def _database(self) -> Database:
        return self._database_override or get_database()

    def parse(self, tenant_id: uuid.UUID, payload: bytes, content_type: str) -> InboundMessage:
        raise InboundParseError("social posts arrive through the social connectors")

    def send(self, message: OutboundMessage) -> DeliveryReceipt:
        """The network's id for the reply as ``network:id``, which threads the customer's answer."""
        with self._database().tenant_session(message.tenant_id) as session:
            target = reply_target(session, in_reply_to=message.in_reply_to)
        network = target.account.network
        try:
            posted = publishing_connector(network).reply(
                target.account,
                in_reply_to=target.post_external_id,
                recipient_handle=target.recipient_handle,
                text=message.text,
                private=target.private,
                idempotency_key=str(message.message_id),
            )
        except KeyError:
            raise DeliveryError(f"{network.value} cannot send replies", permanent=True) from None
        except ConnectorError as exc:
            raise DeliveryError(str(exc), permanent=exc.permanent) from exc
        return DeliveryReceipt(external_id=f"{network.value}:{posted}", status=DeliveryStatus.SENT)


def register_social_adapter(database: Database | None = None) -> SocialAdapter:
    """Serve Channel.SOCIAL with the connectors (server and worker processes)."""
    adapter = SocialAdapter(database)
    register_adapter(adapter)
    return adapter
