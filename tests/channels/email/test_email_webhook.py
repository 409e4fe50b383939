"""The raw-MIME webhook: a mailbox's own token, its size limit, and nothing across tenants."""

from __future__ import annotations

import httpx

from core import mailboxes
from core.db import Database
from core.models import InboundState, Mailbox
from tests.channels.email.conftest import MailboxFactory, customer_mail, records_of
from tests.conftest import TenantHandle, make_tenant

MAIL = {"Content-Type": "message/rfc822"}


def token_for(database: Database, mailbox: Mailbox) -> str:
    with database.tenant_unit(mailbox.tenant_id) as session:
        return mailboxes.issue_inbound_token(session, mailbox_id=mailbox.id).secret


def post_mail(http: httpx.Client, address: str, raw: bytes, token: str | None) -> httpx.Response:
    headers = {**MAIL, **({"Authorization": f"Bearer {token}"} if token else {})}
    return http.post(f"/webhooks/email/{address}", content=raw, headers=headers)


def test_good_token_stores_the_mail_and_answers_202(
    database: Database, tenant: TenantHandle, mailbox: Mailbox, http: httpx.Client
) -> None:
    raw = customer_mail(sender="web@customer.example", to=mailbox.address).as_bytes()
    response = post_mail(http, mailbox.address.upper(), raw, token_for(database, mailbox))
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["state"] == "ingested" and body["conversation_id"]
    [record] = records_of(database, tenant.id)
    assert str(record.id) == body["record_id"] and record.source == "webhook"
    assert record.payload == raw


def test_missing_or_wrong_token_is_401_and_stores_nothing(
    database: Database, tenant: TenantHandle, mailbox: Mailbox, http: httpx.Client
) -> None:
    token_for(database, mailbox)
    raw = customer_mail(sender="web@customer.example", to=mailbox.address).as_bytes()
    for token in (None, "sbm_wrong", tenant.api_key):
        response = post_mail(http, mailbox.address, raw, token)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert records_of(database, tenant.id) == []


def test_my_token_on_another_tenants_mailbox_is_403(
    database: Database,
    tenant: TenantHandle,
    make_mailbox: MailboxFactory,
    http: httpx.Client,
) -> None:
    other = make_tenant(database, prefix="other")
    theirs, mine = make_mailbox(other), make_mailbox(tenant)
    raw = customer_mail(sender="web@customer.example", to=theirs.address).as_bytes()
    response = post_mail(http, theirs.address, raw, token_for(database, mine))
    assert response.status_code == 403, response.text
    assert records_of(database, other.id) == [] and records_of(database, tenant.id) == []


def test_unknown_mailbox_is_404(database: Database, mailbox: Mailbox, http: httpx.Client) -> None:
    raw = customer_mail(sender="web@customer.example", to="x@nowhere.example").as_bytes()
    response = post_mail(http, "nobody@nowhere.example", raw, token_for(database, mailbox))
    assert response.status_code == 404, response.text


def test_mail_over_the_mailbox_limit_is_413(
    database: Database, tenant: TenantHandle, make_mailbox: MailboxFactory, http: httpx.Client
) -> None:
    small = make_mailbox(tenant, max_message_bytes=5_000)
    raw = customer_mail(sender="big@customer.example", to=small.address, text="x" * 10_000)
    response = post_mail(http, small.address, raw.as_bytes(), token_for(database, small))
    assert response.status_code == 413, response.text
    assert records_of(database, tenant.id) == []


def test_mail_without_from_is_kept_as_a_rejected_record(
    database: Database, tenant: TenantHandle, mailbox: Mailbox, http: httpx.Client
) -> None:
    raw = b"Subject: who am I\r\nMessage-ID: <nofrom@x.example>\r\n\r\nanonymous\r\n"
    response = post_mail(http, mailbox.address, raw, token_for(database, mailbox))
    assert response.status_code == 202, response.text
    assert response.json()["state"] == InboundState.REJECTED.value
    [record] = records_of(database, tenant.id)
    assert record.state is InboundState.REJECTED and record.reason == "no usable From"
