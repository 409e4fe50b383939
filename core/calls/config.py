"""A tenant's telephony set-up: its CPaaS account and its voice lines, and how webhooks find them.

The account's auth token signs every webhook and authenticates REST calls, so it is stored as
given (it is an HMAC key, not a password) and never shown again. Lines are dialled numbers in
E.164 with their IVR tree (validated by the phone channel before it gets here; the queues it
names are checked here). Services flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core import statements as st
from core.errors import (
    ConflictError,
    FieldProblem,
    InvalidInputError,
    NotFoundError,
    reject_unknown_fields,
)
from core.lookup import get_by_id, get_referenced
from core.models.business_calendar import BusinessCalendarRecord
from core.models.interaction import Interaction
from core.models.queue import Queue
from core.models.tenant import Tenant
from core.models.voice_account import VoiceAccount
from core.models.voice_line import VoiceLine
from core.pagination import Page, paginate
from core.sla.business_hours import BusinessCalendar
from core.sla.calendars import CalendarResolver, to_calendar

LINE_FIELDS = frozenset(
    {"number", "name", "language", "ivr", "default_queue_id", "calendar_id", "voicemail", "active"}
)


def e164(raw: str, *, field: str, region: str | None = None) -> str:
    """A phone number in E.164; InvalidInputError on ``field`` if it is not a valid one."""
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInputError(
            f"invalid {field}", [FieldProblem(field, f"not a phone number: {exc}")]
        ) from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidInputError(
            f"invalid {field}", [FieldProblem(field, "not a possible phone number")]
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def region_of(number: str | None) -> str | None:
    """The country of an E.164 number (CN for +86...), to read callers' local numbers."""
    if not number:
        return None
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, None)) or None
    except phonenumbers.NumberParseException:
        return None


# -- the account -----------------------------------------------------------------------------


def find_account(session: Session) -> VoiceAccount | None:
    return session.execute(sa.select(VoiceAccount)).scalar_one_or_none()


def get_account(session: Session) -> VoiceAccount:
    """The tenant's voice account; NotFoundError when it has none."""
    account = find_account(session)
    if account is None:
        raise NotFoundError("this tenant has no voice account")
    return account


def put_account(
    session: Session,
    *,
    account_sid: str,
    auth_token: str | None,
    api_base_url: str | None = None,
    public_base_url: str | None = None,
    caller_id: str | None = None,
    active: bool = True,
) -> VoiceAccount:
    """Create or replace the tenant's account; ``auth_token`` None keeps the stored one.

    InvalidInputError when a new account has no token or the caller id is not a number.
    """
    account = find_account(session)
    if account is None and not auth_token:
        raise InvalidInputError(
            "a new voice account needs its auth token",
            [FieldProblem("auth_token", "required when the account is created")],
        )
    values: dict[str, Any] = {
        "account_sid": account_sid,
        "api_base_url": api_base_url,
        "public_base_url": public_base_url,
        "caller_id": e164(caller_id, field="caller_id") if caller_id else None,
        "active": active,
    }
    if auth_token:
        values["auth_token"] = auth_token
    if account is None:
        account = VoiceAccount(**values)
        session.add(account)
    else:
        for name, value in values.items():
            setattr(account, name, value)
    session.flush()
    return account


# -- lines -----------------------------------------------------------------------------------


def list_lines(session: Session, *, limit: int = 50, cursor: str | None = None) -> Page[VoiceLine]:
    return paginate(session, sa.select(VoiceLine), col(VoiceLine.id), limit=limit, cursor=cursor)


def get_line(session: Session, *, line_id: uuid.UUID) -> VoiceLine:
    """The line; NotFoundError if this tenant has none with that id."""
    return get_by_id(session, VoiceLine, line_id, noun="voice line")


def create_line(
    session: Session, *, ivr_queues: Mapping[str, uuid.UUID], **fields: Any
) -> VoiceLine:
    """A new line (no commit). ``ivr_queues`` are the queues its IVR names, by path in the tree.

    InvalidInputError for a bad number or an unknown queue or calendar; ConflictError when the
    tenant has the number already.
    """
    unknown = set(fields) - LINE_FIELDS
    if unknown:
        raise TypeError(f"unknown line fields {sorted(unknown)}")
    line = VoiceLine(**_checked(session, fields, ivr_queues, line_id=None))
    session.add(line)
    session.flush()
    return line


def update_line(
    session: Session,
    *,
    line_id: uuid.UUID,
    changes: Mapping[str, Any],
    ivr_queues: Mapping[str, uuid.UUID],
) -> VoiceLine:
    """Change some fields of a line (no commit); checked as ``create_line`` checks."""
    reject_unknown_fields(changes, LINE_FIELDS)
    line = get_line(session, line_id=line_id)
    for name, value in _checked(session, changes, ivr_queues, line_id=line_id).items():
        setattr(line, name, value)
    session.flush()
    return line


