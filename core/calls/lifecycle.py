"""A call from its arrival to the IVR's end: recorded, identified, its choices and identity check.

``start_call`` is the incoming-call webhook's whole database work, one statement: the caller is
identified by caller ID among the contacts' phone identities (numbers normalised with
phonenumbers, as ``core.identities`` does) and the call inserted, unless a retry already did.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core import statements as st
from core.calls import statements as cs
from core.clock import utcnow
from core.db import session_tenant
from core.errors import InvalidInputError, NotFoundError
from core.events import record_event
from core.identities import normalize_identity
from core.ids import new_id
from core.models.channel import Channel
from core.models.contact import Contact, IdentityKind
from core.models.conversation import Conversation
from core.models.event import EventType
from core.models.interaction import Interaction, InteractionState

MAX_PATH = 50


@dataclass(frozen=True, slots=True)
class CallStart:
    """The call as the IVR first sees it; ``new`` is False for a provider's retry."""

    interaction_id: uuid.UUID
    contact_id: uuid.UUID | None
    new: bool


@dataclass(frozen=True, slots=True)
class CallerProfile:
    """What self-service and verification may read of a known caller."""

    contact_id: uuid.UUID
    name: str
    value_tier: str
    attributes: Mapping[str, Any]


def caller_number(raw: str | None, region: str | None) -> str | None:
    """The caller's number in E.164, or None for anonymous, SIP or client callers."""
    if not raw:
        return None
    try:
        return normalize_identity(IdentityKind.PHONE, raw, region=region)
    except InvalidInputError:
        return None


def start_call(
    session: Session,
    *,
    call_sid: str,
    line_id: uuid.UUID | None,
    from_number: str | None,
    to_number: str | None,
    region: str | None,
    inbound: bool = True,
    state: InteractionState = InteractionState.IVR,
    contact_id: uuid.UUID | None = None,
    at: datetime | None = None,
) -> CallStart:
    """Record a call arriving (no commit); a retried webhook finds the call it recorded."""
    now = at or utcnow()
    customer = caller_number(from_number if inbound else to_number, region)
    interaction_id = new_id()
    values: dict[str, Any] = {
        column.name: None for column in cs.interaction_t.columns if column.name != "contact_id"
    }
    values.update(
        tenant_id=session_tenant(session),
        id=interaction_id,
        created_at=now,
        line_id=line_id,
        from_number=_number((customer if inbound else None) or from_number),
        to_number=_number((customer if not inbound else None) or to_number),
        channel=Channel.PHONE,
        inbound=inbound,
        external_id=call_sid,
        state=state,
        ivr_path=[],
        voicemail=False,
        talk_seconds=0,
        hold_seconds=0,
        wrap_up_seconds=0,
        abandoned=False,
        given_contact_id=contact_id,
        caller=customer or "",
        caller_tenant_id=session_tenant(session),
    )
    statement = cs.START_CALL[session.get_bind().dialect.name]
    row = session.connection().execute(statement, values).first()
    if row is not None:
        return CallStart(row.id, row.contact_id, new=True)
    existing = st.run(session, cs.CALL_BY_SID, {"sid": call_sid}).one()
    return CallStart(existing.id, existing.contact_id, new=False)


def _number(value: str | None) -> str | None:
    return value[:32] if value else None


def find_call(session: Session, *, call_sid: str, lock: bool = False) -> Interaction | None:
    """The call with this provider sid, or None; ``lock`` holds its row until commit."""
    query = sa.select(Interaction).where(
        col(Interaction.channel) == Channel.PHONE, col(Interaction.external_id) == call_sid
    )
    if lock:
        query = query.with_for_update()
    return session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()


def get_call(session: Session, *, call_sid: str, lock: bool = False) -> Interaction:
    """The call with this provider sid; NotFoundError if this tenant never saw it."""
    call = find_call(session, call_sid=call_sid, lock=lock)
    if call is None:
        raise NotFoundError(f"call {call_sid} not found")
    return call


def record_choice(session: Session, *, call: Interaction, step: int, choice: str) -> bool:
    """Append one IVR choice; False when step ``step`` was recorded already (a retry)."""
    if len(call.ivr_path) != step or step >= MAX_PATH:
        return False
    call.ivr_path = [*call.ivr_path, choice[:80]]
    session.flush()
    return True


def record_verification(
    session: Session, *, call: Interaction, verified: bool, at: datetime | None = None
) -> None:
    """The caller passed or failed the identity check (D11); the first answer stands."""
    if call.verified is not None:
        return
    call.verified = verified
    session.flush()
    if verified and call.conversation_id is not None:
        mark_conversation_verified(session, conversation_id=call.conversation_id, at=at)


def mark_conversation_verified(
    session: Session, *, conversation_id: uuid.UUID, at: datetime | None = None
) -> None:
    """The conversation's customer is verified (once, with its event)."""
    updated = session.execute(
        sa.update(Conversation)
        .where(
            col(Conversation.id) == conversation_id,
            col(Conversation.identity_verified).is_(False),
        )
        .values(identity_verified=True)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount == 1:  # type: ignore[attr-defined]
        record_event(
            session,
            conversation_id=conversation_id,
            type=EventType.IDENTITY_VERIFIED,
            data={"via": "phone"},
            occurred_at=at or utcnow(),
        )


def caller_profile(session: Session, *, call: Interaction) -> CallerProfile | None:
    """The known caller's contact (None for a caller we cannot identify)."""
    if call.contact_id is None:
        return None
    contact = session.execute(
        sa.select(Contact).where(col(Contact.id) == call.contact_id)
    ).scalar_one_or_none()
    if contact is None:
        return None
    return CallerProfile(
        contact_id=contact.id,
        name=contact.name,
        value_tier=contact.value_tier.value,
        attributes=dict(contact.attributes or {}),
    )


def note_provider_status(session: Session, *, call: Interaction, status: str) -> bool:
    """Keep the status the provider last reported for the call, as it spelled it; whether it
    changed."""
    if call.provider_status == status[:32]:
        return False
    call.provider_status = status[:32]
    session.flush()
    return True
