"""Routing's prebuilt Core statements: the few that run on every decision, built once.

Each filters by ``scope_tenant_id`` itself (Core statements get no automatic scoping); run
them with ``core.statements.run``. Capacity is taken and conversations are claimed with
conditional UPDATEs only, so that a concurrent router cannot slip past a check.
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import statements as st
from core.db import session_tenant
from core.models.agent_status import AgentStateChange, AgentStatus, capacity_column, load_column
from core.models.channel import Channel
from core.models.conversation import Conversation
from core.models.queue import Queue
from core.models.routing_offer import RoutingOffer
from core.models.user import AgentSkill, User

agent_status_t: sa.Table = AgentStatus.__table__  # type: ignore[attr-defined]
state_change_t: sa.Table = AgentStateChange.__table__  # type: ignore[attr-defined]
user_t: sa.Table = User.__table__  # type: ignore[attr-defined]
skill_t: sa.Table = AgentSkill.__table__  # type: ignore[attr-defined]
queue_t: sa.Table = Queue.__table__  # type: ignore[attr-defined]
offer_t: sa.Table = RoutingOffer.__table__  # type: ignore[attr-defined]
conversation_t = st.conversation_t
contact_t = st.contact_t
TENANT = st.TENANT


def state_literal(value: str) -> sa.ColumnElement[Any]:
    """A state as a constant, so partial indexes (``WHERE routing_state = 'waiting'``) apply."""
    return sa.literal_column(f"'{value}'")


WAITING = state_literal("waiting")
OFFERED = state_literal("offered")
ASSIGNED = state_literal("assigned")
PENDING = state_literal("pending")
AVAILABLE = state_literal("available")
SKIPPED_OFFER_STATES = [state_literal("declined"), state_literal("expired")]

# -- conversations ---------------------------------------------------------------------------

_ROUTING_COLUMNS = (
    conversation_t.c.id,
    conversation_t.c.status,
    conversation_t.c.routing_state,
    conversation_t.c.channel,
    conversation_t.c.tier,
    conversation_t.c.language,
    conversation_t.c.priority,
    conversation_t.c.queue_id,
    conversation_t.c.assignee_id,
    conversation_t.c.assigned_at,
    conversation_t.c.contact_id,
    conversation_t.c.waiting_since,
    conversation_t.c.first_response_at,
    conversation_t.c.first_response_due_at,
    conversation_t.c.next_response_due_at,
    conversation_t.c.required_skills,
    conversation_t.c.sticky_agent_id,
    conversation_t.c.sticky_org_unit_id,
    conversation_t.c.sticky_until,
    conversation_t.c.routing_rank,
    contact_t.c.value_tier,
)
LOCK_CONVERSATION = (
    sa.select(*_ROUTING_COLUMNS)
    .join(
        contact_t,
        sa.and_(
            contact_t.c.tenant_id == conversation_t.c.tenant_id,
            contact_t.c.id == conversation_t.c.contact_id,
        ),
    )
    .where(conversation_t.c.tenant_id == TENANT, conversation_t.c.id == sa.bindparam("cid"))
    .with_for_update(of=conversation_t)
)
LOCK_WAITING = (
    sa.select(conversation_t.c.id)
    .where(
        conversation_t.c.tenant_id == TENANT,
        conversation_t.c.id == sa.bindparam("cid"),
        conversation_t.c.routing_state == WAITING,
        conversation_t.c.assignee_id.is_(None),
    )
    .with_for_update(skip_locked=True)
)


def _update_conversation(*conditions: sa.ColumnElement[bool]) -> sa.Update:
    return sa.update(conversation_t).where(
        conversation_t.c.tenant_id == TENANT,
        conversation_t.c.id == sa.bindparam("cid"),
        *conditions,
    )


_agent = sa.bindparam("agent_id", type_=sa.Uuid())
_now = sa.bindparam("now", type_=conversation_t.c.updated_at.type)
_ASSIGNED_TO_AGENT = {
    "routing_state": "assigned",
    "assignee_id": _agent,
    "assigned_at": _now,
    "owner_id": sa.func.coalesce(conversation_t.c.owner_id, _agent),
    "updated_at": _now,
}
_UNHELD = [WAITING, state_literal("unrouted"), state_literal("done")]  # done: reopened
CLAIM_FOR_ASSIGNMENT = _update_conversation(
    conversation_t.c.routing_state.in_(_UNHELD),
    conversation_t.c.assignee_id.is_(None),
).values(_ASSIGNED_TO_AGENT)
CLAIM_FOR_OFFER = _update_conversation(
    conversation_t.c.routing_state == WAITING, conversation_t.c.assignee_id.is_(None)
).values(routing_state="offered", updated_at=_now)
ACCEPT_OFFERED = _update_conversation(
    conversation_t.c.routing_state == OFFERED, conversation_t.c.assignee_id.is_(None)
).values(_ASSIGNED_TO_AGENT)
MOVE_STATE = _update_conversation(
    conversation_t.c.routing_state == sa.bindparam("from_state", type_=sa.String())
).values(routing_state=sa.bindparam("to_state"), updated_at=_now)
UNASSIGN = _update_conversation(
    conversation_t.c.routing_state == ASSIGNED, conversation_t.c.assignee_id == _agent
).values(routing_state=sa.bindparam("to_state"), assignee_id=None, updated_at=_now)
CLEAR_ASSIGNEE = _update_conversation().values(assignee_id=None, updated_at=_now)
SET_DONE = _update_conversation().values(
    routing_state="done", routing_rank=None, sticky_until=None, updated_at=_now
)
SET_UNROUTED = _update_conversation().values(
    routing_state="unrouted", routing_rank=None, updated_at=_now
)
SET_WAITING = _update_conversation().values(
    queue_id=sa.bindparam("queue_id", type_=sa.Uuid()),
    routing_state="waiting",
    assignee_id=None,
    waiting_since=_now,
    routing_rank=sa.bindparam("routing_rank", type_=sa.Float()),
    required_skills=sa.bindparam("required_skills", type_=conversation_t.c.required_skills.type),
    sticky_agent_id=sa.bindparam("sticky_agent_id", type_=sa.Uuid()),
    sticky_org_unit_id=sa.bindparam("sticky_org_unit_id", type_=sa.Uuid()),
    sticky_until=sa.bindparam("sticky_until", type_=conversation_t.c.sticky_until.type),
    updated_at=_now,
)
SET_RANK = _update_conversation().values(routing_rank=sa.bindparam("routing_rank"))

# -- agents ----------------------------------------------------------------------------------

AGENT_CAPACITY_OVERRIDES = sa.select(agent_status_t.c.capacity_overrides).where(
    agent_status_t.c.tenant_id == TENANT, agent_status_t.c.id == _agent
)


def under_phone_cap() -> sa.ColumnElement[bool]:
    """Talk time on the tenant's ``:today`` is under ``:phone_cap`` (D7)."""
    return sa.or_(
        agent_status_t.c.phone_day.is_(None),
        agent_status_t.c.phone_day != sa.bindparam("today"),
        agent_status_t.c.phone_seconds < sa.bindparam("phone_cap"),
    )


