"""The router: the right conversation to the right agent, best first (D1, D6-D8, D10).

- ``route_conversation``: a conversation needs an agent (new, reopened, re-queued, declined).
  It gets a queue, its SLA clocks start, it goes in line, then the best eligible agent now:
  the sticky agent, then their team while the sticky window lasts (nobody else meanwhile),
  then whoever is eligible and idle longest.
- ``route_agent``: an agent can take work (available, capacity freed). While they have
  capacity, the highest-ranked waiting conversation they are eligible for, ties to the
  longest waiting.
- ``pull``: an agent takes the best written conversation they may, on request.

Eligible: available, tier equal to the conversation's, every required skill at the level,
its languages spoken, capacity on the channel (and under the day's phone cap for calls), not
someone who declined or missed an offer of it. Real-time channels are offered (see
``core.routing.offers``); written ones are assigned.

Correctness under concurrency rests on the conditional UPDATEs in ``core.routing.assignment``;
candidate queries only pick whom to try. Everything here runs on prebuilt statements.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core import statements as st
from core.clock import utcnow
from core.errors import ConflictError, NotFoundError
from core.lookup import get_referenced
from core.models.agent_status import PresenceState
from core.models.channel import Channel
from core.models.conversation import ConversationStatus, RoutingState
from core.models.queue import Queue
from core.queueing import place_in_queue
from core.routing import statements as rs
from core.routing.assignment import (
    QUEUE_CAPACITY,
    REAL_TIME_CHANNELS,
    WRITTEN_CHANNELS,
    claim,
    free_capacity,
    lock_conversation,
    queue_limit,
    take_capacity,
    vacate,
)
from core.routing.candidates import (
    LANGUAGE_SLOTS,
    NEVER,
    QUEUE_SLOTS,
    AgentView,
    Mode,
    QueueView,
    agent_candidates,
    eligible_queues,
    load_agent,
    waiting_for_agent,
)
from core.routing.context import RoutingContext, routing_context
from core.routing.eligibility import meets, split_requirements, spoken
from core.routing.offers import make_offer
from core.routing.waiting import LineEntry, is_returning, put_waiting
from core.sla import hooks as sla_hooks
from core.users import get_user


@dataclass(frozen=True, slots=True)
class Routed:
    """One routing decision: the conversation went to the agent, offered or assigned."""

    conversation_id: uuid.UUID
    agent_id: uuid.UUID
    offer_id: uuid.UUID | None = None

    @property
    def offered(self) -> bool:
        return self.offer_id is not None


# -- route_conversation ----------------------------------------------------------------------


def route_conversation(
    session: Session, *, conversation_id: uuid.UUID, at: datetime | None = None
) -> Routed | None:
    """Put the conversation in line if it is not, and give it to the best agent now (no commit).

    Returns the decision, or None when it waits (nobody eligible, no queue serves it) or needs
    no routing (held, resolved, closed). NotFoundError for an unknown conversation.
    """
    session.flush()
    now = at or utcnow()
    row = lock_conversation(session, conversation_id)
    state = RoutingState(row.routing_state)
    if not ConversationStatus(row.status).is_open or state in (
        RoutingState.OFFERED,
        RoutingState.ASSIGNED,
    ):
        return None
    context = routing_context(session)
    if state is not RoutingState.WAITING:
        returning = is_returning(row)
        vacate(session, row, at=now, to_state=RoutingState.UNROUTED)
        queue_id = row.queue_id or place_in_queue(session, conversation_id=conversation_id)
        sla_hooks.start_clocks(session, conversation_id=conversation_id, at=now)
        session.flush()
        if queue_id is None:
            rs.forget_conversation(session, conversation_id)
            return None
        row = lock_conversation(session, conversation_id)  # with the SLA's due times
        entry = put_waiting(
            session, row, queue_id=queue_id, at=now, context=context, returning=returning
        )
    else:
        entry = LineEntry.of(row)
    routed = find_agent(session, entry, context=context, at=now)
    rs.forget_conversation(session, conversation_id)
    return routed


def find_agent(
    session: Session, row: LineEntry, *, context: RoutingContext, at: datetime
) -> Routed | None:
    """Offer or assign a (locked, waiting) conversation to the best eligible agent, if any."""
    channel = Channel(row.channel)
    skills, languages = split_requirements(row.required_skills or {})
    queue_capacity = st.run(session, QUEUE_CAPACITY, {"queue_id": row.queue_id}).scalar()
    cap_in_queue = (queue_capacity or {}).get(channel.value)
    params: dict[str, Any] = {
        "tier": str(row.tier),
        "cid": row.id,
        "queue_limit": int(cap_in_queue) if cap_in_queue is not None else 0,
        "today": context.local_date(at),
        "phone_cap": context.daily_phone_cap_seconds,
    }
    for i, (name, level) in enumerate(sorted(skills.items())):
        params[f"skill_{i}"], params[f"level_{i}"] = name, level
    for i, language in enumerate(languages):
        params[f"lang_{i}"], params[f"lang_prefix_{i}"] = f'%"{language}"%', f'%"{language}-%'
    for mode, target in _modes(row, at):
        statement = agent_candidates(channel, len(skills), len(languages), mode)
        for candidate in st.run(session, statement, {**params, "target": target}).all():
            limit = queue_limit(
                channel, overrides=candidate.capacity_overrides, queue_capacity=queue_capacity
            )
            if limit is not None and candidate.load >= limit:
                continue
            if not take_capacity(
                session, agent_id=candidate.id, channel=channel, context=context, at=at, limit=limit
            ):
                continue
            routed = _hand_over(session, row.id, candidate.id, channel, context, at, direct=False)
            if routed is not None:
                return routed
            free_capacity(session, agent_id=candidate.id, channel=channel)
            return None  # the conversation was taken meanwhile
    return None


def _modes(row: LineEntry, at: datetime) -> list[tuple[Mode, uuid.UUID | None]]:
    """Whom to try, in order: while the sticky window lasts only the last agent and their
    team; after it, anyone."""
    if row.sticky_until is None or row.sticky_until <= at:
        return [("anyone", None)]
    modes: list[tuple[Mode, uuid.UUID | None]] = []
    if row.sticky_agent_id is not None:
        modes.append(("agent", row.sticky_agent_id))
    if row.sticky_org_unit_id is not None:
        modes.append(("team", row.sticky_org_unit_id))
    return modes or [("anyone", None)]


def _hand_over(
    session: Session,
    conversation_id: uuid.UUID,
    agent_id: uuid.UUID,
    channel: Channel,
    context: RoutingContext,
    at: datetime,
    *,
    direct: bool,
) -> Routed | None:
    """Offer (real-time channels) or assign; the agent's capacity is already taken."""
    if channel in REAL_TIME_CHANNELS and not direct:
        offer_id = make_offer(
            session,
            conversation_id=conversation_id,
            agent_id=agent_id,
            channel=channel,
            context=context,
            at=at,
        )
        return None if offer_id is None else Routed(conversation_id, agent_id, offer_id)
    via = "pull" if direct else "routing"
    if claim(session, conversation_id=conversation_id, agent_id=agent_id, at=at, via=via):
        return Routed(conversation_id, agent_id)
    return None


