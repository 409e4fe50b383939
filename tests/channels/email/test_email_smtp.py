"""Inbound SMTP end to end: real mail over smtplib to our aiosmtpd listener, read via the API."""

from __future__ import annotations

import email
import email.policy
import smtplib
from typing import Any

import httpx
import pytest

from channels.email.smtp_listener import SmtpListener
from core.db import Database
from core.models import InboundState, Mailbox
from tests.channels.email.conftest import (
    CapturingServer,
    MailboxFactory,
    customer_mail,
    records_of,
    send_mail,
    wait_for,
)
from tests.conftest import TenantHandle, make_tenant
from workers.embedded import EmbeddedWorkers

API = "/api/v1"


def conversations(http: httpx.Client, tenant: TenantHandle) -> list[dict[str, Any]]:
    response = http.get(f"{API}/conversations", headers=tenant.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def timeline_messages(
    http: httpx.Client, tenant: TenantHandle, conversation_id: str
) -> list[dict[str, Any]]:
    response = http.get(f"{API}/conversations/{conversation_id}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return [e["message"] for e in response.json()["timeline"] if "message" in e]


def test_mail_becomes_a_conversation_and_the_agent_reply_threads_back(
    database: Database,
    tenant: TenantHandle,
    mailbox: Mailbox,
    listener: SmtpListener,
    capture: CapturingServer,
    workers: EmbeddedWorkers,
    http: httpx.Client,
) -> None:
    customer = "ann@customer.example"
    first = customer_mail(sender=customer, to=mailbox.address, subject="Router broken")
    send_mail(listener, first, sender=customer, to=[mailbox.address])

    [conversation] = conversations(http, tenant)
    assert conversation["channel"] == "email" and conversation["subject"] == "Router broken"
    messages = timeline_messages(http, tenant, conversation["id"])
    [inbound] = [m for m in messages if m["direction"] == "inbound"]
    assert "router stopped working" in inbound["text"]
    assert inbound["external_id"] == first["Message-ID"]

    # the acknowledgement goes out through outbox -> worker -> EmailAdapter -> SMTP
    acks = wait_for(lambda: capture.messages_to(customer), what="the acknowledgement")
    ack = email.message_from_bytes(acks[0], policy=email.policy.default)
    token = f"[#SB-{conversation['number']}]"
    assert token in str(ack["Subject"]) and ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == first["Message-ID"]

    reply = http.post(
        f"{API}/conversations/{conversation['id']}/replies",
        headers=tenant.headers,
        json={"text": "Please restart it.", "html": "<p>Please <b>restart</b> it.</p>"},
    )
    assert reply.status_code == 202, reply.text
    sent = wait_for(lambda: capture.messages_to(customer)[1:], what="the agent reply")
    ours = email.message_from_bytes(sent[0], policy=email.policy.default)
    assert str(ours["Subject"]) == f"Re: Router broken {token}"
    assert ours["From"].addresses[0].addr_spec == mailbox.address
    assert ours["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in str(ours["References"])
    assert ours.get_body(("plain",)).get_content().strip() == "Please restart it."  # type: ignore[union-attr]
    assert "<b>restart</b>" in ours.get_body(("html",)).get_content()  # type: ignore[union-attr]
    workers.join_idle(10)
    stored = {m["id"]: m for m in timeline_messages(http, tenant, conversation["id"])}
    assert stored[reply.json()["id"]]["external_id"] == ours["Message-ID"]
    assert stored[reply.json()["id"]]["delivery_status"] == "sent"

    answer = customer_mail(
        sender=customer,
        to=mailbox.address,
        subject="Re: Router broken",
        text="Restarted, works now. Thanks!\n\n> Please restart it.",
        headers={"In-Reply-To": ours["Message-ID"], "References": ours["Message-ID"]},
    )
    send_mail(listener, answer, sender=customer, to=[mailbox.address])
    assert len(conversations(http, tenant)) == 1
    messages = timeline_messages(http, tenant, conversation["id"])
    latest = [m for m in messages if m["direction"] == "inbound"][-1]
    assert (
        latest["text"].startswith("Restarted, works now") and "Please restart" not in latest["text"]
    )
    assert len(capture.messages_to(customer)) == 2  # no second acknowledgement


def test_unknown_recipient_is_refused_with_550(listener: SmtpListener) -> None:
    message = customer_mail(sender="x@customer.example", to="nobody@nowhere.example")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send_mail(listener, message, sender="x@customer.example", to=["nobody@nowhere.example"])
    assert refused.value.recipients["nobody@nowhere.example"][0] == 550


def test_oversized_mail_is_refused_with_552(
    database: Database, tenant: TenantHandle, make_mailbox: MailboxFactory, listener: SmtpListener
) -> None:
    small = make_mailbox(tenant, max_message_bytes=10_000)
    big = customer_mail(sender="big@customer.example", to=small.address, text="x" * 20_000)
    with smtplib.SMTP(listener.host, listener.port, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("size")
        code, _ = client.mail("big@customer.example", options=[f"SIZE={len(big.as_bytes())}"])
        assert code == 250
        code, _ = client.rcpt(small.address)
        assert code == 552
    with pytest.raises(smtplib.SMTPException) as refused:  # undeclared size: refused at DATA
        send_mail(listener, big, sender="big@customer.example", to=[small.address])
    assert "552" in str(refused.value)
    assert records_of(database, tenant.id) == []


def test_mail_the_parser_flags_is_stored_raw_and_still_opens_a_conversation(
    database: Database, tenant: TenantHandle, mailbox: Mailbox, listener: SmtpListener
) -> None:
    raw = (
        b"From: =?utf-8?B?5byg5LiJ?= <zhang@customer.example>\r\n"
        b"To: " + mailbox.address.encode() + b"\r\n"
        b"Subject: =?gb2312?B?brokenbase64?=\r\n"
        b"Message-ID: <broken-1@customer.example>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"\xe8\xb7\xaf\xe7\x94\xb1\xe5\x99\xa8\xe5\x9d\x8f\xe4\xba\x86 \xff\xfe broken bytes\r\n"
    )
    send_mail(listener, raw, sender="zhang@customer.example", to=[mailbox.address])
    [record] = records_of(database, tenant.id)
    assert record.payload == raw and record.source == "smtp"
    assert record.state is InboundState.INGESTED and record.message_id is not None
    assert record.sender == "zhang@customer.example"


def test_duplicate_delivery_of_one_message_id_is_stored_once(
    database: Database, tenant: TenantHandle, mailbox: Mailbox, listener: SmtpListener
) -> None:
    message = customer_mail(sender="dup@customer.example", to=mailbox.address)
    for _ in range(2):
        send_mail(listener, message, sender="dup@customer.example", to=[mailbox.address])
    states = [r.state for r in records_of(database, tenant.id)]
    assert states == [InboundState.INGESTED, InboundState.DUPLICATE]
    with database.tenant_session(tenant.id) as session:
        from sqlalchemy import func, select

        from core.models import Message

        assert session.execute(select(func.count()).select_from(Message)).scalar_one() == 2
        # the customer's message once, plus the acknowledgement


def test_mail_to_two_tenants_mailboxes_reaches_both(
    database: Database, tenant: TenantHandle, make_mailbox: MailboxFactory, listener: SmtpListener
) -> None:
    second_tenant = make_tenant(database, prefix="second")
    first, second = make_mailbox(tenant), make_mailbox(second_tenant)
    message = customer_mail(sender="both@customer.example", to=f"{first.address}, {second.address}")
    send_mail(
        listener,
        message,
        sender="both@customer.example",
        to=[first.address.upper(), second.address],
    )
    for owner in (tenant, second_tenant):
        [record] = records_of(database, owner.id)
        assert record.state is InboundState.INGESTED
