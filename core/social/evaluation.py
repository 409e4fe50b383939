"""Evaluating monitors: right after each intake batch (a job per batch), and on a sweep.

The job evaluates the monitors a batch touched, with that batch's strongest posts as evidence,
so an alert is raised within moments of the posts that cause it; all of the batch's monitors
are read together (their current windows in one query, their flagged posts in another). The
sweep evaluates every active monitor of every tenant and the cross-channel surge per category,
so nothing depends on a job having run.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.db import Database
from core.models.social import Monitor, MonitorHit
from core.models.social_alert import AlertKind, Severity
from core.social import detectors, surge, volume
from core.social.alerts import AlertChange, Finding, apply_findings
from core.social.baselines import WindowFigures, window_figures

FLAGGED_LIMIT = 200
EVIDENCE_FROM_SWEEP = 5


def evaluate_monitors(
    session: Session,
    monitors: Sequence[Monitor],
    *,
    now: datetime,
    evidence: Mapping[uuid.UUID, tuple[uuid.UUID, ...]] | None = None,
) -> list[AlertChange]:
    """Run every detector of these monitors at ``now``; raise or grow what fires (no commit)."""
    if not monitors:
        return []
    evidence = evidence or {}
    windows = {m.id: timedelta(minutes=m.window_minutes) for m in monitors}
    figures = window_figures(
        session, [(volume.monitor_series(m.id), windows[m.id]) for m in monitors], now=now
    )
    flagged = _flagged_hits(session, monitors, since=now - max(windows.values()))
    findings: list[Finding] = []
    for monitor in monitors:
        series = volume.monitor_series(monitor.id)
        found = _volume_findings(
            monitor, figures[series], evidence.get(monitor.id, ()), series, windows[monitor.id]
        )
        if found and not found[0].evidence:  # the sweep: no batch to take evidence from
            strongest = _strongest_posts(session, monitor.id, since=now - windows[monitor.id])
            found = [replace(f, evidence=strongest) for f in found]
        findings += found
        since = now - windows[monitor.id]
        findings += _flagged_findings(
            monitor, [h for h in flagged[monitor.id] if h.posted_at >= since]
        )
    return apply_findings(session, findings, now=now)


def evaluate_monitor(
    session: Session, monitor: Monitor, *, now: datetime, evidence: tuple[uuid.UUID, ...] = ()
) -> list[AlertChange]:
    """One monitor's evaluation (see ``evaluate_monitors``)."""
    return evaluate_monitors(session, [monitor], now=now, evidence={monitor.id: evidence})


def evaluate_batch(session: Session, payload: dict[str, Any]) -> list[AlertChange]:
    """Evaluate the monitors one intake batch touched, with its evidence (no commit)."""
    wanted: dict[str, dict[str, Any]] = payload.get("monitors", {})
    if not wanted:
        return []
    monitors = (
        session.execute(
            sa.select(Monitor)
            .where(
                col(Monitor.id).in_([uuid.UUID(m) for m in wanted]), col(Monitor.active).is_(True)
            )
            .order_by(col(Monitor.id))
        )
        .scalars()
        .all()
    )
    evidence = {
        m.id: tuple(uuid.UUID(p) for p in wanted[str(m.id)].get("evidence", [])) for m in monitors
    }
    return evaluate_monitors(session, monitors, now=utcnow(), evidence=evidence)


def run_social_sweep(database: Database) -> int:
    """Evaluate every tenant's monitors and category surges; how many alerts changed."""
    changed = 0
    for tenant_id in _tenants_to_watch(database):
        with database.tenant_unit(tenant_id) as session:
            now = utcnow()
            surge.roll_up(session, now=now)
            monitors = (
                session.execute(
                    sa.select(Monitor)
                    .where(col(Monitor.active).is_(True))
                    .order_by(col(Monitor.id))
                )
                .scalars()
                .all()
            )
            changed += len(evaluate_monitors(session, monitors, now=now))
            changed += len(surge.evaluate(session, now=now))
    return changed


def _tenants_to_watch(database: Database) -> Iterable[uuid.UUID]:
    """Tenants with monitors, or with any inbound contact in the surge window."""
    with database.system_session() as session:
        since = utcnow() - surge.RECOMPUTE - timedelta(minutes=5)
        return surge.active_tenants(session, since=since)


