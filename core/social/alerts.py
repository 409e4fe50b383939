"""Raising public-opinion alerts from findings: one storm is one alert that grows.

While an alert with the same ``dedup_key`` is unresolved, a finding that fires again grows it
(figures, peak, evidence, post count, severity) instead of raising another. A new alert, or one
whose severity rises, queues a notification job in the same transaction. Safe to run from
several workers at once: the open alert is locked before it grows, and a racing insert is
caught by the unique partial index and turned into growth.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col, func

from core import outbox
from core.db import session_tenant
from core.metrics import SOCIAL_ALERTS
from core.models.social import VolumeBucket
from core.models.social_alert import AlertKind, AlertStatus, Severity, SocialAlert
from core.social import volume

log = structlog.get_logger(__name__)

NOTIFY_ALERT_ACTOR = "notify_social_alert"
MAX_EVIDENCE = 100
GROWTH_INTERVAL = timedelta(seconds=5)
STORM_KINDS = frozenset({AlertKind.NEGATIVE_SHARE, AlertKind.VOLUME_SPIKE, AlertKind.SURGE})


@dataclass(frozen=True, slots=True)
class AlertChange:
    alert_id: uuid.UUID
    kind: AlertKind
    created: bool
    escalated: bool
    severity: Severity


@dataclass(frozen=True, slots=True)
class Finding:
    """A detector that fired: what to raise or grow. ``series`` and ``window`` say where a
    volume alert counts its storm's posts."""

    kind: AlertKind
    dedup_key: str
    severity: Severity
    title: str
    figures: dict[str, Any]
    evidence: tuple[uuid.UUID, ...] = ()
    post_count: int | None = None
    peak_key: str | None = None
    monitor_id: uuid.UUID | None = None
    series: str | None = None
    window: timedelta = timedelta(minutes=60)


def apply_findings(
    session: Session, findings: Sequence[Finding], *, now: datetime
) -> list[AlertChange]:
    """Raise what is new, grow what is on. One read finds the open alerts, and an alert is
    written only when that is worth it (``_worth_writing``), so a storm evaluated after every
    batch costs reads, not writes."""
    if not findings:
        return []
    open_alerts = {
        a.dedup_key: a
        for a in session.execute(
            sa.select(SocialAlert).where(
                col(SocialAlert.dedup_key).in_([f.dedup_key for f in findings]),
                col(SocialAlert.status) != AlertStatus.RESOLVED,
            )
        ).scalars()
    }
    changes = []
    for finding in findings:
        known = open_alerts.get(finding.dedup_key)
        if known is not None and not _worth_writing(known, finding, now):
            changes.append(AlertChange(known.id, known.kind, False, False, known.severity))
            continue
        change = raise_or_grow(session, finding, now=now)
        if finding.kind in STORM_KINDS and finding.series is not None:
            _count_storm(session, change.alert_id, finding.series, finding.window)
        changes.append(change)
    return changes


def _worth_writing(alert: SocialAlert, finding: Finding, now: datetime) -> bool:
    """Grow now, or let it be? A rising severity, a flagged post not yet in the evidence (a
    loud author, a watch term: each one counts), or a volume alert's figures older than
    ``GROWTH_INTERVAL``."""
    if finding.severity.rank > alert.severity.rank or now - alert.last_seen_at >= GROWTH_INTERVAL:
        return True
    if finding.kind in STORM_KINDS:
        return False
    known = set(alert.evidence_post_ids)
    return any(str(p) not in known for p in finding.evidence)


def raise_or_grow(session: Session, finding: Finding, *, now: datetime) -> AlertChange:
    """The open alert for ``finding.dedup_key``, grown (locked first); or a new one, with its
    notice queued. A concurrent evaluation that raised it first is caught and grown."""
    alert = _open_alert(session, finding.dedup_key)
    if alert is None:
        candidate = SocialAlert(
            monitor_id=finding.monitor_id,
            kind=finding.kind,
            dedup_key=finding.dedup_key,
            severity=finding.severity,
            title=finding.title[:300],
            figures=finding.figures,
            peak=finding.figures,
            evidence_post_ids=[str(p) for p in finding.evidence][:MAX_EVIDENCE],
            post_count=finding.post_count
            if finding.post_count is not None
            else len(finding.evidence),
            first_seen_at=now,
            last_seen_at=now,
        )
        try:
            with session.begin_nested():
                session.add(candidate)
        except IntegrityError:  # a concurrent evaluation raised it first: grow that one
            alert = _open_alert(session, finding.dedup_key)
            if alert is None:
                raise
        else:
            _queue_notice(session, candidate, "raised")
            SOCIAL_ALERTS.labels(finding.kind.value, "raised", finding.severity.value).inc()
            log.info(
                "social.alert_raised",
                alert_id=str(candidate.id),
                kind=finding.kind.value,
                severity=finding.severity.value,
            )
            return AlertChange(candidate.id, finding.kind, True, False, finding.severity)
    return _grow(session, alert, finding, now)


def _grow(session: Session, alert: SocialAlert, finding: Finding, now: datetime) -> AlertChange:
    escalated = finding.severity.rank > alert.severity.rank
    known = set(alert.evidence_post_ids)
    new_evidence = [str(p) for p in finding.evidence if str(p) not in known]
    alert.evidence_post_ids = (alert.evidence_post_ids + new_evidence)[-MAX_EVIDENCE:]
    if finding.post_count is None:
        alert.post_count = alert.post_count + len(new_evidence)
    alert.figures = finding.figures
    if finding.peak_key and _beats(finding.figures, alert.peak, finding.peak_key):
        alert.peak = finding.figures
    alert.title = finding.title[:300]
    alert.last_seen_at = now
    alert.evaluations = alert.evaluations + 1
    if escalated:
        alert.severity = finding.severity
        _queue_notice(session, alert, "escalated")
        SOCIAL_ALERTS.labels(alert.kind.value, "escalated", finding.severity.value).inc()
    session.flush()
    return AlertChange(alert.id, alert.kind, False, escalated, alert.severity)


def _beats(figures: dict[str, Any], peak: dict[str, Any], key: str) -> bool:
    return float(figures.get(key, 0) or 0) >= float(peak.get(key, 0) or 0)


def _open_alert(session: Session, dedup_key: str) -> SocialAlert | None:
    return session.execute(
        sa.select(SocialAlert)
        .where(
            col(SocialAlert.dedup_key) == dedup_key,
            col(SocialAlert.status) != AlertStatus.RESOLVED,
        )
        .with_for_update()
    ).scalar_one_or_none()


def _queue_notice(session: Session, alert: SocialAlert, reason: str) -> None:
    session.flush()
    outbox.enqueue(
        session,
        actor=NOTIFY_ALERT_ACTOR,
        payload={"alert_id": str(alert.id), "reason": reason, "severity": alert.severity.value},
    )


def _count_storm(session: Session, alert_id: uuid.UUID, series: str, window: timedelta) -> None:
    """A volume alert's post count: everything in its series since the storm began."""
    alert = session.get(SocialAlert, (session_tenant(session), alert_id))
    assert alert is not None
    since = volume.bucket_start(alert.first_seen_at - window)
    total = session.execute(
        sa.select(func.coalesce(func.sum(col(VolumeBucket.total)), 0)).where(
            col(VolumeBucket.series) == series, col(VolumeBucket.bucket_start) >= since
        )
    ).scalar_one()
    alert.post_count = int(total)
    session.flush()
