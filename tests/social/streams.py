"""Posts and synthetic volume histories for social tests."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from core.db import Database
from core.models.social import Monitor, PostKind, SocialNetwork
from core.social import volume
from core.social.incoming import IncomingPost
from core.social.intake import IntakeSummary, receive_posts, store_raw

_serial = itertools.count(1)


def post(
    text: str,
    *,
    author: str | None = None,
    kind: PostKind = PostKind.POST,
    network: SocialNetwork = SocialNetwork.X,
    external_id: str | None = None,
    followers: int = 100,
    posted_at: datetime | None = None,
    **extra: object,
) -> IncomingPost:
    """A post with a fresh id and author unless told otherwise."""
    n = next(_serial)
    return IncomingPost(
        network=network,
        external_id=external_id or f"{uuid.uuid4().int % 10**18}",
        author_handle=author or f"user{n}",
        author_name=(author or f"User {n}").title(),
        text=text,
        kind=kind,
        author_followers=followers,
        posted_at=posted_at,
        **extra,  # type: ignore[arg-type]
    )


def deliver(
    database: Database,
    tenant_id: uuid.UUID,
    posts: Iterable[IncomingPost],
    *,
    account_id: uuid.UUID | None = None,
) -> IntakeSummary:
    """Hand posts to intake as a connector would: raw record first."""
    batch = list(posts)
    record_id = store_raw(
        database,
        tenant_id=tenant_id,
        payload=repr(batch).encode(),
        content_type="text/plain",
        source="test",
    )
    return receive_posts(
        database, tenant_id=tenant_id, record_id=record_id, posts=batch, account_id=account_id
    )


def create_monitor(database: Database, tenant_id: uuid.UUID, **fields: object) -> uuid.UUID:
    values: dict[str, object] = {
        "name": f"monitor {uuid.uuid4().hex[:6]}",
        "rule": "(Northwind OR 北风) AND (扣费 OR 断网 OR outage OR overcharged OR 信号)",
    }
    values.update(fields)
    with database.tenant_unit(tenant_id) as session:
        monitor = Monitor(**values)  # type: ignore[arg-type]
        session.add(monitor)
    return monitor.id


def write_history(
    database: Database,
    tenant_id: uuid.UUID,
    *,
    series: str,
    start: datetime,
    end: datetime,
    per_bucket: Callable[[datetime], int],
) -> int:
    """Five-minute buckets from ``start`` to ``end`` with ``per_bucket(at)`` posts each."""
    counts: dict[tuple[str, datetime], volume.Tally] = {}
    at = volume.bucket_start(start)
    while at < end:
        n = per_bucket(at)
        if n:
            counts[(series, at)] = volume.Tally(total=n, negative=n // 5)
        at += volume.BUCKET
    with database.tenant_unit(tenant_id) as session:
        volume.add_counts(session, counts)
    return sum(t.total for t in counts.values())


def daily_pattern(at: datetime) -> int:
    """A contact center's day (UTC for simplicity): quiet nights, an evening peak at 20:00."""
    hour = at.hour
    if 1 <= hour < 7:
        return 0
    if 19 <= hour < 22:
        return 6 + (at.minute // 5) % 3  # 6..8 per five minutes: ~85 an hour at the peak
    return 1 + (at.minute // 5) % 2  # 1..2 per five minutes


def minutes_ago(now: datetime, minutes: float) -> datetime:
    return now - timedelta(minutes=minutes)
