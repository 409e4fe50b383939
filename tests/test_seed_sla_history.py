"""The demo seed's history carries settled SLA clocks, as the SLA engine would have left them,
so breach rates and SLA attainment over the seeded days have data."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col

from core.db import Database
from core.kpis import (
    BreachGrouping,
    Granularity,
    Period,
    breach_rates,
    executive_kpis,
    refresh_rollups,
)
from core.models import (
    ClockOutcome,
    Contact,
    Conversation,
    ConversationEvent,
    EventType,
    SlaClock,
    SlaMetric,
)
from core.seed import SeedPlan, seed_tenant
from core.sla import calendars, policies
from core.sla.calendars import CalendarResolver
from core.sla.policies import MatchFacts, targets_for

PLAN = SeedPlan(agents=12, contacts=200, days=5, conversations_per_day=60)
NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
HISTORY = Period(NOW - timedelta(days=PLAN.days + 1), NOW)


@pytest.fixture(scope="module")
def seeded(database: Database) -> uuid.UUID:
    """A small seeded tenant with its rollups brought up to the seed's now."""
    tenant_id = seed_tenant(
        database, slug=f"sla-history-{uuid.uuid4().hex[:8]}", plan=PLAN, now=NOW
    ).tenant_id
    with database.tenant_unit(tenant_id) as session:
        refresh_rollups(session, now=NOW)
    return tenant_id


def settled_clocks(database: Database, tenant_id: uuid.UUID) -> list[SlaClock]:
    with database.tenant_unit(tenant_id) as session:
        query = sa.select(SlaClock).where(col(SlaClock.stopped_at).is_not(None))
        return list(session.execute(query).scalars())


def test_breach_rates_and_attainment_have_met_and_breached_clocks(
    database: Database, seeded: uuid.UUID
) -> None:
    clocks = settled_clocks(database, seeded)
    met = sum(c.outcome is ClockOutcome.MET for c in clocks)
    breached = sum(c.outcome is ClockOutcome.BREACHED for c in clocks)
    with database.tenant_unit(seeded) as session:
        points = breach_rates(
            session, period=HISTORY, group_by=BreachGrouping.TIER, granularity=Granularity.DAY
        )
        kpis = executive_kpis(session, period=HISTORY)

    assert sum(p.sla_met for p in points) == met > 0
    assert sum(p.sla_breached for p in points) == breached > 0
    assert len({p.start for p in points if p.sla_breached}) >= 2  # spread over the days
    assert (kpis.sla_met, kpis.sla_breached) == (met, breached)
    assert kpis.sla_attainment is not None and 0.8 <= kpis.sla_attainment < 1
    for metric in SlaMetric:
        ended = [
            c for c in clocks if c.metric is metric and c.outcome is not ClockOutcome.CANCELLED
        ]
        share = sum(c.outcome is ClockOutcome.BREACHED for c in ended) / max(1, len(ended))
        assert share < 0.25, f"{metric.value}: {share:.0%} breached is not a working centre"


def test_every_settled_clock_is_what_the_engine_would_have_left(
    database: Database, seeded: uuid.UUID
) -> None:
    clocks = settled_clocks(database, seeded)
    assert {c.metric for c in clocks} == set(SlaMetric)
    with database.tenant_unit(seeded) as session:
        conversations = {
            row.Conversation.id: row
            for row in session.execute(
                sa.select(Conversation, col(Contact.value_tier)).join(
                    Contact, col(Contact.id) == col(Conversation.contact_id)
                )
            )
        }
        events: dict[str, dict[EventType, datetime]] = defaultdict(dict)
        sla_types = (EventType.SLA_STARTED, EventType.SLA_MET, EventType.SLA_BREACHED)
        query = sa.select(ConversationEvent).where(col(ConversationEvent.type).in_(sla_types))
        for event in session.execute(query).scalars():
            events[event.data["clock_id"]][event.type] = event.occurred_at
        resolver = CalendarResolver(session)
        for clock in clocks:
            conversation, tier = conversations[clock.conversation_id]
            stopped = clock.stopped_at
            assert stopped is not None and clock.started_at <= stopped <= NOW
            assert clock.running_since is None
            if clock.outcome is ClockOutcome.BREACHED:
                assert clock.due_at is not None and clock.breached_at == clock.due_at <= stopped
                assert clock.elapsed_seconds >= clock.target_seconds - 1e-3
            else:
                assert clock.breached_at is None
                assert clock.due_at is None or clock.due_at > stopped
            if clock.outcome is ClockOutcome.MET:
                assert clock.elapsed_seconds <= clock.target_seconds + 1e-3
            if clock.metric is SlaMetric.FIRST_RESPONSE:  # stopped by the answer, or by closing
                answered = conversation.first_response_at
                assert stopped == answered if answered else clock.outcome is not ClockOutcome.MET

            facts = MatchFacts(
                conversation.priority, tier, conversation.channel, conversation.category
            )
            target = targets_for(session, facts)[clock.metric]
            assert (target.policy.id, target.seconds) == (clock.policy_id, clock.target_seconds)
            calendar = resolver.calendar(queue_id=conversation.queue_id, policy_id=clock.policy_id)
            never_paused = clock.elapsed_seconds == pytest.approx(
                calendar.working_seconds_between(clock.started_at, stopped), abs=1e-3
            )
            if never_paused:
                due = calendar.add_working_time(
                    clock.started_at, timedelta(seconds=clock.target_seconds)
                )
                assert clock.due_at == due

            recorded = events[str(clock.id)]
            assert recorded[EventType.SLA_STARTED] == clock.started_at
            assert recorded.get(EventType.SLA_MET) == (
                stopped if clock.outcome is ClockOutcome.MET else None
            )
            assert recorded.get(EventType.SLA_BREACHED) == clock.breached_at

        first_breach: dict[uuid.UUID, datetime] = {}
        for clock in clocks:
            if clock.breached_at is not None:
                earlier = first_breach.get(clock.conversation_id, clock.breached_at)
                first_breach[clock.conversation_id] = min(earlier, clock.breached_at)
        for conversation_id, (conversation, _) in conversations.items():
            if conversation.status.is_open:
                continue  # the live stage's clocks, not yet swept, may breach later
            assert conversation.sla_breached_at == first_breach.get(conversation_id)


def test_history_runs_on_the_calendar_and_policies_the_live_demo_has(
    database: Database, seeded: uuid.UUID
) -> None:
    with database.tenant_unit(seeded) as session:
        assert policies.install_default_policies(session) == []
        (calendar,) = calendars.list_calendars(session)
        assert calendar.is_default
        calendars.update_calendar(session, calendar_id=calendar.id, changes={})  # valid as stored
