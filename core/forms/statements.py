"""Prebuilt statements of the submission path (see core.statements for why they are prebuilt).

Each takes the tenant as ``scope_tenant_id`` through ``core.statements.run``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core import statements as st
from core.models.channel import Channel
from core.models.inbound_record import InboundRecord, InboundState
from core.models.mailbox import Mailbox

record_t: sa.Table = InboundRecord.__table__  # type: ignore[attr-defined]
mailbox_t: sa.Table = Mailbox.__table__  # type: ignore[attr-defined]

_WEBFORM: sa.ColumnElement[str] = sa.literal_column(f"'{Channel.WEBFORM.value}'")
_NOT_COUNTED: list[sa.ColumnElement[Any]] = [
    sa.literal_column(f"'{state.value}'")
    for state in (InboundState.RATE_LIMITED, InboundState.DUPLICATE)
]
_SINCE = sa.bindparam("since", type_=record_t.c.created_at.type)
BY_ADDRESS: tuple[sa.ColumnElement[bool], ...] = (
    record_t.c.tenant_id == st.TENANT,
    record_t.c.channel == _WEBFORM,
    record_t.c.remote_addr == sa.bindparam("remote_addr"),
    record_t.c.created_at >= _SINCE,
    record_t.c.state.not_in(_NOT_COUNTED),
)
BY_IDENTITY: tuple[sa.ColumnElement[bool], ...] = (
    record_t.c.tenant_id == st.TENANT,
    record_t.c.mailbox_id.is_(None),  # the leading columns of ix_inbound_record_sender
    record_t.c.sender == sa.bindparam("sender"),
    record_t.c.created_at >= _SINCE,
    record_t.c.channel == _WEBFORM,
    record_t.c.state.not_in(_NOT_COUNTED),
)


def _counted(where: tuple[sa.ColumnElement[bool], ...], cap: str) -> Any:
    """How many rows match, counting no further than the limit: the scan stops at ``cap``."""
    capped: sa.Select[Any] = (
        sa.select(sa.literal_column("1").label("one")).where(*where).limit(sa.bindparam(cap))
    )
    return sa.select(sa.func.count()).select_from(capped.subquery()).scalar_subquery()


def _identity_column(column: sa.Column[Any]) -> Any:
    return (
        sa.select(column)
        .where(
            st.identity_t.c.tenant_id == st.TENANT,
            st.identity_t.c.kind == sa.bindparam("kind"),
            st.identity_t.c.value == sa.bindparam("sender"),
        )
        .scalar_subquery()
    )


# One round trip for every question a submission asks before it is stored: how many from this
# address and this identity, an ingested twin, who the identity is, and whether the tenant
# can send email. All index lookups.
ACTIVITY = sa.select(
    _counted(BY_ADDRESS, "address_cap").label("by_address"),
    _counted(BY_IDENTITY, "identity_cap").label("by_identity"),
    sa.select(st.message_t.c.id)
    .where(
        st.message_t.c.tenant_id == st.TENANT,
        st.message_t.c.channel == _WEBFORM,
        st.message_t.c.external_id == sa.bindparam("external_id"),
    )
    .scalar_subquery()
    .label("twin_id"),
    _identity_column(st.identity_t.c.id).label("identity_id"),
    _identity_column(st.identity_t.c.contact_id).label("contact_id"),
    sa.exists()
    .where(mailbox_t.c.tenant_id == st.TENANT, mailbox_t.c.active.is_(True))
    .label("has_mailbox"),
)
OLDEST_BY_ADDRESS = sa.select(sa.func.min(record_t.c.created_at)).where(*BY_ADDRESS)
OLDEST_BY_IDENTITY = sa.select(sa.func.min(record_t.c.created_at)).where(*BY_IDENTITY)

INSERT_RECORD = sa.insert(record_t)
FINISH_RECORD = (
    sa.update(record_t)
    .where(record_t.c.tenant_id == st.TENANT, record_t.c.id == sa.bindparam("record_id"))
    .values(
        state=sa.bindparam("state"),
        message_id=sa.bindparam("message_id"),
        processed_at=sa.bindparam("processed_at"),
    )
)

IDENTITY = sa.select(st.identity_t.c.id, st.identity_t.c.contact_id).where(
    st.identity_t.c.tenant_id == st.TENANT,
    st.identity_t.c.kind == sa.bindparam("kind"),
    st.identity_t.c.value == sa.bindparam("value"),
)

CONVERSATION_OF_MESSAGE = (
    sa.select(st.conversation_t.c.id, st.conversation_t.c.number, st.conversation_t.c.contact_id)
    .select_from(st.message_t)
    .join(
        st.conversation_t,
        sa.and_(
            st.conversation_t.c.tenant_id == st.message_t.c.tenant_id,
            st.conversation_t.c.id == st.message_t.c.conversation_id,
        ),
    )
    .where(st.message_t.c.tenant_id == st.TENANT, st.message_t.c.id == sa.bindparam("message_id"))
)

_THIS_CONVERSATION = (
    st.conversation_t.c.tenant_id == st.TENANT,
    st.conversation_t.c.id == sa.bindparam("cid"),
)
# A conversation the submission opened goes to the form's queue (unless routing placed it
# already); the same statement gives back its number.
PLACE_IN_QUEUE = (
    sa.update(st.conversation_t)
    .where(*_THIS_CONVERSATION)
    .values(
        queue_id=sa.func.coalesce(
            st.conversation_t.c.queue_id, sa.bindparam("queue_id", type_=sa.Uuid())
        )
    )
    .returning(st.conversation_t.c.number)
)
NUMBER = sa.select(st.conversation_t.c.number).where(*_THIS_CONVERSATION)
