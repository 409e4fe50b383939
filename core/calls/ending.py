"""The end of a call: its figures, abandonment, and the agent's wrap-up until the disposition.

Talk time is the agent leg's duration: ``DialCallDuration`` on the Dial action, or the agent
leg's own ``CallDuration`` on its status callback (the same number, whichever comes first).
The caller's ``CallDuration`` is not used: it also counts the IVR and the wait in the queue.
When an end is reported before a leg's figure (the caller's status callback), talk time is
the time between answer and end as we saw it, until the leg's figure corrects it. The agent
leg stays up while the caller is on hold, so talk is that time less the call's hold time
(``core.calls.hold``; a hold still running when the call ends counts until the end): talk +
hold is the time the agent was on the call, and AHT adds wrap-up without counting hold twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from sqlalchemy.orm import Session

from core import conversation_updates, replies
from core.calls.conversation import leave_line
from core.calls.hold import end_hold, seconds_between
from core.clock import utcnow
from core.errors import ConflictError
from core.lookup import get_by_id
from core.models.agent_status import PresenceState
from core.models.conversation import ConversationStatus
from core.models.interaction import FINAL_STATES, Interaction, InteractionState
from core.routing import presence
from core.routing.context import routing_context

log = structlog.get_logger(__name__)

WAITING_STATES = frozenset({InteractionState.QUEUED, InteractionState.RINGING})
WORKING_STATES = frozenset({PresenceState.AVAILABLE, PresenceState.BUSY})


def end_call(
    session: Session,
    *,
    call: Interaction,
    at: datetime | None = None,
    state: InteractionState = InteractionState.COMPLETED,
    talk_seconds: int | None = None,
) -> bool:
    """The call is over (no commit): ended_at and final state; a caller who hung up before an
    agent answered has abandoned it; an answered call's agent goes to wrap-up and the
    conversation leaves them. Idempotent: False when it had ended already (a later leg figure
    still corrects talk time)."""
    now = at or utcnow()
    if state not in FINAL_STATES:
        raise ValueError(f"{state} is not a final state")
    if call.ended_at is not None:
        _correct_talk(session, call, talk_seconds, now)
        return False
    was = call.state
    end_hold(session, call=call, at=now, reason="call_ended")
    call.ended_at, call.state = now, state
    answered = call.answered_at is not None
    if not answered and was in WAITING_STATES:
        call.abandoned = True
    if answered:
        assert call.answered_at is not None
        on_call = (
            talk_seconds if talk_seconds is not None else seconds_between(call.answered_at, now)
        )
        call.talk_seconds = max(0, on_call - call.hold_seconds)
    session.flush()
    leave_line(session, call=call, at=now)
    if answered and call.agent_id is not None:
        _start_wrap_up(session, call, now)
    log.info(
        "call.ended",
        call_sid=call.external_id,
        state=state.value,
        abandoned=call.abandoned,
        talk_seconds=call.talk_seconds,
        hold_seconds=call.hold_seconds,
    )
    return True


def _correct_talk(
    session: Session, call: Interaction, talk_seconds: int | None, at: datetime
) -> None:
    if talk_seconds is None or call.answered_at is None:
        return
    talk = max(0, talk_seconds - call.hold_seconds)
    if talk == call.talk_seconds:
        return
    delta = talk - call.talk_seconds
    call.talk_seconds = talk
    session.flush()
    if delta > 0 and call.agent_id is not None:
        presence.add_phone_time(session, agent_id=call.agent_id, seconds=delta, at=at)


def _start_wrap_up(session: Session, call: Interaction, at: datetime) -> None:
    """After-call work begins: the agent's presence says so; talk and hold, the time they were
    on the call, count toward the day (D7)."""
    assert call.agent_id is not None
    call.wrap_up_started_at = at
    session.flush()
    on_call = min(call.talk_seconds + call.hold_seconds, presence.MAX_PHONE_SECONDS)
    if on_call:
        presence.add_phone_time(session, agent_id=call.agent_id, seconds=on_call, at=at)
    status = presence.locked_status(
        session, agent_id=call.agent_id, context=routing_context(session)
    )
    if status.state in WORKING_STATES:
        presence.set_presence(
            session,
            agent_id=call.agent_id,
            state=PresenceState.WRAP_UP,
            at=at,
            reason="after-call work",
        )


def handle_seconds(call: Interaction) -> int:
    """Average handle time's part of this call (D20): talk + hold + wrap-up."""
    return call.talk_seconds + call.hold_seconds + call.wrap_up_seconds


def submit_disposition(
    session: Session,
    *,
    interaction_id: uuid.UUID,
    disposition: str,
    note: str | None = None,
    resolve: bool = False,
    at: datetime | None = None,
) -> Interaction:
    """The agent's disposition ends wrap-up: wrap-up time is fixed and the agent is available
    again (no commit). ``note`` is kept on the conversation; ``resolve`` resolves it.

    NotFoundError for an unknown interaction; ConflictError while the call is live or once a
    disposition was recorded (and from resolving, when open work orders forbid it).
    """
    now = at or utcnow()
    call = get_by_id(session, Interaction, interaction_id, noun="interaction")
    session.refresh(call, with_for_update=True)
    if call.ended_at is None:
        raise ConflictError("the call is still in progress")
    if call.disposition is not None:
        raise ConflictError(f"the disposition {call.disposition!r} was recorded already")
    call.disposition = disposition
    if call.wrap_up_started_at is not None and call.wrap_up_ended_at is None:
        call.wrap_up_ended_at = now
        call.wrap_up_seconds = seconds_between(call.wrap_up_started_at, now)
    session.flush()
    if call.agent_id is not None and call.wrap_up_ended_at == now:
        _end_wrap_up(session, call.agent_id, now)
    if call.conversation_id is not None:
        if note:
            replies.add_note(
                session,
                conversation_id=call.conversation_id,
                text=note,
                author_user_id=call.agent_id,
            )
        if resolve:
            conversation_updates.update_conversation(
                session,
                conversation_id=call.conversation_id,
                changes={"status": ConversationStatus.RESOLVED},
                actor_user_id=call.agent_id,
            )
    session.refresh(call)
    return call


def _end_wrap_up(session: Session, agent_id: uuid.UUID, at: datetime) -> None:
    status = presence.locked_status(session, agent_id=agent_id, context=routing_context(session))
    if status.state is not PresenceState.WRAP_UP:
        return  # they went away or offline meanwhile: leave that as it is
    try:
        presence.set_presence(session, agent_id=agent_id, state=PresenceState.AVAILABLE, at=at)
    except ConflictError as exc:  # deactivated meanwhile
        log.info("call.wrap_up_end_kept", agent_id=str(agent_id), reason=str(exc))
