"""Call-back requests: a customer asks to be called (IVR, web form, API); a worker dials them.

``request_callback`` records the request and queues the ``place_callback`` job in the caller's
transaction. The job claims a due request once (``claim_due``: PENDING → DIALING with a
conditional update), places the call through the provider, and records the call sid; the
call's status decides the rest: answered → COMPLETED, busy / no answer / failed → PENDING
again a little later (up to ``MAX_ATTEMPTS``) or FAILED. Requests due later, retries and
claims a crashed worker left behind are picked up by ``due_callbacks`` (a periodic sweep).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core import outbox
from core import statements as st
from core.clock import utcnow
from core.db import Database
from core.errors import FieldProblem, InvalidInputError
from core.lookup import get_by_id, get_referenced
from core.models.callback_request import CallbackRequest, CallbackState
from core.models.contact import Contact, ContactIdentity, IdentityKind
from core.models.conversation import Conversation
from core.models.voice_account import VoiceAccount
from core.models.voice_line import VoiceLine
from core.pagination import Page, paginate

PLACE_CALLBACK_ACTOR = "place_callback"
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=10)
MAX_AHEAD = timedelta(days=30)
STALE_DIALING = timedelta(minutes=5)
SWEEP_BATCH = 50
SOURCE = re.compile(r"^[a-z][a-z0-9_.:-]{0,31}$")
OPEN_STATES = (CallbackState.PENDING, CallbackState.DIALING)

_callback = CallbackRequest.__table__  # type: ignore[attr-defined]


def request_callback(
    session: Session,
    *,
    number: str,
    source: str,
    conversation_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    due_at: datetime | None = None,
) -> CallbackRequest:
    """Ask for a call-back to ``number`` (no commit); the place_callback job is queued with it.

    The number is normalised to E.164 (a national number is read in the country of the
    tenant's caller id or first line). A number with a call-back still open gets that one
    back, not a second call. InvalidInputError (naming the field) for a bad number, source or
    due time and for an unknown conversation or contact.
    """
    normalized = _e164(number, region=_home_region(session))
    if not SOURCE.match(source or ""):
        raise InvalidInputError(
            "invalid source",
            [FieldProblem("source", "1 to 32 of a-z, 0-9, '_', '.', ':' and '-', like 'ivr'")],
        )
    now = utcnow()
    due = _due(due_at, now)
    if conversation_id is not None:
        conversation = get_referenced(
            session, Conversation, conversation_id, field="conversation_id", noun="conversation"
        )
        contact_id = contact_id or conversation.contact_id
    if contact_id is not None:
        get_referenced(session, Contact, contact_id, field="contact_id", noun="contact")
    else:
        contact_id = session.execute(
            sa.select(col(ContactIdentity.contact_id)).where(
                col(ContactIdentity.kind) == IdentityKind.PHONE,
                col(ContactIdentity.value) == normalized,
            )
        ).scalar_one_or_none()
    existing = session.execute(
        sa.select(CallbackRequest)
        .where(
            col(CallbackRequest.number) == normalized, col(CallbackRequest.state).in_(OPEN_STATES)
        )
        .order_by(col(CallbackRequest.id))
        .limit(1)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    request = CallbackRequest(
        conversation_id=conversation_id,
        contact_id=contact_id,
        number=normalized,
        source=source,
        due_at=due,
        created_at=now,
    )
    session.add(request)
    session.flush()
    outbox.enqueue(session, actor=PLACE_CALLBACK_ACTOR, payload={"callback_id": str(request.id)})
    return request


def _e164(raw: str, *, region: str | None) -> str:
    try:
        parsed = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInputError(
            "invalid number", [FieldProblem("number", f"not a phone number: {exc}")]
        ) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInputError(
            "invalid number", [FieldProblem("number", "not a valid phone number")]
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _home_region(session: Session) -> str | None:
    """The country national numbers are read in: the caller id's, else the first line's."""
    number = session.execute(sa.select(col(VoiceAccount.caller_id))).scalar_one_or_none()
    if number is None:
        number = session.execute(
            sa.select(col(VoiceLine.number)).order_by(col(VoiceLine.id)).limit(1)
        ).scalar_one_or_none()
    if number is None:
        return None
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, None)) or None
    except phonenumbers.NumberParseException:
        return None


def _due(due_at: datetime | None, now: datetime) -> datetime:
    if due_at is None:
        return now
    if due_at.tzinfo is None or due_at.utcoffset() is None:
        raise InvalidInputError(
            "invalid due_at", [FieldProblem("due_at", "needs a time zone offset")]
        )
    if due_at > now + MAX_AHEAD:
        raise InvalidInputError(
            "invalid due_at", [FieldProblem("due_at", "at most 30 days from now")]
        )
    return max(due_at, now)


def get_callback(session: Session, *, callback_id: uuid.UUID) -> CallbackRequest:
    return get_by_id(session, CallbackRequest, callback_id, noun="call-back request")


def list_callbacks(
    session: Session,
    *,
    state: CallbackState | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[CallbackRequest]:
    """Call-back requests, newest first, optionally in one state."""
    query = sa.select(CallbackRequest)
    if state is not None:
        query = query.where(col(CallbackRequest.state) == state)
    return paginate(session, query, col(CallbackRequest.id), limit=limit, cursor=cursor)


# -- the worker's side -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallbackDial:
    """A call-back claimed for dialling: whom to call, and as whom."""

    callback_id: uuid.UUID
    number: str
    caller_id: str | None
    attempt: int


CLAIM_DUE = (
    sa.update(_callback)
    .where(
        _callback.c.tenant_id == st.TENANT,
        _callback.c.id == sa.bindparam("cid"),
        _callback.c.state == sa.literal_column("'pending'"),
        _callback.c.due_at <= sa.bindparam("now"),
    )
    .values(
        state="dialing",
        attempts=_callback.c.attempts + 1,
        call_sid=None,
        due_at=sa.bindparam("now"),  # while dialing: when it was taken (for stale claims)
    )
)


def claim_due(
    session: Session, *, callback_id: uuid.UUID, at: datetime | None = None
) -> CallbackDial | None:
    """Take a pending, due call-back for dialling, once (no commit); None if it is not."""
    now = at or utcnow()
    claimed = st.run(session, CLAIM_DUE, {"cid": callback_id, "now": now})
    if claimed.rowcount != 1:
        return None
    request = get_callback(session, callback_id=callback_id)
    session.refresh(request)
    caller_id = session.execute(sa.select(col(VoiceAccount.caller_id))).scalar_one_or_none()
    if caller_id is None:
        caller_id = session.execute(
            sa.select(col(VoiceLine.number))
            .where(col(VoiceLine.active).is_(True))
            .order_by(col(VoiceLine.id))
            .limit(1)
        ).scalar_one_or_none()
    return CallbackDial(request.id, request.number, caller_id, request.attempts)


def record_dialled(session: Session, *, callback_id: uuid.UUID, call_sid: str) -> None:
    """The provider accepted the call (no commit); its status callbacks say the rest."""
    request = get_callback(session, callback_id=callback_id)
    request.call_sid = call_sid[:64]
    session.flush()


def record_failure(
    session: Session,
    *,
    callback_id: uuid.UUID,
    reason: str,
    permanent: bool = False,
    at: datetime | None = None,
) -> CallbackRequest:
    """The attempt failed: try again later while attempts remain (no commit)."""
    now = at or utcnow()
    request = get_callback(session, callback_id=callback_id)
    if request.state not in OPEN_STATES:
        return request
    request.last_error = reason[:1000]
    if permanent or request.attempts >= MAX_ATTEMPTS:
        request.state, request.completed_at = CallbackState.FAILED, now
    else:
        request.state, request.due_at = CallbackState.PENDING, now + RETRY_AFTER
    session.flush()
    return request


def record_answered(
    session: Session, *, callback_id: uuid.UUID, at: datetime | None = None
) -> None:
    """The customer picked up: the call-back is done (no commit)."""
    request = get_callback(session, callback_id=callback_id)
    if request.state in OPEN_STATES:
        request.state, request.completed_at = CallbackState.COMPLETED, at or utcnow()
        session.flush()


DUE = (
    sa.select(_callback.c.tenant_id, _callback.c.id)
    .where(
        _callback.c.state == sa.literal_column("'pending'"),
        _callback.c.due_at <= sa.bindparam("now"),
    )
    .order_by(_callback.c.due_at)
    .limit(sa.bindparam("batch"))
)
RELEASE_STALE = (
    sa.update(_callback)
    .where(
        _callback.c.state == sa.literal_column("'dialing'"),
        _callback.c.call_sid.is_(None),
        _callback.c.due_at <= sa.bindparam("stale_before"),
    )
    .values(state="pending")
)


def due_callbacks(
    database: Database, *, at: datetime | None = None, batch: int = SWEEP_BATCH
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant, call-back) pairs due for dialling, across tenants; claims a crashed worker
    left without a call sid for a while are released first."""
    now = at or utcnow()
    with database.system_unit() as session:
        session.connection().execute(RELEASE_STALE, {"stale_before": now - STALE_DIALING})
        rows = session.connection().execute(DUE, {"now": now, "batch": batch}).all()
    return [(row.tenant_id, row.id) for row in rows]