# -- route_agent and pull --------------------------------------------------------------------


def route_agent(
    session: Session,
    *,
    agent_id: uuid.UUID,
    at: datetime | None = None,
    max_decisions: int | None = None,
) -> list[Routed]:
    """While the agent has capacity, give them the best waiting conversations they may take
    (no commit); what went to them, best first. Nothing for an agent who is not available."""
    session.flush()
    now = at or utcnow()
    agent = load_agent(session, agent_id)
    if agent is None or agent.state is not PresenceState.AVAILABLE or not agent.active:
        return []
    context = routing_context(session)
    queues = eligible_queues(session, agent)
    routed: list[Routed] = []
    while max_decisions is None or len(routed) < max_decisions:
        decision = _take_best(session, agent, queues, context, now, channels=None, direct=False)
        if decision is None:
            break
        routed.append(decision)
    for decision in routed:
        rs.forget_conversation(session, decision.conversation_id)
    return routed


def pull(
    session: Session,
    *,
    agent_id: uuid.UUID,
    queue_id: uuid.UUID | None = None,
    at: datetime | None = None,
) -> Routed:
    """The agent takes the best written conversation they may (email, web form), assigned at
    once (no commit).

    NotFoundError for an unknown agent or when nothing waits for them; InvalidInputError for
    an unknown queue_id; ConflictError when they are not available or have no written capacity.
    """
    session.flush()
    now = at or utcnow()
    get_user(session, user_id=agent_id)
    if queue_id is not None:
        get_referenced(session, Queue, queue_id, field="queue_id", noun="queue")
    agent = load_agent(session, agent_id)
    if agent is None or agent.state is not PresenceState.AVAILABLE or not agent.active:
        raise ConflictError("the agent is not available")
    context = routing_context(session)
    queues = [q for q in eligible_queues(session, agent) if queue_id in (None, q.id)]
    has_room = any(agent.loads[c] < agent.caps[c] for c in WRITTEN_CHANNELS) or any(
        _free_channels(agent, queue, context, now, WRITTEN_CHANNELS) for queue in queues
    )
    if not has_room:
        raise ConflictError("the agent has no capacity for written work")
    decision = _take_best(session, agent, queues, context, now, WRITTEN_CHANNELS, direct=True)
    if decision is None:
        raise NotFoundError("no waiting conversation this agent may take")
    rs.forget_conversation(session, decision.conversation_id)
    return decision


