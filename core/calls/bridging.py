"""Connecting a waiting caller to the agent their conversation went to, once.

Routing knows nothing of calls: when a phone conversation becomes an agent's it queues the
``bridge_call`` job (``core.routing.jobs``). The job claims the oldest call waiting on the
conversation for that agent and redirects it (provider REST API) to the bridge URL, which
dials the agent's softphone. The wait URL claims it instead, and answers ``<Leave/>``, if
nobody has (a lost job): whoever claims first connects the call, so it is dialled once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import as_utc, utcnow
from core.models.conversation import Conversation, ConversationStatus, RoutingState
from core.models.interaction import Interaction, InteractionState
from core.routing import statements as rs
from core.routing import waiting
from core.routing.assignment import lock_conversation
from core.sla import hooks as sla_hooks

AGENT_IDENTITY_PREFIX = "agent_"
BRIDGE_GRACE = timedelta(seconds=30)


def agent_identity(agent_id: uuid.UUID) -> str:
    """The agent's softphone (Voice SDK client) identity: letters, digits and underscores."""
    return f"{AGENT_IDENTITY_PREFIX}{agent_id.hex}"


@dataclass(frozen=True, slots=True)
class BridgeTarget:
    interaction_id: uuid.UUID
    call_sid: str
    agent_id: uuid.UUID
    line_id: uuid.UUID | None


def _assignee(session: Session, conversation_id: uuid.UUID) -> uuid.UUID | None:
    row = session.execute(
        sa.select(col(Conversation.assignee_id), col(Conversation.routing_state)).where(
            col(Conversation.id) == conversation_id
        )
    ).first()
    if row is None or RoutingState(row.routing_state) is not RoutingState.ASSIGNED:
        return None
    return row.assignee_id


def claim_for_agent(
    session: Session, *, conversation_id: uuid.UUID, agent_id: uuid.UUID
) -> BridgeTarget | None:
    """The oldest call waiting on the conversation, promised to the agent (no commit).

    None when the conversation is no longer this agent's or no call waits on it. A call this
    agent was promised before (a retried job) is returned again while it still waits.
    """
    if _assignee(session, conversation_id) != agent_id:
        return None
    call = session.execute(
        sa.select(Interaction)
        .where(
            col(Interaction.conversation_id) == conversation_id,
            col(Interaction.state) == InteractionState.QUEUED,
            sa.or_(col(Interaction.agent_id).is_(None), col(Interaction.agent_id) == agent_id),
        )
        .order_by(col(Interaction.id))
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if call is None or call.external_id is None:
        return None
    call.agent_id = agent_id
    session.flush()
    return BridgeTarget(call.id, call.external_id, agent_id, call.line_id)


def claim_assigned(
    session: Session, *, call: Interaction, at: datetime | None = None
) -> uuid.UUID | None:
    """The agent a waiting call should now leave the queue for (no commit), else None: when its
    conversation is assigned and no bridge job has claimed the call, or the job claimed it
    more than ``BRIDGE_GRACE`` ago and the call still waits (the job gave up)."""
    if call.state is not InteractionState.QUEUED or call.conversation_id is None:
        return None
    row = session.execute(
        sa.select(
            col(Conversation.assignee_id),
            col(Conversation.routing_state),
            col(Conversation.assigned_at),
        ).where(col(Conversation.id) == call.conversation_id)
    ).first()
    if row is None or RoutingState(row.routing_state) is not RoutingState.ASSIGNED:
        return None
    if call.agent_id is None:
        call.agent_id = row.assignee_id
        session.flush()
        return call.agent_id
    now = at or utcnow()
    overdue = row.assigned_at is not None and as_utc(row.assigned_at) <= now - BRIDGE_GRACE
    return call.agent_id if call.agent_id == row.assignee_id and overdue else None


def agent_ringing(session: Session, *, call: Interaction, at: datetime | None = None) -> None:
    """The agent's softphone rings."""
    if call.state is InteractionState.QUEUED and call.ended_at is None:
        call.state = InteractionState.RINGING
    call.ringing_at = call.ringing_at or at or utcnow()
    session.flush()


def agent_answered(session: Session, *, call: Interaction, at: datetime | None = None) -> None:
    """The agent picked up: the call is answered, which is the conversation's response."""
    now = at or utcnow()
    if call.answered_at is not None or call.ended_at is not None:
        return
    call.state = InteractionState.ANSWERED
    call.ringing_at = call.ringing_at or now
    call.answered_at = now
    session.flush()
    if call.conversation_id is None:
        return
    conversation = session.execute(
        sa.select(Conversation).where(col(Conversation.id) == call.conversation_id)
    ).scalar_one()
    conversation.first_response_at = conversation.first_response_at or now
    if conversation.status is ConversationStatus.NEW:
        conversation.status = ConversationStatus.OPEN
    conversation.updated_at = now
    session.flush()
    sla_hooks.agent_replied(session, conversation_id=conversation.id, at=now)
    rs.forget_conversation(session, conversation.id)


def agent_missed(session: Session, *, call: Interaction, at: datetime | None = None) -> bool:
    """The agent did not pick up (busy, no answer): the caller goes back in line and the agent's
    capacity is freed; False when the call was answered or is over."""
    now = at or utcnow()
    if call.answered_at is not None or call.ended_at is not None:
        return False
    call.state, call.agent_id = InteractionState.QUEUED, None
    session.flush()
    if call.conversation_id is not None:
        row = lock_conversation(session, call.conversation_id)
        waiting.make_waiting(
            session, conversation_id=call.conversation_id, queue_id=row.queue_id, at=now
        )
    return True
