"""Admitting a web-form submission: the raw record is stored first, with its state decided.

One transaction (``admit``): a read of everything the decision needs (``ACTIVITY``), then the
insert of the raw submission — its fields as JSON with attachment references, the submitter's
address and identity — as ``duplicate`` (a replay of an ingested submission, answered with its
reference), ``rate_limited``, ``rejected`` (the channel's reason: invalid, honeypot, captcha)
or ``received``, which goes on to ``core.forms.submissions.ingest_submission``.

Rate limits count the tenant's web-form records of the last hour by address
(``ix_inbound_record_remote``) and by identity (``ix_inbound_record_sender``), reading no more
rows than the limit. Refusals for being over a limit and replays are stored but not counted,
so a client that waits as Retry-After says gets through.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from core import statements as st
from core.clock import utcnow
from core.db import Database, defer_commit_flush
from core.forms import statements as fs
from core.forms.references import Reference, reference_of_message
from core.ids import new_id
from core.metrics import INBOUND_MESSAGES
from core.models.channel import Channel
from core.models.contact import IdentityKind
from core.models.inbound_record import InboundState

log = structlog.get_logger(__name__)

WINDOW = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Limits:
    """Submissions per ``window`` from one address and from one identity (email or phone)."""

    per_address: int
    per_identity: int
    window: timedelta = WINDOW


@dataclass(frozen=True, slots=True)
class RawSubmission:
    """What was sent, as it is stored, and who sent it from where (``sender``: the normalized
    email or phone of a submission the channel accepted, else None)."""

    tenant_id: uuid.UUID
    payload: bytes
    content_type: str
    source: str
    remote_addr: str | None
    sender: str | None = None
    sender_kind: IdentityKind | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class KnownIdentity:
    identity_id: uuid.UUID
    contact_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Admission:
    """The stored record and its state, with what ingesting it will want to know."""

    record_id: uuid.UUID
    state: InboundState
    reason: str | None = None
    retry_after_seconds: int | None = None
    twin: Reference | None = None
    known_identity: KnownIdentity | None = None
    has_mailbox: bool = False


def admit(
    database: Database, raw: RawSubmission, *, limits: Limits, rejection: str | None = None
) -> Admission:
    """Store the raw submission with its state decided (commits); see the module docstring.

    Precedence: a twin (only for submissions the channel accepted; a replay costs nothing, so
    it is answered even over a limit), then a limit, then ``rejection``, else received.
    """
    now = utcnow()
    record_id = new_id()
    state, reason, retry_after, twin = InboundState.RECEIVED, rejection, None, None
    with database.tenant_unit(raw.tenant_id) as session:
        params = _activity_params(raw, limits, now, twin_id=rejection is None)
        activity = st.run(session, fs.ACTIVITY, params).one()
        over_address, over_identity = _over(raw, limits, activity)
        if activity.twin_id is not None:
            state, reason = InboundState.DUPLICATE, None
            twin = reference_of_message(session, activity.twin_id, duplicate=True)
        elif over_address or over_identity:
            state = InboundState.RATE_LIMITED
            reason = _limit_reason(raw, limits, over_address=over_address)
            oldest = st.run(
                session, fs.OLDEST_BY_ADDRESS if over_address else fs.OLDEST_BY_IDENTITY, params
            ).scalar()
            retry_after = _seconds_until(oldest + limits.window if oldest else now, now)
        elif rejection is not None:
            state = InboundState.REJECTED
        if state is InboundState.RECEIVED:  # the ingest commit that follows makes it durable;
            defer_commit_flush(session)  # records in a final state keep a synchronous commit
        st.insert_row(
            session,
            fs.INSERT_RECORD,
            {
                "id": record_id,
                "created_at": now,
                "channel": Channel.WEBFORM,
                "content_type": raw.content_type[:200],
                "payload": raw.payload,
                "state": state,
                "reason": reason[:1000] if reason else None,
                "message_id": twin.message_id if twin else None,
                "processed_at": None if state is InboundState.RECEIVED else now,
                "mailbox_id": None,
                "sender": raw.sender[:320] if raw.sender else None,
                "source": raw.source[:32],
                "remote_addr": raw.remote_addr[:45] if raw.remote_addr else None,
            },
        )
    if state is not InboundState.RECEIVED:
        INBOUND_MESSAGES.labels(Channel.WEBFORM.value, state.value).inc()
        log.info(
            f"webform.{state.value}", tenant_id=str(raw.tenant_id), record_id=str(record_id),
            reason=reason,
        )  # fmt: skip
    known = (
        KnownIdentity(activity.identity_id, activity.contact_id)
        if activity.identity_id is not None
        else None
    )
    return Admission(record_id, state, reason, retry_after, twin, known, bool(activity.has_mailbox))


def over_limit(database: Database, raw: RawSubmission, *, limits: Limits) -> bool:
    """Whether ``admit`` would refuse for a limit: a read, so that a refused submission's
    attachments need not be written to storage first."""
    with database.tenant_session(raw.tenant_id) as session:
        params = _activity_params(raw, limits, utcnow(), twin_id=False)
        activity = st.run(session, fs.ACTIVITY, params).one()
    return any(_over(raw, limits, activity))


def _activity_params(
    raw: RawSubmission, limits: Limits, now: datetime, *, twin_id: bool
) -> dict[str, object]:
    return {
        "remote_addr": raw.remote_addr,
        "sender": raw.sender,
        "kind": raw.sender_kind.value if raw.sender_kind else None,
        "since": now - limits.window,
        "external_id": raw.external_id if twin_id else None,
        "address_cap": limits.per_address,
        "identity_cap": limits.per_identity,
    }


def _over(raw: RawSubmission, limits: Limits, activity: object) -> tuple[bool, bool]:
    by_address: int = getattr(activity, "by_address", 0)
    by_identity: int = getattr(activity, "by_identity", 0)
    return (
        raw.remote_addr is not None and by_address >= limits.per_address,
        raw.sender is not None and by_identity >= limits.per_identity,
    )


def _limit_reason(raw: RawSubmission, limits: Limits, *, over_address: bool) -> str:
    if over_address:
        return f"{limits.per_address} submissions from {raw.remote_addr} within {limits.window}"
    return f"{limits.per_identity} submissions from {raw.sender} within {limits.window}"


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds()) + 1)
