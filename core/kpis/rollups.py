"""Keeping the KPI rollups current: recompute, whole, the buckets touched since the watermark.

Which buckets a refresh rewrites (see core.kpis.touched):

- the buckets from the watermark (less ``LATE_SLACK``, for facts committed a little after the
  moment they record, such as a breach marked when its clock stops) through the one holding
  ``now`` that hold a fact, a rollup row, or staffed agent time;
- the earlier buckets holding facts of a conversation that, since the watermark (less
  ``RETROACTIVE_SLACK``), was reopened (its earlier resolution is no longer a first-contact
  resolution), recategorised, transferred, escalated or first queued (its facts move to
  another category or queue).

A bucket is deleted and inserted again from the raw rows in one go, so refreshing twice gives
the same rows and a period's figures are the SUM of its buckets. Then every UTC hour holding a
rewritten bucket is summed again from its buckets, and every such day from its hours: long
periods read those (core.kpis.totals), and they never disagree with the buckets. The first
refresh of a tenant rebuilds from its first fact, a day at a time; ``since`` rebuilds from
that moment. Facts that change without an event (a contact's value tier, a queue moved to
another org unit) move only when their buckets are next rewritten; ``since`` rebuilds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core import statements as st
from core.clock import utcnow
from core.db import session_tenant
from core.ids import new_id
from core.kpis import facts, queue_facts, resolution_facts
from core.kpis.facts import Ranges
from core.kpis.periods import QUARTER_HOUR, floor_quarter_hour
from core.kpis.sql import bucket_of, epoch_seconds
from core.kpis.staffing import StaffedKey, staffed_seconds
from core.kpis.touched import changed_since, fact_buckets, rollup_buckets
from core.models.channel import Channel
from core.models.contact import ValueTier
from core.models.event import EventType
from core.models.kpi_rollup import COUNTERS, DIMENSIONS, QUARTER, SPANS, KpiRefresh, KpiRollup
from core.models.user import Tier

LATE_SLACK = timedelta(minutes=15)
RETROACTIVE_SLACK = timedelta(minutes=2)
"""Retroactive events are written as they happen (their moment is their commit, give or take
a transaction), so they are looked for back to the watermark less this, not LATE_SLACK: a
refresh every 30 s otherwise rewrote every bucket of 15 minutes' reopenings and transfers."""
CHUNK_BUCKETS = 96  # one day of buckets per rewrite: bounds memory on a first build
CHUNK_SPANS = 24  # hours (or days) summed per statement, likewise

CONTACT_FACTS = (
    facts.contacts,
    queue_facts.phone_offers,
    queue_facts.written_offers,
    queue_facts.call_handling,
    queue_facts.agent_handling,
    facts.handoffs,
    resolution_facts.resolutions,
    facts.reopenings,
    facts.sla_met,
    facts.sla_breached,
    facts.csat_answers,
)
"""Every aggregate fact statement; agent staffed time is split in Python (core.kpis.staffing)."""

rollup_t: sa.Table = KpiRollup.__table__  # type: ignore[attr-defined]
refresh_t: sa.Table = KpiRefresh.__table__  # type: ignore[attr-defined]

Key = tuple[int, Any, Any, Any, Any, Any, Any]
"""(bucket epoch second, queue_id, channel, org_unit_id, category, tier, value_tier)."""

