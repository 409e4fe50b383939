"""KPI arithmetic and period cutting, checked as properties over many inputs."""

from __future__ import annotations

import bisect
import itertools
import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.kpis import formulas
from core.kpis.periods import Granularity, Period, bucket_start, buckets, floor_quarter_hour
from core.kpis.sql import epoch_seconds
from core.kpis.staffing import split_into_buckets
from core.kpis.totals import Totals, tile
from core.models.kpi_rollup import RESOLUTION_EDGES, RESOLVED_WITHIN

ZONES = [ZoneInfo(z) for z in ("UTC", "Asia/Shanghai", "Europe/Berlin", "Asia/Kolkata")]
instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


def histogram(durations: list[int]) -> Totals:
    within = {
        name: sum(d <= edge for d in durations)
        for name, (_, edge) in zip(RESOLVED_WITHIN, RESOLUTION_EDGES, strict=True)
    }
    return Totals(resolved=len(durations), resolution_seconds=sum(durations), **within)


@settings(max_examples=300)
@given(st.lists(st.integers(min_value=0, max_value=20 * 86_400), min_size=1, max_size=60))
def test_median_estimate_lies_in_the_bin_of_the_true_median(durations: list[int]) -> None:
    estimate = formulas.resolution_median_seconds(histogram(durations))
    assert estimate is not None
    middle = sorted(durations)[math.ceil(len(durations) / 2) - 1]  # rank n/2, rounded up
    edges = [0, *(edge for _, edge in RESOLUTION_EDGES)]
    if middle > edges[-1]:
        assert estimate == edges[-1]  # over half took longer than 7 days: capped
        return
    upper = next(i for i in range(1, len(edges)) if middle <= edges[i])
    assert edges[upper - 1] <= estimate <= edges[upper]


def test_median_of_nothing_is_none_and_one_value_is_mid_bin() -> None:
    assert formulas.resolution_median_seconds(Totals()) is None
    # one resolution of 400 s lies in (300, 900]: 300 + (0.5 - 0) / 1 * 600
    assert formulas.resolution_median_seconds(histogram([400])) == 600


@given(
    part=st.integers(min_value=0, max_value=10**6),
    extra=st.integers(min_value=0, max_value=10**6),
)
def test_shares_stay_between_zero_and_one(part: int, extra: int) -> None:
    totals = Totals(
        offered=part + extra,
        answered_in_threshold=part,
        abandoned=part,
        resolved=part + extra,
        first_contact_resolved=part,
        sla_met=part,
        sla_breached=extra,
        csat_responses=part + extra,
        csat_satisfied=part,
    )
    for share in (
        formulas.service_level(totals),
        formulas.abandonment_rate(totals),
        formulas.first_contact_resolution(totals),
        formulas.sla_attainment(totals),
        formulas.csat(totals),
    ):
        if part + extra == 0:
            assert share is None
        else:
            assert share is not None and 0 <= share <= 1
    attainment, breach = formulas.sla_attainment(totals), formulas.breach_rate(totals)
    if attainment is not None and breach is not None:
        assert attainment + breach == pytest.approx(1)


def test_no_denominator_means_no_figure() -> None:
    empty = Totals()
    assert formulas.service_level(empty) is None
    assert formulas.average_speed_of_answer(empty) is None
    assert formulas.handle_time(empty) is None
    assert formulas.occupancy(empty) is None
    assert formulas.complaints_per_thousand(empty) is None
    assert formulas.csat(empty) is None  # no answers: no CSAT, not 0 %
    assert formulas.complaints_per_thousand(Totals(contacts=400, complaints=3)) == 7.5


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=1, max_value=10**7))
def test_occupancy_never_exceeds_one(handle: int, staffed: int) -> None:
    share = formulas.occupancy(Totals(agent_handle_seconds=handle, staffed_seconds=staffed))
    assert share is not None and 0 <= share <= 1
    assert share == min(1, handle / staffed)


@given(
    a=st.builds(Totals, contacts=st.integers(0, 100), offered=st.integers(0, 100)),
    b=st.builds(Totals, contacts=st.integers(0, 100), offered=st.integers(0, 100)),
)
def test_totals_add_counter_by_counter(a: Totals, b: Totals) -> None:
    assert (a + b).contacts == a.contacts + b.contacts
    assert (a + b).offered == a.offered + b.offered
    assert a + Totals() == a


@settings(max_examples=200)
@given(instants, st.integers(min_value=1, max_value=40 * 86_400), st.sampled_from(ZONES),
       st.sampled_from(Granularity))  # fmt: skip
