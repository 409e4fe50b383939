"""The public-sentiment desk's view of one monitor over a period (D26, D27).

Read from what intake already keeps: the five-minute ``volume_bucket`` rows per monitor
(totals and negatives: the rollup), the monitor's hits for the posts, and its spike alerts
for the marks on the volume chart. Nothing here scans raw post text beyond the top lists.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import as_utc
from core.models.social import MonitorHit, SocialPost, VolumeBucket
from core.models.social_alert import AlertKind, SocialAlert
from core.social.volume import monitor_series

TOP_POSTS = 10
TERM_SAMPLE = 2_000  # the newest hits whose matched terms are counted


@dataclass(frozen=True, slots=True)
class SentimentPoint:
    bucket_start: datetime
    total: int
    negative: int

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class SpikeMark:
    alert_id: uuid.UUID
    at: datetime
    title: str
    status: str


@dataclass(frozen=True, slots=True)
class PostLine:
    post_id: uuid.UUID
    posted_at: datetime
    network: str
    author: str
    text: str
    sentiment_score: float
    shares: int
    url: str | None


@dataclass(frozen=True, slots=True)
class SentimentOverview:
    monitor_id: uuid.UUID
    points: list[SentimentPoint]
    spikes: list[SpikeMark]
    most_negative: list[PostLine]
    most_shared: list[PostLine]
    top_terms: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(p.total for p in self.points)

    @property
    def negative(self) -> int:
        return sum(p.negative for p in self.points)


def sentiment_overview(
    session: Session,
    *,
    monitor_id: uuid.UUID,
    since: datetime,
    until: datetime,
    bucket: timedelta = timedelta(hours=1),
) -> SentimentOverview:
    """Volume and negatives per ``bucket`` (summed from the five-minute rollup), the spike
    alerts raised in the period, the most negative and most shared posts, the top terms."""
    rows = session.execute(
        sa.select(
            col(VolumeBucket.bucket_start), col(VolumeBucket.total), col(VolumeBucket.negative)
        )
        .where(
            col(VolumeBucket.series) == monitor_series(monitor_id),
            col(VolumeBucket.bucket_start) >= since,
            col(VolumeBucket.bucket_start) < until,
        )
        .order_by(col(VolumeBucket.bucket_start))
    ).all()
    sums: dict[datetime, list[int]] = {}
    for start, total, negative in rows:
        slot = _floor(as_utc(start), since, bucket)
        tally = sums.setdefault(slot, [0, 0])
        tally[0] += total
        tally[1] += negative
    points = [SentimentPoint(at, t, n) for at, (t, n) in sorted(sums.items())]
    spikes = [
        SpikeMark(a.id, as_utc(a.first_seen_at), a.title, a.status.value)
        for a in session.execute(
            sa.select(SocialAlert)
            .where(
                col(SocialAlert.monitor_id) == monitor_id,
                col(SocialAlert.kind) == AlertKind.VOLUME_SPIKE,
                col(SocialAlert.first_seen_at) >= since,
                col(SocialAlert.first_seen_at) < until,
            )
            .order_by(col(SocialAlert.first_seen_at))
        ).scalars()
    ]
    hits = (
        sa.select(col(MonitorHit.post_id))
        .where(
            col(MonitorHit.monitor_id) == monitor_id,
            col(MonitorHit.posted_at) >= since,
            col(MonitorHit.posted_at) < until,
        )
        .scalar_subquery()
    )
    posts = sa.select(SocialPost).where(
        col(SocialPost.id).in_(hits), col(SocialPost.deleted_at).is_(None)
    )
    most_negative = _lines(
        session, posts.order_by(col(SocialPost.sentiment_score), col(SocialPost.id))
    )
    most_shared = _lines(session, posts.order_by(col(SocialPost.shares).desc(), col(SocialPost.id)))
    terms: Counter[str] = Counter()
    for matched in session.execute(
        sa.select(col(SocialPost.matched_terms))
        .where(col(SocialPost.id).in_(hits))
        .order_by(col(SocialPost.posted_at).desc())
        .limit(TERM_SAMPLE)
    ).scalars():
        terms.update(matched or [])
    return SentimentOverview(
        monitor_id=monitor_id,
        points=points,
        spikes=spikes,
        most_negative=most_negative,
        most_shared=most_shared,
        top_terms=terms.most_common(20),
    )


def _lines(session: Session, query: sa.Select[Any]) -> list[PostLine]:
    return [
        PostLine(
            post_id=p.id,
            posted_at=as_utc(p.posted_at),
            network=p.network.value,
            author=p.author_name or p.author_handle,
            text=p.text[:280],
            sentiment_score=p.sentiment_score,
            shares=p.shares,
            url=p.url,
        )
        for p in session.execute(query.limit(TOP_POSTS)).scalars()
    ]


def _floor(at: datetime, origin: datetime, bucket: timedelta) -> datetime:
    return origin + ((at - origin) // bucket) * bucket
