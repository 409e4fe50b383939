"""Agent presence, capacity overrides and daily phone time (D6, D7).

An agent's AgentStatus row is created on first use; every presence change closes the open
AgentStateChange period and opens the next (occupancy and adherence are computed from those).
Going available queues a job that routes work to the agent. Services flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from core import statements as st
from core.clock import utcnow
from core.db import session_tenant
from core.errors import ConflictError, FieldProblem, InvalidInputError
from core.models.agent_status import (
    AgentStateChange,
    AgentStatus,
    PresenceState,
    capacity_column,
    load_column,
)
from core.models.channel import Channel
from core.pagination import Page, paginate
from core.routing import statements as rs
from core.routing.context import RoutingContext, routing_context
from core.routing.jobs import enqueue_route_agent
from core.routing.policy import MAX_CAPACITY, apply_capacities
from core.users import get_user

MAX_PHONE_SECONDS = 86_400

_status = rs.agent_status_t
ADD_PHONE_TIME = (
    sa.update(_status)
    .where(_status.c.tenant_id == rs.TENANT, _status.c.id == sa.bindparam("agent_id"))
    .values(
        phone_seconds=sa.case(
            (_status.c.phone_day == sa.bindparam("today"), _status.c.phone_seconds),
            else_=0,
        )
        + sa.bindparam("seconds"),
        phone_day=sa.bindparam("today"),
    )
)
_INSERT_IF_MISSING = {
    "postgresql": postgresql.insert(_status).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(_status).on_conflict_do_nothing(),
}


@dataclass(frozen=True, slots=True)
class AgentStatusView:
    """An agent's routing state as people read it (an agent never seen is offline)."""

    agent_id: uuid.UUID
    state: PresenceState
    since: datetime | None
    reason: str | None
    loads: dict[str, int]
    capacities: dict[str, int]
    capacity_overrides: dict[str, int]
    phone_seconds_today: int
    daily_phone_cap_seconds: int
    missed_offers: int
    last_assigned_at: datetime | None


