"""A live call on hold and off it again: the hold part of handle time (AHT, D20).

The current hold's start is ``on_hold_since``; each hold period, once over, is added to
``hold_seconds`` — at resume, or at the end of the call when the caller hangs up on hold. The
hold is the platform's record only: the caller stays bridged to the agent's softphone (the
phone channel's ``<Dial><Client>`` bridge has no hold of its own; redirecting either leg would
end the bridge), so the agent leg's duration covers the hold and talk is that duration less
hold (``core.calls.ending``). Every hold and its end is an event on the conversation.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from core.clock import as_utc, utcnow
from core.errors import ConflictError, PermissionDeniedError
from core.events import record_event
from core.lookup import get_by_id
from core.models.event import EventType
from core.models.interaction import Interaction, InteractionState


def seconds_between(start: datetime, end: datetime) -> int:
    """Whole seconds from ``start`` to ``end``, never negative."""
    return max(0, round((as_utc(end) - as_utc(start)).total_seconds()))


def hold_call(
    session: Session,
    *,
    interaction_id: uuid.UUID,
    actor_user_id: uuid.UUID | None = None,
    own_call_only: bool = False,
    at: datetime | None = None,
) -> Interaction:
    """Put the live call on hold (no commit): its hold period starts ``at``.

    ``own_call_only``: the actor is an agent, who may hold only a call connected to them.
    NotFoundError for an unknown interaction; ConflictError unless the call is in progress and
    off hold; PermissionDeniedError for another agent's call when ``own_call_only``.
    """
    now = at or utcnow()
    call = _live_call(session, interaction_id, actor_user_id, own_call_only=own_call_only)
    if call.on_hold_since is not None:
        raise ConflictError(f"the call is on hold already, since {call.on_hold_since.isoformat()}")
    call.on_hold_since = now
    session.flush()
    assert call.conversation_id is not None  # an answered call was queued on a conversation
    record_event(
        session,
        conversation_id=call.conversation_id,
        type=EventType.CALL_HELD,
        actor_user_id=actor_user_id,
        data={"interaction_id": call.id},
        occurred_at=now,
    )
    return call


def resume_call(
    session: Session,
    *,
    interaction_id: uuid.UUID,
    actor_user_id: uuid.UUID | None = None,
    own_call_only: bool = False,
    at: datetime | None = None,
) -> Interaction:
    """Take the call off hold (no commit): the hold period is added to ``hold_seconds``.

    Raises as ``hold_call`` does; ConflictError when the call is not on hold.
    """
    call = _live_call(session, interaction_id, actor_user_id, own_call_only=own_call_only)
    if call.on_hold_since is None:
        raise ConflictError("the call is not on hold")
    end_hold(session, call=call, at=at or utcnow(), reason="resumed", actor_user_id=actor_user_id)
    return call


def end_hold(
    session: Session,
    *,
    call: Interaction,
    at: datetime,
    reason: Literal["resumed", "call_ended"],
    actor_user_id: uuid.UUID | None = None,
) -> int:
    """Close the current hold period, if any (no commit); its seconds (0 when not on hold)."""
    if call.on_hold_since is None:
        return 0
    seconds = seconds_between(call.on_hold_since, at)
    call.hold_seconds += seconds
    call.on_hold_since = None
    session.flush()
    if call.conversation_id is not None:
        record_event(
            session,
            conversation_id=call.conversation_id,
            type=EventType.CALL_HOLD_ENDED,
            actor_user_id=actor_user_id,
            data={"interaction_id": call.id, "seconds": seconds, "reason": reason},
            occurred_at=at,
        )
    return seconds


def _live_call(
    session: Session,
    interaction_id: uuid.UUID,
    actor_user_id: uuid.UUID | None,
    *,
    own_call_only: bool,
) -> Interaction:
    """The call, locked, if it is in progress and the actor may act on it."""
    call = get_by_id(session, Interaction, interaction_id, noun="interaction")
    session.refresh(call, with_for_update=True)
    if call.state is not InteractionState.ANSWERED or call.ended_at is not None:
        raise ConflictError(f"the call is not in progress (it is {call.state.value})")
    if own_call_only and (actor_user_id is None or call.agent_id != actor_user_id):
        raise PermissionDeniedError(
            "the call is connected to another agent: only they, or a team lead, may hold it"
        )
    return call
