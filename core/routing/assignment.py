"""Assigning conversations to agents within capacity, and giving capacity back.

Capacity is an agent's ``load_<channel>`` against their effective capacity: their own
override, else the queue's ``agent_capacity`` for the channel, else the policy default. It is
taken with one conditional UPDATE on agent_status and the conversation is claimed with another
(``WHERE routing_state IN (...) AND assignee_id IS NULL``), so that on PostgreSQL at READ
COMMITTED no two workers can assign one conversation twice or push an agent past capacity.
Every service locks the conversation row first, then touches agents (one lock order).
Services flush the caller's pending changes first and never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import statements as st
from core.clock import utcnow
from core.errors import NotFoundError
from core.events import record_event
from core.models.channel import Channel
from core.models.conversation import ConversationStatus, RoutingState
from core.models.event import EventType
from core.models.routing_offer import OfferState
from core.routing import statements as rs
from core.routing.context import RoutingContext, routing_context
from core.routing.jobs import enqueue_bridge_call, enqueue_route_agent

REAL_TIME_CHANNELS = frozenset({Channel.PHONE, Channel.SOCIAL})
WRITTEN_CHANNELS = frozenset({Channel.EMAIL, Channel.WEBFORM})

QUEUE_CAPACITY = sa.select(rs.queue_t.c.agent_capacity).where(
    rs.queue_t.c.tenant_id == rs.TENANT, rs.queue_t.c.id == sa.bindparam("queue_id")
)


def queue_limit(
    channel: Channel, *, overrides: Mapping[str, Any], queue_capacity: Mapping[str, Any] | None
) -> int | None:
    """The queue's cap when it applies (the agent has no override for the channel), else None:
    the agent's materialised ``cap_*`` (override or policy default) is the limit."""
    if channel.value in overrides or not queue_capacity:
        return None
    cap = queue_capacity.get(channel.value)
    return None if cap is None else int(cap)


def take_capacity(
    session: Session,
    *,
    agent_id: uuid.UUID,
    channel: Channel,
    context: RoutingContext,
    at: datetime,
    limit: int | None,
) -> bool:
    """One more unit of the agent's load on this channel, if available and under capacity."""
    params: dict[str, Any] = {"agent_id": agent_id, "now": at}
    if limit is not None:
        params["limit"] = limit
    if channel is Channel.PHONE:
        params["today"] = context.local_date(at)
        params["phone_cap"] = context.daily_phone_cap_seconds
    statement = rs.take_capacity(channel, queue_limit=limit is not None)
    return rs.rowcount(st.run(session, statement, params)) == 1


def free_capacity(session: Session, *, agent_id: uuid.UUID, channel: Channel) -> None:
    st.run(session, rs.free_capacity(channel), {"agent_id": agent_id})


def lock_conversation(session: Session, conversation_id: uuid.UUID) -> Any:
    """The conversation's routing row, locked until commit; NotFoundError if unknown."""
    row = st.run(session, rs.LOCK_CONVERSATION, {"cid": conversation_id}).first()
    if row is None:
        raise NotFoundError(f"conversation {conversation_id} not found")
    return row


def claim(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    agent_id: uuid.UUID,
    at: datetime,
    via: str,
    previous_assignee_id: uuid.UUID | None = None,
) -> bool:
    """Make the agent the assignee of an unheld conversation and record ASSIGNED; False if
    it is held (assigned, offered) by now. The caller has taken the agent's capacity."""
    claimed = st.run(
        session, rs.CLAIM_FOR_ASSIGNMENT, {"cid": conversation_id, "agent_id": agent_id, "now": at}
    )
    if rs.rowcount(claimed) != 1:
        return False
    data = {"assignee_id": str(agent_id), "via": via}
    if previous_assignee_id is not None:
        data["previous_assignee_id"] = str(previous_assignee_id)
    record_event(
        session, conversation_id=conversation_id, type=EventType.ASSIGNED, data=data, occurred_at=at
    )
    return True


def withdraw_offer(
    session: Session, *, conversation_id: uuid.UUID, at: datetime, to_state: RoutingState
) -> uuid.UUID | None:
    """End a pending offer (WITHDRAWN), free the offered agent's capacity and move the
    conversation from OFFERED to ``to_state``; the agent, or None without a pending offer."""
    agent_id: uuid.UUID | None = None
    for offer in st.run(session, rs.PENDING_OFFER_OF_CONVERSATION, {"cid": conversation_id}).all():
        answered = st.run(
            session,
            rs.ANSWER_OFFER,
            {"offer_id": offer.id, "new_state": OfferState.WITHDRAWN.value, "now": at},
        )
        if rs.rowcount(answered) == 1:
            free_capacity(session, agent_id=offer.agent_id, channel=Channel(offer.channel))
            agent_id = offer.agent_id
    st.run(
        session,
        rs.MOVE_STATE,
        {"cid": conversation_id, "from_state": "offered", "to_state": to_state.value, "now": at},
    )
    return agent_id


