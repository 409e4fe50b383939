"""The fact queries behind the rollups: their shared parts, and the facts of contacts,
hand-offs, reopenings, SLA clocks and survey answers (queue and resolution facts have their
own modules).

Each statement counts the facts whose moment falls in the given UTC ranges, grouped by
15-minute bucket and the rollup dimensions (see core.models.kpi_rollup), and names its sums
after rollup counters. Definitions, and when each fact happens, are in docs/kpis.md. Every
table is filtered by the session's tenant (``st.TENANT``), joins included.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from core import statements as st
from core.kpis.sql import (
    bucket_of,
    count_if,
    in_ranges,
    unindexed,
    uuid_key,
    uuid_text_key,
)
from core.models.agent_status import AgentStateChange
from core.models.conversation import OPEN_STATUSES, ConversationStatus
from core.models.csat import SATISFIED_MIN, CsatResponse
from core.models.event import EventType
from core.models.interaction import Interaction
from core.models.kpi_rollup import DIMENSIONS
from core.models.queue import Queue
from core.models.sla import ClockOutcome, SlaClock
from core.models.user import User

Ranges = list[tuple[datetime, datetime]]

queue_t: sa.Table = Queue.__table__  # type: ignore[attr-defined]
interaction_t: sa.Table = Interaction.__table__  # type: ignore[attr-defined]
clock_t: sa.Table = SlaClock.__table__  # type: ignore[attr-defined]
state_change_t: sa.Table = AgentStateChange.__table__  # type: ignore[attr-defined]
user_t: sa.Table = User.__table__  # type: ignore[attr-defined]
csat_t: sa.Table = CsatResponse.__table__  # type: ignore[attr-defined]

COMPLAINT_CATEGORIES = ("complaint", "complaint_complex")
SHORT_ABANDON_SECONDS = 5
FCR_REOPEN_WINDOW_SECONDS = 7 * 86_400
RESOLUTION_STATUS = ConversationStatus.RESOLVED.value
CLOSED_STATUS = ConversationStatus.CLOSED.value
PENDING_STATUS = ConversationStatus.PENDING.value
OPEN_STATUS_VALUES = [status.value for status in OPEN_STATUSES]

fact_conversation = st.conversation_t.alias("c")
fact_customer = st.contact_t.alias("ct")
fact_queue = queue_t.alias("q")


def tenant_of(*tables: Any) -> list[Any]:
    return [table.c.tenant_id == st.TENANT for table in tables]


def later(a: Any, b: Any) -> Any:
    """Event ``a`` comes after event ``b`` (time, then id: ids are time-ordered UUIDv7)."""
    return sa.or_(
        a.c.occurred_at > b.c.occurred_at,
        sa.and_(a.c.occurred_at == b.c.occurred_at, a.c.id > b.c.id),
    )


def with_conversation(source: Any, conversation_id: Any) -> Any:
    """The fact's table joined to its conversation and that conversation's customer."""
    return source.join(
        fact_conversation,
        sa.and_(
            fact_conversation.c.tenant_id == st.TENANT, fact_conversation.c.id == conversation_id
        ),
    ).outerjoin(
        fact_customer,
        sa.and_(
            fact_customer.c.tenant_id == st.TENANT,
            fact_customer.c.id == fact_conversation.c.contact_id,
        ),
    )


def queue_by_id(queue_id: Any) -> Any:
    return sa.and_(fact_queue.c.tenant_id == st.TENANT, fact_queue.c.id == queue_id)


def queue_by_text(queue_text: Any) -> Any:
    """The queue an event names in its data, else the conversation's current queue."""
    return sa.and_(
        fact_queue.c.tenant_id == st.TENANT,
        sa.or_(
            uuid_key(fact_queue.c.id) == uuid_text_key(queue_text),
            sa.and_(queue_text.is_(None), fact_queue.c.id == fact_conversation.c.queue_id),
        ),
    )


def dimensions(moment: Any, *, channel: Any = None) -> list[Any]:
    return [
        bucket_of(moment).label("bucket"),
        fact_queue.c.id.label("queue_id"),
        (channel if channel is not None else fact_conversation.c.channel).label("channel"),
        fact_queue.c.org_unit_id.label("org_unit_id"),
        fact_conversation.c.category.label("category"),
        sa.func.coalesce(fact_queue.c.tier, fact_conversation.c.tier).label("tier"),
        fact_customer.c.value_tier.label("value_tier"),
    ]


def grouped(facts: sa.Select[Any], counters: Sequence[str]) -> sa.Select[Any]:
    """SUM the per-fact counters by bucket and dimensions."""
    inner = facts.subquery("facts")
    keys = [inner.c[name] for name in ("bucket", *DIMENSIONS)]
    sums = [sa.func.sum(inner.c[name]).label(name) for name in counters]
    return sa.select(*keys, *sums).group_by(*keys)