def test_buckets_partition_the_period_on_local_boundaries(
    start: datetime, seconds: int, zone: ZoneInfo, granularity: Granularity
) -> None:
    period = Period(start, start + timedelta(seconds=seconds))
    pieces = buckets(period, granularity, zone)
    assert pieces[0].start == period.start and pieces[-1].end == period.end
    assert all(a.end == b.start for a, b in itertools.pairwise(pieces))
    for piece in pieces[1:]:
        assert bucket_start(piece.start, granularity, zone) == piece.start
        local = piece.start.astimezone(zone)
        assert local.second == 0 and local.minute % 15 == 0
        if granularity is not Granularity.QUARTER_HOUR:
            assert local.minute == 0
        if granularity is Granularity.DAY:
            assert local.hour == 0


def test_local_days_follow_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert Period.local_day(date(2026, 3, 29), berlin).length == timedelta(hours=23)
    assert Period.local_day(date(2026, 10, 25), berlin).length == timedelta(hours=25)
    day = Period.local_day(date(2026, 3, 10), ZoneInfo("Asia/Shanghai"))
    assert day.start == datetime(2026, 3, 9, 16, tzinfo=UTC)
    assert day.previous() == Period(datetime(2026, 3, 8, 16, tzinfo=UTC), day.start)
    with pytest.raises(ValueError, match="ends after"):
        Period(day.end, day.start)


@given(instants)
def test_quarter_hours_are_utc_aligned_and_hold_the_moment(moment: datetime) -> None:
    start = floor_quarter_hour(moment)
    assert start <= moment < start + timedelta(minutes=15)
    assert epoch_seconds(start) % 900 == 0


@given(st.integers(0, 10**6), st.integers(0, 10**5))
def test_splitting_into_buckets_keeps_every_second(start: int, length: int) -> None:
    pieces = list(split_into_buckets(start, start + length))
    assert sum(seconds for _, seconds in pieces) == length
    assert all(bucket % 900 == 0 and 0 < seconds <= 900 for bucket, seconds in pieces)
    assert len({bucket for bucket, _ in pieces}) == len(pieces)


@settings(max_examples=200)
@given(instants, st.integers(min_value=1, max_value=40 * 86_400), st.sampled_from(ZONES),
       st.sampled_from(Granularity))  # fmt: skip
def test_tiles_hold_each_bucket_of_the_period_once_within_one_local_piece(
    start: datetime, seconds: int, zone: ZoneInfo, granularity: Granularity
) -> None:
    period = Period(start, start + timedelta(seconds=seconds))
    cuts = [piece.start for piece in buckets(period, granularity, zone)]
    tiles = tile(period, cuts)
    first = epoch_seconds(period.start) + (-epoch_seconds(period.start)) % 900
    last = epoch_seconds(period.end) + (-epoch_seconds(period.end)) % 900
    covered = [b for _, low, high in tiles for b in range(low, high, 900)]
    assert covered == list(range(first, last, 900)), "every bucket starting inside, in order"
    borders = sorted({epoch_seconds(cut) + (-epoch_seconds(cut)) % 900 for cut in cuts})
    for span, low, high in tiles:
        assert span in (900, 3_600, 86_400) and low % span == 0 and (high - low) % span == 0
        for row in range(low, high, span):
            inside = bisect.bisect_right(borders, row) < bisect.bisect_left(borders, row + span)
            assert not inside, "no row straddles a boundary"
    assert all(a[0] != b[0] or a[2] != b[1] for a, b in itertools.pairwise(tiles)), "runs merged"


def test_a_week_is_read_mostly_as_whole_days() -> None:
    end = datetime(2026, 12, 1, 16, 45, tzinfo=UTC)
    tiles = tile(Period(end - timedelta(days=7), end))
    assert tiles == [
        (900, epoch_seconds(end - timedelta(days=7)), epoch_seconds(datetime(2026, 11, 24, 17, tzinfo=UTC))),
        (3_600, epoch_seconds(datetime(2026, 11, 24, 17, tzinfo=UTC)), epoch_seconds(datetime(2026, 11, 25, tzinfo=UTC))),
        (86_400, epoch_seconds(datetime(2026, 11, 25, tzinfo=UTC)), epoch_seconds(datetime(2026, 12, 1, tzinfo=UTC))),
        (3_600, epoch_seconds(datetime(2026, 12, 1, tzinfo=UTC)), epoch_seconds(datetime(2026, 12, 1, 16, tzinfo=UTC))),
        (900, epoch_seconds(datetime(2026, 12, 1, 16, tzinfo=UTC)), epoch_seconds(end)),
    ]  # fmt: skip
