"""Executive KPIs (D25): the period's figures, this period against the last, the who/why/when
heatmap (D20), and the same as CSV. Everything is read from the rollups.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from core.kpis import formulas
from core.kpis.formulas import HandleTime
from core.kpis.periods import Granularity, Period, buckets, tenant_timezone
from core.kpis.scope import scope_of
from core.kpis.totals import EMPTY, sum_rollups
from core.models.channel import Channel


@dataclass(frozen=True, slots=True)
class ExecutiveKpis:
    """Every executive KPI of one period (and org subtree); None where there is no data.

    Shares are fractions (0.25 is 25 %), times are seconds. ``csat`` is the share of the
    period's ``csat_responses`` that scored 4 or 5 (docs/kpis.md).
    """

    period: Period
    org_unit_id: uuid.UUID | None
    contacts: int
    contacts_by_channel: Mapping[str, int]
    offered: int
    offered_by_channel: Mapping[str, int]
    handled: int
    handled_by_channel: Mapping[str, int]
    service_level: float | None
    average_speed_of_answer_seconds: float | None
    abandonment_rate: float | None
    handle_time: HandleTime | None
    first_contact_resolution: float | None
    csat: float | None
    csat_responses: int
    transfer_rate: float | None
    escalation_rate: float | None
    resolved: int
    resolution_mean_seconds: float | None
    resolution_median_seconds: float | None
    resolution_mean_seconds_excluding_pending: float | None
    reopened: int
    reopen_rate: float | None
    sla_met: int
    sla_breached: int
    sla_attainment: float | None
    complaints: int
    complaints_per_thousand: float | None
    occupancy: float | None


@dataclass(frozen=True, slots=True)
class ExecutiveComparison:
    """This period and the one of the same length just before it."""

    current: ExecutiveKpis
    previous: ExecutiveKpis


@dataclass(frozen=True, slots=True)
class HeatmapCell:
    """Contacts created in one local hour of one weekday (0 = Monday) for one category."""

    weekday: int
    hour: int
    category: str | None
    contacts: int


@dataclass(frozen=True, slots=True)
class Heatmap:
    """Who contacts us, why and when (D20): non-empty cells, by weekday, hour, category."""

    period: Period
    timezone: str
    cells: tuple[HeatmapCell, ...]


def executive_kpis(
    session: Session, *, period: Period, org_unit_id: uuid.UUID | None = None
) -> ExecutiveKpis:
    """The period's KPIs, for the whole tenant or one org unit and the units below it."""
    scope = scope_of(session, org_unit_id)
    by_channel = sum_rollups(session, period=period, group_by=("channel",), org_unit_ids=scope)
    totals = sum(by_channel.values(), EMPTY)

    def per_channel(counter: str) -> dict[str, int]:
        counts = {channel.value: 0 for channel in Channel}
        for (channel,), channel_totals in by_channel.items():
            if channel is not None:
                counts[Channel(channel).value] = getattr(channel_totals, counter)
        return counts

    return ExecutiveKpis(
        period=period,
        org_unit_id=org_unit_id,
        contacts=totals.contacts,
        contacts_by_channel=per_channel("contacts"),
        offered=totals.offered,
        offered_by_channel=per_channel("offered"),
        handled=totals.handled,
        handled_by_channel=per_channel("handled"),
        service_level=formulas.service_level(totals),
        average_speed_of_answer_seconds=formulas.average_speed_of_answer(totals),
        abandonment_rate=formulas.abandonment_rate(totals),
        handle_time=formulas.handle_time(totals),
        first_contact_resolution=formulas.first_contact_resolution(totals),
        csat=formulas.csat(totals),
        csat_responses=totals.csat_responses,
        transfer_rate=formulas.transfer_rate(totals),
        escalation_rate=formulas.escalation_rate(totals),
        resolved=totals.resolved,
        resolution_mean_seconds=formulas.resolution_mean_seconds(totals),
        resolution_median_seconds=formulas.resolution_median_seconds(totals),
        resolution_mean_seconds_excluding_pending=(
            formulas.resolution_mean_seconds_excluding_pending(totals)
        ),
        reopened=totals.reopened,
        reopen_rate=formulas.reopen_rate(totals),
        sla_met=totals.sla_met,
        sla_breached=totals.sla_breached,
        sla_attainment=formulas.sla_attainment(totals),
        complaints=totals.complaints,
        complaints_per_thousand=formulas.complaints_per_thousand(totals),
        occupancy=formulas.occupancy(totals),
    )


