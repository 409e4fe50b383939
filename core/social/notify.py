"""Telling people about a public-opinion alert: a mail notice and the monitor's webhook.

Recipients are the monitor's ``notify_emails``; where it names none (and for cross-channel
surges, which have no monitor) the tenant's active social monitors and supervisors.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.lookup import get_by_id
from core.models.social import Monitor, SocialPost
from core.models.social_alert import SocialAlert
from core.models.user import Role, User
from core.webhooks import WebhookTarget

WEBHOOK_ACTOR = "social_alert_webhook"
NOTICE_ROLES = (Role.SOCIAL_MONITOR, Role.SUPERVISOR)
EVIDENCE_IN_NOTICE = 5


@dataclass(frozen=True, slots=True)
class AlertNotice:
    alert_id: uuid.UUID
    subject: str
    text: str
    recipients: tuple[str, ...]
    payload: dict[str, Any]


def alert_notice(session: Session, *, alert_id: uuid.UUID, reason: str) -> AlertNotice:
    """The notice for one alert job (``reason``: raised or escalated)."""
    alert = get_by_id(session, SocialAlert, alert_id, noun="alert")
    monitor = _monitor(session, alert.monitor_id)
    recipients = tuple(monitor.notify_emails) if monitor and monitor.notify_emails else ()
    if not recipients:
        users = session.execute(
            sa.select(col(User.email), col(User.roles))
            .where(col(User.active).is_(True))
            .order_by(col(User.email))
        ).all()
        recipients = tuple(e for e, roles in users if any(r in roles for r in NOTICE_ROLES))
    evidence = _evidence(session, alert.evidence_post_ids[-EVIDENCE_IN_NOTICE:])
    verb = "escalated to" if reason == "escalated" else "raised,"
    subject = f"[{alert.severity.value.upper()}] Public-opinion alert {verb} {alert.title}"[:300]
    lines = [
        alert.title,
        f"Kind: {alert.kind.value}; severity: {alert.severity.value}; posts: {alert.post_count}",
        "Figures: " + ", ".join(f"{k}={v}" for k, v in sorted(alert.figures.items())),
        f"Since {alert.first_seen_at.isoformat()}, last seen {alert.last_seen_at.isoformat()}",
    ]
    if evidence:
        lines.append("Posts:")
        lines.extend(
            f"- @{p.author_handle} ({p.author_followers:,}): {p.text[:200]}" for p in evidence
        )
    payload = {
        "event": f"social_alert.{reason}",
        "alert_id": str(alert.id),
        "kind": alert.kind.value,
        "severity": alert.severity.value,
        "status": alert.status.value,
        "title": alert.title,
        "monitor_id": str(alert.monitor_id) if alert.monitor_id else None,
        "figures": alert.figures,
        "post_count": alert.post_count,
        "evidence_post_ids": alert.evidence_post_ids[-EVIDENCE_IN_NOTICE:],
        "first_seen_at": alert.first_seen_at.isoformat(),
        "last_seen_at": alert.last_seen_at.isoformat(),
    }
    return AlertNotice(alert.id, subject, "\n".join(lines) + "\n", recipients, payload)


def webhook_for_alert(session: Session, *, alert_id: uuid.UUID) -> WebhookTarget | None:
    """The monitor's webhook, read when sending so a changed secret is used at once."""
    alert = get_by_id(session, SocialAlert, alert_id, noun="alert")
    monitor = _monitor(session, alert.monitor_id)
    if monitor is None or not monitor.webhook_url:
        return None
    return WebhookTarget(url=monitor.webhook_url, secret=monitor.webhook_secret or "")


def _monitor(session: Session, monitor_id: uuid.UUID | None) -> Monitor | None:
    if monitor_id is None:
        return None
    return session.execute(
        sa.select(Monitor).where(col(Monitor.id) == monitor_id)
    ).scalar_one_or_none()


def _evidence(session: Session, post_ids: list[str]) -> list[SocialPost]:
    if not post_ids:
        return []
    posts = session.execute(
        sa.select(SocialPost).where(
            col(SocialPost.id).in_([uuid.UUID(p) for p in post_ids]),
            col(SocialPost.deleted_at).is_(None),
        )
    ).scalars()
    return sorted(posts, key=lambda p: p.sentiment_score)
