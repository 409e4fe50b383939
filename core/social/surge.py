"""The cross-channel surge detector (D27): inbound volume per category over every channel.

A botched billing change shows in calls, mail, forms and posts at once. Every few minutes the
last half hour of inbound messages (by their conversation's category) and of monitor-matched
posts that did not become conversations (by the monitor's category) is recounted into
``category:<name>`` buckets, with the channel mix, and the spike detector runs over each.
Recounting instead of adding makes the rollup idempotent and lets late rows land.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.models.channel import Channel
from core.models.conversation import Conversation
from core.models.message import Message, MessageDirection
from core.models.social import Monitor, MonitorHit, SocialPost, VolumeBucket
from core.models.social_alert import AlertKind
from core.social import detectors, volume
from core.social.alerts import AlertChange, Finding, apply_findings
from core.social.baselines import window_figures

RECOMPUTE = timedelta(minutes=30)
WINDOW = timedelta(minutes=60)
THRESHOLD = 4.0
MIN_VOLUME = 30


def roll_up(session: Session, *, now: datetime) -> int:
    """Recount the recent category buckets of the session's tenant (no commit)."""
    since = volume.bucket_start(now - RECOMPUTE)
    counts: dict[tuple[str, datetime], dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def count(category: str, at: datetime, channel: str) -> None:
        counts[(volume.category_series(category), volume.bucket_start(at))][channel] += 1

    messages = session.execute(
        sa.select(col(Message.created_at), col(Message.channel), col(Conversation.category))
        .join(
            Conversation,
            sa.and_(
                col(Conversation.tenant_id) == col(Message.tenant_id),
                col(Conversation.id) == col(Message.conversation_id),
            ),
        )
        .where(
            col(Message.created_at) >= since,
            col(Message.direction) == MessageDirection.INBOUND,
            col(Conversation.category).is_not(None),
        )
    ).all()
    for created_at, channel, category in messages:
        count(str(category), created_at, Channel(channel).value)
    posts = session.execute(
        sa.select(col(MonitorHit.posted_at), col(Monitor.category))
        .join(
            Monitor,
            sa.and_(
                col(Monitor.tenant_id) == col(MonitorHit.tenant_id),
                col(Monitor.id) == col(MonitorHit.monitor_id),
            ),
        )
        .join(
            SocialPost,
            sa.and_(
                col(SocialPost.tenant_id) == col(MonitorHit.tenant_id),
                col(SocialPost.id) == col(MonitorHit.post_id),
            ),
        )
        .where(
            col(MonitorHit.posted_at) >= since,
            col(Monitor.category).is_not(None),
            col(SocialPost.conversation_id).is_(None),
        )
    ).all()
    for posted_at, category in posts:
        count(str(category), posted_at, "social_post")
    volume.set_counts(
        session, {key: (sum(mix.values()), 0, dict(mix)) for key, mix in counts.items()}
    )
    return len(counts)


def evaluate(session: Session, *, now: datetime) -> list[AlertChange]:
    """Run the spike detector over every category series with recent volume (no commit)."""
    recent = volume.bucket_start(now - WINDOW)
    series = (
        session.execute(
            sa.select(col(VolumeBucket.series))
            .distinct()
            .where(
                col(VolumeBucket.series).startswith("category:"),
                col(VolumeBucket.bucket_start) >= recent,
            )
        )
        .scalars()
        .all()
    )
    figures = window_figures(session, [(name, WINDOW) for name in series], now=now)
    findings = []
    for name in sorted(series):
        spike = detectors.detect_spike(
            figures[name].total,
            seasonal=figures[name].seasonal,
            recent=figures[name].recent,
            threshold=THRESHOLD,
            min_volume=MIN_VOLUME,
        )
        if spike is None:
            continue
        label = name.partition(":")[2]
        findings.append(
            Finding(
                AlertKind.SURGE,
                f"surge:{name}",
                spike.severity,
                f"Surge in {label}: {figures[name].total} contacts in "
                f"{int(WINDOW.total_seconds() // 60)} min (usually {spike.median:.0f})",
                {
                    **spike.figures(),
                    "by_channel": _channel_mix(session, name, volume.window_starts(now, WINDOW)),
                    "series": name,
                },
                peak_key="current",
                series=name,
                window=WINDOW,
            )
        )
    return apply_findings(session, findings, now=now)


def _channel_mix(session: Session, series: str, starts: list[datetime]) -> dict[str, int]:
    """Where a category's contacts came from in the window, by channel."""
    rows = session.execute(
        sa.select(col(VolumeBucket.by_channel)).where(
            col(VolumeBucket.series) == series, col(VolumeBucket.bucket_start).in_(starts)
        )
    ).scalars()
    mix: dict[str, int] = defaultdict(int)
    for by_channel in rows:
        for channel, count in (by_channel or {}).items():
            mix[channel] += int(count)
    return dict(sorted(mix.items()))


def active_tenants(session: Session, *, since: datetime) -> list[uuid.UUID]:
    """Tenants with active monitors or recent inbound messages (system session)."""
    with_monitors = sa.select(col(Monitor.tenant_id)).where(col(Monitor.active).is_(True))
    with_traffic = sa.select(col(Message.tenant_id)).where(
        col(Message.created_at) >= since, col(Message.direction) == MessageDirection.INBOUND
    )
    rows = session.execute(sa.union(with_monitors, with_traffic)).scalars()
    return sorted(set(rows))
