"""Alerts on synthetic streams: storms raise one alert that grows; seasons and quiet raise none."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col

from core.clock import utcnow
from core.db import Database
from core.inbound import InboundMessage
from core.ingest import ingest_committed
from core.models import Channel, IdentityKind, Monitor, OutboxJob
from core.models.social_alert import AlertKind, AlertStatus, Severity, SocialAlert
from core.social import detectors, surge, volume
from core.social.alerts import NOTIFY_ALERT_ACTOR, AlertChange
from core.social.evaluation import evaluate_monitor
from tests.conftest import TenantHandle
from tests.social.streams import create_monitor, daily_pattern, deliver, post, write_history

WEEKS_OF_HISTORY = 6


def _noisy_pattern(at: datetime) -> int:
    """The daily pattern with a little week-to-week noise, so the baseline has a spread."""
    wobble = (int(at.timestamp()) // 300 * 2654435761) % 7 == 0
    return daily_pattern(at) + int(wobble)


def _history(
    database: Database, tenant: TenantHandle, monitor_id: uuid.UUID, now: datetime
) -> None:
    write_history(
        database,
        tenant.id,
        series=volume.monitor_series(monitor_id),
        start=now - timedelta(weeks=WEEKS_OF_HISTORY),
        end=now,
        per_bucket=_noisy_pattern,
    )


def _evaluate(
    database: Database, tenant: TenantHandle, monitor_id: uuid.UUID, now: datetime
) -> list[AlertChange]:
    with database.tenant_unit(tenant.id) as session:
        monitor = session.execute(
            sa.select(Monitor).where(col(Monitor.id) == monitor_id)
        ).scalar_one()
        return evaluate_monitor(session, monitor, now=now)


def _alerts(database: Database, tenant: TenantHandle) -> list[SocialAlert]:
    with database.tenant_session(tenant.id) as session:
        return list(
            session.execute(sa.select(SocialAlert).order_by(col(SocialAlert.created_at))).scalars()
        )


def _notice_jobs(database: Database, tenant: TenantHandle) -> list[dict[str, object]]:
    with database.tenant_session(tenant.id) as session:
        return list(
            session.execute(
                sa.select(col(OutboxJob.payload)).where(col(OutboxJob.actor) == NOTIFY_ALERT_ACTOR)
            ).scalars()
        )


def _storm(database: Database, tenant: TenantHandle, now: datetime, count: int) -> None:
    deliver(
        database,
        tenant.id,
        [
            post(f"北风又乱扣费！第{i}次了，投诉无门 #{i}", posted_at=now - timedelta(seconds=i))
            for i in range(count)
        ],
    )


def test_a_quiet_week_with_its_daily_peaks_raises_nothing(
    database: Database, tenant: TenantHandle
) -> None:
    now = utcnow()
    monitor_id = create_monitor(database, tenant.id, negative_share_threshold=1.0)
    _history(database, tenant, monitor_id, now)
    evaluated_peaks = 0
    for hours_back in range(7 * 24):
        at = now - timedelta(hours=hours_back)
        assert _evaluate(database, tenant, monitor_id, at) == [], f"alert at {at.isoformat()}"
        evaluated_peaks += 19 <= at.hour < 22
    assert evaluated_peaks >= 18
    assert _alerts(database, tenant) == []


def test_the_seasonal_baseline_is_what_keeps_the_evening_peak_from_being_a_spike() -> None:
    """Against the hours just before it, the 20:00 peak would look like a storm."""
    evening = datetime(2026, 11, 30, 20, 55, tzinfo=utcnow().tzinfo)
    window = timedelta(minutes=60)

    def total(starts: list[datetime]) -> int:
        return sum(daily_pattern(s) for s in starts)

    current = total(volume.window_starts(evening, window))
    baseline = detectors.baseline_windows(
        evening, window, series_start=evening - timedelta(weeks=6)
    )
    seasonal = [total(w) for w in baseline.seasonal]
    recent = [total(w) for w in baseline.recent]
    assert (
        detectors.detect_spike(
            current, seasonal=seasonal, recent=recent, threshold=4, min_volume=20
        )
        is None
    )
    assert detectors.detect_spike(current, seasonal=[], recent=recent, threshold=4, min_volume=20)


def test_a_storm_is_raised_once_and_grows(database: Database, tenant: TenantHandle) -> None:
    now = utcnow()
    monitor_id = create_monitor(database, tenant.id, rule="北风 AND 扣费")
    _history(database, tenant, monitor_id, now)

    _storm(database, tenant, now, 120)
    first = _evaluate(database, tenant, monitor_id, now)
    spike = [c for c in first if c.kind is AlertKind.VOLUME_SPIKE]
    assert len(spike) == 1 and spike[0].created
    [raised] = [a for a in _alerts(database, tenant) if a.kind is AlertKind.VOLUME_SPIKE]
    assert raised.status is AlertStatus.OPEN
    assert raised.figures["baseline"] == "seasonal"
    assert raised.figures["current"] >= 120
    assert len(raised.evidence_post_ids) == 5, "no batch evidence: the window's worst posts"

    later = now + timedelta(minutes=4)
    _storm(database, tenant, later, 300)
    second = _evaluate(database, tenant, monitor_id, later)
    assert [c.created for c in second if c.kind is AlertKind.VOLUME_SPIKE] == [False]

    spikes = [a for a in _alerts(database, tenant) if a.kind is AlertKind.VOLUME_SPIKE]
    assert len(spikes) == 1, "one storm, one alert"
    [grown] = spikes
    assert grown.id == raised.id
    assert grown.evaluations == 2
    assert grown.post_count > raised.post_count >= 120
    assert grown.peak["current"] >= 120 + 300, "both waves are in the window"
    assert grown.severity.rank >= raised.severity.rank
    raised_notices = [j for j in _notice_jobs(database, tenant) if j["alert_id"] == str(raised.id)]
    assert raised_notices[0]["reason"] == "raised"
    assert [j["reason"] for j in raised_notices[1:]] in ([], ["escalated"])


def test_a_new_storm_after_resolution_is_a_new_alert(
    database: Database, tenant: TenantHandle
) -> None:
    now = utcnow()
    monitor_id = create_monitor(database, tenant.id, rule="北风 AND 扣费")
    _history(database, tenant, monitor_id, now)
    _storm(database, tenant, now, 120)
    _evaluate(database, tenant, monitor_id, now)
    with database.tenant_unit(tenant.id) as session:
        session.execute(sa.update(SocialAlert).values(status=AlertStatus.RESOLVED, resolved_at=now))
    _storm(database, tenant, now, 50)
    changes = _evaluate(database, tenant, monitor_id, now)
    assert any(c.created for c in changes if c.kind is AlertKind.VOLUME_SPIKE)
    spikes = [a for a in _alerts(database, tenant) if a.kind is AlertKind.VOLUME_SPIKE]
    assert [a.status for a in spikes] == [AlertStatus.RESOLVED, AlertStatus.OPEN]


def test_negative_share_needs_enough_posts(database: Database, tenant: TenantHandle) -> None:
    now = utcnow()
    monitor_id = create_monitor(
        database, tenant.id, rule="Northwind", negative_share_min_posts=10, spike_min_volume=10_000
    )
    deliver(
        database,
        tenant.id,
        [post(f"Northwind overcharged me again {i}", posted_at=now) for i in range(9)],
    )
    assert _evaluate(database, tenant, monitor_id, now) == []
    deliver(database, tenant.id, [post("Northwind dropped calls all day, useless", posted_at=now)])
    [change] = _evaluate(database, tenant, monitor_id, now)
    assert change.kind is AlertKind.NEGATIVE_SHARE and change.created
    [alert] = _alerts(database, tenant)
    assert alert.figures["posts"] == 10 and alert.figures["negative_share"] >= 0.9


def test_a_loud_negative_voice_and_a_watch_term_each_raise_one_alert(
    database: Database, tenant: TenantHandle
) -> None:
    now = utcnow()
    monitor_id = create_monitor(
        database,
        tenant.id,
        rule="Northwind OR 北风",
        influencer_followers=50_000,
        watch_terms=["315", "律师"],
        spike_min_volume=10_000,
        negative_share_min_posts=10_000,
    )
    deliver(
        database,
        tenant.id,
        [
            post(
                "Northwind dropped my calls all week and overcharged me, worst service ever",
                followers=2_000_000,
                posted_at=now,
            ),
            post("Northwind is great", followers=5_000_000, posted_at=now),  # loud but happy
            post("北风乱扣费，我要找律师，还要向315曝光", posted_at=now),
        ],
    )
    changes = _evaluate(database, tenant, monitor_id, now)
    kinds = sorted(c.kind for c in changes)
    assert kinds == [AlertKind.INFLUENCER, AlertKind.WATCH_TERM]
    alerts = {a.kind: a for a in _alerts(database, tenant)}
    assert alerts[AlertKind.INFLUENCER].severity is Severity.HIGH  # 40x the follower mark
    assert alerts[AlertKind.INFLUENCER].figures["max_followers"] == 2_000_000
    assert set(alerts[AlertKind.WATCH_TERM].figures["terms"]) == {"315", "律师"}

    deliver(database, tenant.id, [post("北风的事已经找律师了", posted_at=now)])
    _evaluate(database, tenant, monitor_id, now)
    watch = [a for a in _alerts(database, tenant) if a.kind is AlertKind.WATCH_TERM]
    assert len(watch) == 1 and watch[0].post_count == 2


def test_a_billing_surge_is_seen_across_channels(database: Database, tenant: TenantHandle) -> None:
    now = utcnow()
    write_history(
        database,
        tenant.id,
        series=volume.category_series("billing"),
        start=now - timedelta(weeks=4),
        end=now,
        per_bucket=lambda at: 1 if at.minute % 10 == 0 else 0,
    )
    senders = {
        Channel.PHONE: (IdentityKind.PHONE, "+86138001{:05d}"),
        Channel.EMAIL: (IdentityKind.EMAIL, "caller{}@example.com"),
        Channel.WEBFORM: (IdentityKind.EMAIL, "form{}@example.com"),
    }
    for i in range(60):
        channel = list(senders)[i % 3]
        kind, pattern = senders[channel]
        ingest_committed(
            database,
            InboundMessage(
                tenant_id=tenant.id,
                channel=channel,
                sender_kind=kind,
                sender=pattern.format(i),
                external_id=f"surge-{uuid.uuid4()}",
                text="账单多扣了钱 / charged twice",
                category="billing",
            ),
        )
    with database.tenant_unit(tenant.id) as session:
        surge.roll_up(session, now=now)
        changes = surge.evaluate(session, now=now)
    assert [c.kind for c in changes] == [AlertKind.SURGE]
    [alert] = _alerts(database, tenant)
    assert alert.monitor_id is None
    assert alert.figures["by_channel"] == {"email": 20, "phone": 20, "webform": 20}
    assert alert.figures["current"] >= 60
