"""Sums of rollup counters over a period: the one input every KPI formula reads.

Reading goes through ``sum_rollups`` only, so every page and API figure for a period is the
same SUM over the same buckets (those starting inside the period). It reads the coarsest rows
that tile the period: whole UTC days, then hours, then 15-minute buckets at the edges; the
sums are the same, a week is ~14 times fewer rows.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import statements as st
from core.kpis.periods import Period
from core.kpis.sql import epoch_seconds, slot_of, sql_epoch
from core.models.kpi_rollup import COUNTERS, DIMENSIONS, QUARTER, SPANS, KpiRollup

rollup_t: sa.Table = KpiRollup.__table__  # type: ignore[attr-defined]
GROUPABLE = DIMENSIONS
COUNTER_SET = frozenset(COUNTERS)


@dataclass(frozen=True, slots=True)
class Totals:
    """The rollup counters summed (definitions: docs/kpis.md)."""

    contacts: int = 0
    complaints: int = 0
    offered: int = 0
    answered: int = 0
    answered_in_threshold: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    answer_wait_seconds: int = 0
    handled: int = 0
    timed_handled: int = 0
    talk_seconds: int = 0
    hold_seconds: int = 0
    wrap_up_seconds: int = 0
    transfers: int = 0
    escalations: int = 0
    resolved: int = 0
    first_contact_resolved: int = 0
    resolution_seconds: int = 0
    pending_seconds: int = 0
    resolved_within_5m: int = 0
    resolved_within_15m: int = 0
    resolved_within_30m: int = 0
    resolved_within_1h: int = 0
    resolved_within_2h: int = 0
    resolved_within_4h: int = 0
    resolved_within_8h: int = 0
    resolved_within_24h: int = 0
    resolved_within_48h: int = 0
    resolved_within_72h: int = 0
    resolved_within_7d: int = 0
    reopened: int = 0
    sla_met: int = 0
    sla_breached: int = 0
    csat_responses: int = 0
    csat_satisfied: int = 0
    staffed_seconds: int = 0
    agent_handle_seconds: int = 0

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Totals:
        """From a row or mapping holding some counters (missing ones are 0)."""
        given = {name: values[name] for name in values if name in COUNTER_SET}
        return cls(**{name: int(value or 0) for name, value in given.items()})

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            *(mine + theirs for mine, theirs in zip(_values(self), _values(other), strict=True))
        )


_values = attrgetter(*(f.name for f in fields(Totals)))
EMPTY = Totals()


def sum_rollups(
    session: Session,
    *,
    period: Period,
    group_by: Sequence[str] = (),
    org_unit_ids: Collection[uuid.UUID] | None = None,
    queue_ids: Collection[uuid.UUID] | None = None,
    counters: Sequence[str] = COUNTERS,
    slots: Sequence[datetime] = (),
) -> dict[tuple[Any, ...], Totals]:
    """Counters summed over the buckets starting in ``period``, per value of ``group_by``.

    ``slots`` cut the period in consecutive pieces (their starts, ascending; local hours or
    days, say): the sums are then per piece too, keys leading with the piece's start.

    ``org_unit_ids`` keeps only facts filed under those org units (None: all, including facts
    with no org unit); ``queue_ids`` likewise for queues. Keys are tuples of the group values
    (the empty tuple without grouping); groups without rows are absent. Only ``counters`` are
    summed (the others read 0): charts that need one counter need not sum thirty.
    """
    unknown = (set(group_by) - set(GROUPABLE)) | (set(counters) - set(COUNTERS))
    if unknown:
        raise ValueError(f"no rollup column to group or sum by {sorted(unknown)}")
    if slots and slots[0] > period.start:
        raise ValueError("the first slot must start at or before the period")
    keys: list[Any] = [rollup_t.c[name] for name in group_by]
    if slots:
        starts = [epoch_seconds(slot) for slot in slots]
        keys.insert(0, slot_of(sql_epoch(rollup_t.c.bucket_start), starts).label("slot"))
    tiles = [
        sa.and_(
            rollup_t.c.span_seconds == span,
            rollup_t.c.bucket_start >= _moment(start),
            rollup_t.c.bucket_start < _moment(end),
        )
        for span, start, end in tile(period, slots)
    ]
    if not tiles:
        return {}
    query = (
        sa.select(*keys, *(sa.func.sum(rollup_t.c[name]).label(name) for name in counters))
        .where(rollup_t.c.tenant_id == st.TENANT, sa.or_(*tiles))
        .group_by(*keys)
    )
    if org_unit_ids is not None:
        query = query.where(rollup_t.c.org_unit_id.in_(list(org_unit_ids)))
    if queue_ids is not None:
        query = query.where(rollup_t.c.queue_id.in_(list(queue_ids)))
    result: dict[tuple[Any, ...], Totals] = {}
    for row in st.run(session, query):
        values = row._mapping
        if all(values[name] is None for name in counters):
            continue  # an aggregate over no rows
        key = tuple(values[name] for name in group_by)
        if slots:
            key = (slots[values["slot"] - 1], *key)
        result[key] = Totals.of(values)
    return result


def tile(period: Period, boundaries: Iterable[datetime] = ()) -> list[tuple[int, int, int]]:
    """``(span, start, end)`` in epoch seconds: the rows to read for the buckets starting in
    ``period``, as few as can be, none straddling a boundary; each ``[start, end)`` is a run
    of rows of one span."""
    cuts = {_ceil_quarter(period.start), _ceil_quarter(period.end)}
    cuts |= {_ceil_quarter(moment) for moment in boundaries if period.contains(moment)}
    tiles: list[tuple[int, int, int]] = []
    for low, high in itertools.pairwise(sorted(cuts)):
        at = low
        while at < high:
            span = next(s for s in SPANS if at % s == 0 and at + s <= high)
            if tiles and tiles[-1][0] == span and tiles[-1][2] == at:
                tiles[-1] = (span, tiles[-1][1], at + span)
            else:
                tiles.append((span, at, at + span))
            at += span
    return tiles


def _ceil_quarter(moment: datetime) -> int:
    seconds = epoch_seconds(moment)
    return seconds + (-seconds) % QUARTER


def _moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def total(
    session: Session,
    *,
    period: Period,
    org_unit_ids: Collection[uuid.UUID] | None = None,
) -> Totals:
    """All counters of the period summed into one (zeros when nothing happened)."""
    return sum_rollups(session, period=period, org_unit_ids=org_unit_ids).get((), EMPTY)