def compare_periods(
    session: Session, *, period: Period, org_unit_id: uuid.UUID | None = None
) -> ExecutiveComparison:
    """The period's KPIs beside those of the period just before it."""
    return ExecutiveComparison(
        current=executive_kpis(session, period=period, org_unit_id=org_unit_id),
        previous=executive_kpis(session, period=period.previous(), org_unit_id=org_unit_id),
    )


def heatmap(session: Session, *, period: Period, org_unit_id: uuid.UUID | None = None) -> Heatmap:
    """Contacts by local weekday, local hour and category, in the tenant's time zone."""
    timezone = tenant_timezone(session)
    rows = sum_rollups(
        session,
        period=period,
        group_by=("category",),
        org_unit_ids=scope_of(session, org_unit_id),
        counters=("contacts",),
        slots=[hour.start for hour in buckets(period, Granularity.HOUR, timezone)],
    )
    counts: dict[tuple[int, int, str | None], int] = {}
    for (bucket, category), totals in rows.items():
        if totals.contacts:
            local = bucket.astimezone(timezone)
            key = (local.weekday(), local.hour, category)
            counts[key] = counts.get(key, 0) + totals.contacts
    cells = tuple(
        HeatmapCell(weekday=w, hour=h, category=c, contacts=n)
        for (w, h, c), n in sorted(
            counts.items(), key=lambda item: (*item[0][:2], item[0][2] or "")
        )
    )
    return Heatmap(period=period, timezone=timezone.key, cells=cells)


CSV_ROWS: tuple[tuple[str, str, Callable[[ExecutiveKpis], Any]], ...] = (
    ("contacts", "count", lambda k: k.contacts),
    *(
        (f"contacts_{c.value}", "count", lambda k, c=c: k.contacts_by_channel[c.value])
        for c in Channel
    ),
    ("offered", "count", lambda k: k.offered),
    ("handled", "count", lambda k: k.handled),
    *(
        (f"handled_{c.value}", "count", lambda k, c=c: k.handled_by_channel[c.value])
        for c in Channel
    ),
    ("service_level", "share", lambda k: k.service_level),
    ("average_speed_of_answer", "seconds", lambda k: k.average_speed_of_answer_seconds),
    ("abandonment_rate", "share", lambda k: k.abandonment_rate),
    ("average_handle_time", "seconds", lambda k: k.handle_time and k.handle_time.average),
    ("average_talk_time", "seconds", lambda k: k.handle_time and k.handle_time.talk),
    ("average_hold_time", "seconds", lambda k: k.handle_time and k.handle_time.hold),
    ("average_after_call_work", "seconds", lambda k: k.handle_time and k.handle_time.wrap_up),
    ("occupancy", "share", lambda k: k.occupancy),
    ("first_contact_resolution", "share", lambda k: k.first_contact_resolution),
    ("csat", "share", lambda k: k.csat),
    ("csat_responses", "count", lambda k: k.csat_responses),
    ("transfer_rate", "per handled", lambda k: k.transfer_rate),
    ("escalation_rate", "per handled", lambda k: k.escalation_rate),
    ("resolved", "count", lambda k: k.resolved),
    ("resolution_time_mean", "seconds", lambda k: k.resolution_mean_seconds),
    ("resolution_time_median", "seconds", lambda k: k.resolution_median_seconds),
    (
        "resolution_time_mean_excluding_pending",
        "seconds",
        lambda k: k.resolution_mean_seconds_excluding_pending,
    ),
    ("reopened", "count", lambda k: k.reopened),
    ("reopen_rate", "per resolved", lambda k: k.reopen_rate),
    ("sla_met", "count", lambda k: k.sla_met),
    ("sla_breached", "count", lambda k: k.sla_breached),
    ("sla_attainment", "share", lambda k: k.sla_attainment),
    ("complaints", "count", lambda k: k.complaints),
    ("complaints_per_1000_contacts", "per 1000", lambda k: k.complaints_per_thousand),
)
"""The CSV export's lines: KPI name, unit, and how to read it."""


def executive_csv(session: Session, *, period: Period, org_unit_id: uuid.UUID | None = None) -> str:
    """The executive KPIs of the period and the previous one as CSV (empty cell: no data)."""
    comparison = compare_periods(session, period=period, org_unit_id=org_unit_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    previous = comparison.previous.period
    writer.writerow(("kpi", "unit", "this_period", "previous_period"))
    writer.writerow(("period_start", "utc", period.start.isoformat(), previous.start.isoformat()))
    writer.writerow(("period_end", "utc", period.end.isoformat(), previous.end.isoformat()))
    for name, unit, get in CSV_ROWS:
        writer.writerow(
            (name, unit, _cell(get(comparison.current)), _cell(get(comparison.previous)))
        )
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