def _volume_findings(
    monitor: Monitor,
    figures: WindowFigures,
    evidence: tuple[uuid.UUID, ...],
    series: str,
    window: timedelta,
) -> list[Finding]:
    findings = []
    minutes = monitor.window_minutes
    share = detectors.detect_negative_share(
        figures.total,
        figures.negative,
        threshold=monitor.negative_share_threshold,
        min_posts=monitor.negative_share_min_posts,
    )
    if share is not None:
        findings.append(
            Finding(
                AlertKind.NEGATIVE_SHARE,
                f"negative_share:{monitor.id}",
                share.severity,
                f"{monitor.name}: {share.share:.0%} negative in {minutes} min",
                {**share.figures(), "window_minutes": minutes},
                evidence,
                peak_key="negative_share",
                monitor_id=monitor.id,
                series=series,
                window=window,
            )
        )
    spike = detectors.detect_spike(
        figures.total,
        seasonal=figures.seasonal,
        recent=figures.recent,
        threshold=monitor.spike_threshold,
        min_volume=monitor.spike_min_volume,
    )
    if spike is not None:
        findings.append(
            Finding(
                AlertKind.VOLUME_SPIKE,
                f"volume_spike:{monitor.id}",
                spike.severity,
                f"{monitor.name}: {figures.total} posts in {minutes} min "
                f"(usually {spike.median:.0f})",
                {**spike.figures(), "negative": figures.negative, "window_minutes": minutes},
                evidence,
                peak_key="current",
                monitor_id=monitor.id,
                series=series,
                window=window,
            )
        )
    return findings


def _strongest_posts(
    session: Session, monitor_id: uuid.UUID, *, since: datetime
) -> tuple[uuid.UUID, ...]:
    """The window's most negative posts, the most shared first among equals."""
    rows = session.execute(
        sa.select(col(MonitorHit.post_id))
        .where(col(MonitorHit.monitor_id) == monitor_id, col(MonitorHit.posted_at) >= since)
        .order_by(col(MonitorHit.sentiment_score), col(MonitorHit.shares).desc())
        .limit(EVIDENCE_FROM_SWEEP)
    ).scalars()
    return tuple(rows)


def _flagged_hits(
    session: Session, monitors: Sequence[Monitor], *, since: datetime
) -> dict[uuid.UUID, list[Any]]:
    """Negative posts by loud authors and posts with watch terms, newest first, per monitor
    (the partial index on flagged hits keeps this to the flagged few)."""
    rows = session.execute(
        sa.select(
            col(MonitorHit.monitor_id),
            col(MonitorHit.post_id),
            col(MonitorHit.posted_at),
            col(MonitorHit.influential),
            col(MonitorHit.has_watch_term),
            col(MonitorHit.watch_terms),
            col(MonitorHit.author_followers),
        )
        .where(
            col(MonitorHit.monitor_id).in_([m.id for m in monitors]),
            col(MonitorHit.posted_at) >= since,
            sa.or_(col(MonitorHit.influential), col(MonitorHit.has_watch_term)),
        )
        .order_by(col(MonitorHit.posted_at).desc())
        .limit(FLAGGED_LIMIT * len(monitors))
    ).all()
    by_monitor: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows:
        if len(by_monitor[row.monitor_id]) < FLAGGED_LIMIT:
            by_monitor[row.monitor_id].append(row)
    return by_monitor


def _flagged_findings(monitor: Monitor, hits: list[Any]) -> list[Finding]:
    findings: list[Finding] = []
    loud = [h for h in hits if h.influential]
    if loud:
        followers = max(h.author_followers for h in loud)
        findings.append(
            Finding(
                AlertKind.INFLUENCER,
                f"influencer:{monitor.id}",
                detectors.influencer_severity(followers, monitor.influencer_followers),
                f"{monitor.name}: negative post by an author with {followers:,} followers",
                {"posts": len(loud), "max_followers": followers},
                tuple(h.post_id for h in loud),
                peak_key="max_followers",
                monitor_id=monitor.id,
            )
        )
    watched = [h for h in hits if h.has_watch_term]
    if watched:
        terms = sorted({t for h in watched for t in (h.watch_terms or [])})
        findings.append(
            Finding(
                AlertKind.WATCH_TERM,
                f"watch_term:{monitor.id}",
                Severity.HIGH,
                f"{monitor.name}: watch terms {', '.join(terms)[:200]}",
                {"posts": len(watched), "terms": terms},
                tuple(h.post_id for h in watched),
                peak_key="posts",
                monitor_id=monitor.id,
            )
        )
    return findings
