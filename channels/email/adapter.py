"""The email channel adapter: replies go out over SMTP through the tenant's mailbox settings.

Which mailbox: an outbound message knows its tenant, not the address the customer wrote to,
so replies are sent from the tenant's oldest active mailbox (core.mailboxes.sending_mailbox).
A mailbox without an SMTP host hands the reply to ``fallback`` (the demo's loopback files)
or, with none, fails it permanently: no retry can invent a mail server.

Errors: connection trouble, timeouts and 4xx answers are transient (the delivery worker retries
with backoff); a 5xx refusal of the recipient, sender or content is permanent. A failed
login is transient too: it is a configuration mistake someone can fix within the retries.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from collections.abc import Callable
from email.message import EmailMessage

from channels.base import (
    ChannelAdapter,
    DeliveryError,
    DeliveryReceipt,
    InboundParseError,
    OutboundMessage,
)
from channels.email.acknowledgement import is_acknowledgement
from channels.email.compose import compose_reply
from channels.email.inbound import synthetic_message_id, to_inbound_message
from channels.email.parsing import parse_email
from core import mailboxes
from core.db import Database, get_database
from core.inbound import InboundMessage
from core.models.channel import Channel
from core.models.mailbox import Mailbox, TransportSecurity
from core.models.message import DeliveryStatus

SMTP_TIMEOUT_SECONDS = 30.0


class EmailAdapter:
    """Serves Channel.EMAIL; thread-safe (one SMTP connection per send)."""

    channel = Channel.EMAIL

    def __init__(
        self,
        database: Callable[[], Database] = get_database,
        *,
        fallback: ChannelAdapter | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._database = database
        self._fallback = fallback
        self._tls_context = tls_context

    def parse(self, tenant_id: uuid.UUID, payload: bytes, content_type: str) -> InboundMessage:
        """Intake-style parsing for callers of core.intake.receive; receive_email does more
        (bounces, loops, attachments, acknowledgements) and is what the email ways use."""
        parsed = parse_email(payload)
        sender = (parsed.from_address or "").strip().lower()
        if "@" not in sender:
            raise InboundParseError("no usable From")
        return to_inbound_message(
            tenant_id,
            parsed,
            sender=sender,
            external_id=parsed.message_id or synthetic_message_id(payload),
        )

    def send(self, message: OutboundMessage) -> DeliveryReceipt:
        """Send one reply; the receipt's external_id is our Message-ID (stable across resends)."""
        with self._database().tenant_session(message.tenant_id) as session:
            mailbox = mailboxes.sending_mailbox(session)
        if mailbox is None:
            raise DeliveryError("the tenant has no active mailbox to send from", permanent=True)
        if not mailbox.smtp_host:
            if self._fallback is not None:
                return self._fallback.send(message)
            raise DeliveryError(f"mailbox {mailbox.address} has no SMTP server", permanent=True)
        email = compose_reply(
            message,
            from_address=mailbox.address,
            from_name=mailbox.display_name,
            automatic=is_acknowledgement(message),
        )
        self._transmit(mailbox, email, message.recipient)
        return DeliveryReceipt(external_id=str(email["Message-ID"]), status=DeliveryStatus.SENT)

    def _transmit(self, mailbox: Mailbox, email: EmailMessage, recipient: str) -> None:
        assert mailbox.smtp_host is not None
        context = self._tls_context or ssl.create_default_context()
        try:
            client: smtplib.SMTP
            if mailbox.smtp_security is TransportSecurity.TLS:
                client = smtplib.SMTP_SSL(
                    mailbox.smtp_host,
                    mailbox.smtp_port,
                    timeout=SMTP_TIMEOUT_SECONDS,
                    context=context,
                )
            else:
                client = smtplib.SMTP(
                    mailbox.smtp_host, mailbox.smtp_port, timeout=SMTP_TIMEOUT_SECONDS
                )
            with client:
                if mailbox.smtp_security is TransportSecurity.STARTTLS:
                    client.starttls(context=context)
                if mailbox.smtp_username:
                    client.login(mailbox.smtp_username, mailbox.smtp_password or "")
                client.send_message(email, from_addr=mailbox.address, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"recipient refused: {exc.recipients}", permanent=all(c >= 500 for c in codes)
            ) from exc
        except smtplib.SMTPResponseException as exc:
            permanent = exc.smtp_code >= 500 and not isinstance(
                exc, smtplib.SMTPAuthenticationError
            )
            raise DeliveryError(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=permanent
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
