"""A call in the contact's history: it becomes, or joins, their conversation and waits in line.

The caller goes through ``core.ingest`` like any customer message (channel PHONE, external id
= call sid, sender = caller's number), so a known number finds its contact and threads into
their open phone conversation, and a new one gets a contact. Calls join only phone
conversations: routing offers work by the conversation's channel, so a call joined to an
email thread would be routed as written work. Voicemail and its transcript become messages
the same way (the transcript threads by the call sid, idempotent by the transcription sid).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core import statements as st
from core.calls.lifecycle import caller_number, mark_conversation_verified
from core.clock import utcnow
from core.db import session_tenant
from core.events import record_event
from core.inbound import InboundMessage
from core.ingest import IngestResult, ingest
from core.models.channel import Channel
from core.models.contact import IdentityKind
from core.models.conversation import Conversation, Priority, RoutingState
from core.models.event import EventType
from core.models.interaction import Interaction, InteractionState
from core.routing import assignment, waiting
from core.routing import statements as rs
from core.routing.eligibility import primary_subtag
from core.sla import hooks as sla_hooks

PRIORITY_ORDER = list(Priority)


@dataclass(frozen=True, slots=True)
class CallPlacement:
    conversation_id: uuid.UUID
    contact_id: uuid.UUID
    new_conversation: bool


def call_message(
    session: Session,
    *,
    call: Interaction,
    external_id: str,
    text: str,
    subject: str = "",
    language: str | None = None,
    category: str | None = None,
    region: str | None = None,
    references: tuple[str, ...] = (),
) -> IngestResult:
    """Ingest one message of the caller's (no commit): the call, its voicemail or transcript."""
    customer_raw = call.from_number if call.inbound else call.to_number
    number = caller_number(customer_raw, region)
    kind, sender = IdentityKind.PHONE, number or ""
    if number is None:  # anonymous or SIP callers: one contact per call, kept all the same
        kind, sender = IdentityKind.WEB, f"call:{call.external_id}"
    message = InboundMessage(
        tenant_id=session_tenant(session),
        channel=Channel.PHONE,
        sender_kind=kind,
        sender=sender,
        external_id=external_id,
        text=text,
        subject=subject,
        sent_at=call.created_at,
        references=references,
        language=primary_subtag(language) if language else None,
        category=category,
        phone_region=region,
    )
    return ingest(session, message)


def queue_call(
    session: Session,
    *,
    call: Interaction,
    queue_id: uuid.UUID | None,
    summary: str,
    subject: str = "",
    category: str | None = None,
    priority: Priority | None = None,
    language: str | None = None,
    region: str | None = None,
    at: datetime | None = None,
) -> CallPlacement:
    """The caller becomes (or joins) their conversation and waits in line (no commit).

    A new conversation gets the queue, priority and category before its routing job runs (the
    job starts its SLA clocks and puts it in line); an open one of theirs is put back in line
    in that queue unless it is already in line or with an agent (another call of theirs).
    Idempotent: a call that is queued already is left as it is.
    """
    now = at or utcnow()
    if call.conversation_id is not None and call.state is not InteractionState.IVR:
        assert call.contact_id is not None
        return CallPlacement(call.conversation_id, call.contact_id, new_conversation=False)
    result = call_message(
        session,
        call=call,
        external_id=call.external_id or "",
        text=summary,
        subject=subject,
        language=language,
        category=category,
        region=region,
    )
    call.conversation_id, call.contact_id = result.conversation_id, result.contact_id
    call.queue_id = queue_id
    call.state, call.queued_at = InteractionState.QUEUED, call.queued_at or now
    session.flush()
    _prepare(session, result.conversation_id, priority=priority, category=category, at=now)
    if call.verified:
        mark_conversation_verified(session, conversation_id=result.conversation_id, at=now)
    if result.created_conversation:
        if queue_id is not None:
            _first_queue(session, result.conversation_id, queue_id, now)
    else:
        _back_in_line(session, result.conversation_id, queue_id, now)
    return CallPlacement(result.conversation_id, result.contact_id, result.created_conversation)


def _prepare(
    session: Session,
    conversation_id: uuid.UUID,
    *,
    priority: Priority | None,
    category: str | None,
    at: datetime,
) -> None:
    """Raise the priority (VIP callers, D8) and set the category where none was chosen."""
    conversation = session.execute(
        sa.select(Conversation).where(col(Conversation.id) == conversation_id)
    ).scalar_one()
    if priority is not None and PRIORITY_ORDER.index(priority) > PRIORITY_ORDER.index(
        conversation.priority
    ):
        record_event(
            session,
            conversation_id=conversation_id,
            type=EventType.PRIORITY_CHANGED,
            data={"from": conversation.priority.value, "to": priority.value, "via": "ivr"},
            occurred_at=at,
        )
        conversation.priority = priority
    if category and conversation.category is None:
        conversation.category = category
    session.flush()
    rs.forget_conversation(session, conversation_id)


