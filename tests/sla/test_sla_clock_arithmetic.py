"""Clock arithmetic over any calendar: a pause moves the due time by exactly the time paused."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core.models.sla import SlaClock, SlaMetric
from core.sla.business_hours import BusinessCalendar
from core.sla.clocks import elapsed_seconds, pause, remaining_seconds, resume, schedule
from tests.test_business_hours import PROPERTY_SETTINGS, calendars, instants

ONE_MICROSECOND = timedelta(microseconds=1)


@PROPERTY_SETTINGS
@given(
    calendar=calendars(),
    start=instants(),
    target=st.integers(1, 20 * 86400),
    warn_share=st.floats(0.05, 1.0),
    pause_after=st.timedeltas(timedelta(0), timedelta(days=15)),
    pause_length=st.timedeltas(timedelta(0), timedelta(days=15)) | st.just(timedelta(0)),
)
def test_a_pause_moves_the_due_time_by_the_working_time_it_took(
    calendar: BusinessCalendar,
    start: datetime,
    target: int,
    warn_share: float,
    pause_after: timedelta,
    pause_length: timedelta,
) -> None:
    clock = SlaClock(
        conversation_id=uuid.uuid4(), metric=SlaMetric.RESOLUTION, target_seconds=target,
        warn_share=warn_share, started_at=start, running_since=start,
    )  # fmt: skip
    schedule(clock, calendar, start)
    unpaused_due = clock.due_at
    assert unpaused_due is not None and clock.warn_at is not None
    assert clock.warn_at <= unpaused_due
    paused_at = start + pause_after
    assume(paused_at < unpaused_due)

    pause(clock, calendar, paused_at)
    banked = calendar.working_seconds_between(start, paused_at)
    assert clock.elapsed_seconds == pytest.approx(banked, abs=1e-6)
    assert clock.due_at is None and clock.warn_at is None
    assert elapsed_seconds(clock, calendar, paused_at + timedelta(days=3)) == clock.elapsed_seconds

    resumed_at = paused_at + pause_length
    resume(clock, calendar, resumed_at)
    due = clock.due_at
    assert due is not None and clock.warn_at is not None and clock.warn_at <= due
    assert banked + calendar.working_seconds_between(resumed_at, due) == pytest.approx(
        target, abs=1e-5
    )
    assert calendar.is_working(due - ONE_MICROSECOND)
    assert remaining_seconds(clock, calendar, due) == pytest.approx(0, abs=1e-5)
    if not pause_length:
        assert abs(due - unpaused_due) <= ONE_MICROSECOND
