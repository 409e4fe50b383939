"""Staffed agent time per bucket: occupancy's denominator, from the presence periods.

An agent is staffed while available, busy or in wrap-up (signed in and working or able to);
away and offline are not staffed. Presence periods span buckets, so they are cut at bucket
boundaries here rather than in SQL; a period still open counts up to ``now``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import statements as st
from core.kpis.facts import Ranges, state_change_t, user_t
from core.kpis.sql import BUCKET_SECONDS, epoch_seconds
from core.models.agent_status import PresenceState

STAFFED_STATES = (PresenceState.AVAILABLE, PresenceState.BUSY, PresenceState.WRAP_UP)

StaffedKey = tuple[int, Any, Any]
"""(bucket epoch second, agent's org unit id, agent's tier)."""


def staffed_seconds(session: Session, *, ranges: Ranges, now: datetime) -> dict[StaffedKey, int]:
    """Staffed seconds per bucket, org unit and tier of the agents, within ``ranges``."""
    period = state_change_t.alias("period")
    agent = user_t.alias("agent")
    overlaps = sa.or_(
        *(
            sa.and_(
                period.c.started_at < end,
                sa.or_(period.c.ended_at.is_(None), period.c.ended_at > start),
            )
            for start, end in ranges
        )
    )
    query = (
        sa.select(period.c.started_at, period.c.ended_at, agent.c.org_unit_id, agent.c.tier)
        .select_from(
            period.join(
                agent, sa.and_(agent.c.tenant_id == st.TENANT, agent.c.id == period.c.user_id)
            )
        )
        .where(
            period.c.tenant_id == st.TENANT,
            period.c.state.in_(STAFFED_STATES),
            period.c.started_at < now,
            overlaps,
        )
    )
    totals: dict[StaffedKey, int] = {}
    windows = [(epoch_seconds(start), epoch_seconds(end)) for start, end in ranges]
    limit = epoch_seconds(now)
    for row in st.run(session, query):
        began = epoch_seconds(row.started_at)
        ended = min(limit, epoch_seconds(row.ended_at) if row.ended_at is not None else limit)
        for window_start, window_end in windows:
            low, high = max(began, window_start), min(ended, window_end)
            for bucket, seconds in split_into_buckets(low, high):
                key = (bucket, row.org_unit_id, row.tier)
                totals[key] = totals.get(key, 0) + seconds
    return totals


def split_into_buckets(start: int, end: int) -> Iterator[tuple[int, int]]:
    """``(bucket, seconds)`` of the epoch-second interval ``[start, end)`` per 15-minute bucket."""
    cursor = start
    while cursor < end:
        bucket = cursor - cursor % BUCKET_SECONDS
        stop = min(end, bucket + BUCKET_SECONDS)
        yield bucket, stop - cursor
        cursor = stop
