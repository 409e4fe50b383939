"""Rollup refresh: idempotent, incremental, and equal to a direct computation from raw rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import kpis
from core import statements as sql
from core.db import Database
from core.kpis.rollups import rollup_t
from core.kpis.sql import bucket_of, epoch_seconds, sql_epoch
from core.models import Channel, ConversationStatus, PresenceState, ValueTier
from core.models.kpi_rollup import COUNTERS, DIMENSIONS, QUARTER, KpiRollup
from core.models.types import UTCDateTime
from tests.conftest import TenantHandle, make_tenant
from tests.kpis.clock import FrozenClock
from tests.kpis.day import DAY_END, Day, DayIds, at
from tests.kpis.reference import expected_rollups
from tests.kpis.scenario import BASE, Plan, make_centre, moment, presence_periods, stories
from tests.kpis.scenario import write_until as write_scenario


def rollup_rows(
    database: Database, tenant_id: uuid.UUID, *, span: int = QUARTER
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The tenant's rollup rows of one span by start and dimensions: id and non-zero counters."""
    with database.tenant_session(tenant_id) as session:
        rows = sql.run(
            session,
            sa.select(rollup_t).where(
                rollup_t.c.tenant_id == sql.TENANT, rollup_t.c.span_seconds == span
            ),
        )
        found: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in rows:
            key = (epoch_seconds(row.bucket_start), *(row._mapping[d] for d in DIMENSIONS))
            assert key not in found, "one row per bucket and dimensions"
            counters = {name: row._mapping[name] for name in COUNTERS if row._mapping[name]}
            found[key] = {"id": row.id, "counters": counters}
        return found


def spans_add_up(database: Database, tenant_id: uuid.UUID) -> None:
    """Every hour row is the sum of its quarter-hour rows, every day row of its hour rows, and
    no finer row lacks the coarser row that holds it."""
    finer = counters_of(rollup_rows(database, tenant_id))
    for span in (3_600, 86_400):
        summed: dict[tuple[Any, ...], dict[str, int]] = {}
        for (start, *dimensions), counters in finer.items():
            total = summed.setdefault((start - start % span, *dimensions), {})
            for name, value in counters.items():
                total[name] = total.get(name, 0) + value
        coarse = counters_of(rollup_rows(database, tenant_id, span=span))
        assert coarse == {key: c for key, c in summed.items() if c}, f"{span} s rows"
        finer = coarse


def counters_of(rows: dict[tuple[Any, ...], dict[str, Any]]) -> dict[tuple[Any, ...], Any]:
    return {key: row["counters"] for key, row in rows.items()}


def differences(got: dict[Any, Any], expected: dict[Any, Any]) -> dict[Any, Any]:
    """Per bucket and dimensions, the counters that differ: (rollups, expected)."""
    found = {}
    for key in got.keys() | expected.keys():
        a, b = got.get(key, {}), expected.get(key, {})
        diff = {n: (a.get(n), b.get(n)) for n in a.keys() | b.keys() if a.get(n) != b.get(n)}
        if diff:
            found[key] = diff
    return found


def refresh(database: Database, tenant_id: uuid.UUID, now: datetime, **options: Any) -> Any:
    with database.tenant_unit(tenant_id) as session:
        return kpis.refresh_rollups(session, now=now, **options)