def contacts(ranges: Ranges) -> sa.Select[Any]:
    """Conversations created, filed under the queue they first waited in (their entry point)."""
    created = st.event_t.alias("created")
    queued = st.event_t.alias("queued")
    entry_queue = (
        sa.select(queued.c.data["queue_id"].as_string())
        .where(
            *tenant_of(queued),
            queued.c.conversation_id == created.c.conversation_id,
            unindexed(queued.c.type) == EventType.QUEUED,
        )
        .order_by(queued.c.occurred_at, queued.c.id)
        .limit(1)
        .correlate(created)
        .scalar_subquery()
    )
    arrivals = (
        sa.select(
            created.c.conversation_id,
            created.c.occurred_at,
            entry_queue.label("queue_text"),
        )
        .where(
            *tenant_of(created),
            created.c.type == EventType.CREATED,
            in_ranges(created.c.occurred_at, ranges),
        )
        .subquery("arrivals")
    )
    source = with_conversation(arrivals, arrivals.c.conversation_id)
    facts = sa.select(
        *dimensions(arrivals.c.occurred_at),
        sa.literal(1).label("contacts"),
        count_if(fact_conversation.c.category.in_(COMPLAINT_CATEGORIES)).label("complaints"),
    ).select_from(source.outerjoin(fact_queue, queue_by_text(arrivals.c.queue_text)))
    return grouped(facts, ("contacts", "complaints"))


def handoffs(ranges: Ranges) -> sa.Select[Any]:
    """Transfers and escalations, filed under the queue they left."""
    moved = st.event_t.alias("moved")
    from_queue = sa.func.coalesce(
        moved.c.data["from_queue_id"].as_string(), moved.c.data["queue_id"].as_string()
    )
    source = with_conversation(moved, moved.c.conversation_id)
    facts = (
        sa.select(
            *dimensions(moved.c.occurred_at),
            count_if(moved.c.type == EventType.TRANSFERRED).label("transfers"),
            count_if(moved.c.type == EventType.ESCALATED).label("escalations"),
        )
        .select_from(source.outerjoin(fact_queue, queue_by_text(from_queue)))
        .where(
            *tenant_of(moved),
            moved.c.type.in_((EventType.TRANSFERRED, EventType.ESCALATED)),
            in_ranges(moved.c.occurred_at, ranges),
        )
    )
    return grouped(facts, ("transfers", "escalations"))


def reopenings(ranges: Ranges) -> sa.Select[Any]:
    """Resolved conversations reopened (by the customer writing back, or by an agent)."""
    reopen = st.event_t.alias("reopen")
    source = with_conversation(reopen, reopen.c.conversation_id)
    facts = (
        sa.select(*dimensions(reopen.c.occurred_at), sa.literal(1).label("reopened"))
        .select_from(source.outerjoin(fact_queue, queue_by_id(fact_conversation.c.queue_id)))
        .where(
            *tenant_of(reopen),
            reopen.c.type == EventType.REOPENED,
            in_ranges(reopen.c.occurred_at, ranges),
        )
    )
    return grouped(facts, ("reopened",))


def _clocks(ranges: Ranges, *, counter: str, met: bool) -> sa.Select[Any]:
    clock = clock_t.alias("clock")
    moment = clock.c.stopped_at if met else clock.c.breached_at
    source = with_conversation(clock, clock.c.conversation_id)
    facts = (
        sa.select(*dimensions(moment), sa.literal(1).label(counter))
        .select_from(source.outerjoin(fact_queue, queue_by_id(fact_conversation.c.queue_id)))
        .where(*tenant_of(clock), in_ranges(moment, ranges))
    )
    if met:
        facts = facts.where(clock.c.outcome == ClockOutcome.MET)
    return grouped(facts, (counter,))


def sla_met(ranges: Ranges) -> sa.Select[Any]:
    """SLA clocks that stopped in time (cancelled clocks count neither way)."""
    return _clocks(ranges, counter="sla_met", met=True)


def sla_breached(ranges: Ranges) -> sa.Select[Any]:
    """SLA clocks that came due unmet, at the moment they did."""
    return _clocks(ranges, counter="sla_breached", met=False)


def csat_answers(ranges: Ranges) -> sa.Select[Any]:
    """Survey answers, when the customer answered, under the conversation's current queue."""
    answer = csat_t.alias("answer")
    source = with_conversation(answer, answer.c.conversation_id)
    facts = (
        sa.select(
            *dimensions(answer.c.answered_at),
            sa.literal(1).label("csat_responses"),
            count_if(answer.c.score >= SATISFIED_MIN).label("csat_satisfied"),
        )
        .select_from(source.outerjoin(fact_queue, queue_by_id(fact_conversation.c.queue_id)))
        .where(*tenant_of(answer), in_ranges(answer.c.answered_at, ranges))
    )
    return grouped(facts, ("csat_responses", "csat_satisfied"))


FACT_EVENTS = (
    EventType.CREATED,
    EventType.ASSIGNED,
    EventType.TRANSFERRED,
    EventType.ESCALATED,
    EventType.STATUS_CHANGED,
    EventType.REOPENED,
)
"""The event types whose moments the statements above book facts at."""
