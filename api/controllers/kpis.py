"""/kpis: the figures the dashboards show, from the same functions (core.kpis; docs/kpis.md).

Periods are half-open ``[since, until)`` in UTC; rollups are exact on quarter hours, so
both ends are floored to a quarter hour.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from litestar import Controller, get
from litestar.params import FromQuery

from api.dependencies import TenantSession
from api.problems import problem_responses
from core.clock import utcnow
from core.errors import FieldProblem, InvalidInputError
from core.kpis import (
    BreachGrouping,
    BreachRatePoint,
    ExecutiveComparison,
    Granularity,
    Heatmap,
    Period,
    QueueHealth,
    SlaWatchItem,
    breach_rates,
    compare_periods,
    heatmap,
    queue_health,
    sla_watchlist,
)
from core.kpis.periods import floor_quarter_hour
from core.monitors.service import get_monitor
from core.permissions import Action
from core.social.overview import SentimentOverview, sentiment_overview

MAX_PERIOD = timedelta(days=400)


def period_of(since: datetime, until: datetime) -> Period:
    """The quarter-hour-aligned period; InvalidInputError names what is wrong with it."""
    start, end = floor_quarter_hour(since), floor_quarter_hour(until)
    if end <= start:
        raise InvalidInputError(
            "empty period", [FieldProblem("until", "must be a quarter hour or more after since")]
        )
    if end - start > MAX_PERIOD:
        raise InvalidInputError("period too long", [FieldProblem("since", "at most 400 days")])
    return Period(start, end)


class KpiController(Controller):
    path = "/kpis"
    tags = ["kpis"]
    opt = {"resource": "kpis"}  # permissions: api.guards

    @get(
        "/executive",
        sync_to_thread=True,
        summary="Executive KPIs for a period and the period before it",
        responses=problem_responses(404),
    )
    def executive(
        self,
        session: TenantSession,
        since: FromQuery[datetime],
        until: FromQuery[datetime],
        org_unit_id: FromQuery[uuid.UUID | None] = None,
    ) -> ExecutiveComparison:
        return compare_periods(session, period=period_of(since, until), org_unit_id=org_unit_id)

    @get(
        "/heatmap",
        sync_to_thread=True,
        summary="Contacts by weekday, hour and category, in the tenant's time zone",
        responses=problem_responses(404),
    )
    def heatmap(
        self,
        session: TenantSession,
        since: FromQuery[datetime],
        until: FromQuery[datetime],
        org_unit_id: FromQuery[uuid.UUID | None] = None,
    ) -> Heatmap:
        return heatmap(session, period=period_of(since, until), org_unit_id=org_unit_id)

    @get(
        "/queue-health",
        sync_to_thread=True,
        summary="Live queue health: waiting now, today's service level, agents by state",
        responses=problem_responses(404),
        action=Action.QUEUE_HEALTH_READ,
    )
    def queue_health(
        self, session: TenantSession, org_unit_id: FromQuery[uuid.UUID | None] = None
    ) -> QueueHealth:
        return queue_health(session, now=utcnow(), org_unit_id=org_unit_id)

    @get(
        "/sla/watchlist",
        sync_to_thread=True,
        summary="Open conversations whose SLA targets are breached or at risk",
        responses=problem_responses(404),
        action=Action.SLA_READ,
    )
    def sla_watchlist(
        self, session: TenantSession, org_unit_id: FromQuery[uuid.UUID | None] = None
    ) -> list[SlaWatchItem]:
        return list(sla_watchlist(session, now=utcnow(), org_unit_id=org_unit_id))

    @get(
        "/sla/breach-rates",
        sync_to_thread=True,
        summary="Breach rate and escalations over time, split by one dimension",
        responses=problem_responses(404),
        action=Action.SLA_READ,
    )
    def sla_breach_rates(
        self,
        session: TenantSession,
        since: FromQuery[datetime],
        until: FromQuery[datetime],
        group_by: FromQuery[BreachGrouping] = BreachGrouping.QUEUE,
        granularity: FromQuery[Granularity] = Granularity.DAY,
        org_unit_id: FromQuery[uuid.UUID | None] = None,
    ) -> list[BreachRatePoint]:
        return list(
            breach_rates(
                session,
                period=period_of(since, until),
                group_by=group_by,
                granularity=granularity,
                org_unit_id=org_unit_id,
            )
        )

    @get(
        "/sentiment",
        sync_to_thread=True,
        summary="One monitor's volume, negatives, spikes, top posts and terms",
        responses=problem_responses(404),
        action=Action.SENTIMENT_READ,
    )
    def sentiment(
        self,
        session: TenantSession,
        monitor_id: FromQuery[uuid.UUID],
        since: FromQuery[datetime],
        until: FromQuery[datetime],
    ) -> SentimentOverview:
        get_monitor(session, monitor_id=monitor_id)  # another tenant's monitor is a 404
        period = period_of(since, until)
        return sentiment_overview(
            session, monitor_id=monitor_id, since=period.start, until=period.end
        )
