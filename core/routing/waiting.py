"""Putting conversations in line for an agent: queue, requirements, rank and sticky routing.

Sticky routing (D10): a returning contact (a new conversation, or a reopened one) whose
previous conversation was with an agent within the policy's window of its last activity is
reserved for that agent, then that agent's team, until ``sticky_until``; the router falls
back to anyone after it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import statements as st
from core.clock import utcnow
from core.events import record_event
from core.models.channel import Channel
from core.models.conversation import RoutingState
from core.models.event import EventType
from core.models.user import Tier
from core.queueing import choose_queue
from core.routing import statements as rs
from core.routing.assignment import lock_conversation, vacate
from core.routing.context import RoutingContext, routing_context
from core.routing.eligibility import required_skills_for
from core.routing.jobs import enqueue_route_conversation
from core.routing.rank import compute_rank, due_for_rank, rank_of

conversation_t = rs.conversation_t
_last_activity = sa.func.coalesce(
    conversation_t.c.last_message_at, conversation_t.c.updated_at, conversation_t.c.created_at
)
LAST_AGENT_OF_CONTACT = (
    sa.select(
        conversation_t.c.assignee_id,
        rs.user_t.c.org_unit_id,
        _last_activity.label("last_activity"),
    )
    .join(
        rs.user_t,
        sa.and_(
            rs.user_t.c.tenant_id == conversation_t.c.tenant_id,
            rs.user_t.c.id == conversation_t.c.assignee_id,
        ),
    )
    .where(
        conversation_t.c.tenant_id == rs.TENANT,
        conversation_t.c.contact_id == sa.bindparam("contact_id"),
        conversation_t.c.assignee_id.is_not(None),
    )
    .order_by(_last_activity.desc())
    .limit(1)
)
QUEUE_SKILLS = sa.select(rs.queue_t.c.required_skills).where(
    rs.queue_t.c.tenant_id == rs.TENANT, rs.queue_t.c.id == sa.bindparam("queue_id")
)


@dataclass(frozen=True, slots=True)
class LineEntry:
    """A conversation in line as the router reads it: what it needs and who it is kept for."""

    id: uuid.UUID
    channel: Channel
    tier: Tier
    queue_id: uuid.UUID
    required_skills: dict[str, int]
    sticky_agent_id: uuid.UUID | None
    sticky_org_unit_id: uuid.UUID | None
    sticky_until: datetime | None

    @classmethod
    def of(cls, row: Any) -> LineEntry:
        return cls(
            id=row.id,
            channel=Channel(row.channel),
            tier=Tier(row.tier),
            queue_id=row.queue_id,
            required_skills=dict(row.required_skills or {}),
            sticky_agent_id=row.sticky_agent_id,
            sticky_org_unit_id=row.sticky_org_unit_id,
            sticky_until=row.sticky_until,
        )


@dataclass(frozen=True, slots=True)
class Sticky:
    agent_id: uuid.UUID
    org_unit_id: uuid.UUID | None
    until: datetime


def is_returning(row: Any) -> bool:
    """Whether routing this conversation now is a contact coming back (new or reopened work),
    rather than work moving on (a transfer or escalation, which chose where it goes)."""
    state = RoutingState(row.routing_state)
    return state is RoutingState.DONE or (
        state is RoutingState.UNROUTED and row.assignee_id is None and row.assigned_at is None
    )


def last_agent(
    session: Session, *, contact_id: uuid.UUID, at: datetime, context: RoutingContext
) -> Sticky | None:
    """The contact's last agent if their conversation was active within the sticky window."""
    window = timedelta(seconds=context.sticky_window_seconds)
    if not window:
        return None
    row = st.run(session, LAST_AGENT_OF_CONTACT, {"contact_id": contact_id}).first()
    if row is None or at - row.last_activity > window:
        return None
    return Sticky(agent_id=row.assignee_id, org_unit_id=row.org_unit_id, until=at + window)


def put_waiting(
    session: Session,
    row: Any,
    *,
    queue_id: uuid.UUID,
    at: datetime,
    context: RoutingContext,
    returning: bool,
) -> LineEntry:
    """Write the line entry of a (locked, unheld) conversation: queue, WAITING since ``at``,
    requirements, rank and any sticky reservation. No job, no event."""
    queue_skills = st.run(session, QUEUE_SKILLS, {"queue_id": queue_id}).scalar() or {}
    sticky = (
        last_agent(session, contact_id=row.contact_id, at=at, context=context)
        if returning
        else None
    )
    due_at, _ = due_for_rank(
        waiting_since=at,
        first_response_at=row.first_response_at,
        first_response_due_at=row.first_response_due_at,
        next_response_due_at=row.next_response_due_at,
    )
    rank = compute_rank(
        context, value_tier=row.value_tier, priority=row.priority, waiting_since=at, due_at=due_at
    )
    entry = LineEntry(
        id=row.id,
        channel=Channel(row.channel),
        tier=Tier(row.tier),
        queue_id=queue_id,
        required_skills=required_skills_for(queue_skills, row.language),
        sticky_agent_id=sticky.agent_id if sticky else None,
        sticky_org_unit_id=sticky.org_unit_id if sticky else None,
        sticky_until=sticky.until if sticky else None,
    )
    st.run(
        session,
        rs.SET_WAITING,
        {
            "cid": row.id,
            "queue_id": queue_id,
            "now": at,
            "routing_rank": rank,
            "required_skills": entry.required_skills,
            "sticky_agent_id": entry.sticky_agent_id,
            "sticky_org_unit_id": entry.sticky_org_unit_id,
            "sticky_until": entry.sticky_until,
        },
    )
    return entry


def make_waiting(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    queue_id: uuid.UUID | None,
    at: datetime | None = None,
) -> None:
    """(Re)queue: release any assignee or offer (freeing their capacity), set the queue, state
    WAITING, waiting_since, required skills and rank, and enqueue a routing job (no commit).

    A conversation's first queue is recorded as QUEUED. Without a queue one is chosen for the channel and tier; if none serves it, the conversation
    stays UNROUTED. NotFoundError for an unknown conversation.
    """
    session.flush()
    now = at or utcnow()
    row = lock_conversation(session, conversation_id)
    returning = is_returning(row)
    vacate(session, row, at=now, to_state=RoutingState.UNROUTED)
    if queue_id is None:
        queue_id = choose_queue(session, channel=Channel(row.channel), tier=Tier(row.tier))
    if queue_id is None:
        st.run(session, rs.SET_UNROUTED, {"cid": conversation_id, "now": now})
    else:
        context = routing_context(session)
        put_waiting(session, row, queue_id=queue_id, at=now, context=context, returning=returning)
        if row.queue_id is None:  # first placement; moves between queues are transfers
            record_event(
                session,
                conversation_id=conversation_id,
                type=EventType.QUEUED,
                data={"queue_id": str(queue_id)},
                occurred_at=now,
            )
        enqueue_route_conversation(session, conversation_id=conversation_id)
    rs.forget_conversation(session, conversation_id)


def rerank(session: Session, *, conversation_id: uuid.UUID) -> None:
    """Recompute the stored rank after priority, value tier or SLA due time changed.

    Only conversations in line (waiting or offered) have a rank; others are left alone.
    """
    session.flush()
    row = lock_conversation(session, conversation_id)
    state = RoutingState(row.routing_state)
    if row.waiting_since is None or state not in (RoutingState.WAITING, RoutingState.OFFERED):
        return
    rank = rank_of(routing_context(session), row)
    st.run(session, rs.SET_RANK, {"cid": conversation_id, "routing_rank": rank})
    rs.forget_conversation(session, conversation_id)