def _free_channels(
    agent: AgentView,
    queue: QueueView,
    context: RoutingContext,
    at: datetime,
    allowed: frozenset[Channel] | None,
) -> list[Channel]:
    """Channels on which the agent may take one more conversation from this queue."""
    free: list[Channel] = []
    for channel in Channel:
        if allowed is not None and channel not in allowed:
            continue
        limit = queue_limit(channel, overrides=agent.overrides, queue_capacity=queue.agent_capacity)
        if agent.loads[channel] >= (agent.caps[channel] if limit is None else limit):
            continue
        if (
            channel is Channel.PHONE
            and agent.phone_day == context.local_date(at)
            and agent.phone_seconds >= context.daily_phone_cap_seconds
        ):
            continue
        free.append(channel)
    return free


def _line_order(row: Any) -> tuple[float, datetime, uuid.UUID]:
    """Best first: highest rank, then longest waiting."""
    rank = row.routing_rank if row.routing_rank is not None else float("-inf")
    return (-rank, row.waiting_since, row.id)


def _take_best(
    session: Session,
    agent: AgentView,
    queues: list[QueueView],
    context: RoutingContext,
    at: datetime,
    channels: frozenset[Channel] | None,
    *,
    direct: bool,
) -> Routed | None:
    """One decision: the best waiting conversation across the agent's queues, taken."""
    agent_languages = sorted(spoken(agent.languages))[:LANGUAGE_SLOTS]
    base: dict[str, Any] = {
        "tier": agent.tier,
        "now": at,
        "agent_id": agent.id,
        "org_unit_id": agent.org_unit_id,
    }
    for i in range(LANGUAGE_SLOTS):
        language = agent_languages[i] if i < len(agent_languages) else NEVER
        base[f"lang_{i}"], base[f"lang_prefix_{i}"] = language, f"{language}-%"
    by_id = {queue.id: queue for queue in queues}
    open_queues = [
        (queue, free)
        for queue in queues
        if (free := _free_channels(agent, queue, context, at, channels))
    ]
    candidates: list[Any] = []
    for start in range(0, len(open_queues), QUEUE_SLOTS):
        chunk = open_queues[start : start + QUEUE_SLOTS]
        params = dict(base)
        for slot, (queue, free) in enumerate(chunk):
            params[f"queue_{slot}"] = queue.id
            for i in range(len(Channel)):
                params[f"channel_{slot}_{i}"] = free[i].value if i < len(free) else NEVER
        candidates += st.run(session, waiting_for_agent(len(chunk)), params).all()
    candidates.sort(key=_line_order)
    for row in candidates:
        queue = by_id[row.queue_id]
        if not meets(row.required_skills or {}, skills=agent.skills, languages=agent.languages):
            continue
        if st.run(session, rs.LOCK_WAITING, {"cid": row.id}).first() is None:
            continue  # another router holds it
        channel = Channel(row.channel)
        limit = queue_limit(channel, overrides=agent.overrides, queue_capacity=queue.agent_capacity)
        if not take_capacity(
            session, agent_id=agent.id, channel=channel, context=context, at=at, limit=limit
        ):
            continue
        routed = _hand_over(session, row.id, agent.id, channel, context, at, direct=direct)
        if routed is None:
            free_capacity(session, agent_id=agent.id, channel=channel)
            continue
        agent.loads[channel] += 1
        return routed
    return None