def test_sql_and_python_cut_seconds_alike(database: Database, tenant: TenantHandle) -> None:
    """Whole seconds, truncated: SQLite's date functions would round .9996 s up on their own."""
    moments = [
        datetime(2026, 5, 4, 6, 14, 59, 999_999, tzinfo=UTC),
        datetime(2026, 5, 4, 6, 15, 0, tzinfo=UTC),
        datetime(2026, 5, 4, 6, 15, 0, 999_600, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),
    ]
    with database.tenant_session(tenant.id) as session:
        for moment in moments:
            literal = sa.literal(moment, UTCDateTime())
            query = sa.select(sql_epoch(literal), bucket_of(literal))
            seconds, bucket = session.execute(query).one()
            assert seconds == epoch_seconds(moment) == int(moment.timestamp() // 1)
            assert bucket == seconds - seconds % 900


def test_the_model_declares_every_counter() -> None:
    columns = set(KpiRollup.__table__.c.keys())  # type: ignore[attr-defined]
    assert set(COUNTERS) <= columns
    assert set(kpis.Totals.__dataclass_fields__) == set(COUNTERS)


def test_refreshing_again_rewrites_identical_rows(
    database: Database, tenant: TenantHandle, day: DayIds
) -> None:
    before = rollup_rows(database, tenant.id)
    again = refresh(database, tenant.id, DAY_END)
    rebuilt = refresh(database, tenant.id, DAY_END, since=at(0))
    after = rollup_rows(database, tenant.id)
    # the rebuild from midnight rewrites the buckets holding facts or staffed time: 08:00-16:45
    assert again.buckets >= 1 and rebuilt.buckets == 36
    assert counters_of(after) == counters_of(before)
    spans_add_up(database, tenant.id)
    assert {row["id"] for row in after.values()}.isdisjoint(
        {row["id"] for row in before.values()}
    ), "every bucket was rewritten whole"


def test_new_facts_rewrite_only_the_buckets_they_touch(
    database: Database, tenant: TenantHandle, day: DayIds, frozen_clock: FrozenClock
) -> None:
    before = rollup_rows(database, tenant.id)
    story = Day(database, tenant.id, frozen_clock, ids=day)
    call = story.call("C6", queued=at(19))  # a call at 19:00, answered after 8 s
    story.answer(call, day.a1, at(19, 0, 8))
    frozen_clock.set(at(19, 5))
    result = refresh(database, tenant.id, at(19, 5))

    after = rollup_rows(database, tenant.id)
    slack = epoch_seconds(at(16, 45))  # the watermark (17:00) less 15 minutes
    assert result.buckets == 10  # 16:45 through 19:00
    for key, row in before.items():
        if key[0] < slack:
            assert after[key] == row, "buckets before the watermark are left alone"
    new = {key: row for key, row in after.items() if key[0] == epoch_seconds(at(19))}
    assert [row["counters"] for key, row in new.items() if key[1] == day.phone_front] == [
        {"contacts": 1, "offered": 1, "answered": 1, "answered_in_threshold": 1,
         "answer_wait_seconds": 8}
    ]  # fmt: skip


def test_a_reopening_rewrites_the_bucket_of_the_resolution_it_undoes(
    database: Database, tenant: TenantHandle, day: DayIds, frozen_clock: FrozenClock
) -> None:
    before = rollup_rows(database, tenant.id)
    resolved_m1 = epoch_seconds(at(11, 15))
    assert _sum(before, resolved_m1, "first_contact_resolved") == 1  # M1 so far
    Day(database, tenant.id, frozen_clock, ids=day).status(
        "M1", ConversationStatus.OPEN, day.a2, at(19)
    )
    frozen_clock.set(at(19, 1))
    refresh(database, tenant.id, at(19, 1))

    after = rollup_rows(database, tenant.id)
    assert _sum(after, resolved_m1, "first_contact_resolved") == 0
    assert _sum(after, resolved_m1, "resolved") == 1
    assert _sum(after, epoch_seconds(at(19)), "reopened") == 1
    buckets_of_m1 = {
        epoch_seconds(at(h, m)) for h, m in ((8, 0), (8, 30), (8, 45), (10, 45), (11, 15))
    }
    for key, row in before.items():
        if key[0] in buckets_of_m1:
            assert after[key]["id"] != row["id"], "M1's buckets are rewritten"
        elif key[0] < epoch_seconds(at(16, 45)):
            assert after[key] == row, "other buckets before the watermark are left alone"
    spans_add_up(database, tenant.id)


def _sum(rows: dict[tuple[Any, ...], dict[str, Any]], bucket: int, counter: str) -> int:
    return sum(row["counters"].get(counter, 0) for key, row in rows.items() if key[0] == bucket)


@settings(
    max_examples=8,  # each example is a tenant and its day on a real database
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    scenario=st.lists(stories, min_size=1, max_size=7),
    presence=st.lists(presence_periods, min_size=2, max_size=2),
    cut=st.integers(min_value=0, max_value=60_000),
    period=st.tuples(st.integers(0, 300), st.integers(1, 300)),
)
def test_rollups_equal_a_direct_computation_from_raw_rows(
    database: Database,
    scenario: list[Any],
    presence: list[list[tuple[PresenceState, int]]],
    cut: int,
    period: tuple[int, int],
) -> None:
    """Written in two steps with a refresh after each (the second meeting reopenings and
    recategorisations of buckets long refreshed), the rollups equal the facts computed from
    the final rows, bucket by bucket; a rebuild gives the same; any period's sum too."""
    tenant = make_tenant(database, prefix="kpi")
    with database.tenant_unit(tenant.id) as session:
        plan = Plan(make_centre(session, tenant.id), scenario, presence)
    for now in (moment(cut), plan.end):
        with database.tenant_unit(tenant.id) as session:
            write_scenario(session, plan, now)
        refresh(database, tenant.id, now)

    with database.tenant_session(tenant.id) as session:
        expected = expected_rollups(session, now=plan.end)
    assert differences(counters_of(rollup_rows(database, tenant.id)), expected) == {}, (
        cut,
        presence,
        scenario,
    )

    spans_add_up(database, tenant.id)

    refresh(database, tenant.id, plan.end, since=BASE - timedelta(hours=1))
    assert differences(counters_of(rollup_rows(database, tenant.id)), expected) == {}, (
        cut,
        presence,
        scenario,
    )
    spans_add_up(database, tenant.id)

    first, length = period
    start = BASE + timedelta(minutes=15 * first)
    window = kpis.Period(start, start + timedelta(minutes=15 * length))
    in_window = [
        c for k, c in expected.items() if window.contains(datetime.fromtimestamp(k[0], UTC))
    ]
    with database.tenant_session(tenant.id) as session:
        summed = kpis.sum_rollups(session, period=window).get((), kpis.Totals())
    for name in COUNTERS:
        assert getattr(summed, name) == sum(c.get(name, 0) for c in in_window), name


def test_dimension_values_are_the_models_enums(
    database: Database, tenant: TenantHandle, day: DayIds
) -> None:
    rows = rollup_rows(database, tenant.id)
    assert {key[2] for key in rows} <= {None, *Channel}
    assert {key[6] for key in rows} <= {None, *ValueTier}
