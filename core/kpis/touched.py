"""Which 15-minute buckets hold facts: what a rollup refresh has to rewrite.

A fact's moment is an event's time (core.kpis.facts.FACT_EVENTS), a call's answer, end or end
of wrap-up, an SLA clock's stop or breach, or a survey answer's time. Buckets are epoch
seconds (see core.kpis.sql).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import statements as st
from core.kpis.facts import FACT_EVENTS, clock_t, csat_t, interaction_t
from core.kpis.sql import BUCKET_SECONDS, bucket_of, epoch_seconds, unindexed
from core.models.event import EventType
from core.models.kpi_rollup import QUARTER, KpiRollup

rollup_t: sa.Table = KpiRollup.__table__  # type: ignore[attr-defined]

RETROACTIVE_EVENTS = (
    EventType.REOPENED,
    EventType.CATEGORY_CHANGED,
    EventType.TRANSFERRED,
    EventType.ESCALATED,
    EventType.QUEUED,
)
"""Events that change facts booked earlier: a reopening undoes a first-contact resolution; the
others move a conversation's facts to another category, queue or tier."""


def bucket(moment: datetime) -> int:
    seconds = epoch_seconds(moment)
    return seconds - seconds % BUCKET_SECONDS


def changed_since(moment: datetime) -> sa.Select[Any]:
    """The conversations with a retroactive event at or after ``moment``."""
    changed = st.event_t.alias("changed")
    return sa.select(changed.c.conversation_id).where(
        changed.c.tenant_id == st.TENANT,
        changed.c.type.in_(RETROACTIVE_EVENTS),
        changed.c.occurred_at >= moment,
    )


def fact_buckets(
    session: Session,
    *,
    after: datetime | None = None,
    before: datetime | None = None,
    of_conversations: sa.Select[Any] | None = None,
) -> set[int]:
    """Buckets of the fact moments in ``[after, before)`` (of those conversations only)."""

    def within(column: Any) -> list[Any]:
        bounds = []
        if after is not None:
            bounds.append(column >= after)
        if before is not None:
            bounds.append(column < before)
        return bounds

    def owned_by(table: sa.Table) -> list[Any]:
        found = [table.c.tenant_id == st.TENANT]
        if of_conversations is not None:
            found.append(table.c.conversation_id.in_(of_conversations))
        return found

    event = st.event_t
    kind = event.c.type if of_conversations is None else unindexed(event.c.type)
    query = (
        sa.select(bucket_of(event.c.occurred_at))
        .where(*owned_by(event), kind.in_(FACT_EVENTS), *within(event.c.occurred_at))
        .distinct()
    )
    buckets = {int(b) for b in st.run(session, query).scalars()}
    for table, columns in (
        (interaction_t, ("answered_at", "ended_at", "wrap_up_ended_at")),
        (clock_t, ("stopped_at", "breached_at")),
        (csat_t, ("answered_at",)),
    ):
        moments = [table.c[name] for name in columns]
        in_bounds = sa.or_(*(sa.and_(m.is_not(None), *within(m)) for m in moments))
        for row in st.run(session, sa.select(*moments).where(*owned_by(table), in_bounds)):
            buckets.update(
                bucket(m)
                for m in row
                if m is not None
                and (after is None or m >= after)
                and (before is None or m < before)
            )
    return buckets


def rollup_buckets(session: Session, *, after: datetime, before: datetime) -> set[int]:
    """Buckets that have rollup rows now (a rewrite must clear them even if facts are gone)."""
    query = (
        sa.select(rollup_t.c.bucket_start)
        .where(
            rollup_t.c.tenant_id == st.TENANT,
            rollup_t.c.span_seconds == QUARTER,
            rollup_t.c.bucket_start >= after,
            rollup_t.c.bucket_start < before,
        )
        .distinct()
    )
    return {bucket(moment) for moment in st.run(session, query).scalars()}