def delete_line(session: Session, *, line_id: uuid.UUID) -> None:
    """Delete a line no call went through (calls are the record: deactivate it instead)."""
    line = get_line(session, line_id=line_id)
    used = session.execute(
        sa.select(col(Interaction.id)).where(col(Interaction.line_id) == line_id).limit(1)
    ).first()
    if used is not None:
        raise ConflictError("calls went through this line; deactivate it instead")
    session.delete(line)
    session.flush()


def _checked(
    session: Session,
    fields: Mapping[str, Any],
    ivr_queues: Mapping[str, uuid.UUID],
    *,
    line_id: uuid.UUID | None,
) -> dict[str, Any]:
    values = dict(fields)
    if "number" in values:
        values["number"] = e164(values["number"], field="number")
        taken = session.execute(
            sa.select(col(VoiceLine.id)).where(
                col(VoiceLine.number) == values["number"], col(VoiceLine.id) != line_id
            )
        ).first()
        if taken is not None:
            raise ConflictError(f"the number {values['number']} is a line already")
    if values.get("default_queue_id") is not None:
        get_referenced(
            session, Queue, values["default_queue_id"], field="default_queue_id", noun="queue"
        )
    if values.get("calendar_id") is not None:
        get_referenced(
            session,
            BusinessCalendarRecord,
            values["calendar_id"],
            field="calendar_id",
            noun="calendar",
        )
    for path, queue_id in sorted(ivr_queues.items()):
        get_referenced(session, Queue, queue_id, field=path, noun="queue")
    return values


# -- what webhooks need ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoiceTenant:
    """A tenant as its voice webhooks see it: who it is and its account's credentials."""

    tenant_id: uuid.UUID
    slug: str
    account_sid: str
    auth_token: str
    api_base_url: str | None
    public_base_url: str | None
    caller_id: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class LineSetup:
    """A line as a call needs it, with the calendar that decides after hours."""

    id: uuid.UUID
    number: str
    name: str
    language: str
    ivr: Mapping[str, Any]
    default_queue_id: uuid.UUID | None
    voicemail: bool
    active: bool
    calendar: BusinessCalendar
    region: str | None


_account = VoiceAccount.__table__  # type: ignore[attr-defined]
_tenant = Tenant.__table__  # type: ignore[attr-defined]
_VOICE_TENANT = sa.select(
    _tenant.c.id,
    _tenant.c.slug,
    _account.c.account_sid,
    _account.c.auth_token,
    _account.c.api_base_url,
    _account.c.public_base_url,
    _account.c.caller_id,
    _account.c.active,
).select_from(_tenant.join(_account, _account.c.tenant_id == _tenant.c.id))
VOICE_TENANT_BY_SLUG = _VOICE_TENANT.where(_tenant.c.slug == sa.bindparam("slug"))
VOICE_TENANT_BY_ID = _VOICE_TENANT.where(_tenant.c.id == st.TENANT)


def voice_tenant(session: Session, *, slug: str) -> VoiceTenant | None:
    """The tenant a webhook URL names, with its account (a system session: the URL says whose)."""
    row = session.connection().execute(VOICE_TENANT_BY_SLUG, {"slug": slug}).first()
    return None if row is None else VoiceTenant(*row)


def session_voice_tenant(session: Session) -> VoiceTenant | None:
    """The session's tenant with its account (for workers, which know the tenant)."""
    row = st.run(session, VOICE_TENANT_BY_ID).first()
    return None if row is None else VoiceTenant(*row)


def line_setup(
    session: Session, *, number: str | None = None, line_id: uuid.UUID | None = None
) -> LineSetup | None:
    """A line by its number (E.164) or id, with its calendar: its own, else its default
    queue's, else the tenant's default, else always open."""
    query = sa.select(VoiceLine)
    if line_id is not None:
        query = query.where(col(VoiceLine.id) == line_id)
    else:
        query = query.where(col(VoiceLine.number) == number)
    line = session.execute(query).scalar_one_or_none()
    if line is None:
        return None
    calendar: BusinessCalendar | None = None
    if line.calendar_id is not None:
        record = session.get(BusinessCalendarRecord, (line.tenant_id, line.calendar_id))
        calendar = to_calendar(record) if record is not None else None
    if calendar is None:
        calendar = CalendarResolver(session).calendar(
            queue_id=line.default_queue_id, policy_id=None
        )
    return LineSetup(
        id=line.id,
        number=line.number,
        name=line.name,
        language=line.language,
        ivr=dict(line.ivr or {}),
        default_queue_id=line.default_queue_id,
        voicemail=line.voicemail,
        active=line.active,
        calendar=calendar,
        region=region_of(line.number),
    )
