"""The routing sweep: what no event triggers — offers timing out, sticky windows ending, and
agents idle while work waits (after a lost job, say).

Runs every couple of seconds in every worker process (``workers.routing_actors``). It finds
candidates across tenants, then handles each in its own tenant transaction with the same
conditional updates as everything else, so concurrent sweeps are safe and one failing item
does not hold up the rest. Batches are bounded per run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session

from core import statements as st
from core.clock import utcnow
from core.db import Database
from core.models.agent_status import capacity_column, load_column
from core.models.channel import Channel
from core.routing import statements as rs
from core.routing.offers import expire_offer
from core.routing.router import route_agent, route_conversation

log = structlog.get_logger(__name__)

SWEEP_EVERY_SECONDS = 2.0
SWEEP_BATCH = 50

_offer = rs.offer_t
_conversation = rs.conversation_t
_status = rs.agent_status_t
_batch = sa.bindparam("batch", type_=sa.Integer())

DUE_OFFERS = (
    sa.select(_offer.c.tenant_id, _offer.c.id)
    .where(_offer.c.state == rs.PENDING, _offer.c.expires_at <= sa.bindparam("now"))
    .order_by(_offer.c.expires_at)
    .limit(_batch)
)
STICKY_ENDED = (
    sa.select(_conversation.c.tenant_id, _conversation.c.id)
    .where(
        _conversation.c.routing_state == rs.WAITING,
        _conversation.c.sticky_until <= sa.bindparam("now"),
    )
    .order_by(_conversation.c.sticky_until)
    .limit(_batch)
)
ACROSS_TIERS = (
    sa.select(_conversation.c.tenant_id, _conversation.c.id)
    .join(
        rs.queue_t,
        sa.and_(
            rs.queue_t.c.tenant_id == _conversation.c.tenant_id,
            rs.queue_t.c.id == _conversation.c.queue_id,
        ),
    )
    .where(_conversation.c.routing_state == rs.WAITING, _conversation.c.tier != rs.queue_t.c.tier)
    .order_by(_conversation.c.routing_rank.desc())
    .limit(_batch)
)
END_STICKY = (
    sa.update(_conversation)
    .where(
        _conversation.c.tenant_id == rs.TENANT,
        _conversation.c.id == sa.bindparam("cid"),
        _conversation.c.sticky_until <= sa.bindparam("now"),
    )
    .values(sticky_until=None)
)
_work_waits = (
    sa.select(sa.literal(1))
    .where(
        _conversation.c.tenant_id == _status.c.tenant_id,
        _conversation.c.routing_state == rs.WAITING,
    )
    .exists()
)
IDLE_AGENTS = (
    sa.select(_status.c.tenant_id, _status.c.id)
    .where(
        _status.c.state == rs.AVAILABLE,
        sa.or_(*(_status.c[load_column(c)] < _status.c[capacity_column(c)] for c in Channel)),
        _work_waits,
    )
    .order_by(_status.c.last_assigned_at.asc().nulls_first(), _status.c.id)
    .limit(_batch)
)


@dataclass(frozen=True, slots=True)
class SweepResult:
    expired_offers: int
    sticky_windows_ended: int
    decisions: int


def sweep(
    database: Database, *, at: datetime | None = None, batch: int = SWEEP_BATCH
) -> SweepResult:
    """One pass: expire due offers and route their conversations on, route conversations whose
    sticky window ended or that wait in a queue of another tier (agents look in their own
    tier's queues), and give idle agents waiting work. Never raises for one item."""
    now = at or utcnow()
    params = {"now": now, "batch": batch}

    def expire_and_route_on(session: Session, offer_id: uuid.UUID) -> tuple[bool, int]:
        conversation_id = expire_offer(session, offer_id=offer_id, at=now)
        if conversation_id is None:
            return False, 0
        return True, _routed(route_conversation(session, conversation_id=conversation_id, at=now))

    def route_after_sticky(session: Session, conversation_id: uuid.UUID) -> tuple[bool, int]:
        ended = st.run(session, END_STICKY, {"cid": conversation_id, "now": now})
        if rs.rowcount(ended) != 1:
            return False, 0
        return True, _routed(route_conversation(session, conversation_id=conversation_id, at=now))

    def route_again(session: Session, conversation_id: uuid.UUID) -> tuple[bool, int]:
        return True, _routed(route_conversation(session, conversation_id=conversation_id, at=now))

    def give_work(session: Session, agent_id: uuid.UUID) -> tuple[bool, int]:
        return True, len(route_agent(session, agent_id=agent_id, at=now))

    expired = _each(database, DUE_OFFERS, params, expire_and_route_on, "offer")
    sticky = _each(database, STICKY_ENDED, params, route_after_sticky, "sticky")
    across = _each(database, ACROSS_TIERS, params, route_again, "across_tiers")
    idle = _each(database, IDLE_AGENTS, params, give_work, "idle_agent")
    return SweepResult(
        expired_offers=expired.done,
        sticky_windows_ended=sticky.done,
        decisions=expired.decisions + sticky.decisions + across.decisions + idle.decisions,
    )


def _routed(decision: object | None) -> int:
    return 0 if decision is None else 1


@dataclass(frozen=True, slots=True)
class _Tally:
    done: int
    decisions: int


def _each(
    database: Database,
    query: sa.Select[Any],
    params: dict[str, Any],
    handle: Callable[[Session, uuid.UUID], tuple[bool, int]],
    what: str,
) -> _Tally:
    """Run ``handle`` for every (tenant_id, id) the query finds, each in its own transaction."""
    with database.system_session() as session:
        rows = session.connection().execute(query, params).all()
    done = decisions = 0
    for tenant_id, item_id in rows:
        try:
            with database.tenant_unit(tenant_id) as session:
                did, made = handle(session, item_id)
        except Exception:
            log.exception("routing.sweep_item_failed", what=what, id=str(item_id))
            continue
        done += did
        decisions += made
    return _Tally(done=done, decisions=decisions)
