"""Contacts: identities resolve one person; merging keeps both histories."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import col

from core import contacts
from core.conversation_queries import (
    ConversationFilter,
    get_conversation_detail,
    list_conversations,
)
from core.db import Database
from core.errors import ConflictError, InvalidInputError
from core.inbound import InboundMessage
from core.ingest import ingest_committed
from core.models import (
    Channel,
    ContactIdentity,
    ConversationEvent,
    EventType,
    IdentityKind,
    ValueTier,
)
from tests.conftest import TenantHandle


def inbound(
    tenant: TenantHandle, kind: IdentityKind, sender: str, external_id: str
) -> InboundMessage:
    channel = Channel.PHONE if kind is IdentityKind.PHONE else Channel.EMAIL
    return InboundMessage(
        tenant_id=tenant.id,
        channel=channel,
        sender_kind=kind,
        sender=sender,
        external_id=external_id,
    )


def test_merge_moves_identities_and_conversations_and_keeps_history(
    database: Database, tenant: TenantHandle
) -> None:
    by_mail = ingest_committed(
        database, inbound(tenant, IdentityKind.EMAIL, "li@example.cn", "<1@x>")
    )
    by_phone = ingest_committed(
        database, inbound(tenant, IdentityKind.PHONE, "+8613800138000", "CA1")
    )
    with database.tenant_unit(tenant.id) as session:
        contacts.update_contact(
            session, contact_id=by_phone.contact_id, changes={"value_tier": ValueTier.GOLD}
        )
        survivor = contacts.merge_contacts(
            session, survivor_id=by_mail.contact_id, merged_id=by_phone.contact_id
        )
        assert survivor.value_tier is ValueTier.GOLD  # the higher tier wins

    with database.tenant_session(tenant.id) as session:
        mine = list_conversations(
            session, filters=ConversationFilter(contact_id=by_mail.contact_id)
        ).items
        assert {c.id for c in mine} == {by_mail.conversation_id, by_phone.conversation_id}
        kinds = session.execute(
            sa.select(col(ContactIdentity.kind)).where(
                col(ContactIdentity.contact_id) == by_mail.contact_id
            )
        ).scalars()
        assert set(kinds) == {IdentityKind.EMAIL, IdentityKind.PHONE}
        moved = get_conversation_detail(session, conversation_id=by_phone.conversation_id)
        events = [e.item for e in moved.timeline if isinstance(e.item, ConversationEvent)]
        assert events[-1].type is EventType.MERGED
        assert contacts.get_contact(session, contact_id=by_phone.contact_id).merged_into_id == (
            by_mail.contact_id
        )
    # the person calls again: the phone now resolves to the survivor
    again = ingest_committed(
        database, inbound(tenant, IdentityKind.PHONE, "+86 138 0013 8000", "CA2")
    )
    assert again.contact_id == by_mail.contact_id


def test_merge_refuses_self_and_repeat(database: Database, tenant: TenantHandle) -> None:
    with database.tenant_unit(tenant.id) as session:
        a = contacts.create_contact(session, name="A")
        b = contacts.create_contact(session, name="B")
        with pytest.raises(ConflictError):
            contacts.merge_contacts(session, survivor_id=a.id, merged_id=a.id)
        contacts.merge_contacts(session, survivor_id=a.id, merged_id=b.id)
        with pytest.raises(ConflictError):
            contacts.merge_contacts(session, survivor_id=a.id, merged_id=b.id)


def test_identity_belongs_to_one_contact(database: Database, tenant: TenantHandle) -> None:
    with database.tenant_unit(tenant.id) as session:
        contacts.create_contact(
            session,
            name="Ann",
            identities=[contacts.IdentityInput(IdentityKind.EMAIL, "Ann@Example.com")],
        )
        other = contacts.create_contact(session, name="Someone")
        with pytest.raises(ConflictError):
            contacts.add_identity(
                session,
                contact_id=other.id,
                identity=contacts.IdentityInput(IdentityKind.EMAIL, "ann@example.com"),
            )
        found = contacts.find_by_identity(session, kind=IdentityKind.EMAIL, value="ANN@example.com")
        assert found.name == "Ann"
        with pytest.raises(InvalidInputError):
            contacts.add_identity(
                session,
                contact_id=other.id,
                identity=contacts.IdentityInput(IdentityKind.PHONE, "call me maybe"),
            )


def test_contact_with_history_cannot_be_deleted(database: Database, tenant: TenantHandle) -> None:
    result = ingest_committed(
        database, inbound(tenant, IdentityKind.EMAIL, "keep@example.com", "<k@x>")
    )
    with database.tenant_unit(tenant.id) as session, pytest.raises(ConflictError):
        contacts.delete_contact(session, contact_id=result.contact_id)
