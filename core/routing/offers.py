"""Push routing for real-time channels: offer to one agent, who accepts or declines in time.

An offer holds the agent's capacity and the conversation (OFFERED) until it is answered. A
decline or an expiry puts the conversation back in line (its place kept: waiting_since does
not change) and that agent is skipped for it from then on. With the policy's
``missed_offer_sets_away``, a missed offer also sets the agent AWAY: they are not there.
Services flush, never commit; they lock the conversation first, then the offer and the agent.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core import statements as st
from core.clock import utcnow
from core.errors import ConflictError, NotFoundError
from core.events import record_event
from core.ids import new_id
from core.lookup import get_by_id
from core.models.agent_status import PresenceState
from core.models.channel import Channel
from core.models.event import EventType
from core.models.routing_offer import OfferState, RoutingOffer
from core.routing import statements as rs
from core.routing.assignment import free_capacity, lock_conversation
from core.routing.context import RoutingContext, routing_context
from core.routing.jobs import (
    enqueue_bridge_call,
    enqueue_route_agent,
    enqueue_route_conversation,
)
from core.routing.presence import locked_status, set_presence
from core.users import get_user

COUNT_MISSED_OFFER = (
    sa.update(rs.agent_status_t)
    .where(
        rs.agent_status_t.c.tenant_id == rs.TENANT,
        rs.agent_status_t.c.id == sa.bindparam("agent_id"),
    )
    .values(missed_offers=rs.agent_status_t.c.missed_offers + 1)
)


def make_offer(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    agent_id: uuid.UUID,
    channel: Channel,
    context: RoutingContext,
    at: datetime,
) -> uuid.UUID | None:
    """Hold a waiting conversation for the agent and record OFFERED; None if it is not
    waiting any more. The caller has taken the agent's capacity for it."""
    claimed = st.run(session, rs.CLAIM_FOR_OFFER, {"cid": conversation_id, "now": at})
    if rs.rowcount(claimed) != 1:
        return None
    offer_id = new_id()
    expires_at = at + timedelta(seconds=context.offer_timeout_seconds)
    st.insert_row(
        session,
        rs.INSERT_OFFER,
        {
            "id": offer_id,
            "created_at": at,
            "conversation_id": conversation_id,
            "agent_id": agent_id,
            "channel": channel,
            "state": OfferState.PENDING,
            "offered_at": at,
            "expires_at": expires_at,
            "answered_at": None,
        },
    )
    record_event(
        session,
        conversation_id=conversation_id,
        type=EventType.OFFERED,
        data={
            "agent_id": str(agent_id),
            "offer_id": str(offer_id),
            "expires_at": expires_at.isoformat(),
        },
        occurred_at=at,
    )
    return offer_id


def get_offer(session: Session, *, offer_id: uuid.UUID) -> RoutingOffer:
    return get_by_id(session, RoutingOffer, offer_id, noun="offer")


def pending_offers(session: Session, *, agent_id: uuid.UUID) -> list[RoutingOffer]:
    """The agent's offers waiting for an answer, oldest first; NotFoundError for unknown users."""
    get_user(session, user_id=agent_id)
    return list(
        session.execute(
            sa.select(RoutingOffer)
            .where(
                col(RoutingOffer.agent_id) == agent_id,
                col(RoutingOffer.state) == OfferState.PENDING,
            )
            .order_by(col(RoutingOffer.id))
        ).scalars()
    )


def accept_offer(
    session: Session,
    *,
    offer_id: uuid.UUID,
    agent_id: uuid.UUID | None = None,
    at: datetime | None = None,
) -> RoutingOffer:
    """The agent takes the conversation: it becomes theirs (ASSIGNED), capacity stays held.

    NotFoundError for an unknown offer, or one made to another agent than ``agent_id``;
    ConflictError once it is answered or has expired.
    """
    now = at or utcnow()
    offer = _locked_offer(session, offer_id, agent_id)
    _check_open(offer, now)
    _answer(session, offer, OfferState.ACCEPTED, now)
    accepted = st.run(
        session,
        rs.ACCEPT_OFFERED,
        {"cid": offer.conversation_id, "agent_id": offer.agent_id, "now": now},
    )
    if rs.rowcount(accepted) != 1:
        raise ConflictError("the conversation is no longer offered")
    record_event(
        session,
        conversation_id=offer.conversation_id,
        type=EventType.ASSIGNED,
        actor_user_id=offer.agent_id,
        data={"assignee_id": str(offer.agent_id), "via": "offer", "offer_id": str(offer.id)},
        occurred_at=now,
    )
    enqueue_bridge_call(
        session,
        conversation_id=offer.conversation_id,
        agent_id=offer.agent_id,
        channel=offer.channel,
    )
    return _reloaded(session, offer)