def locked_status(session: Session, *, agent_id: uuid.UUID, context: RoutingContext) -> AgentStatus:
    """The agent's status row, created on first use, locked and freshly read."""
    defaults = AgentStatus(id=agent_id, tenant_id=session_tenant(session))
    apply_capacities(defaults, default_capacity=context.default_capacity)
    row = {column.name: getattr(defaults, column.name) for column in _status.columns}
    session.connection().execute(_INSERT_IF_MISSING[session.get_bind().dialect.name], row)
    return session.execute(
        sa.select(AgentStatus)
        .where(col(AgentStatus.id) == agent_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def set_presence(
    session: Session,
    *,
    agent_id: uuid.UUID,
    state: PresenceState,
    at: datetime | None = None,
    reason: str | None = None,
) -> AgentStatus:
    """Change the agent's presence (no commit); the same state again changes nothing.

    NotFoundError for an unknown user; ConflictError when someone without a tier, or
    deactivated, would go available. Going available queues a routing job for the agent;
    pending offers are left to answer or to expire.
    """
    session.flush()
    now = at or utcnow()
    user = get_user(session, user_id=agent_id)
    if state is PresenceState.AVAILABLE and (user.tier is None or not user.active):
        raise ConflictError("only active users with a tier can take work")
    context = routing_context(session)
    status = locked_status(session, agent_id=agent_id, context=context)
    if status.state is state and status.state_since is not None:
        return status
    session.execute(
        sa.update(AgentStateChange)
        .where(col(AgentStateChange.user_id) == agent_id, col(AgentStateChange.ended_at).is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    session.add(
        AgentStateChange(
            user_id=agent_id, state=state, started_at=now, reason=(reason or None) and reason[:64]
        )
    )
    status.state = state
    status.state_since = now
    apply_capacities(status, default_capacity=context.default_capacity)
    session.flush()
    if state is PresenceState.AVAILABLE:
        enqueue_route_agent(session, agent_id=agent_id)
    return status


def set_capacity(
    session: Session, *, agent_id: uuid.UUID, overrides: Mapping[str, int | None]
) -> AgentStatus:
    """Replace the agent's per-channel capacity overrides (None or absent: the tenant default).

    InvalidInputError for unknown channels or out-of-range values; an available agent whose
    capacity changed gets a routing job.
    """
    session.flush()
    channels = {channel.value for channel in Channel}
    problems = [
        FieldProblem(key, "unknown channel") for key in overrides if key not in channels
    ] + [
        FieldProblem(key, f"must be 0 to {MAX_CAPACITY}")
        for key, value in overrides.items()
        if value is not None and not 0 <= value <= MAX_CAPACITY
    ]
    if problems:
        raise InvalidInputError("invalid capacity", problems)
    get_user(session, user_id=agent_id)
    context = routing_context(session)
    status = locked_status(session, agent_id=agent_id, context=context)
    status.capacity_overrides = {k: int(v) for k, v in overrides.items() if v is not None}
    apply_capacities(status, default_capacity=context.default_capacity)
    session.flush()
    if status.state is PresenceState.AVAILABLE:
        enqueue_route_agent(session, agent_id=agent_id)
    return status


def add_phone_time(
    session: Session, *, agent_id: uuid.UUID, seconds: int, at: datetime | None = None
) -> None:
    """Count talk time toward the D7 daily cap (no commit).

    The day is the tenant's local date at ``at``; the count starts again on a new day.
    """
    if not 0 <= seconds <= MAX_PHONE_SECONDS:
        raise InvalidInputError(
            "invalid phone time", [FieldProblem("seconds", f"must be 0 to {MAX_PHONE_SECONDS}")]
        )
    session.flush()
    now = at or utcnow()
    context = routing_context(session)
    locked_status(session, agent_id=agent_id, context=context)
    st.run(
        session,
        ADD_PHONE_TIME,
        {"agent_id": agent_id, "today": context.local_date(now), "seconds": seconds},
    )


def phone_seconds_on(status: AgentStatus, day: date) -> int:
    return status.phone_seconds if status.phone_day == day else 0


def get_status(
    session: Session, *, agent_id: uuid.UUID, at: datetime | None = None
) -> AgentStatusView:
    """The agent's presence, loads, capacities and phone time today; NotFoundError if unknown."""
    session.flush()
    now = at or utcnow()
    get_user(session, user_id=agent_id)
    context = routing_context(session)
    status = session.execute(
        sa.select(AgentStatus)
        .where(col(AgentStatus.id) == agent_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if status is None:
        status = AgentStatus(id=agent_id)
        apply_capacities(status, default_capacity=context.default_capacity)
    return AgentStatusView(
        agent_id=agent_id,
        state=status.state,
        since=status.state_since,
        reason=current_reason(session, agent_id=agent_id),
        loads={c.value: getattr(status, load_column(c)) for c in Channel},
        capacities={c.value: getattr(status, capacity_column(c)) for c in Channel},
        capacity_overrides=dict(status.capacity_overrides),
        phone_seconds_today=phone_seconds_on(status, context.local_date(now)),
        daily_phone_cap_seconds=context.daily_phone_cap_seconds,
        missed_offers=status.missed_offers,
        last_assigned_at=status.last_assigned_at,
    )


def current_reason(session: Session, *, agent_id: uuid.UUID) -> str | None:
    return session.execute(
        sa.select(col(AgentStateChange.reason)).where(
            col(AgentStateChange.user_id) == agent_id, col(AgentStateChange.ended_at).is_(None)
        )
    ).scalar()


def state_history(
    session: Session, *, agent_id: uuid.UUID, limit: int = 50, cursor: str | None = None
) -> Page[AgentStateChange]:
    """The agent's presence periods, newest first; NotFoundError for an unknown user."""
    get_user(session, user_id=agent_id)
    query = sa.select(AgentStateChange).where(col(AgentStateChange.user_id) == agent_id)
    return paginate(session, query, col(AgentStateChange.id), limit=limit, cursor=cursor)
