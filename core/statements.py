"""Prebuilt Core statements for the hot write path (ingest, events, outbox).

Building a SQLAlchemy statement costs more than running it on this hardware, so the few
statements every inbound message runs are built once here and executed with parameters on the
session's connection. Each takes ``tenant_id`` as a parameter and callers pass
``session_tenant(session)`` — the same single source that ORM scoping in core.db uses.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import session_tenant
from core.models.contact import Contact, ContactIdentity
from core.models.conversation import OPEN_STATUSES, Conversation, ConversationStatus
from core.models.event import ConversationEvent
from core.models.message import Message
from core.models.outbox import OutboxJob
from core.models.tenant import Tenant

contact_t: sa.Table = Contact.__table__  # type: ignore[attr-defined]
identity_t: sa.Table = ContactIdentity.__table__  # type: ignore[attr-defined]
conversation_t: sa.Table = Conversation.__table__  # type: ignore[attr-defined]
message_t: sa.Table = Message.__table__  # type: ignore[attr-defined]
event_t: sa.Table = ConversationEvent.__table__  # type: ignore[attr-defined]
outbox_t: sa.Table = OutboxJob.__table__  # type: ignore[attr-defined]
tenant_t: sa.Table = Tenant.__table__  # type: ignore[attr-defined]

TENANT: sa.BindParameter[Any] = sa.bindparam("scope_tenant_id")

INSERT_CONTACT = sa.insert(contact_t)
INSERT_IDENTITY = sa.insert(identity_t)
INSERT_CONVERSATION = sa.insert(conversation_t)
INSERT_MESSAGE = sa.insert(message_t)
INSERT_EVENT = sa.insert(event_t)
INSERT_OUTBOX = sa.insert(outbox_t)

NEXT_CONVERSATION_NUMBER = (
    sa.update(tenant_t)
    .where(tenant_t.c.id == TENANT)
    .values(conversation_seq=tenant_t.c.conversation_seq + 1)
    .returning(tenant_t.c.conversation_seq)
)


# Rendered as constants, not an expanding parameter that is re-rendered on every execution.
_OPEN_STATUS_VALUES: list[sa.ColumnElement[Any]] = [
    sa.literal_column(f"'{status.value}'") for status in OPEN_STATUSES
]


def _open_conversation_of_contact(column: sa.ColumnElement[Any], *, same_channel: bool) -> Any:
    """Correlated: the contact's newest open conversation (optionally on this channel)."""
    query = (
        sa.select(column)
        .where(
            conversation_t.c.tenant_id == TENANT,
            conversation_t.c.contact_id == identity_t.c.contact_id,
            conversation_t.c.status.in_(_OPEN_STATUS_VALUES),
        )
        .order_by(conversation_t.c.id.desc())
        .limit(1)
    )
    if same_channel:
        query = query.where(conversation_t.c.channel == sa.bindparam("channel"))
    return query.scalar_subquery()


def _resolve_inbound(*, same_channel: bool) -> sa.Select[Any]:
    """One round trip for the three questions of every inbound message: seen it before? who
    sent it? which open conversation of theirs does it continue?"""
    return sa.select(
        sa.select(message_t.c.id)
        .where(
            message_t.c.tenant_id == TENANT,
            message_t.c.channel == sa.bindparam("channel"),
            message_t.c.external_id == sa.bindparam("external_id"),
        )
        .scalar_subquery()
        .label("duplicate_id"),
        identity_t.c.id.label("identity_id"),
        identity_t.c.contact_id,
        _open_conversation_of_contact(conversation_t.c.id, same_channel=same_channel).label(
            "conversation_id"
        ),
        _open_conversation_of_contact(conversation_t.c.status, same_channel=same_channel).label(
            "conversation_status"
        ),
    ).select_from(
        sa.select(sa.literal_column("1").label("one"))
        .subquery("one")
        .outerjoin(
            identity_t,
            sa.and_(
                identity_t.c.tenant_id == TENANT,
                identity_t.c.kind == sa.bindparam("kind"),
                identity_t.c.value == sa.bindparam("value"),
            ),
        )
    )


RESOLVE_INBOUND_SAME_CHANNEL = _resolve_inbound(same_channel=True)
RESOLVE_INBOUND_ANY_CHANNEL = _resolve_inbound(same_channel=False)

_live_conversation = sa.and_(
    conversation_t.c.tenant_id == TENANT,
    conversation_t.c.status != ConversationStatus.CLOSED.value,
)

# Thread hints: a message this one answers (same channel), or a reference number the customer
# quoted (only their own conversations). Closed conversations are never reused.
THREAD_BY_REFERENCE = (
    sa.select(conversation_t.c.id, conversation_t.c.status)
    .join(
        message_t,
        sa.and_(
            message_t.c.tenant_id == conversation_t.c.tenant_id,
            message_t.c.conversation_id == conversation_t.c.id,
        ),
    )
    .where(
        _live_conversation,
        message_t.c.channel == sa.bindparam("channel"),
        message_t.c.external_id.in_(sa.bindparam("references", expanding=True)),
    )
    .order_by(message_t.c.id.desc())
    .limit(1)
)

THREAD_BY_NUMBER = sa.select(conversation_t.c.id, conversation_t.c.status).where(
    _live_conversation,
    conversation_t.c.number == sa.bindparam("number"),
    conversation_t.c.contact_id == sa.bindparam("contact_id"),
)

DUPLICATE_OF = (
    sa.select(message_t.c.id, message_t.c.conversation_id, conversation_t.c.contact_id)
    .join(
        conversation_t,
        sa.and_(
            conversation_t.c.tenant_id == message_t.c.tenant_id,
            conversation_t.c.id == message_t.c.conversation_id,
        ),
    )
    .where(message_t.c.tenant_id == TENANT, message_t.c.id == sa.bindparam("message_id"))
)

SET_CONVERSATION_STATUS = (
    sa.update(conversation_t)
    .where(conversation_t.c.tenant_id == TENANT, conversation_t.c.id == sa.bindparam("cid"))
    .values(status=sa.bindparam("status"))
)

REOPEN_CONVERSATION = (
    sa.update(conversation_t)
    .where(conversation_t.c.tenant_id == TENANT, conversation_t.c.id == sa.bindparam("cid"))
    .values(
        status=ConversationStatus.OPEN.value,
        resolved_at=None,
        reopen_count=conversation_t.c.reopen_count + 1,
    )
)

TOUCH_CONVERSATION = (
    sa.update(conversation_t)
    .where(conversation_t.c.tenant_id == TENANT, conversation_t.c.id == sa.bindparam("cid"))
    .values(
        last_message_at=sa.bindparam("now"),
        last_inbound_at=sa.bindparam("now"),
        updated_at=sa.bindparam("now"),
    )
)


def run(session: Session, statement: sa.Executable, params: dict[str, Any] | None = None) -> Any:
    """Execute on the session's connection (its transaction), with the session's tenant bound."""
    bound = {"scope_tenant_id": session_tenant(session), **(params or {})}
    return session.connection().execute(statement, bound)


def insert_row(session: Session, statement: sa.Insert, row: dict[str, Any]) -> None:
    """Insert one row stamped with the session's tenant."""
    session.connection().execute(statement, {**row, "tenant_id": session_tenant(session)})
