"""Business-hours calendars: weekly local hours, a time zone and holidays; working-time arithmetic.

Every instant in and out is an aware datetime; results are UTC. Working time is real elapsed time
inside the calendar's intervals, so a local 00:00-06:00 is 5 h on a spring-forward day and 7 h on
a fall-back day.

Local wall times are resolved to instants with one monotonic rule, so that intervals never run
backwards or overlap once converted:

- an ambiguous wall time (a fall-back repeat) is its first occurrence (``fold=0``);
- a nonexistent wall time (inside a spring-forward gap) is the instant of the transition itself,
  so the part of an interval that falls in the gap contributes no working time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Interval = tuple[time, time]

MIDNIGHT = time(0)
ONE_DAY = timedelta(days=1)
ONE_MICROSECOND = timedelta(microseconds=1)
MAX_DAYS_WITHOUT_WORK = 3 * 366 + 7
"""How far the calendar is searched for working time before it is declared to have none."""


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly working hours in one IANA time zone, minus holidays.

    ``weekly`` maps a weekday (0 = Monday) to ordered, non-overlapping local intervals
    ``[start, end)``; an ``end`` of ``time(0)`` means midnight at the end of that day (24:00),
    so ``(time(0), time(0))`` is the whole day. ``holidays`` are local dates without working time;
    an interval belongs to the date it starts on. Raises ValueError on an unknown zone or
    malformed intervals.
    """

    timezone: str
    weekly: Mapping[int, tuple[Interval, ...]]
    holidays: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {self.timezone!r}") from error
        weekly = {
            weekday: _validated_intervals(weekday, intervals)
            for weekday, intervals in self.weekly.items()
        }
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "weekly", MappingProxyType(weekly))
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    @classmethod
    def always_open(cls) -> BusinessCalendar:
        """A 24x7 calendar in UTC: working time equals elapsed time."""
        return cls(timezone="UTC", weekly={day: ((MIDNIGHT, MIDNIGHT),) for day in range(7)})

    def working_intervals(
        self, start: datetime, end: datetime
    ) -> Iterator[tuple[datetime, datetime]]:
        """Yield the working intervals within ``[start, end)`` in order, clipped, as UTC pairs."""
        start, end = _as_utc(start), _as_utc(end)
        if end <= start:
            return
        day = self._local_date(start) - ONE_DAY
        last_day = self._local_date(end)
        while day <= last_day:
            for interval_start, interval_end in self._intervals_on(day):
                clipped_start, clipped_end = max(interval_start, start), min(interval_end, end)
                if clipped_start < clipped_end:
                    yield clipped_start, clipped_end
            day += ONE_DAY

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Working time in ``[start, end)`` in seconds; 0 when ``end <= start``."""
        total = timedelta()
        for interval_start, interval_end in self.working_intervals(start, end):
            total += interval_end - interval_start
        return total.total_seconds()

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The first instant by which ``duration`` of working time has elapsed after ``start``.

        A positive duration that ends exactly at the end of an interval returns that end, not the
        start of the next interval. A zero duration returns ``next_working_instant(start)``, the
        moment an SLA clock started at ``start`` would begin to run. Raises ValueError on a
        negative duration or a calendar without working time.
        """
        start = _as_utc(start)
        if duration < timedelta():
            raise ValueError("duration must not be negative")
        if not duration:
            return self.next_working_instant(start)
        remaining = duration
        for interval_start, interval_end in self._intervals_from(start):
            length = interval_end - interval_start
            if remaining <= length:
                return interval_start + remaining
            remaining -= length
        raise AssertionError("unreachable: _intervals_from is endless or raises")

    def is_working(self, at: datetime) -> bool:
        """Whether ``at`` falls inside a working interval (starts included, ends excluded)."""
        at = _as_utc(at)
        return any(True for _ in self.working_intervals(at, at + ONE_MICROSECOND))

    def next_working_instant(self, at: datetime) -> datetime:
        """``at`` itself when it is working time, else the start of the next working interval."""
        at = _as_utc(at)
        for interval_start, _ in self._intervals_from(at):
            return interval_start
        raise AssertionError("unreachable: _intervals_from is endless or raises")

    def _intervals_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Endless working intervals after ``start``, clipped to it; ValueError if there are none."""
        if not any(self.weekly.values()):
            raise ValueError("calendar has no working hours")
        day = self._local_date(start) - ONE_DAY
        days_without_work = 0
        while True:
            worked = False
            for interval_start, interval_end in self._intervals_on(day):
                if interval_end > start:
                    worked = True
                    yield max(interval_start, start), interval_end
            days_without_work = 0 if worked else days_without_work + 1
            if days_without_work > MAX_DAYS_WITHOUT_WORK:
                raise ValueError(
                    f"calendar has no working hours within {MAX_DAYS_WITHOUT_WORK} days of {start}"
                )
            day += ONE_DAY

    def _intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The non-empty UTC intervals of one local date, in order."""
        if day in self.holidays:
            return []
        intervals = []
        for local_start, local_end in self.weekly.get(day.weekday(), ()):
            end_day = day + ONE_DAY if local_end == MIDNIGHT else day
            interval_start = self._resolve(datetime.combine(day, local_start))
            interval_end = self._resolve(datetime.combine(end_day, local_end))
            if interval_start < interval_end:
                intervals.append((interval_start, interval_end))
        return intervals

    def _local_date(self, at: datetime) -> date:
        return at.astimezone(self._zone).date()

    def _resolve(self, wall: datetime) -> datetime:
        """The UTC instant of a naive local wall time, by the module's monotonic rule."""
        first = wall.replace(tzinfo=self._zone, fold=0).astimezone(UTC)
        if first.astimezone(self._zone).replace(tzinfo=None) == wall.replace(fold=0):
            return first
        # In a gap: fold=1 gives an instant before the transition, fold=0 one at or after it.
        before = wall.replace(tzinfo=self._zone, fold=1).astimezone(UTC)
        after = first
        offset_after = after.astimezone(self._zone).utcoffset()
        while after - before > ONE_MICROSECOND:
            middle = before + (after - before) // 2
            if middle.astimezone(self._zone).utcoffset() == offset_after:
                after = middle
            else:
                before = middle
        return after


def _validated_intervals(weekday: int, intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday!r}")
    checked = tuple((start, end) for start, end in intervals)
    previous_end: timedelta | None = None
    for start, end in checked:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("business hours are local wall times without tzinfo")
        start_offset, end_offset = _since_midnight(start), _since_midnight(end) or ONE_DAY
        if start_offset >= end_offset:
            raise ValueError(f"empty or reversed interval {start}-{end} on weekday {weekday}")
        if previous_end is not None and start_offset < previous_end:
            raise ValueError(f"intervals on weekday {weekday} overlap or are out of order")
        previous_end = end_offset
    return checked


def _since_midnight(moment: time) -> timedelta:
    return timedelta(
        hours=moment.hour,
        minutes=moment.minute,
        seconds=moment.second,
        microseconds=moment.microsecond,
    )


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: business-hours arithmetic needs aware datetimes")
    return value.astimezone(UTC)
