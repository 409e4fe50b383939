"""Resolution facts: resolutions, first-contact resolution, resolution and pending time.
Statements in the manner of core.kpis.facts.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core import statements as st
from core.kpis.facts import (
    CLOSED_STATUS,
    FCR_REOPEN_WINDOW_SECONDS,
    OPEN_STATUS_VALUES,
    PENDING_STATUS,
    RESOLUTION_STATUS,
    Ranges,
    dimensions,
    fact_conversation,
    fact_queue,
    grouped,
    later,
    queue_by_id,
    tenant_of,
    with_conversation,
)
from core.kpis.sql import count_if, in_ranges, seconds_between, sql_epoch, unindexed
from core.models.event import EventType
from core.models.kpi_rollup import RESOLUTION_EDGES, RESOLVED_WITHIN


def _pending_seconds(resolution: Any) -> Any:
    """Seconds the conversation spent pending before this resolution (every pending period
    that started before it, each up to the status change that ended it)."""
    began = st.event_t.alias("pending_began")
    ended = st.event_t.alias("pending_ended")
    end = (
        sa.select(sa.func.min(sql_epoch(ended.c.occurred_at)))
        .where(
            *tenant_of(ended),
            ended.c.conversation_id == began.c.conversation_id,
            unindexed(ended.c.type) == EventType.STATUS_CHANGED,
            ended.c.data["from"].as_string() == PENDING_STATUS,
            later(ended, began),
        )
        .correlate(began)
        .scalar_subquery()
    )
    limit = sql_epoch(resolution.c.occurred_at)
    until = sa.case((sa.or_(end.is_(None), end > limit), limit), else_=end)
    return (
        sa.select(sa.func.coalesce(sa.func.sum(until - sql_epoch(began.c.occurred_at)), 0))
        .where(
            *tenant_of(began),
            began.c.conversation_id == resolution.c.conversation_id,
            unindexed(began.c.type) == EventType.STATUS_CHANGED,
            began.c.data["to"].as_string() == PENDING_STATUS,
            later(resolution, began),
        )
        .correlate(resolution)
        .scalar_subquery()
    )


def _first_contact(resolution: Any) -> Any:
    """Never transferred or escalated, never reopened before, not reopened within 7 days."""
    other = st.event_t.alias("other")
    same = [*tenant_of(other), other.c.conversation_id == resolution.c.conversation_id]
    handed_on = sa.exists().where(
        *same,
        unindexed(other.c.type).in_((EventType.TRANSFERRED, EventType.ESCALATED)),
        other.c.occurred_at <= resolution.c.occurred_at,
    )
    reopen = st.event_t.alias("reopen")
    reopened = sa.exists().where(
        *tenant_of(reopen),
        reopen.c.conversation_id == resolution.c.conversation_id,
        unindexed(reopen.c.type) == EventType.REOPENED,
        # before the resolution (negative) or up to 7 days after it
        sql_epoch(reopen.c.occurred_at) - sql_epoch(resolution.c.occurred_at)
        <= FCR_REOPEN_WINDOW_SECONDS,
    )
    return sa.and_(~handed_on.correlate(resolution), ~reopened.correlate(resolution))


def resolutions(ranges: Ranges) -> sa.Select[Any]:
    """Resolutions of conversations an agent took: to resolved, or closed while still open."""
    resolution = st.event_t.alias("resolution")
    to_status = resolution.c.data["to"].as_string()
    from_status = resolution.c.data["from"].as_string()
    took = seconds_between(fact_conversation.c.created_at, resolution.c.occurred_at)
    source = with_conversation(resolution, resolution.c.conversation_id)
    within = [
        count_if(took <= seconds).label(name)
        for name, (_, seconds) in zip(RESOLVED_WITHIN, RESOLUTION_EDGES, strict=True)
    ]
    facts = (
        sa.select(
            *dimensions(resolution.c.occurred_at),
            sa.literal(1).label("resolved"),
            count_if(_first_contact(resolution)).label("first_contact_resolved"),
            took.label("resolution_seconds"),
            _pending_seconds(resolution).label("pending_seconds"),
            *within,
        )
        .select_from(source.outerjoin(fact_queue, queue_by_id(fact_conversation.c.queue_id)))
        .where(
            *tenant_of(resolution),
            resolution.c.type == EventType.STATUS_CHANGED,
            in_ranges(resolution.c.occurred_at, ranges),
            sa.or_(
                to_status == RESOLUTION_STATUS,
                sa.and_(to_status == CLOSED_STATUS, from_status.in_(OPEN_STATUS_VALUES)),
            ),
            fact_conversation.c.owner_id.is_not(None),
        )
    )
    counters = (
        "resolved",
        "first_contact_resolved",
        "resolution_seconds",
        "pending_seconds",
        *RESOLVED_WITHIN,
    )
    return grouped(facts, counters)
