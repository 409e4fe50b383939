"""Contacts and their identities: create, find, update, merge (D9).

A merge moves the merged contact's identities and conversations to the survivor and leaves the
merged row in place with ``merged_into_id`` set, so old references still resolve and both
histories stay whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.errors import (
    ConflictError,
    NotFoundError,
    reject_unknown_fields,
)
from core.events import record_event
from core.identities import normalize_identity
from core.lookup import get_by_id
from core.models.contact import Contact, ContactIdentity, IdentityKind, ValueTier
from core.models.conversation import Conversation, RoutingState
from core.models.event import EventType
from core.pagination import Page, paginate
from core.routing.waiting import rerank

UPDATABLE_FIELDS = frozenset({"name", "value_tier", "segment", "language", "attributes"})


@dataclass(frozen=True)
class IdentityInput:
    kind: IdentityKind
    value: str


def create_contact(
    session: Session,
    *,
    name: str,
    value_tier: ValueTier = ValueTier.STANDARD,
    segment: str | None = None,
    language: str | None = None,
    attributes: dict[str, Any] | None = None,
    identities: Sequence[IdentityInput] = (),
) -> Contact:
    """A new contact with its identities; ConflictError if an identity belongs to someone."""
    now = utcnow()
    contact = Contact(
        name=name,
        value_tier=value_tier,
        segment=segment,
        language=language,
        attributes=attributes or {},
        updated_at=now,
    )
    session.add(contact)
    session.flush()
    for identity in identities:
        add_identity(session, contact_id=contact.id, identity=identity)
    return contact


def get_contact(session: Session, *, contact_id: uuid.UUID) -> Contact:
    return get_by_id(session, Contact, contact_id, noun="contact")


def list_contacts(
    session: Session,
    *,
    search: str | None = None,
    value_tier: ValueTier | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Contact]:
    """Live (not merged-away) contacts, newest first."""
    query = sa.select(Contact).where(col(Contact.merged_into_id).is_(None))
    if search:
        query = query.where(col(Contact.name).ilike(f"%{_escape_like(search)}%", escape="\\"))
    if value_tier is not None:
        query = query.where(col(Contact.value_tier) == value_tier)
    return paginate(session, query, col(Contact.id), limit=limit, cursor=cursor)


def find_by_identity(session: Session, *, kind: IdentityKind, value: str) -> Contact:
    """The contact reached at this address, in whatever format it was written."""
    normalized = normalize_identity(kind, value)
    contact = session.execute(
        sa.select(Contact)
        .join(ContactIdentity, col(ContactIdentity.contact_id) == col(Contact.id))
        .where(col(ContactIdentity.kind) == kind, col(ContactIdentity.value) == normalized)
    ).scalar_one_or_none()
    if contact is None:
        raise NotFoundError(f"no contact with {kind.value} {normalized}")
    return contact


def update_contact(
    session: Session, *, contact_id: uuid.UUID, changes: Mapping[str, Any]
) -> Contact:
    reject_unknown_fields(changes, UPDATABLE_FIELDS)
    contact = get_contact(session, contact_id=contact_id)
    tier_changed = "value_tier" in changes and changes["value_tier"] != contact.value_tier
    for field_name, value in changes.items():
        setattr(contact, field_name, value)
    contact.updated_at = utcnow()
    session.flush()
    if tier_changed:  # a new value tier moves the contact's waiting conversations in line (D8)
        _rerank_waiting(session, contact_id=contact_id)
    return contact


def _rerank_waiting(session: Session, *, contact_id: uuid.UUID) -> None:
    waiting_ids = session.execute(
        sa.select(col(Conversation.id)).where(
            col(Conversation.contact_id) == contact_id,
            col(Conversation.routing_state) == RoutingState.WAITING,
        )
    ).scalars()
    for conversation_id in list(waiting_ids):
        rerank(session, conversation_id=conversation_id)


def delete_contact(session: Session, *, contact_id: uuid.UUID) -> None:
    """Delete a contact that has no history; contacts with conversations are kept (D19)."""
    contact = get_contact(session, contact_id=contact_id)
    has_history = session.execute(
        sa.select(col(Conversation.id)).where(col(Conversation.contact_id) == contact_id).limit(1)
    ).first()
    referenced = session.execute(
        sa.select(col(Contact.id)).where(col(Contact.merged_into_id) == contact_id).limit(1)
    ).first()
    if has_history or referenced:
        raise ConflictError("contact has conversations; it is kept as part of the record")
    session.execute(sa.delete(ContactIdentity).where(col(ContactIdentity.contact_id) == contact_id))
    session.delete(contact)
    session.flush()


def list_identities(session: Session, *, contact_id: uuid.UUID) -> list[ContactIdentity]:
    get_contact(session, contact_id=contact_id)
    return list(
        session.execute(
            sa.select(ContactIdentity)
            .where(col(ContactIdentity.contact_id) == contact_id)
            .order_by(col(ContactIdentity.id))
        ).scalars()
    )


def add_identity(
    session: Session, *, contact_id: uuid.UUID, identity: IdentityInput
) -> ContactIdentity:
    """Attach an address; ConflictError if it already belongs to a contact (merge instead)."""
    get_contact(session, contact_id=contact_id)
    value = normalize_identity(identity.kind, identity.value)
    owner = session.execute(
        sa.select(col(ContactIdentity.contact_id)).where(
            col(ContactIdentity.kind) == identity.kind, col(ContactIdentity.value) == value
        )
    ).scalar_one_or_none()
    if owner is not None:
        raise ConflictError(f"{identity.kind.value} {value} already belongs to contact {owner}")
    row = ContactIdentity(
        contact_id=contact_id, kind=identity.kind, value=value, display=identity.value
    )
    session.add(row)
    session.flush()
    return row


def remove_identity(session: Session, *, contact_id: uuid.UUID, identity_id: uuid.UUID) -> None:
    """Detach an address unless a conversation still replies through it."""
    identity = session.execute(
        sa.select(ContactIdentity).where(
            col(ContactIdentity.id) == identity_id, col(ContactIdentity.contact_id) == contact_id
        )
    ).scalar_one_or_none()
    if identity is None:
        raise NotFoundError(f"identity {identity_id} not found on contact {contact_id}")
    in_use = session.execute(
        sa.select(col(Conversation.id))
        .where(col(Conversation.contact_identity_id) == identity_id)
        .limit(1)
    ).first()
    if in_use:
        raise ConflictError("conversations reply through this identity")
    session.delete(identity)
    session.flush()


def merge_contacts(
    session: Session,
    *,
    survivor_id: uuid.UUID,
    merged_id: uuid.UUID,
    actor_user_id: uuid.UUID | None = None,
) -> Contact:
    """Join two records of one person; every conversation of either keeps its whole history."""
    if survivor_id == merged_id:
        raise ConflictError("a contact cannot be merged into itself")
    survivor = get_contact(session, contact_id=survivor_id)
    merged = get_contact(session, contact_id=merged_id)
    if survivor.merged_into_id or merged.merged_into_id:
        raise ConflictError("one of these contacts was already merged")
    now = utcnow()
    moved = list(
        session.execute(
            sa.select(col(Conversation.id)).where(col(Conversation.contact_id) == merged_id)
        ).scalars()
    )
    session.execute(
        sa.update(ContactIdentity)
        .where(col(ContactIdentity.contact_id) == merged_id)
        .values(contact_id=survivor_id)
    )
    session.execute(
        sa.update(Conversation)
        .where(col(Conversation.contact_id) == merged_id)
        .values(contact_id=survivor_id, updated_at=now)
    )
    for conversation_id in moved:
        record_event(
            session,
            conversation_id=conversation_id,
            type=EventType.MERGED,
            actor_user_id=actor_user_id,
            data={"from_contact_id": str(merged_id), "into_contact_id": str(survivor_id)},
            occurred_at=now,
        )
    if survivor.value_tier.rank < merged.value_tier.rank:
        survivor.value_tier = merged.value_tier
    survivor.attributes = {**merged.attributes, **survivor.attributes}
    survivor.updated_at = now
    merged.merged_into_id = survivor_id
    merged.updated_at = now
    session.flush()
    return survivor


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
