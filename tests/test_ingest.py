"""Ingest: idempotency, threading, contact resolution, one transaction."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import col

from core.db import Database, TenantScopeError
from core.errors import InvalidInputError
from core.inbound import InboundMessage
from core.ingest import ingest, ingest_committed
from core.models import (
    Channel,
    Contact,
    ContactIdentity,
    Conversation,
    ConversationEvent,
    ConversationStatus,
    EventType,
    IdentityKind,
    Message,
    OutboxJob,
)
from tests.conftest import TenantHandle


def email(tenant: TenantHandle, sender: str, external_id: str, **extra: object) -> InboundMessage:
    return InboundMessage(
        tenant_id=tenant.id,
        channel=Channel.EMAIL,
        sender_kind=IdentityKind.EMAIL,
        sender=sender,
        external_id=external_id,
        text=str(extra.pop("text", "hello")),
        **extra,  # type: ignore[arg-type]
    )


def count(database: Database, tenant: TenantHandle, model: type) -> int:
    with database.tenant_session(tenant.id) as session:
        return session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_same_provider_message_twice_is_stored_once(
    database: Database, tenant: TenantHandle
) -> None:
    message = email(tenant, "ann@example.com", "<a1@mail>")
    first = ingest_committed(database, message)
    second = ingest_committed(database, message)

    assert not first.duplicate and second.duplicate
    assert second.message_id == first.message_id
    assert count(database, tenant, Message) == 1
    assert count(database, tenant, OutboxJob) == 1  # routing the new conversation, once


def test_reply_from_known_identity_threads_into_open_conversation(
    database: Database, tenant: TenantHandle
) -> None:
    first = ingest_committed(
        database, email(tenant, "Ann@Example.com", "<a1@mail>", subject="Bill")
    )
    reply = ingest_committed(database, email(tenant, "ann@example.COM", "<a2@mail>"))

    assert first.created_contact and first.created_conversation
    assert not reply.created_contact and not reply.created_conversation
    assert reply.conversation_id == first.conversation_id
    assert count(database, tenant, Contact) == 1


def test_new_identity_creates_contact_and_conversation(
    database: Database, tenant: TenantHandle
) -> None:
    a = ingest_committed(database, email(tenant, "ann@example.com", "<a1@mail>"))
    b = ingest_committed(database, email(tenant, "bob@example.com", "<b1@mail>"))

    assert b.created_contact and b.contact_id != a.contact_id
    assert b.conversation_id != a.conversation_id
    with database.tenant_session(tenant.id) as session:
        numbers = session.execute(
            sa.select(col(Conversation.number)).order_by(col(Conversation.number))
        ).scalars()
        assert list(numbers) == [1, 2]
        identity = session.execute(
            sa.select(ContactIdentity).where(col(ContactIdentity.contact_id) == b.contact_id)
        ).scalar_one()
        assert (identity.kind, identity.value) == (IdentityKind.EMAIL, "bob@example.com")


def test_references_thread_even_from_another_address(
    database: Database, tenant: TenantHandle
) -> None:
    first = ingest_committed(database, email(tenant, "ann@example.com", "<a1@mail>"))
    forwarded = ingest_committed(
        database, email(tenant, "colleague@example.com", "<c1@mail>", references=("<a1@mail>",))
    )
    assert forwarded.created_contact
    assert forwarded.conversation_id == first.conversation_id


def test_reply_referencing_resolved_conversation_reopens_it(
    database: Database, tenant: TenantHandle
) -> None:
    first = ingest_committed(database, email(tenant, "ann@example.com", "<a1@mail>"))
    with database.tenant_unit(tenant.id) as session:
        session.execute(
            sa.update(Conversation)
            .where(col(Conversation.id) == first.conversation_id)
            .values(status=ConversationStatus.RESOLVED)
        )
    again = ingest_committed(
        database, email(tenant, "ann@example.com", "<a2@mail>", references=("<a1@mail>",))
    )
    unthreaded = ingest_committed(database, email(tenant, "ann@example.com", "<a3@mail>"))

    assert unthreaded.conversation_id == first.conversation_id  # open again, so it threads
    assert again.reopened and again.conversation_id == first.conversation_id
    with database.tenant_session(tenant.id) as session:
        conversation = session.get_one(Conversation, (tenant.id, first.conversation_id))
        assert conversation.status is ConversationStatus.OPEN
        assert conversation.reopen_count == 1
        types = session.execute(
            sa.select(col(ConversationEvent.type)).where(
                col(ConversationEvent.conversation_id) == first.conversation_id
            )
        ).scalars()
        assert EventType.REOPENED in list(types)


def test_closed_conversation_is_never_reused(database: Database, tenant: TenantHandle) -> None:
    first = ingest_committed(database, email(tenant, "ann@example.com", "<a1@mail>"))
    with database.tenant_unit(tenant.id) as session:
        session.execute(sa.update(Conversation).values(status=ConversationStatus.CLOSED))
    again = ingest_committed(database, email(tenant, "ann@example.com", "<a2@mail>"))
    assert again.created_conversation and again.conversation_id != first.conversation_id


def test_failure_midway_leaves_nothing_behind(database: Database, tenant: TenantHandle) -> None:
    bad = InboundMessage(
        tenant_id=tenant.id,
        channel=Channel.PHONE,
        sender_kind=IdentityKind.PHONE,
        sender="not a number",
        external_id="CA1",
    )
    with pytest.raises(InvalidInputError):
        ingest_committed(database, bad)
    assert count(database, tenant, Contact) == 0
    assert count(database, tenant, OutboxJob) == 0


def test_message_for_another_tenant_is_refused(
    database: Database, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    with database.tenant_session(other_tenant.id) as session, pytest.raises(TenantScopeError):
        ingest(session, email(tenant, "ann@example.com", "<a1@mail>"))


def test_same_external_id_in_two_tenants_is_two_messages(
    database: Database, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    ingest_committed(database, email(tenant, "ann@example.com", "<same@mail>"))
    theirs = ingest_committed(database, email(other_tenant, "ann@example.com", "<same@mail>"))
    assert not theirs.duplicate
    assert count(database, tenant, Message) == 1
    assert count(database, other_tenant, Message) == 1


def test_html_is_sanitised_on_the_way_in(database: Database, tenant: TenantHandle) -> None:
    result = ingest_committed(
        database,
        email(
            tenant,
            "ann@example.com",
            "<h@mail>",
            html='<p onclick="x()">Hi<script>evil()</script></p>',
        ),
    )
    with database.tenant_session(tenant.id) as session:
        stored = session.get_one(Message, (tenant.id, result.message_id))
    assert stored.html == "<p>Hi</p>"


def test_phone_numbers_resolve_to_one_contact_whatever_the_format(
    database: Database, tenant: TenantHandle
) -> None:
    def call(number: str, sid: str) -> InboundMessage:
        return InboundMessage(
            tenant_id=tenant.id,
            channel=Channel.PHONE,
            sender_kind=IdentityKind.PHONE,
            sender=number,
            external_id=sid,
            phone_region="CN",
        )

    a = ingest_committed(database, call("+86 138 0013 8000", "CA1"))
    b = ingest_committed(database, call("13800138000", "CA2"))
    assert a.contact_id == b.contact_id


def test_unscoped_session_cannot_touch_tenant_rows(database: Database) -> None:
    with database._sessions() as session, pytest.raises(TenantScopeError):
        session.execute(sa.select(Message)).all()


def test_tenant_session_cannot_write_another_tenants_row(
    database: Database, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    with database.tenant_session(tenant.id) as session:
        session.add(Contact(tenant_id=other_tenant.id, name="x"))
        with pytest.raises(TenantScopeError):
            session.flush()


def test_concurrent_first_messages_from_one_address_make_one_contact(
    database: Database, tenant: TenantHandle
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    messages = [email(tenant, "race@example.com", f"<r{i}@mail>") for i in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda m: ingest_committed(database, m), messages))
    assert len({r.contact_id for r in results}) == 1
    assert count(database, tenant, Contact) == 1
    assert count(database, tenant, Message) == 8
    assert len({uuid.UUID(str(r.message_id)) for r in results}) == 8
