"""/contacts: customers and their identities (D9), search, lookup by address, merge."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlmodel import Session

from api.auth import Caller
from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut, page_out
from api.problems import problem_responses
from api.schemas.common import SearchText
from api.schemas.contacts import (
    ContactCreate,
    ContactDetailOut,
    ContactOut,
    ContactUpdate,
    IdentityIn,
    IdentityOut,
    IdentityValue,
    MergeIn,
)
from core import contacts
from core.errors import FieldProblem, InvalidInputError, NotFoundError
from core.models.contact import Contact, IdentityKind, ValueTier
from core.pagination import Page


def contact_detail(session: Session, contact: Contact) -> ContactDetailOut:
    identities = contacts.list_identities(session, contact_id=contact.id)
    return ContactDetailOut(
        **ContactOut.model_validate(contact).model_dump(),
        identities=[IdentityOut.model_validate(i) for i in identities],
    )


class ContactController(Controller):
    path = "/contacts"
    opt = {"resource": "contacts"}  # permissions: api.guards
    tags = ["contacts"]

    @get(
        "/",
        sync_to_thread=True,
        summary="List or search contacts",
        responses=problem_responses(),
    )
    def list_contacts(
        self,
        session: TenantSession,
        q: Annotated[SearchText | None, QueryParameter(description="name contains")] = None,
        value_tier: FromQuery[ValueTier | None] = None,
        identity_kind: Annotated[
            IdentityKind | None, QueryParameter(description="with `identity`: exact address lookup")
        ] = None,
        identity: Annotated[
            IdentityValue | None,
            QueryParameter(description="an address, in any common format"),
        ] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[ContactOut]:
        """Live contacts newest first; an identity lookup answers a page of at most one."""
        if (identity_kind is None) != (identity is None):
            raise InvalidInputError(
                "identity lookup needs both parameters",
                [FieldProblem("identity_kind" if identity else "identity", "is required")],
            )
        if identity_kind is not None and identity is not None:
            try:
                found = contacts.find_by_identity(session, kind=identity_kind, value=identity)
            except NotFoundError:
                return PageOut[ContactOut](items=[], next_cursor=None)
            page = Page(items=[found], next_cursor=None)
        else:
            page = contacts.list_contacts(
                session, search=q, value_tier=value_tier, limit=limit, cursor=cursor
            )
        return page_out(page, ContactOut.model_validate)

    @post(
        "/",
        sync_to_thread=True,
        summary="Create a contact with its identities",
        responses=problem_responses(409),
    )
    def create_contact(
        self, session: TenantSession, data: JSONBody[ContactCreate]
    ) -> ContactDetailOut:
        contact = contacts.create_contact(
            session,
            name=data.name,
            value_tier=data.value_tier,
            segment=data.segment,
            language=data.language,
            attributes=data.attributes,
            identities=[contacts.IdentityInput(i.kind, i.value) for i in data.identities],
        )
        return contact_detail(session, contact)

    @get(
        "/{contact_id:uuid}",
        sync_to_thread=True,
        summary="Get a contact",
        responses=problem_responses(404),
    )
    def get_contact(
        self, session: TenantSession, contact_id: FromPath[uuid.UUID]
    ) -> ContactDetailOut:
        return contact_detail(session, contacts.get_contact(session, contact_id=contact_id))

    @patch(
        "/{contact_id:uuid}",
        sync_to_thread=True,
        summary="Change a contact",
        responses=problem_responses(404),
    )
    def update_contact(
        self, session: TenantSession, contact_id: FromPath[uuid.UUID], data: JSONBody[ContactUpdate]
    ) -> ContactDetailOut:
        contact = contacts.update_contact(session, contact_id=contact_id, changes=data.changes())
        return contact_detail(session, contact)

    @delete(
        "/{contact_id:uuid}",
        sync_to_thread=True,
        summary="Delete a contact that has no conversations",
        responses=problem_responses(404, 409),
    )
    def delete_contact(self, session: TenantSession, contact_id: FromPath[uuid.UUID]) -> None:
        contacts.delete_contact(session, contact_id=contact_id)

    @post(
        "/{contact_id:uuid}/identities",
        sync_to_thread=True,
        summary="Add an identity (address) to a contact",
        responses=problem_responses(404, 409),
    )
    def add_identity(
        self, session: TenantSession, contact_id: FromPath[uuid.UUID], data: JSONBody[IdentityIn]
    ) -> IdentityOut:
        identity = contacts.add_identity(
            session, contact_id=contact_id, identity=contacts.IdentityInput(data.kind, data.value)
        )
        return IdentityOut.model_validate(identity)

    @delete(
        "/{contact_id:uuid}/identities/{identity_id:uuid}",
        sync_to_thread=True,
        summary="Remove an identity from a contact",
        responses=problem_responses(404, 409),
    )
    def remove_identity(
        self,
        session: TenantSession,
        contact_id: FromPath[uuid.UUID],
        identity_id: FromPath[uuid.UUID],
    ) -> None:
        contacts.remove_identity(session, contact_id=contact_id, identity_id=identity_id)

    @post(
        "/{contact_id:uuid}/merge",
        status_code=200,
        sync_to_thread=True,
        summary="Merge another contact into this one; answers the survivor",
        responses=problem_responses(404, 409),
    )
    def merge_contact(
        self,
        session: TenantSession,
        principal: Caller,
        contact_id: FromPath[uuid.UUID],
        data: JSONBody[MergeIn],
    ) -> ContactDetailOut:
        survivor = contacts.merge_contacts(
            session,
            survivor_id=contact_id,
            merged_id=data.merge_contact_id,
            actor_user_id=principal.user_id,
        )
        return contact_detail(session, survivor)
