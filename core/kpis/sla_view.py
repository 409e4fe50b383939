"""The SLA page's figures: what is breached or about to be, now; breach rates over time.

The watch list reads the running SLA clocks of open conversations: breached (marked by the
sweep, or past due and not marked yet) and at risk (past the warning share, or predicted to
breach). Breach rates and escalations over time come from the rollups.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import statements as st
from core.clock import as_utc
from core.kpis import formulas
from core.kpis.facts import clock_t, queue_t
from core.kpis.periods import Granularity, Period, buckets, tenant_timezone
from core.kpis.scope import scope_of
from core.kpis.totals import Totals, sum_rollups
from core.models.conversation import OPEN_STATUSES


class SlaState(enum.StrEnum):
    BREACHED = "breached"
    AT_RISK = "at_risk"


class BreachGrouping(enum.StrEnum):
    """What breach rates are split by; each is a rollup dimension."""

    QUEUE = "queue"
    TIER = "tier"
    CATEGORY = "category"
    VALUE_TIER = "value_tier"
    ORG_UNIT = "org_unit"

    @property
    def dimension(self) -> str:
        return {"queue": "queue_id", "org_unit": "org_unit_id"}.get(self.value, self.value)


@dataclass(frozen=True, slots=True)
class SlaWatchItem:
    """One running SLA target of an open conversation that is breached or at risk.

    ``seconds_to_breach`` is negative once due (how late it is); None for a clock paused while
    the conversation waits on the customer (it cannot come due then).
    """

    conversation_id: uuid.UUID
    number: int
    subject: str
    status: str
    priority: str
    queue_id: uuid.UUID | None
    queue_name: str | None
    org_unit_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    metric: str
    level: int
    state: SlaState
    due_at: datetime | None
    seconds_to_breach: float | None
    paused: bool


@dataclass(frozen=True, slots=True)
class BreachRatePoint:
    """SLA clocks met and breached, and escalations, of one group in one time bucket."""

    start: datetime
    group: str | None
    sla_met: int
    sla_breached: int
    breach_rate: float | None
    escalations: int


def sla_watchlist(
    session: Session, *, now: datetime, org_unit_id: uuid.UUID | None = None, limit: int = 500
) -> tuple[SlaWatchItem, ...]:
    """Breached and at-risk targets of open conversations, most overdue first."""
    clock, conversation, queue = clock_t, st.conversation_t, queue_t
    running = clock.c.running_since.is_not(None)
    due = sa.and_(running, clock.c.due_at <= now)
    breached = sa.or_(clock.c.breached_at.is_not(None), due)
    at_risk = sa.and_(
        running,
        sa.or_(
            clock.c.warned_at.is_not(None),
            clock.c.warn_at <= now,
            clock.c.at_risk_since.is_not(None),
        ),
    )
    query = (
        sa.select(
            conversation.c.id,
            conversation.c.number,
            conversation.c.subject,
            conversation.c.status,
            conversation.c.priority,
            conversation.c.assignee_id,
            queue.c.id.label("queue_id"),
            queue.c.name.label("queue_name"),
            queue.c.org_unit_id,
            clock.c.metric,
            clock.c.level,
            clock.c.due_at,
            clock.c.running_since,
            breached.label("breached"),
        )
        .select_from(
            clock.join(
                conversation,
                sa.and_(
                    conversation.c.tenant_id == st.TENANT,
                    conversation.c.id == clock.c.conversation_id,
                ),
            ).outerjoin(
                queue,
                sa.and_(queue.c.tenant_id == st.TENANT, queue.c.id == conversation.c.queue_id),
            )
        )
        .where(
            clock.c.tenant_id == st.TENANT,
            clock.c.stopped_at.is_(None),
            conversation.c.status.in_([status.value for status in OPEN_STATUSES]),
            sa.or_(breached, at_risk),
        )
        .order_by(clock.c.due_at.asc().nulls_last(), conversation.c.number)
        .limit(limit)
    )
    scope = scope_of(session, org_unit_id)
    if scope is not None:
        query = query.where(queue.c.org_unit_id.in_(list(scope)))
    return tuple(_item(row, now) for row in st.run(session, query))


def _item(row: Any, now: datetime) -> SlaWatchItem:
    due_at = None if row.due_at is None else as_utc(row.due_at)
    return SlaWatchItem(
        conversation_id=row.id,
        number=row.number,
        subject=row.subject,
        status=str(row.status),
        priority=str(row.priority),
        queue_id=row.queue_id,
        queue_name=row.queue_name,
        org_unit_id=row.org_unit_id,
        assignee_id=row.assignee_id,
        metric=str(row.metric),
        level=row.level,
        state=SlaState.BREACHED if row.breached else SlaState.AT_RISK,
        due_at=due_at,
        seconds_to_breach=None if due_at is None else (due_at - now).total_seconds(),
        paused=row.running_since is None,
    )


def breach_rates(
    session: Session,
    *,
    period: Period,
    group_by: BreachGrouping,
    granularity: Granularity = Granularity.DAY,
    org_unit_id: uuid.UUID | None = None,
) -> tuple[BreachRatePoint, ...]:
    """SLA clocks met and breached, breach rate and escalations per group and time bucket
    (hours and days in the tenant's time zone), oldest first; empty buckets are left out."""
    timezone = tenant_timezone(session)
    rows = sum_rollups(
        session,
        period=period,
        group_by=(group_by.dimension,),
        org_unit_ids=scope_of(session, org_unit_id),
        counters=("sla_met", "sla_breached", "escalations"),
        slots=[piece.start for piece in buckets(period, granularity, timezone)],
    )
    merged: dict[tuple[datetime, str | None], list[int]] = {}
    for (start, group), totals in rows.items():
        if totals.sla_met or totals.sla_breached or totals.escalations:
            key = (start, _label(group))
            sums = merged.setdefault(key, [0, 0, 0])
            sums[0] += totals.sla_met
            sums[1] += totals.sla_breached
            sums[2] += totals.escalations
    points = []
    for (start, group), (met, breached, escalations) in sorted(
        merged.items(), key=lambda item: (item[0][0], item[0][1] or "")
    ):
        rate = formulas.breach_rate(Totals(sla_met=met, sla_breached=breached))
        points.append(BreachRatePoint(start, group, met, breached, rate, escalations))
    return tuple(points)


def _label(value: Any) -> str | None:
    """Group values as text: ids as their canonical form, enums as their value."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)
