"""The order conversations wait in: a stored, time-independent rank, and why it is what it is.

    rank = value_tier_weight + priority_weight - wait_weight*t(waiting_since) - sla_weight*t(due)

with t() in epoch seconds. Every term that grows with time grows at the same rate for every
conversation, so ordering by the stored rank is ordering by the live score

    score(now) = rank + (wait_weight + sla_weight)*t(now)
               = value_tier_weight + priority_weight + wait_weight*waited - sla_weight*to_due

which is what we show. ``due`` is the response due time the SLA engine wrote (first response,
or the next one once the first was given), else waiting_since + 24 h.
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
from core.db import session_tenant
from core.errors import NotFoundError
from core.models.contact import ValueTier
from core.models.conversation import Priority, RoutingState
from core.models.routing_offer import RoutingOffer
from core.routing import statements as rs
from core.routing.context import RoutingContext, routing_context

DEFAULT_DUE = timedelta(hours=24)

conversation_t = st.conversation_t
_RANK_COLUMNS = (
    conversation_t.c.id,
    conversation_t.c.routing_state,
    conversation_t.c.queue_id,
    conversation_t.c.priority,
    conversation_t.c.waiting_since,
    conversation_t.c.first_response_at,
    conversation_t.c.first_response_due_at,
    conversation_t.c.next_response_due_at,
    conversation_t.c.routing_rank,
    conversation_t.c.sticky_agent_id,
    conversation_t.c.sticky_org_unit_id,
    conversation_t.c.sticky_until,
    st.contact_t.c.value_tier,
)
_with_contact = sa.select(*_RANK_COLUMNS).join(
    st.contact_t,
    sa.and_(
        st.contact_t.c.tenant_id == conversation_t.c.tenant_id,
        st.contact_t.c.id == conversation_t.c.contact_id,
    ),
)
RANK_INPUTS = _with_contact.where(
    conversation_t.c.tenant_id == st.TENANT, conversation_t.c.id == sa.bindparam("cid")
)
IN_LINE = _with_contact.where(
    conversation_t.c.tenant_id == st.TENANT,
    conversation_t.c.routing_state.in_([rs.WAITING, rs.OFFERED]),
    conversation_t.c.waiting_since.is_not(None),
)
AHEAD_IN_QUEUE = sa.select(sa.func.count()).where(
    conversation_t.c.tenant_id == st.TENANT,
    conversation_t.c.queue_id == sa.bindparam("queue_id"),
    conversation_t.c.routing_state == sa.literal_column("'waiting'"),
    sa.or_(
        conversation_t.c.routing_rank > sa.bindparam("rank"),
        sa.and_(
            conversation_t.c.routing_rank == sa.bindparam("rank"),
            conversation_t.c.waiting_since < sa.bindparam("waiting_since"),
        ),
    ),
)


def epoch(at: datetime) -> float:
    return at.timestamp()


def due_for_rank(
    *,
    waiting_since: datetime,
    first_response_at: datetime | None,
    first_response_due_at: datetime | None,
    next_response_due_at: datetime | None,
) -> tuple[datetime, str]:
    """The due time urgency counts toward, and which one it is."""
    if first_response_at is None and first_response_due_at is not None:
        return first_response_due_at, "first_response"
    if first_response_at is not None and next_response_due_at is not None:
        return next_response_due_at, "next_response"
    return waiting_since + DEFAULT_DUE, "default"


def compute_rank(
    context: RoutingContext,
    *,
    value_tier: ValueTier | str | None,
    priority: Priority | str,
    waiting_since: datetime,
    due_at: datetime,
) -> float:
    """The stored rank (higher goes first); see the module docstring."""
    return (
        context.value_tier_weight(value_tier)
        + context.priority_weight(priority)
        - context.wait_weight * epoch(waiting_since)
        - context.sla_weight * epoch(due_at)
    )


def rank_of(context: RoutingContext, row: Any) -> float:
    """The rank of a conversation in line, from its row (value_tier, priority, waiting_since
    and the SLA due columns)."""
    due_at, _ = due_for_rank(
        waiting_since=row.waiting_since,
        first_response_at=row.first_response_at,
        first_response_due_at=row.first_response_due_at,
        next_response_due_at=row.next_response_due_at,
    )
    return compute_rank(
        context,
        value_tier=row.value_tier,
        priority=row.priority,
        waiting_since=row.waiting_since,
        due_at=due_at,
    )


def rerank_line(session: Session) -> int:
    """Recompute the stored rank of every conversation in line (waiting or offered), as new
    weights require; how many (no commit)."""
    context = routing_context(session)
    rows = st.run(session, IN_LINE).all()
    if rows:
        tenant_id = session_tenant(session)
        session.connection().execute(
            rs.SET_RANK,
            [
                {"scope_tenant_id": tenant_id, "cid": row.id, "routing_rank": rank_of(context, row)}
                for row in rows
            ],
        )
    return len(rows)


def live_score(context: RoutingContext, rank: float, at: datetime) -> float:
    """The rank as seconds of priority at ``at``: what a person reads."""
    return rank + (context.wait_weight + context.sla_weight) * epoch(at)


@dataclass(frozen=True, slots=True)
class RankComponents:
    value_tier: str
    value_tier_weight: float
    priority: str
    priority_weight: float
    waited_seconds: float
    wait_weight: float
    due_at: datetime
    due_basis: str
    seconds_to_due: float
    sla_weight: float


@dataclass(frozen=True, slots=True)
class RoutingExplanation:
    """Why a conversation stands where it does: "why is this first?"."""

    conversation_id: uuid.UUID
    state: RoutingState
    queue_id: uuid.UUID | None
    rank: float | None
    score: float | None
    position: int | None
    components: RankComponents | None
    sticky_agent_id: uuid.UUID | None
    sticky_org_unit_id: uuid.UUID | None
    sticky_until: datetime | None
    offers: list[RoutingOffer]
    at: datetime


def explain(
    session: Session, *, conversation_id: uuid.UUID, at: datetime | None = None
) -> RoutingExplanation:
    """The rank's parts, the live score and the place in the queue; NotFoundError if unknown.

    Components and score are given while the conversation has a waiting time (waiting or
    offered); position only while it waits.
    """
    now = at or utcnow()
    row = st.run(session, RANK_INPUTS, {"cid": conversation_id}).first()
    if row is None:
        raise NotFoundError(f"conversation {conversation_id} not found")
    context = routing_context(session)
    state = RoutingState(row.routing_state)
    components = score = position = None
    if row.waiting_since is not None and state in (RoutingState.WAITING, RoutingState.OFFERED):
        components = _components(context, row, now)
        if row.routing_rank is not None:
            score = live_score(context, row.routing_rank, now)
    if state is RoutingState.WAITING and row.routing_rank is not None:
        ahead = st.run(
            session,
            AHEAD_IN_QUEUE,
            {
                "queue_id": row.queue_id,
                "rank": row.routing_rank,
                "waiting_since": row.waiting_since,
            },
        ).scalar_one()
        position = int(ahead) + 1
    offers = list(
        session.execute(
            sa.select(RoutingOffer)
            .where(RoutingOffer.conversation_id == conversation_id)  # type: ignore[arg-type]
            .order_by(RoutingOffer.id.desc())  # type: ignore[attr-defined]
        ).scalars()
    )
    return RoutingExplanation(
        conversation_id=conversation_id,
        state=state,
        queue_id=row.queue_id,
        rank=row.routing_rank,
        score=score,
        position=position,
        components=components,
        sticky_agent_id=row.sticky_agent_id,
        sticky_org_unit_id=row.sticky_org_unit_id,
        sticky_until=row.sticky_until,
        offers=offers,
        at=now,
    )


def _components(context: RoutingContext, row: Any, now: datetime) -> RankComponents:
    due_at, basis = due_for_rank(
        waiting_since=row.waiting_since,
        first_response_at=row.first_response_at,
        first_response_due_at=row.first_response_due_at,
        next_response_due_at=row.next_response_due_at,
    )
    tier = str(row.value_tier or ValueTier.STANDARD)
    return RankComponents(
        value_tier=tier,
        value_tier_weight=context.value_tier_weight(tier),
        priority=str(row.priority),
        priority_weight=context.priority_weight(row.priority),
        waited_seconds=(now - row.waiting_since).total_seconds(),
        wait_weight=context.wait_weight,
        due_at=due_at,
        due_basis=basis,
        seconds_to_due=(due_at - now).total_seconds(),
        sla_weight=context.sla_weight,
    )
