"""Periods and buckets: what a KPI figure is "for".

A ``Period`` is a half-open UTC interval ``[start, end)``. Rollups are kept per 15-minute
bucket (UTC-aligned, which is also aligned in every real time zone: offsets are whole
quarter hours), so hours and days in the tenant's time zone are exact sums of buckets. A
period covers the buckets that start inside it; periods on 15-minute boundaries (all the
constructors here make such) are therefore exact.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import statements as st
from core.kpis.sql import BUCKET_SECONDS

QUARTER_HOUR = timedelta(seconds=BUCKET_SECONDS)


class Granularity(enum.StrEnum):
    """How finely a period is split for charts."""

    QUARTER_HOUR = "15m"
    HOUR = "hour"
    DAY = "day"


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, end)`` in UTC; both ends must be aware datetimes, start before end."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a period needs aware datetimes")
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        """The period of the same length just before this one (for "this vs last")."""
        return Period(self.start - self.length, self.start)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @classmethod
    def local_day(cls, day: date, timezone: ZoneInfo) -> Period:
        """One calendar day in the tenant's time zone (23 or 25 hours across DST changes)."""
        return cls.local_days(day, day, timezone)

    @classmethod
    def local_days(cls, first: date, last: date, timezone: ZoneInfo) -> Period:
        """Whole local days from ``first`` through ``last``."""
        return cls(_midnight(first, timezone), _midnight(last + timedelta(days=1), timezone))

    @classmethod
    def today(cls, now: datetime, timezone: ZoneInfo) -> Period:
        """The tenant's current local day, midnight to midnight."""
        return cls.local_day(now.astimezone(timezone).date(), timezone)


def _midnight(day: date, timezone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), timezone).astimezone(UTC)


def floor_quarter_hour(moment: datetime) -> datetime:
    """The start of the 15-minute bucket holding ``moment`` (UTC)."""
    moment = moment.astimezone(UTC)
    seconds = moment.minute * 60 + moment.second
    return moment.replace(second=0, microsecond=0, minute=0) + timedelta(
        seconds=seconds - seconds % BUCKET_SECONDS
    )


def bucket_start(moment: datetime, granularity: Granularity, timezone: ZoneInfo) -> datetime:
    """The start (UTC) of the quarter hour, local hour or local day holding ``moment``."""
    if granularity is Granularity.QUARTER_HOUR:
        return floor_quarter_hour(moment)
    local = moment.astimezone(timezone)
    if granularity is Granularity.HOUR:
        return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    return _midnight(local.date(), timezone)


def buckets(period: Period, granularity: Granularity, timezone: ZoneInfo) -> list[Period]:
    """The period cut at the granularity's boundaries (first and last may be partial)."""
    cuts = [period.start]
    cursor = period.start
    while True:
        cursor = _next_boundary(cursor, granularity, timezone)
        if cursor >= period.end:
            break
        cuts.append(cursor)
    cuts.append(period.end)
    return [Period(a, b) for a, b in itertools.pairwise(cuts)]


def _next_boundary(moment: datetime, granularity: Granularity, timezone: ZoneInfo) -> datetime:
    start = bucket_start(moment, granularity, timezone)
    if granularity is Granularity.QUARTER_HOUR:
        return start + QUARTER_HOUR
    if granularity is Granularity.HOUR:
        return start + timedelta(hours=1)  # local hours are an hour apart in UTC too
    local_day = start.astimezone(timezone).date()
    return _midnight(local_day + timedelta(days=1), timezone)


def tenant_timezone(session: Session) -> ZoneInfo:
    """The session's tenant's time zone (local hours, days and weekdays are read in it)."""
    zone = st.run(session, sa.select(st.tenant_t.c.timezone).where(st.tenant_t.c.id == st.TENANT))
    return ZoneInfo(zone.scalar_one())
