"""Robots: bounces mark our mail failed, auto-replies and mail loops open nothing."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col

from channels.email.inbound import EmailLimits, receive_email
from channels.email.smtp_listener import SmtpListener
from core.db import Database
from core.models import Conversation, InboundState, Mailbox, Message, MessageDirection
from core.storage import LocalFolderStore
from tests.channels.email.conftest import (
    CapturingServer,
    customer_mail,
    records_of,
    send_mail,
    wait_for,
)
from tests.conftest import TenantHandle
from workers.embedded import EmbeddedWorkers


def bounce_report(*, mailer: str, to: str, original_id: str, recipient: str) -> bytes:
    """A standard DSN (RFC 3464), as Postfix sends it."""
    return (
        f"From: MAILER-DAEMON@{mailer}\r\nTo: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <dsn-{original_id.strip('<>')}@{mailer}>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; {mailer}\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original_id}\r\nTo: {recipient}\r\nSubject: Re: hello\r\n"
        "--B--\r\n"
    ).encode()


def conversation_count(database: Database, tenant: TenantHandle) -> int:
    with database.tenant_session(tenant.id) as session:
        return int(
            session.execute(sa.select(sa.func.count()).select_from(Conversation)).scalar_one()
        )


def test_bounce_marks_our_message_failed_and_opens_nothing(
    database: Database,
    tenant: TenantHandle,
    mailbox: Mailbox,
    listener: SmtpListener,
    capture: CapturingServer,
    workers: EmbeddedWorkers,
) -> None:
    customer = "gone@customer.example"
    send_mail(
        listener,
        customer_mail(sender=customer, to=mailbox.address),
        sender=customer,
        to=[mailbox.address],
    )
    [ack_raw] = wait_for(lambda: capture.messages_to(customer), what="the acknowledgement")
    ack_id = email.message_from_bytes(ack_raw, policy=email.policy.default)["Message-ID"]
    workers.join_idle(10)

    dsn = bounce_report(
        mailer="mx.customer.example", to=mailbox.address, original_id=ack_id, recipient=customer
    )
    send_mail(listener, dsn, sender="", to=[mailbox.address])

    bounce = records_of(database, tenant.id)[-1]
    assert bounce.state is InboundState.BOUNCE and "5.1.1" in (bounce.reason or "")
    with database.tenant_session(tenant.id) as session:
        ours = session.execute(
            sa.select(Message).where(col(Message.external_id) == ack_id)
        ).scalar_one()
    assert ours.direction is MessageDirection.OUTBOUND
    assert ours.delivery_status.value == "failed" and bounce.message_id == ours.id
    assert conversation_count(database, tenant) == 1


def test_unknown_bounce_is_kept_and_opens_nothing(
    database: Database, tenant: TenantHandle, mailbox: Mailbox, listener: SmtpListener
) -> None:
    dsn = bounce_report(
        mailer="mx.example",
        to=mailbox.address,
        original_id="<never-sent@x.example>",
        recipient="someone@example.com",
    )
    send_mail(listener, dsn, sender="", to=[mailbox.address])
    [record] = records_of(database, tenant.id)
    assert record.state is InboundState.BOUNCE and "unknown bounce" in (record.reason or "")
    assert conversation_count(database, tenant) == 0


def test_auto_reply_opens_nothing_and_gets_no_acknowledgement(
    database: Database,
    tenant: TenantHandle,
    mailbox: Mailbox,
    listener: SmtpListener,
    capture: CapturingServer,
    workers: EmbeddedWorkers,
) -> None:
    robot = "ooo@customer.example"
    away = customer_mail(
        sender=robot,
        to=mailbox.address,
        subject="Out of office: hello",
        text="I am away until Monday.",
        headers={"Auto-Submitted": "auto-replied"},
    )
    send_mail(listener, away, sender=robot, to=[mailbox.address])
    workers.join_idle(10)
    [record] = records_of(database, tenant.id)
    assert record.state is InboundState.AUTO_REPLY
    assert conversation_count(database, tenant) == 0
    assert capture.messages_to(robot) == []


def test_acknowledgement_is_sent_once_per_new_conversation_in_the_customers_language(
    database: Database,
    tenant: TenantHandle,
    mailbox: Mailbox,
    listener: SmtpListener,
    capture: CapturingServer,
    workers: EmbeddedWorkers,
) -> None:
    customer = "li@customer.example"
    for text in ("我的宽带从昨天开始就断了，请尽快处理。", "还是不行，请回电话。"):
        mail = customer_mail(sender=customer, to=mailbox.address, subject="宽带故障", text=text)
        send_mail(listener, mail, sender=customer, to=[mailbox.address])
    workers.join_idle(10)
    [ack] = capture.messages_to(customer)
    body = email.message_from_bytes(ack, policy=email.policy.default).get_body(("plain",))
    assert body is not None and "参考编号" in body.get_content()


def test_mail_loop_is_cut_off_by_the_sender_limit_and_still_stored(
    database: Database, tenant: TenantHandle, mailbox: Mailbox, tmp_path: object
) -> None:
    store = LocalFolderStore(tmp_path / "blobs")  # type: ignore[operator]
    limits = EmailLimits(per_sender=5, window=timedelta(minutes=10))
    states = []
    for i in range(8):
        mail = customer_mail(
            sender="loop@robot.example", to=mailbox.address, subject=f"Re: Re: ticket {i}"
        )
        outcome = receive_email(
            database,
            mailbox=mailbox,
            raw=mail.as_bytes(),
            source="test",
            store=store,
            limits=limits,
        )
        states.append(outcome.state)
    assert states == [InboundState.INGESTED] * 5 + [InboundState.RATE_LIMITED] * 3
    records = records_of(database, tenant.id)
    assert len(records) == 8 and all(r.payload for r in records)
    with database.tenant_session(tenant.id) as session:
        inbound = session.execute(
            sa.select(sa.func.count())
            .select_from(Message)
            .where(col(Message.direction) == MessageDirection.INBOUND)
        ).scalar_one()
    assert inbound == 5