def _first_queue(
    session: Session, conversation_id: uuid.UUID, queue_id: uuid.UUID, at: datetime
) -> None:
    session.execute(
        sa.update(Conversation)
        .where(col(Conversation.id) == conversation_id, col(Conversation.queue_id).is_(None))
        .values(queue_id=queue_id, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    record_event(
        session,
        conversation_id=conversation_id,
        type=EventType.QUEUED,
        data={"queue_id": str(queue_id), "via": "ivr"},
        occurred_at=at,
    )


def _back_in_line(
    session: Session, conversation_id: uuid.UUID, queue_id: uuid.UUID | None, at: datetime
) -> None:
    row = assignment.lock_conversation(session, conversation_id)
    state = RoutingState(row.routing_state)
    if state is RoutingState.WAITING:
        waiting.rerank(session, conversation_id=conversation_id)  # its priority may have risen
        return
    if state in (RoutingState.OFFERED, RoutingState.ASSIGNED):
        return
    sla_hooks.start_clocks(session, conversation_id=conversation_id, at=at)
    waiting.make_waiting(
        session, conversation_id=conversation_id, queue_id=queue_id or row.queue_id, at=at
    )


def other_waiting_calls(
    session: Session, *, conversation_id: uuid.UUID, except_call: uuid.UUID
) -> list[Interaction]:
    """Live calls of the conversation still waiting for an agent, oldest first."""
    return list(
        session.execute(
            sa.select(Interaction)
            .where(
                col(Interaction.conversation_id) == conversation_id,
                col(Interaction.state) == InteractionState.QUEUED,
                col(Interaction.id) != except_call,
            )
            .order_by(col(Interaction.id))
        ).scalars()
    )


def leave_line(session: Session, *, call: Interaction, at: datetime | None = None) -> None:
    """The call no longer needs an agent (hung up, answered and ended): the conversation leaves
    the line, any offer is withdrawn and the agent's capacity freed — unless another call of
    the same conversation still waits, which then goes back in line (no commit)."""
    if call.conversation_id is None:
        return
    now = at or utcnow()
    row = assignment.lock_conversation(session, call.conversation_id)
    state = RoutingState(row.routing_state)
    if other_waiting_calls(session, conversation_id=call.conversation_id, except_call=call.id):
        if state in (RoutingState.ASSIGNED, RoutingState.OFFERED, RoutingState.UNROUTED):
            waiting.make_waiting(
                session, conversation_id=call.conversation_id, queue_id=row.queue_id, at=now
            )
        return
    if state in (RoutingState.ASSIGNED, RoutingState.OFFERED):
        assignment.release(session, conversation_id=call.conversation_id, at=now)
    elif state is RoutingState.WAITING:
        st.run(session, rs.SET_UNROUTED, {"cid": call.conversation_id, "now": now})
        rs.forget_conversation(session, call.conversation_id)


def record_voicemail(
    session: Session,
    *,
    call: Interaction,
    recording_url: str | None,
    duration_seconds: int | None,
    region: str | None = None,
    language: str | None = None,
    at: datetime | None = None,
) -> IngestResult:
    """The caller left a message: it becomes a message of their conversation (no commit)."""
    now = at or utcnow()
    call.voicemail = True
    if recording_url:
        call.recording_url = recording_url[:1000]
    duration = f" ({duration_seconds} s)" if duration_seconds is not None else ""
    text = f"Voicemail{duration}: {recording_url or 'no recording'}"
    result = call_message(
        session,
        call=call,
        external_id=voicemail_id(call),
        text=text,
        subject="Voicemail",
        language=language,
        region=region,
    )
    call.conversation_id, call.contact_id = result.conversation_id, result.contact_id
    if call.ended_at is None:
        call.ended_at = now
        call.state = InteractionState.COMPLETED
    session.flush()
    return result


def add_transcript(
    session: Session,
    *,
    call: Interaction,
    transcription_sid: str,
    text: str,
    region: str | None = None,
) -> IngestResult:
    """A recording's transcript, as a message of the call's conversation (no commit).

    Threads to the call's voicemail (or its own) message; the transcription sid makes it
    idempotent.
    """
    return call_message(
        session,
        call=call,
        external_id=transcription_sid,
        text=f"Transcript: {text}",
        references=(voicemail_id(call), call.external_id or ""),
        region=region,
    )


def voicemail_id(call: Interaction) -> str:
    """The voicemail message's provider id: the call's sid, marked (the call's own message,
    if it was queued, has the bare sid)."""
    return f"{call.external_id}:voicemail"