@cache
def take_capacity(channel: Channel, *, queue_limit: bool) -> sa.Update:
    """``load += 1`` if the agent is available and under capacity (and, for phone, under the
    day's phone cap). With ``queue_limit`` the queue's cap (``:limit``) stands in for the
    agent's ``cap_*`` column: the agent has no override of their own for this channel."""
    load = agent_status_t.c[load_column(channel)]
    limit = sa.bindparam("limit") if queue_limit else agent_status_t.c[capacity_column(channel)]
    conditions = [
        agent_status_t.c.tenant_id == TENANT,
        agent_status_t.c.id == _agent,
        agent_status_t.c.state == AVAILABLE,
        load < limit,
    ]
    if channel is Channel.PHONE:
        conditions.append(under_phone_cap())
    return (
        sa.update(agent_status_t)
        .where(*conditions)
        .values({load_column(channel): load + 1, "last_assigned_at": _now})
    )


@cache
def free_capacity(channel: Channel) -> sa.Update:
    load = agent_status_t.c[load_column(channel)]
    return (
        sa.update(agent_status_t)
        .where(agent_status_t.c.tenant_id == TENANT, agent_status_t.c.id == _agent, load > 0)
        .values({load_column(channel): load - 1})
    )


# -- offers ----------------------------------------------------------------------------------

INSERT_OFFER = sa.insert(offer_t)
PENDING_OFFER_OF_CONVERSATION = sa.select(
    offer_t.c.id, offer_t.c.agent_id, offer_t.c.channel
).where(
    offer_t.c.tenant_id == TENANT,
    offer_t.c.conversation_id == sa.bindparam("cid"),
    offer_t.c.state == PENDING,
)
ANSWER_OFFER = (
    sa.update(offer_t)
    .where(
        offer_t.c.tenant_id == TENANT,
        offer_t.c.id == sa.bindparam("offer_id"),
        offer_t.c.state == PENDING,
    )
    .values(state=sa.bindparam("new_state"), answered_at=_now)
)


def rowcount(result: Any) -> int:
    """Rows an UPDATE touched (typed as the generic Result by SQLAlchemy's stubs)."""
    return int(result.rowcount)


def forget_conversation(session: Session, conversation_id: uuid.UUID) -> None:
    """Expire a loaded Conversation after Core statements changed its row behind the ORM.

    Callers' pending ORM changes were flushed before (every service here starts with
    ``session.flush()``), so nothing of theirs is lost; the next attribute read reloads.
    """
    key = session.identity_key(Conversation, (session_tenant(session), conversation_id))
    loaded = session.identity_map.get(key)
    if loaded is not None:
        session.expire(loaded)
