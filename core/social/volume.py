"""Five-minute volume buckets per series: written in bulk, read as windows.

A series is ``monitor:<id>`` (posts a monitor matched) or ``category:<name>`` (inbound contacts
of one category over every channel). Writers add to a bucket with one upsert per bucket, in
key order, so concurrent writers neither lose counts nor deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.clock import as_utc
from core.db import session_tenant
from core.ids import new_id
from core.models.social import VolumeBucket

BUCKET = timedelta(minutes=5)
_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday
bucket_t: sa.Table = VolumeBucket.__table__  # type: ignore[attr-defined]


def monitor_series(monitor_id: uuid.UUID | str) -> str:
    return f"monitor:{monitor_id}"


def category_series(category: str) -> str:
    return f"category:{category}"


def bucket_start(at: datetime) -> datetime:
    """The start of the five-minute bucket holding ``at`` (aware UTC)."""
    at = as_utc(at)
    offset = (at - _EPOCH) // BUCKET
    return _EPOCH + offset * BUCKET


@dataclass(slots=True)
class Tally:
    total: int = 0
    negative: int = 0


def add_counts(session: Session, counts: Mapping[tuple[str, datetime], Tally]) -> None:
    """Add tallies to their buckets (no commit); one upsert per bucket, in key order."""
    if not counts:
        return
    tenant_id = session_tenant(session)
    rows = [
        {
            "tenant_id": tenant_id,
            "id": new_id(),
            "created_at": start,
            "series": series,
            "bucket_start": start,
            "total": tally.total,
            "negative": tally.negative,
            "by_channel": {},
        }
        for (series, start), tally in sorted(counts.items())
    ]
    connection = session.connection()
    dialect = connection.dialect.name
    insert: Any = (
        postgresql.insert(bucket_t) if dialect == "postgresql" else sqlite.insert(bucket_t)
    )
    statement = insert.on_conflict_do_update(
        index_elements=["tenant_id", "series", "bucket_start"],
        set_={
            "total": bucket_t.c.total + insert.excluded.total,
            "negative": bucket_t.c.negative + insert.excluded.negative,
        },
    )
    # One statement for all rows ("insertmanyvalues" pages them); rows in key order keep the
    # lock order the same for every writer.
    connection.execute(statement.returning(bucket_t.c.id), rows).all()


def set_counts(
    session: Session,
    counts: Mapping[tuple[str, datetime], tuple[int, int, dict[str, int]]],
) -> None:
    """Overwrite buckets with recomputed (total, negative, by_channel) figures (no commit)."""
    if not counts:
        return
    tenant_id = session_tenant(session)
    connection = session.connection()
    dialect = connection.dialect.name
    insert: Any = (
        postgresql.insert(bucket_t) if dialect == "postgresql" else sqlite.insert(bucket_t)
    )
    statement = insert.on_conflict_do_update(
        index_elements=["tenant_id", "series", "bucket_start"],
        set_={
            "total": insert.excluded.total,
            "negative": insert.excluded.negative,
            "by_channel": insert.excluded.by_channel,
        },
    )
    rows = [
        {
            "tenant_id": tenant_id,
            "id": new_id(),
            "created_at": start,
            "series": series,
            "bucket_start": start,
            "total": total,
            "negative": negative,
            "by_channel": by_channel,
        }
        for (series, start), (total, negative, by_channel) in sorted(counts.items())
    ]
    connection.execute(statement.returning(bucket_t.c.id), rows).all()


def window_starts(end: datetime, window: timedelta) -> list[datetime]:
    """The buckets of the window ending at ``end`` (the bucket holding ``end`` included)."""
    last = bucket_start(end)
    count = max(1, int(window / BUCKET))
    return [last - i * BUCKET for i in range(count)]


def read_buckets(
    session: Session, *, series: Iterable[str], starts: Iterable[datetime]
) -> dict[tuple[str, datetime], tuple[int, int]]:
    """(total, negative) of the named buckets that exist; missing ones are zero to the caller."""
    names, stamps = sorted(set(series)), sorted(set(starts))
    if not names or not stamps:
        return {}
    rows = session.execute(
        sa.select(
            bucket_t.c.series, bucket_t.c.bucket_start, bucket_t.c.total, bucket_t.c.negative
        ).where(
            bucket_t.c.tenant_id == session_tenant(session),
            bucket_t.c.series.in_(names),
            bucket_t.c.bucket_start.in_(stamps),
        )
    ).all()
    return {(r.series, as_utc(r.bucket_start)): (r.total, r.negative) for r in rows}
