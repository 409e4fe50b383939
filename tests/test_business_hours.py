"""Business-hours arithmetic: exact across weekends, holidays, midnight and DST changes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.sla.business_hours import BusinessCalendar

MONDAY_TO_FRIDAY = range(5)
PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
ZONES = [
    "UTC",
    "Asia/Shanghai",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",  # half-hour DST shift
    "Pacific/Chatham",  # DST at 02:45 local
]
DST_CHANGES_UTC = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # New York spring forward
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # New York fall back
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # London spring forward
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # London fall back
    datetime(2026, 4, 4, 15, tzinfo=UTC),  # Lord Howe fall back
    datetime(2026, 10, 3, 16, tzinfo=UTC),  # Lord Howe spring forward
    datetime(2026, 4, 4, 14, tzinfo=UTC),  # Chatham fall back
    datetime(2026, 9, 26, 14, tzinfo=UTC),  # Chatham spring forward
]


def local(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def office_hours(zone: str, holidays: frozenset[date] = frozenset()) -> BusinessCalendar:
    return BusinessCalendar(
        timezone=zone,
        weekly={day: ((time(9), time(18)),) for day in MONDAY_TO_FRIDAY},
        holidays=holidays,
    )


DAYS_AROUND_DST_CHANGES = sorted(
    change.date() + timedelta(days=days) for change in DST_CHANGES_UTC for days in (-1, 0, 1)
)

# --- exact examples -------------------------------------------------------------------------


def test_friday_afternoon_plus_two_hours_lands_on_monday_morning() -> None:
    calendar = office_hours("Asia/Shanghai")
    due = calendar.add_working_time(local("Asia/Shanghai", 2026, 3, 6, 17), timedelta(hours=2))
    assert due == local("Asia/Shanghai", 2026, 3, 9, 10)
    assert due.tzinfo is UTC


def test_monday_holiday_pushes_the_due_time_to_tuesday() -> None:
    calendar = office_hours("Asia/Shanghai", holidays=frozenset({date(2026, 3, 9)}))
    due = calendar.add_working_time(local("Asia/Shanghai", 2026, 3, 6, 17), timedelta(hours=2))
    assert due == local("Asia/Shanghai", 2026, 3, 10, 10)


def test_twenty_four_working_hours_from_wednesday_morning_end_on_friday_afternoon() -> None:
    calendar = office_hours("Asia/Shanghai")
    start = local("Asia/Shanghai", 2026, 3, 4, 10)
    due = calendar.add_working_time(start, timedelta(hours=24))
    # Wednesday 10-18 (8 h) + Thursday 9-18 (9 h) + Friday 9-16 (7 h).
    assert due == local("Asia/Shanghai", 2026, 3, 6, 16)
    assert calendar.working_seconds_between(start, due) == 24 * 3600


def test_spring_forward_night_is_an_hour_shorter_and_fall_back_night_an_hour_longer() -> None:
    calendar = BusinessCalendar("America/New_York", weekly={6: ((time(0), time(6)),)})
    spring = calendar.working_seconds_between(
        datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)
    )
    autumn = calendar.working_seconds_between(
        datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)
    )
    assert spring == 5 * 3600
    assert autumn == 7 * 3600


def test_wall_times_inside_the_spring_forward_gap_resolve_to_the_transition() -> None:
    calendar = BusinessCalendar(
        "America/New_York",
        weekly={6: ((time(1), time(2, 30)), (time(3), time(4)))},
    )
    intervals = list(
        calendar.working_intervals(
            datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)
        )
    )
    transition = datetime(2026, 3, 8, 7, tzinfo=UTC)
    assert intervals == [
        (datetime(2026, 3, 8, 6, tzinfo=UTC), transition),
        (transition, datetime(2026, 3, 8, 8, tzinfo=UTC)),
    ]


def test_interval_entirely_inside_the_gap_has_no_working_time() -> None:
    calendar = BusinessCalendar("America/New_York", weekly={6: ((time(2), time(3)),)})
    assert (
        calendar.working_seconds_between(
            datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)
        )
        == 0
    )


def test_london_split_day_skips_the_lunch_break() -> None:
    zone = "Europe/London"
    calendar = BusinessCalendar(
        zone, weekly={day: ((time(9), time(12)), (time(13), time(18))) for day in MONDAY_TO_FRIDAY}
    )
    assert calendar.add_working_time(local(zone, 2026, 3, 27, 11), timedelta(hours=3)) == local(
        zone, 2026, 3, 27, 15
    )
    assert not calendar.is_working(local(zone, 2026, 3, 27, 12, 30))
    assert calendar.next_working_instant(local(zone, 2026, 3, 27, 12, 30)) == local(
        zone, 2026, 3, 27, 13
    )


def test_london_weekend_clock_change_moves_monday_morning_in_utc() -> None:
    zone = "Europe/London"
    calendar = office_hours(zone)
    due = calendar.add_working_time(local(zone, 2026, 3, 27, 17), timedelta(hours=2))
    assert due == datetime(2026, 3, 30, 9, tzinfo=UTC)  # 10:00 BST


def test_overnight_shift_as_two_intervals_runs_through_midnight() -> None:
    zone = "Europe/London"
    calendar = BusinessCalendar(zone, weekly={0: ((time(22), time(0)),), 1: ((time(0), time(6)),)})
    monday_night = local(zone, 2026, 3, 2, 23)
    assert calendar.add_working_time(monday_night, timedelta(hours=3)) == local(zone, 2026, 3, 3, 2)
    assert calendar.is_working(local(zone, 2026, 3, 3, 0))
    assert not calendar.is_working(local(zone, 2026, 3, 3, 6))
    assert (
        calendar.working_seconds_between(local(zone, 2026, 3, 2), local(zone, 2026, 3, 4))
        == 8 * 3600
    )


def test_overnight_shift_loses_its_morning_half_on_a_holiday() -> None:
    zone = "Europe/London"
    calendar = BusinessCalendar(
        zone,
        weekly={0: ((time(22), time(0)),), 1: ((time(0), time(6)),)},
        holidays=frozenset({date(2026, 3, 3)}),
    )
    assert (
        calendar.working_seconds_between(local(zone, 2026, 3, 2), local(zone, 2026, 3, 4))
        == 2 * 3600
    )


def test_zero_duration_returns_the_next_working_instant() -> None:
    calendar = office_hours("Asia/Shanghai")
    saturday = local("Asia/Shanghai", 2026, 3, 7, 12)
    assert calendar.add_working_time(saturday, timedelta()) == local("Asia/Shanghai", 2026, 3, 9, 9)
    tuesday = local("Asia/Shanghai", 2026, 3, 10, 12)
    assert calendar.add_working_time(tuesday, timedelta()) == tuesday


def test_duration_ending_at_closing_time_returns_closing_time() -> None:
    calendar = office_hours("Asia/Shanghai")
    due = calendar.add_working_time(local("Asia/Shanghai", 2026, 3, 9, 9), timedelta(hours=9))
    assert due == local("Asia/Shanghai", 2026, 3, 9, 18)


def test_always_open_counts_elapsed_time() -> None:
    calendar = BusinessCalendar.always_open()
    start = datetime(2026, 3, 7, 12, 34, tzinfo=UTC)
    assert calendar.add_working_time(start, timedelta(days=40)) == start + timedelta(days=40)
    assert calendar.working_seconds_between(start, start + timedelta(days=3)) == 3 * 86400


def test_long_durations_are_computed_without_stepping_through_seconds() -> None:
    calendar = office_hours("Europe/London")
    start = local("Europe/London", 2026, 1, 5, 9)
    due = calendar.add_working_time(start, timedelta(hours=45 * 52))
    assert due == local("Europe/London", 2027, 1, 1, 18)  # 52 full weeks of 45 hours


# --- invalid input --------------------------------------------------------------------------


def test_naive_datetimes_are_rejected() -> None:
    calendar = office_hours("UTC")
    with pytest.raises(ValueError, match="naive"):
        calendar.add_working_time(datetime(2026, 3, 9, 9), timedelta(hours=1))
    with pytest.raises(ValueError, match="naive"):
        calendar.working_seconds_between(datetime(2026, 3, 9), datetime.now(UTC))


def test_negative_duration_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        office_hours("UTC").add_working_time(datetime.now(UTC), timedelta(seconds=-1))


def test_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        BusinessCalendar("Mars/Olympus_Mons", weekly={})


@pytest.mark.parametrize(
    "intervals",
    [
        ((time(9), time(9)),),
        ((time(18), time(9)),),
        ((time(9), time(13)), (time(12), time(18))),
        ((time(13), time(18)), (time(9), time(12))),
        ((time(9), time(0)), (time(20), time(22))),
    ],
)
def test_malformed_intervals_are_rejected(intervals: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError, match="interval"):
        BusinessCalendar("UTC", weekly={0: intervals})


def test_unknown_weekday_is_rejected() -> None:
    with pytest.raises(ValueError, match="weekday"):
        BusinessCalendar("UTC", weekly={7: ((time(9), time(17)),)})


def test_calendar_without_working_hours_raises_instead_of_looping() -> None:
    calendar = BusinessCalendar("UTC", weekly={})
    with pytest.raises(ValueError, match="no working hours"):
        calendar.add_working_time(datetime.now(UTC), timedelta(hours=1))
    with pytest.raises(ValueError, match="no working hours"):
        calendar.next_working_instant(datetime.now(UTC))
    assert (
        calendar.working_seconds_between(datetime.now(UTC), datetime.now(UTC) + timedelta(1)) == 0
    )


def test_calendar_whose_working_days_are_all_holidays_raises() -> None:
    mondays = frozenset(date(2026, 1, 5) + timedelta(weeks=week) for week in range(52 * 4))
    calendar = BusinessCalendar("UTC", weekly={0: ((time(9), time(17)),)}, holidays=mondays)
    with pytest.raises(ValueError, match="no working hours"):
        calendar.add_working_time(datetime(2026, 1, 1, tzinfo=UTC), timedelta(hours=1))


# --- properties -----------------------------------------------------------------------------


MINUTE_OF_DAY = st.integers(0, 1440) | st.sampled_from([0, 60, 105, 120, 150, 165, 180, 1440])
"""Interval boundaries in minutes since midnight, biased to midnight and the hours DST moves."""


def intervals_from_boundaries(minutes: list[int]) -> tuple[tuple[time, time], ...]:
    """Ordered, non-overlapping intervals between consecutive pairs of distinct boundaries."""
    boundaries = sorted(set(minutes))
    return tuple(
        (clock(boundaries[i]), clock(boundaries[i + 1])) for i in range(0, len(boundaries) - 1, 2)
    )


def clock(minutes: int) -> time:
    return time(0) if minutes == 1440 else time(minutes // 60, minutes % 60)


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """Instants spread over 2025-2027, often within days of a DST change."""
    base = draw(
        st.one_of(
            st.sampled_from(DST_CHANGES_UTC),
            st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31)).map(
                lambda value: value.replace(tzinfo=UTC)
            ),
        )
    )
    return base + timedelta(seconds=draw(st.integers(-3 * 86400, 3 * 86400)))


@st.composite
def calendars(draw: st.DrawFn, with_work: bool = True) -> BusinessCalendar:
    days = draw(st.tuples(*[st.lists(MINUTE_OF_DAY, max_size=6)] * 7))
    weekly = {weekday: intervals_from_boundaries(minutes) for weekday, minutes in enumerate(days)}
    if with_work and not any(weekly.values()):
        weekly[draw(st.integers(0, 6))] = ((time(9), time(17)),)
    holidays = draw(
        st.frozensets(st.dates(date(2024, 12, 25), date(2028, 1, 31)), max_size=20)
        | st.frozensets(st.sampled_from(DAYS_AROUND_DST_CHANGES), max_size=6)
    )
    return BusinessCalendar(timezone=draw(st.sampled_from(ZONES)), weekly=weekly, holidays=holidays)


durations = st.one_of(
    st.timedeltas(timedelta(0), timedelta(hours=12)),
    st.timedeltas(timedelta(0), timedelta(days=30)),
    st.just(timedelta(0)),
)


@PROPERTY_SETTINGS
@given(calendar=calendars(), start=instants(), duration=durations)
def test_adding_working_time_then_measuring_it_gives_the_same_duration(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = calendar.add_working_time(start, duration)
    assert due >= start
    assert due.tzinfo is UTC
    assert calendar.working_seconds_between(start, due) == pytest.approx(
        duration.total_seconds(), abs=1e-6
    )


@PROPERTY_SETTINGS
@given(calendar=calendars(), start=instants(), duration=durations)
def test_due_time_is_inside_working_hours_or_at_the_end_of_an_interval(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = calendar.add_working_time(start, duration)
    if duration:
        assert calendar.is_working(due - timedelta(microseconds=1))
    else:
        assert calendar.is_working(due)
        assert calendar.working_seconds_between(start, due) == 0


@PROPERTY_SETTINGS
@given(calendar=calendars(with_work=False), moments=st.lists(instants(), min_size=3, max_size=3))
def test_working_seconds_are_additive(calendar: BusinessCalendar, moments: list[datetime]) -> None:
    first, middle, last = sorted(moments)
    assert calendar.working_seconds_between(first, last) == pytest.approx(
        calendar.working_seconds_between(first, middle)
        + calendar.working_seconds_between(middle, last),
        abs=1e-6,
    )


@PROPERTY_SETTINGS
@given(
    calendar=calendars(with_work=False),
    start=instants(),
    span=st.timedeltas(timedelta(0), timedelta(days=10)),
    holiday_offset=st.integers(-2, 12),
)
def test_a_holiday_removes_exactly_its_own_day(
    calendar: BusinessCalendar, start: datetime, span: timedelta, holiday_offset: int
) -> None:
    zone = ZoneInfo(calendar.timezone)
    holiday = start.astimezone(zone).date() + timedelta(days=holiday_offset)
    workday = BusinessCalendar(calendar.timezone, calendar.weekly, calendar.holidays - {holiday})
    day_off = BusinessCalendar(calendar.timezone, calendar.weekly, calendar.holidays | {holiday})
    day_start = datetime.combine(holiday, time(0), zone)
    day_end = datetime.combine(holiday + timedelta(days=1), time(0), zone)
    end = start + span
    assert day_off.working_seconds_between(day_start, day_end) == 0
    assert day_off.working_seconds_between(start, end) == pytest.approx(
        workday.working_seconds_between(start, end)
        - workday.working_seconds_between(max(start, day_start), min(end, day_end)),
        abs=1e-6,
    )


@PROPERTY_SETTINGS
@given(
    calendar=calendars(), start=instants(), durations=st.lists(durations, min_size=2, max_size=2)
)
def test_longer_durations_never_end_earlier(
    calendar: BusinessCalendar, start: datetime, durations: list[timedelta]
) -> None:
    shorter, longer = sorted(durations)
    assert calendar.add_working_time(start, shorter) <= calendar.add_working_time(start, longer)


@PROPERTY_SETTINGS
@given(
    calendar=calendars(with_work=False),
    start=instants(),
    span=st.timedeltas(timedelta(0), timedelta(days=8)),
)
def test_working_intervals_are_ordered_disjoint_and_working(
    calendar: BusinessCalendar, start: datetime, span: timedelta
) -> None:
    intervals = list(calendar.working_intervals(start, start + span))
    previous_end = start
    for interval_start, interval_end in intervals:
        assert previous_end <= interval_start < interval_end <= start + span
        assert calendar.is_working(interval_start)
        assert calendar.is_working(interval_end - timedelta(microseconds=1))
        previous_end = interval_end


@PROPERTY_SETTINGS
@given(calendar=calendars(), at=instants())
def test_next_working_instant_skips_only_non_working_time(
    calendar: BusinessCalendar, at: datetime
) -> None:
    following = calendar.next_working_instant(at)
    assert following >= at
    assert calendar.is_working(following)
    assert calendar.working_seconds_between(at, following) == 0
    assert (following == at) == calendar.is_working(at)


def brute_force_minutes(
    weekly: Mapping[int, tuple[tuple[time, time], ...]],
    holidays: frozenset[date],
    zone: ZoneInfo,
    start: datetime,
    minutes: int,
) -> int:
    """Count working minutes one by one, for a zone without DST."""
    count = 0
    for step in range(minutes):
        wall = (start + timedelta(minutes=step)).astimezone(zone)
        if wall.date() in holidays:
            continue
        minute_of_day = wall.hour * 60 + wall.minute
        for interval_start, interval_end in weekly.get(wall.weekday(), ()):
            end = interval_end.hour * 60 + interval_end.minute or 1440
            if interval_start.hour * 60 + interval_start.minute <= minute_of_day < end:
                count += 1
    return count


@settings(max_examples=50, deadline=None)
@given(
    calendar=calendars(with_work=False),
    start_minute=st.integers(0, 2 * 366 * 1440),
    minutes=st.integers(0, 4 * 1440),
)
def test_working_seconds_match_a_minute_by_minute_count_without_dst(
    calendar: BusinessCalendar, start_minute: int, minutes: int
) -> None:
    zone = ZoneInfo("Asia/Shanghai")
    fixed = BusinessCalendar("Asia/Shanghai", calendar.weekly, calendar.holidays)
    start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=start_minute)
    expected = brute_force_minutes(fixed.weekly, fixed.holidays, zone, start, minutes)
    assert fixed.working_seconds_between(start, start + timedelta(minutes=minutes)) == expected * 60
