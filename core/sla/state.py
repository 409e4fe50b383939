"""Reading SLA state: each conversation's clocks as people need them, and the breach list."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.models.conversation import Conversation
from core.models.sla import ClockOutcome, SlaClock, SlaMetric
from core.pagination import Page, paginate
from core.sla.calendars import CalendarResolver
from core.sla.clocks import remaining_seconds


@dataclass(frozen=True, slots=True)
class ClockState:
    """One clock as shown on a conversation; ``remaining_seconds`` is working time, negative
    once the target is missed, frozen when the clock stopped."""

    id: uuid.UUID
    metric: SlaMetric
    level: int
    target_seconds: int
    started_at: datetime
    due_at: datetime | None
    remaining_seconds: float
    paused: bool
    warned: bool
    breached: bool
    stopped_at: datetime | None
    outcome: ClockOutcome | None
    predicted_answer_at: datetime | None
    at_risk: bool
    policy_id: uuid.UUID | None


def clock_states(
    session: Session, conversations: Sequence[Conversation], *, now: datetime | None = None
) -> dict[uuid.UUID, list[ClockState]]:
    """The clocks of these conversations, batch-loaded: a few queries for a whole page."""
    now = now or utcnow()
    states: dict[uuid.UUID, list[ClockState]] = defaultdict(list)
    if not conversations:
        return states
    queue_of = {c.id: c.queue_id for c in conversations}
    clocks = list(
        session.execute(
            sa.select(SlaClock)
            .where(col(SlaClock.conversation_id).in_(list(queue_of)))
            .order_by(col(SlaClock.level), col(SlaClock.id))
        ).scalars()
    )
    resolver = CalendarResolver(session)
    resolver.preload(queue_ids=queue_of.values(), policy_ids=[c.policy_id for c in clocks])
    for clock in clocks:
        calendar = resolver.calendar(
            queue_id=queue_of[clock.conversation_id], policy_id=clock.policy_id
        )
        running = clock.stopped_at is None
        states[clock.conversation_id].append(
            ClockState(
                id=clock.id,
                metric=clock.metric,
                level=clock.level,
                target_seconds=clock.target_seconds,
                started_at=clock.started_at,
                due_at=clock.due_at,
                remaining_seconds=round(remaining_seconds(clock, calendar, now), 3),
                paused=running and clock.running_since is None,
                warned=clock.warned_at is not None,
                breached=clock.breached_at is not None,
                stopped_at=clock.stopped_at,
                outcome=clock.outcome,
                predicted_answer_at=clock.predicted_answer_at if running else None,
                at_risk=running
                and clock.breached_at is None
                and clock.due_at is not None
                and clock.predicted_answer_at is not None
                and clock.predicted_answer_at > clock.due_at,
                policy_id=clock.policy_id,
            )
        )
    return states


@dataclass(frozen=True)
class BreachFilter:
    metric: SlaMetric | None = None
    queue_id: uuid.UUID | None = None
    level: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    open: bool | None = None  # true: the clock still runs; false: it has stopped


@dataclass(frozen=True, slots=True)
class BreachRow:
    clock: SlaClock
    conversation_number: int
    queue_id: uuid.UUID | None


def list_breaches(
    session: Session, *, filters: BreachFilter, limit: int = 50, cursor: str | None = None
) -> Page[BreachRow]:
    """Breached clocks, newest clock first; ``since``/``until`` bound the breach instant."""
    query = sa.select(SlaClock).where(col(SlaClock.breached_at).is_not(None))
    if filters.metric is not None:
        query = query.where(col(SlaClock.metric) == filters.metric)
    if filters.level is not None:
        query = query.where(col(SlaClock.level) == filters.level)
    if filters.since is not None:
        query = query.where(col(SlaClock.breached_at) >= filters.since)
    if filters.until is not None:
        query = query.where(col(SlaClock.breached_at) < filters.until)
    if filters.open is not None:
        stopped = col(SlaClock.stopped_at)
        query = query.where(stopped.is_(None) if filters.open else stopped.is_not(None))
    if filters.queue_id is not None:
        query = query.where(
            col(SlaClock.conversation_id).in_(
                sa.select(col(Conversation.id)).where(
                    col(Conversation.queue_id) == filters.queue_id
                )
            )
        )
    page = paginate(session, query, col(SlaClock.id), limit=limit, cursor=cursor)
    facts = {
        row.id: (row.number, row.queue_id)
        for row in session.execute(
            sa.select(
                col(Conversation.id), col(Conversation.number), col(Conversation.queue_id)
            ).where(col(Conversation.id).in_({clock.conversation_id for clock in page.items}))
        )
    }
    return Page(
        items=[BreachRow(clock, *facts[clock.conversation_id]) for clock in page.items],
        next_cursor=page.next_cursor,
    )
