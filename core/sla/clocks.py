"""SLA clocks: start, pause, resume and stop targets on a conversation, counting working time.

A running clock banks nothing until it pauses: its working time so far is ``elapsed_seconds``
plus the working time since ``running_since``. ``due_at``/``warn_at`` are the instants the
target and the warning share are reached if it keeps running; a paused clock has neither
(it cannot come due), so the sweep's range scans never meet it.

Every change here goes through ``ConversationClocks``, which locks the conversation row first
and its open clocks after (the order the sweep and prediction use too, so they cannot
deadlock with a request), and writes the conversation's denormalised due columns at the end.
Nothing commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.events import record_event
from core.models.contact import Contact, ValueTier
from core.models.conversation import Conversation, RoutingState
from core.models.event import EventType
from core.models.sla import ClockOutcome, SlaClock, SlaMetric
from core.routing import waiting
from core.sla.business_hours import BusinessCalendar
from core.sla.calendars import CalendarResolver
from core.sla.policies import MatchFacts, Target, targets_for

RESPONSE_METRICS = (SlaMetric.FIRST_RESPONSE, SlaMetric.NEXT_RESPONSE)


def elapsed_seconds(clock: SlaClock, calendar: BusinessCalendar, at: datetime) -> float:
    """Working seconds the clock has run by ``at``."""
    elapsed = clock.elapsed_seconds
    if clock.running_since is not None and clock.stopped_at is None:
        elapsed += calendar.working_seconds_between(clock.running_since, at)
    return elapsed


def remaining_seconds(clock: SlaClock, calendar: BusinessCalendar, at: datetime) -> float:
    """Working seconds left before the target (negative once it is missed)."""
    return clock.target_seconds - elapsed_seconds(clock, calendar, at)


def schedule(clock: SlaClock, calendar: BusinessCalendar, at: datetime) -> None:
    """Set due_at and warn_at for a clock running from ``at`` with its banked time.

    A breached clock keeps the due time it missed; a warned one keeps its warning time.
    """
    if clock.breached_at is None:
        left = max(0.0, clock.target_seconds - clock.elapsed_seconds)
        clock.due_at = calendar.add_working_time(at, timedelta(seconds=left))
    if clock.warned_at is None:
        to_warning = max(0.0, clock.target_seconds * clock.warn_share - clock.elapsed_seconds)
        clock.warn_at = calendar.add_working_time(at, timedelta(seconds=to_warning))


def pause(clock: SlaClock, calendar: BusinessCalendar, at: datetime) -> None:
    """Bank the working time so far; a paused clock cannot come due (no due or warn time)."""
    if clock.running_since is None:
        return
    clock.elapsed_seconds = elapsed_seconds(clock, calendar, at)
    clock.running_since = None
    if clock.breached_at is None:
        clock.due_at = None
    if clock.warned_at is None:
        clock.warn_at = None


def settle(clock: SlaClock, calendar: BusinessCalendar, at: datetime, *, met: bool) -> ClockOutcome:
    """Stop the clock for good: bank its working time; a breach already booked stands."""
    clock.elapsed_seconds = elapsed_seconds(clock, calendar, at)
    clock.running_since = None
    clock.stopped_at = at
    if clock.breached_at is not None:
        clock.outcome = ClockOutcome.BREACHED
    else:
        clock.outcome = ClockOutcome.MET if met else ClockOutcome.CANCELLED
    return clock.outcome


def resume(clock: SlaClock, calendar: BusinessCalendar, at: datetime) -> None:
    """Run again from ``at`` with the banked time; due and warn times move by the pause."""
    if clock.running_since is not None:
        return
    clock.running_since = at
    schedule(clock, calendar, at)


class ConversationClocks:
    """One conversation, locked, with its clocks: the unit every clock change works on."""

    def __init__(self, session: Session, conversation_id: uuid.UUID) -> None:
        self.session = session
        query = sa.select(Conversation).where(col(Conversation.id) == conversation_id)
        self.conversation: Conversation = session.execute(
            query.with_for_update().execution_options(populate_existing=True)
        ).scalar_one()
        self.clocks: list[SlaClock] = list(
            session.execute(
                sa.select(SlaClock)
                .where(col(SlaClock.conversation_id) == conversation_id)
                .order_by(col(SlaClock.id))
                .with_for_update()
                .execution_options(populate_existing=True)
            ).scalars()
        )
        self._calendars = CalendarResolver(session)
        self._response_due_before = self._response_due()
        self._breaches: list[datetime] = []

    def running(self, *metrics: SlaMetric) -> list[SlaClock]:
        """Clocks not stopped yet (paused ones included) of these metrics, or of all."""
        return [
            c for c in self.clocks if c.stopped_at is None and (not metrics or c.metric in metrics)
        ]

    def latest(self, metric: SlaMetric) -> SlaClock | None:
        """The metric's clock at the highest level, newest first, stopped or not."""
        clocks = [c for c in self.clocks if c.metric is metric]
        return max(clocks, key=lambda c: (c.level, c.started_at, c.id), default=None)

    def calendar(self, source: SlaClock | Target) -> BusinessCalendar:
        """The calendar a clock (or a target about to start one) runs on."""
        policy_id = source.policy_id if isinstance(source, SlaClock) else source.policy.id
        return self._calendars.calendar(queue_id=self.conversation.queue_id, policy_id=policy_id)

    def targets(self) -> dict[SlaMetric, Target]:
        """What the tenant's policies set for this conversation now."""
        conversation = self.conversation
        tier = self.session.execute(
            sa.select(col(Contact.value_tier)).where(col(Contact.id) == conversation.contact_id)
        ).scalar_one_or_none()
        facts = MatchFacts(
            priority=conversation.priority,
            value_tier=tier or ValueTier.STANDARD,
            channel=conversation.channel,
            category=conversation.category,
        )
        return targets_for(self.session, facts)

    def start(self, target: Target, *, start: datetime, level: int = 0) -> SlaClock:
        """A new running clock for ``target`` counting from ``start``; records SLA_STARTED."""
        clock = SlaClock(
            conversation_id=self.conversation.id,
            policy_id=target.policy.id,
            metric=target.metric,
            level=level,
            target_seconds=target.seconds,
            warn_share=target.policy.warn_share,
            started_at=start,
            running_since=start,
        )
        schedule(clock, self.calendar(target), start)
        self.session.add(clock)
        self.session.flush()
        self.clocks.append(clock)
        self._record(clock, EventType.SLA_STARTED, start, policy=target.policy.name)
        return clock

    def pause(self, clock: SlaClock, at: datetime) -> None:
        pause(clock, self.calendar(clock), at)

    def resume(self, clock: SlaClock, at: datetime) -> None:
        resume(clock, self.calendar(clock), at)

    def stop(self, clock: SlaClock, at: datetime, *, met: bool) -> ClockOutcome:
        """Stop as met (or cancelled when ``met`` is false); a clock past due stops breached.

        A clock that came due before the sweep saw it is marked breached here, once: the
        sweep's conditional update skips stopped clocks, and this row is locked.
        """
        calendar = self.calendar(clock)
        if clock.breached_at is None and clock.due_at is not None and clock.due_at <= at:
            clock.breached_at = clock.due_at
            self._breaches.append(clock.due_at)
            self._record(clock, EventType.SLA_BREACHED, clock.due_at, late=True)
        outcome = settle(clock, calendar, at, met=met)
        if outcome is ClockOutcome.MET:
            self._record(clock, EventType.SLA_MET, at, elapsed_seconds=clock.elapsed_seconds)
        return outcome

    def stop_all(self, clocks: Iterable[SlaClock], at: datetime, *, met: bool) -> None:
        for clock in list(clocks):
            self.stop(clock, at, met=met)

    def finish(self) -> None:
        """Write the denormalised due columns; rerank a conversation in line whose response due
        time moved (the router orders by it)."""
        conversation = self.conversation

        def due(metric: SlaMetric) -> datetime | None:
            clocks = sorted(self.running(metric), key=lambda c: c.level)
            return clocks[-1].due_at if clocks else None

        conversation.first_response_due_at = due(SlaMetric.FIRST_RESPONSE)
        conversation.next_response_due_at = due(SlaMetric.NEXT_RESPONSE)
        conversation.resolution_due_at = due(SlaMetric.RESOLUTION)
        if self._breaches and conversation.sla_breached_at is None:
            conversation.sla_breached_at = min(self._breaches)
        if not self.running(*RESPONSE_METRICS):
            conversation.sla_at_risk = False
        self.session.flush()
        moved = self._response_due() != self._response_due_before
        if moved and conversation.routing_state in (RoutingState.WAITING, RoutingState.OFFERED):
            waiting.rerank(self.session, conversation_id=conversation.id)

    def _response_due(self) -> tuple[datetime | None, datetime | None]:
        return (self.conversation.first_response_due_at, self.conversation.next_response_due_at)

    def _record(self, clock: SlaClock, type_: EventType, at: datetime, **data: object) -> None:
        record_event(
            self.session,
            conversation_id=clock.conversation_id,
            type=type_,
            data={
                "clock_id": str(clock.id),
                "metric": clock.metric.value,
                "level": clock.level,
                "target_seconds": clock.target_seconds,
                "due_at": _iso(clock.due_at),
                **data,
            },
            occurred_at=at,
        )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
