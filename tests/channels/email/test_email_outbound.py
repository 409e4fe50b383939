"""The email adapter against a real SMTP server on loopback: headers, threading, failures."""

from __future__ import annotations

import email
import email.policy
import uuid

import pytest

from channels.email.adapter import EmailAdapter
from channels.email.compose import reply_subject
from channels.email.smtp_listener import _free_port
from core.db import Database
from core.models import Channel, IdentityKind, Mailbox
from core.outbound import DeliveryError, OutboundMessage
from tests.channels.email.conftest import CapturingServer, MailboxFactory
from tests.conftest import TenantHandle


def outbound(tenant: TenantHandle, **fields: object) -> OutboundMessage:
    values: dict[str, object] = {
        "tenant_id": tenant.id,
        "message_id": uuid.uuid4(),
        "conversation_id": uuid.uuid4(),
        "conversation_number": 1234,
        "channel": Channel.EMAIL,
        "recipient_kind": IdentityKind.EMAIL,
        "recipient": "ann@customer.example",
        "subject": "Re: AW: Bill wrong [#SB-1234]",
        "text": "We refunded you.",
        "html": "<p>We <b>refunded</b> you.</p>",
        "in_reply_to": "<c2@customer.example>",
        "references": ("<c1@customer.example>", "<c2@customer.example>"),
    }
    return OutboundMessage(**{**values, **fields})  # type: ignore[arg-type]


def test_reply_subject_has_one_re_and_one_token() -> None:
    assert reply_subject("Re: AW: Bill [#SB-7] ", 7) == "Re: Bill [#SB-7]"
    assert reply_subject("", 7) == "Re: [#SB-7]"


def test_sent_mail_threads_and_carries_a_stable_message_id(
    database: Database, tenant: TenantHandle, mailbox: Mailbox, capture: CapturingServer
) -> None:
    adapter = EmailAdapter(lambda: database)
    reply = outbound(tenant)
    first, again = adapter.send(reply), adapter.send(reply)  # a resend after a crash
    assert (
        first.external_id
        == again.external_id
        == f"<{reply.message_id}@{mailbox.address.split('@')[1]}>"
    )
    raws = capture.messages_to("ann@customer.example")
    assert len(raws) == 2
    sent = email.message_from_bytes(raws[0], policy=email.policy.default)
    assert sent["Message-ID"] == first.external_id
    assert sent["Subject"] == "Re: Bill wrong [#SB-1234]"
    assert sent["In-Reply-To"] == "<c2@customer.example>"
    assert sent["References"] == "<c1@customer.example> <c2@customer.example>"
    assert sent.get_content_type() == "multipart/alternative"
    assert "Auto-Submitted" not in sent


def test_refused_recipient_is_a_permanent_failure(
    database: Database, tenant: TenantHandle, mailbox: Mailbox, capture: CapturingServer
) -> None:
    capture.refuse["nobody@customer.example"] = "550 5.1.1 No such user"
    with pytest.raises(DeliveryError) as failed:
        EmailAdapter(lambda: database).send(outbound(tenant, recipient="nobody@customer.example"))
    assert failed.value.permanent


def test_temporarily_refused_recipient_is_retried(
    database: Database, tenant: TenantHandle, mailbox: Mailbox, capture: CapturingServer
) -> None:
    capture.refuse["busy@customer.example"] = "451 4.3.0 Try later"
    with pytest.raises(DeliveryError) as failed:
        EmailAdapter(lambda: database).send(outbound(tenant, recipient="busy@customer.example"))
    assert not failed.value.permanent


def test_unreachable_server_is_a_transient_failure(
    database: Database, make_mailbox: MailboxFactory, tenant: TenantHandle
) -> None:
    make_mailbox(tenant, smtp_port=_free_port("127.0.0.1"))  # nobody listens there
    with pytest.raises(DeliveryError) as failed:
        EmailAdapter(lambda: database).send(outbound(tenant))
    assert not failed.value.permanent


def test_tenant_without_mailbox_fails_permanently(database: Database, tenant: TenantHandle) -> None:
    with pytest.raises(DeliveryError) as failed:
        EmailAdapter(lambda: database).send(outbound(tenant))
    assert failed.value.permanent


def test_adapter_parse_gives_mail_without_message_id_a_stable_id_of_its_own(
    database: Database, tenant: TenantHandle
) -> None:
    from core.intake import receive
    from core.models import InboundState

    def mail(body: str) -> bytes:
        return (
            "From: Wu Lei <wu@customer.example>\r\nTo: care@x.example\r\n"
            f"Subject: no id\r\n\r\n{body}\r\n"
        ).encode()

    adapter = EmailAdapter(lambda: database)
    first = receive(
        database, adapter, tenant_id=tenant.id, payload=mail("one"), content_type="message/rfc822"
    )
    other = receive(
        database, adapter, tenant_id=tenant.id, payload=mail("two"), content_type="message/rfc822"
    )
    again = receive(
        database, adapter, tenant_id=tenant.id, payload=mail("one"), content_type="message/rfc822"
    )

    assert (first.state, other.state, again.state) == (
        InboundState.INGESTED,
        InboundState.INGESTED,
        InboundState.DUPLICATE,
    )
    assert first.result and again.result and again.result.message_id == first.result.message_id