_INSERT_WATERMARK = {
    "postgresql": postgresql.insert(refresh_t).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(refresh_t).on_conflict_do_nothing(),
}
_LOCK_WATERMARK = (
    sa.select(refresh_t.c.refreshed_until).where(refresh_t.c.tenant_id == st.TENANT)
).with_for_update()
_SET_WATERMARK = (
    sa.update(refresh_t)
    .where(refresh_t.c.tenant_id == st.TENANT)
    .values(refreshed_until=sa.bindparam("until"), refreshed_at=sa.bindparam("at"))
)


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What one refresh did: the watermark it left, buckets rewritten, rows written."""

    refreshed_until: datetime
    buckets: int
    rows: int


def refresh_rollups(
    session: Session, *, now: datetime, since: datetime | None = None
) -> RefreshResult:
    """Bring the session's tenant's rollups up to ``now`` (no commit); idempotent.

    ``since`` also rewrites every bucket from that moment on. Holds the tenant's watermark row
    locked until the caller commits, so concurrent refreshes of one tenant take turns.
    """
    watermark = _lock_watermark(session, now)
    resume = None if watermark is None else watermark - LATE_SLACK
    starts = [moment for moment in (since, resume) if moment is not None]
    begin = floor_quarter_hour(min(starts) if starts else (_first_fact(session) or now))
    end = floor_quarter_hour(now) + QUARTER_HOUR
    contact = fact_buckets(session, after=begin, before=end)
    contact |= rollup_buckets(session, after=begin, before=end)
    if watermark is not None:
        retroactive = begin if since is not None else max(begin, watermark - RETROACTIVE_SLACK)
        changed = changed_since(retroactive)
        contact |= fact_buckets(session, before=begin, of_conversations=changed)
    earlier = _ranges(bucket for bucket in sorted(contact) if bucket < epoch_seconds(begin))
    staffed = staffed_seconds(session, ranges=[*earlier, (begin, end)], now=now)
    touched = contact | {bucket for bucket, _, _ in staffed}
    rows = 0
    for chunk in _chunks(sorted(touched), CHUNK_BUCKETS):
        rows += _rewrite(session, chunk, contact=contact, staffed=staffed, now=now)
    rows += _sum_spans(session, touched, now=now)
    until = (max(now, watermark) if watermark is not None else now).astimezone(UTC)
    st.run(session, _SET_WATERMARK, {"until": until, "at": utcnow()})
    return RefreshResult(refreshed_until=until, buckets=len(touched), rows=rows)


def _lock_watermark(session: Session, now: datetime) -> datetime | None:
    row = {
        "tenant_id": session_tenant(session),
        "id": new_id(),
        "created_at": now,
        "refreshed_until": None,
        "refreshed_at": None,
    }
    session.connection().execute(_INSERT_WATERMARK[session.get_bind().dialect.name], row)
    until: datetime | None = st.run(session, _LOCK_WATERMARK).scalar_one()
    return until


def _first_fact(session: Session) -> datetime | None:
    """The earliest moment any fact can have: first conversation, call or presence period."""
    event, call, period = st.event_t, facts.interaction_t, facts.state_change_t
    candidates = [
        sa.select(sa.func.min(event.c.occurred_at)).where(
            event.c.tenant_id == st.TENANT, event.c.type == EventType.CREATED
        ),
        sa.select(sa.func.min(call.c.created_at)).where(call.c.tenant_id == st.TENANT),
        sa.select(sa.func.min(period.c.started_at)).where(period.c.tenant_id == st.TENANT),
    ]
    found = [st.run(session, query).scalar() for query in candidates]
    return min((moment for moment in found if moment is not None), default=None)


def _ranges(buckets: Iterable[int], span: int = QUARTER) -> Ranges:
    """The sorted bucket (or span) starts as contiguous ``[start, end)`` ranges."""
    length = timedelta(seconds=span)
    ranges: Ranges = []
    for bucket in buckets:
        start = _moment(bucket)
        if ranges and ranges[-1][1] == start:
            ranges[-1] = (ranges[-1][0], start + length)
        else:
            ranges.append((start, start + length))
    return ranges


def _chunks(starts: list[int], size: int) -> Iterator[list[int]]:
    """The sorted starts, at most ``size`` at a time."""
    for first in range(0, len(starts), size):
        yield starts[first : first + size]


def _in_ranges(span: int, ranges: Ranges) -> Any:
    return sa.and_(
        rollup_t.c.tenant_id == st.TENANT,
        rollup_t.c.span_seconds == span,
        sa.or_(
            *(sa.and_(rollup_t.c.bucket_start >= a, rollup_t.c.bucket_start < b) for a, b in ranges)
        ),
    )


def _sum_spans(session: Session, buckets: Iterable[int], *, now: datetime) -> int:
    """Sum again each hour holding one of these buckets, then each such day; rows written."""
    tenant_id, rows, finer, starts = session_tenant(session), 0, QUARTER, set(buckets)
    dimensions = [rollup_t.c[name] for name in DIMENSIONS]
    for span in sorted(SPANS[:-1]):
        starts = {start - start % span for start in starts}
        for chunk in _chunks(sorted(starts), CHUNK_SPANS):
            ranges = _ranges(chunk, span)
            st.run(session, sa.delete(rollup_t).where(_in_ranges(span, ranges)))
            start = bucket_of(rollup_t.c.bucket_start, span).label("bucket")
            sums = st.run(
                session,
                sa.select(
                    start, *dimensions, *(sa.func.sum(rollup_t.c[n]).label(n) for n in COUNTERS)
                )
                .where(_in_ranges(finer, ranges))
                .group_by(start, *dimensions),
            )
            written = [
                _row(_key(row._mapping), row._mapping, tenant_id, now, span=span) for row in sums
            ]
            if written:
                session.connection().execute(sa.insert(rollup_t), written)
            rows += len(written)
        finer = span
    return rows


def _rewrite(
    session: Session,
    buckets: list[int],
    *,
    contact: set[int],
    staffed: dict[StaffedKey, int],
    now: datetime,
) -> int:
    """Replace the rollup rows of these buckets with ones computed afresh; rows written."""
    totals: dict[Key, dict[str, int]] = {}
    with_facts = _ranges(bucket for bucket in buckets if bucket in contact)
    if with_facts:
        totals = contact_totals(session, ranges=with_facts)
    wanted = set(buckets)
    for (bucket, org_unit_id, tier), seconds in staffed.items():
        if bucket in wanted and seconds:
            key = (bucket, None, None, org_unit_id, None, _enum(Tier, tier), None)
            _add(totals, key, [("staffed_seconds", seconds)])
    st.run(session, sa.delete(rollup_t).where(_in_ranges(QUARTER, _ranges(buckets))))
    tenant_id = session_tenant(session)
    rows = [
        _row(key, counters, tenant_id, now)
        for key, counters in totals.items()
        if any(counters.values())
    ]
    if rows:
        session.connection().execute(sa.insert(rollup_t), rows)
    return len(rows)


def contact_totals(session: Session, *, ranges: Ranges) -> dict[Key, dict[str, int]]:
    """The contact-fact counters of the buckets in ``ranges``, straight from the raw rows."""
    totals: dict[Key, dict[str, int]] = {}
    for statement in CONTACT_FACTS:
        for row in st.run(session, statement(ranges)):
            values = row._mapping
            _add(totals, _key(values), ((n, values[n]) for n in values if n in COUNTERS))
    return totals


def _add(totals: dict[Key, dict[str, int]], key: Key, values: Iterable[tuple[str, Any]]) -> None:
    counters = totals.setdefault(key, {})
    for name, value in values:
        counters[name] = counters.get(name, 0) + int(value or 0)


def _key(values: Any) -> Key:
    return (
        int(values["bucket"]),
        values["queue_id"],
        _enum(Channel, values["channel"]),
        values["org_unit_id"],
        values["category"],
        _enum(Tier, values["tier"]),
        _enum(ValueTier, values["value_tier"]),
    )


def _enum(kind: Any, value: Any) -> Any:
    return None if value is None else kind(value)


def _moment(bucket: int) -> datetime:
    return datetime.fromtimestamp(bucket, UTC)


def _row(
    key: Key, counters: Mapping[str, Any], tenant_id: Any, now: datetime, *, span: int = QUARTER
) -> dict[str, Any]:
    bucket, queue_id, channel, org_unit_id, category, tier, value_tier = key
    return {
        "tenant_id": tenant_id,
        "id": new_id(),
        "created_at": now,
        "span_seconds": span,
        "bucket_start": _moment(bucket),
        "queue_id": queue_id,
        "channel": channel,
        "org_unit_id": org_unit_id,
        "category": category,
        "tier": tier,
        "value_tier": value_tier,
        **{name: int(counters.get(name) or 0) for name in COUNTERS},
    }