def decline_offer(
    session: Session,
    *,
    offer_id: uuid.UUID,
    agent_id: uuid.UUID | None = None,
    at: datetime | None = None,
) -> RoutingOffer:
    """The agent turns it down: back in line, this agent skipped for it, routing job queued.

    NotFoundError for an unknown offer, or one made to another agent than ``agent_id``;
    ConflictError once it is answered or has expired.
    """
    now = at or utcnow()
    offer = _locked_offer(session, offer_id, agent_id)
    _check_open(offer, now)
    _answer(session, offer, OfferState.DECLINED, now)
    _back_in_line(session, offer, EventType.OFFER_DECLINED, now)
    enqueue_route_conversation(session, conversation_id=offer.conversation_id)
    enqueue_route_agent(session, agent_id=offer.agent_id)
    return _reloaded(session, offer)


def expire_offer(
    session: Session, *, offer_id: uuid.UUID, at: datetime | None = None
) -> uuid.UUID | None:
    """Time is up: back in line, this agent skipped (and, if the policy says so, an agent still
    marked available is set AWAY: they are not there).

    Returns the conversation for the caller to route on (the periodic sweep does, in the same
    transaction); None when the offer was answered meanwhile or is not due yet.
    """
    now = at or utcnow()
    offer = _locked_offer(session, offer_id, None)
    if offer.state is not OfferState.PENDING or offer.expires_at > now:
        return None
    _answer(session, offer, OfferState.EXPIRED, now)
    _back_in_line(session, offer, EventType.OFFER_EXPIRED, now)
    st.run(session, COUNT_MISSED_OFFER, {"agent_id": offer.agent_id})
    context = routing_context(session)
    status = locked_status(session, agent_id=offer.agent_id, context=context)
    if context.missed_offer_sets_away and status.state is PresenceState.AVAILABLE:
        set_presence(
            session,
            agent_id=offer.agent_id,
            state=PresenceState.AWAY,
            at=now,
            reason="missed offer",
        )
    rs.forget_conversation(session, offer.conversation_id)
    return offer.conversation_id


def _locked_offer(
    session: Session, offer_id: uuid.UUID, agent_id: uuid.UUID | None
) -> RoutingOffer:
    """The offer, read again after locking its conversation (the lock order of routing)."""
    session.flush()
    offer = get_offer(session, offer_id=offer_id)
    if agent_id is not None and offer.agent_id != agent_id:
        raise NotFoundError(f"offer {offer_id} not found")
    lock_conversation(session, offer.conversation_id)
    session.refresh(offer)
    return offer


def _check_open(offer: RoutingOffer, now: datetime) -> None:
    if offer.state is not OfferState.PENDING:
        raise ConflictError(f"the offer was already {offer.state.value}")
    if offer.expires_at <= now:
        raise ConflictError(f"the offer expired at {offer.expires_at.isoformat()}")


def _answer(session: Session, offer: RoutingOffer, state: OfferState, now: datetime) -> None:
    answered = st.run(
        session, rs.ANSWER_OFFER, {"offer_id": offer.id, "new_state": state.value, "now": now}
    )
    if rs.rowcount(answered) != 1:
        raise ConflictError("the offer was answered meanwhile")


def _back_in_line(session: Session, offer: RoutingOffer, event: EventType, now: datetime) -> None:
    """Free the agent's capacity and put the conversation back in line where it was."""
    free_capacity(session, agent_id=offer.agent_id, channel=offer.channel)
    st.run(
        session,
        rs.MOVE_STATE,
        {"cid": offer.conversation_id, "from_state": "offered", "to_state": "waiting", "now": now},
    )
    record_event(
        session,
        conversation_id=offer.conversation_id,
        type=event,
        actor_user_id=offer.agent_id if event is EventType.OFFER_DECLINED else None,
        data={"agent_id": str(offer.agent_id), "offer_id": str(offer.id)},
        occurred_at=now,
    )


def _reloaded(session: Session, offer: RoutingOffer) -> RoutingOffer:
    session.refresh(offer)
    rs.forget_conversation(session, offer.conversation_id)
    return offer