def vacate(
    session: Session, row: Any, *, at: datetime, to_state: RoutingState, record: bool = True
) -> uuid.UUID | None:
    """Free what the (locked) conversation holds, an assignee or a pending offer, moving it
    to ``to_state`` and clearing the assignee; the agent freed, or None.

    Records UNASSIGNED when an assignee is removed (unless ``record`` is off, for a direct
    reassignment whose ASSIGNED event names the previous assignee) and queues a routing job
    for the freed agent.
    """
    freed: uuid.UUID | None = None
    state = RoutingState(row.routing_state)
    if state is RoutingState.ASSIGNED and row.assignee_id is not None:
        params = {"cid": row.id, "agent_id": row.assignee_id, "to_state": to_state.value, "now": at}
        if rs.rowcount(st.run(session, rs.UNASSIGN, params)) == 1:
            free_capacity(session, agent_id=row.assignee_id, channel=Channel(row.channel))
            freed = row.assignee_id
    elif state is RoutingState.OFFERED:
        freed = withdraw_offer(session, conversation_id=row.id, at=at, to_state=to_state)
    elif row.assignee_id is not None:  # done (capacity freed when it finished) or legacy data
        st.run(session, rs.CLEAR_ASSIGNEE, {"cid": row.id, "now": at})
    if row.assignee_id is not None and record:
        record_event(
            session,
            conversation_id=row.id,
            type=EventType.UNASSIGNED,
            data={"previous_assignee_id": str(row.assignee_id)},
            occurred_at=at,
        )
    if freed is not None:
        enqueue_route_agent(session, agent_id=freed)
    return freed


def assign(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    agent_id: uuid.UUID,
    at: datetime | None = None,
) -> bool:
    """Give the conversation to this agent if they are available with capacity on its channel;
    False if not (then nothing changed).

    Releases a previous assignee's capacity (or withdraws a pending offer), sets owner_id when
    the conversation has none, records ASSIGNED (no commit). NotFoundError for an unknown
    conversation; a resolved or closed one is never assigned (False).
    """
    session.flush()
    now = at or utcnow()
    row = lock_conversation(session, conversation_id)
    if not ConversationStatus(row.status).is_open:
        return False
    if row.routing_state == RoutingState.ASSIGNED and row.assignee_id == agent_id:
        return True
    overrides = st.run(session, rs.AGENT_CAPACITY_OVERRIDES, {"agent_id": agent_id}).scalar()
    if overrides is None:  # never had a presence: not available
        return False
    context = routing_context(session)
    queue_capacity = (
        st.run(session, QUEUE_CAPACITY, {"queue_id": row.queue_id}).scalar()
        if row.queue_id is not None
        else None
    )
    channel = Channel(row.channel)
    limit = queue_limit(channel, overrides=overrides, queue_capacity=queue_capacity)
    if not take_capacity(
        session,
        agent_id=agent_id,
        channel=channel,
        context=context,
        at=now,
        limit=limit,
    ):
        return False
    previous = row.assignee_id if row.routing_state == RoutingState.ASSIGNED else None
    vacate(session, row, at=now, to_state=RoutingState.WAITING, record=False)
    if not claim(
        session,
        conversation_id=conversation_id,
        agent_id=agent_id,
        at=now,
        via="direct",
        previous_assignee_id=previous,
    ):
        free_capacity(session, agent_id=agent_id, channel=channel)  # undo: we hold its lock
        return False
    enqueue_bridge_call(
        session, conversation_id=conversation_id, agent_id=agent_id, channel=channel
    )
    rs.forget_conversation(session, conversation_id)
    return True


def release(session: Session, *, conversation_id: uuid.UUID, at: datetime | None = None) -> None:
    """Take the conversation from its assignee or pending offer, freeing capacity (no commit).

    It leaves routing (UNROUTED) until the caller puts it back in line with make_waiting, or
    finishes it; records UNASSIGNED. NotFoundError for an unknown conversation.
    """
    session.flush()
    now = at or utcnow()
    row = lock_conversation(session, conversation_id)
    vacate(session, row, at=now, to_state=RoutingState.UNROUTED)
    rs.forget_conversation(session, conversation_id)


def finish(session: Session, *, conversation_id: uuid.UUID, at: datetime | None = None) -> None:
    """The conversation was resolved or closed: free capacity, routing state DONE (no commit).

    The assignee stays recorded; a reopen puts the conversation back through routing.
    Idempotent: finishing twice frees capacity once.
    """
    session.flush()
    now = at or utcnow()
    row = lock_conversation(session, conversation_id)
    state = RoutingState(row.routing_state)
    freed: uuid.UUID | None = None
    if state is RoutingState.ASSIGNED and row.assignee_id is not None:
        free_capacity(session, agent_id=row.assignee_id, channel=Channel(row.channel))
        freed = row.assignee_id
    elif state is RoutingState.OFFERED:
        freed = withdraw_offer(
            session, conversation_id=conversation_id, at=now, to_state=RoutingState.DONE
        )
    if state is not RoutingState.DONE:
        st.run(session, rs.SET_DONE, {"cid": conversation_id, "now": now})
    if freed is not None:
        enqueue_route_agent(session, agent_id=freed)
    rs.forget_conversation(session, conversation_id)
