"""What people do with public-opinion alerts: read, acknowledge, resolve, annotate, assign.

The detector (``core.social.alerts``) raises and grows alerts; everything here is a person's
action on one. An alert goes open → acknowledged → resolved (or open → resolved), each step
once: repeating one is a ConflictError. Every action appends an entry to the alert's ``notes``
(``at``, ``author_id``, ``text``, ``action``), so who did what and when stays on the alert.
The alert row is locked while it changes, so two people acting at once cannot both win and
the detector growing it meanwhile waits. Services flush but never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.errors import ConflictError, required_text
from core.lookup import get_by_id, get_referenced
from core.models.social import SocialPost
from core.models.social_alert import AlertKind, AlertStatus, Severity, SocialAlert
from core.models.user import User
from core.pagination import Page, paginate_by_time

MAX_NOTES = 500


@dataclass(frozen=True, slots=True)
class AlertFilter:
    statuses: tuple[AlertStatus, ...] = ()
    kind: AlertKind | None = None
    monitor_id: uuid.UUID | None = None
    severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class AlertDetail:
    """An alert with its evidence posts, in the order the alert lists them."""

    alert: SocialAlert
    evidence: list[SocialPost]


def get_alert(session: Session, *, alert_id: uuid.UUID) -> SocialAlert:
    """The alert; NotFoundError if this tenant has none with that id."""
    return get_by_id(session, SocialAlert, alert_id, noun="alert")


def get_alert_detail(session: Session, *, alert_id: uuid.UUID) -> AlertDetail:
    """The alert and the posts in its ``evidence_post_ids`` (deleted ones included)."""
    alert = get_alert(session, alert_id=alert_id)
    wanted = [uuid.UUID(post_id) for post_id in alert.evidence_post_ids]
    found = {
        post.id: post
        for post in session.execute(
            sa.select(SocialPost).where(col(SocialPost.id).in_(wanted))
        ).scalars()
    }
    return AlertDetail(alert, [found[post_id] for post_id in wanted if post_id in found])


def list_alerts(
    session: Session, *, filters: AlertFilter, limit: int = 50, cursor: str | None = None
) -> Page[SocialAlert]:
    """Most recently seen first; every filter narrows."""
    query = sa.select(SocialAlert)
    if filters.statuses:
        query = query.where(col(SocialAlert.status).in_(filters.statuses))
    conditions = {
        col(SocialAlert.kind): filters.kind,
        col(SocialAlert.monitor_id): filters.monitor_id,
        col(SocialAlert.severity): filters.severity,
    }
    for column, value in conditions.items():
        if value is not None:
            query = query.where(column == value)
    last_seen = col(SocialAlert.last_seen_at)
    return paginate_by_time(session, query, SocialAlert, last_seen, limit=limit, cursor=cursor)


def acknowledge_alert(
    session: Session,
    *,
    alert_id: uuid.UUID,
    actor_user_id: uuid.UUID | None,
    owner_id: uuid.UUID | None = None,
    note: str | None = None,
) -> SocialAlert:
    """Someone is on it: open → acknowledged. The owner is ``owner_id``, else the current
    owner, else the caller. ConflictError unless the alert is open."""
    text = _optional_text(note, "note")
    alert = _locked(session, alert_id)
    if alert.status is not AlertStatus.OPEN:
        raise ConflictError(f"the alert is already {alert.status.value}")
    now = utcnow()
    alert.owner_id = _owner(session, owner_id, alert, actor_user_id)
    alert.status, alert.acknowledged_at = AlertStatus.ACKNOWLEDGED, now
    _append(alert, now, actor_user_id, "acknowledged", text)
    session.flush()
    return alert


def resolve_alert(
    session: Session,
    *,
    alert_id: uuid.UUID,
    actor_user_id: uuid.UUID | None,
    note: str,
    owner_id: uuid.UUID | None = None,
) -> SocialAlert:
    """The storm is over, with a note saying how it ended: open or acknowledged → resolved.
    The detector raises a new alert if it starts again. ConflictError if already resolved."""
    text = required_text(note, "note")
    alert = _locked(session, alert_id)
    if alert.status is AlertStatus.RESOLVED:
        raise ConflictError("the alert is already resolved")
    now = utcnow()
    alert.owner_id = _owner(session, owner_id, alert, actor_user_id)
    alert.status, alert.resolved_at = AlertStatus.RESOLVED, now
    _append(alert, now, actor_user_id, "resolved", text)
    session.flush()
    return alert


def add_alert_note(
    session: Session, *, alert_id: uuid.UUID, actor_user_id: uuid.UUID | None, text: str
) -> SocialAlert:
    """Append a note (resolved alerts too: what was learnt afterwards belongs there)."""
    body = required_text(text, "text")
    alert = _locked(session, alert_id)
    _append(alert, utcnow(), actor_user_id, "note", body)
    session.flush()
    return alert


def assign_alert_owner(
    session: Session,
    *,
    alert_id: uuid.UUID,
    owner_id: uuid.UUID | None,
    actor_user_id: uuid.UUID | None,
) -> SocialAlert:
    """Give the alert to a user of this tenant (None: nobody); recorded in its notes."""
    alert = _locked(session, alert_id)
    if owner_id is not None:
        get_referenced(session, User, owner_id, field="owner_id", noun="user")
    if owner_id != alert.owner_id:
        alert.owner_id = owner_id
        text = f"owner: {owner_id}" if owner_id else "owner: nobody"
        _append(alert, utcnow(), actor_user_id, "owner_changed", text)
        session.flush()
    return alert


def _locked(session: Session, alert_id: uuid.UUID) -> SocialAlert:
    alert = get_alert(session, alert_id=alert_id)
    session.refresh(alert, with_for_update=True)
    return alert


def _owner(
    session: Session,
    owner_id: uuid.UUID | None,
    alert: SocialAlert,
    actor_user_id: uuid.UUID | None,
) -> uuid.UUID | None:
    if owner_id is not None:
        get_referenced(session, User, owner_id, field="owner_id", noun="user")
        return owner_id
    return alert.owner_id or actor_user_id


def _append(
    alert: SocialAlert, at: datetime, author_id: uuid.UUID | None, action: str, text: str
) -> None:
    """A new list, so the JSON column is seen as changed; the oldest entries go past 500."""
    entry: dict[str, Any] = {
        "at": at.isoformat(),
        "author_id": str(author_id) if author_id else None,
        "text": text,
        "action": action,
    }
    alert.notes = [*alert.notes, entry][-MAX_NOTES:]


def _optional_text(text: str | None, field: str) -> str:
    return required_text(text, field) if text is not None else ""
