"""A major incident goes to leadership at once (D16): executives, supervisors and admins
are mailed when an incident opens as major, or becomes major."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core import outbox
from core.lookup import get_by_id
from core.models.social_alert import Incident, IncidentSeverity
from core.models.user import Role, User

NOTIFY_LEADERSHIP_ACTOR = "notify_leadership"
LEADERSHIP = (Role.EXECUTIVE, Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class LeadershipNotice:
    subject: str
    text: str
    recipients: tuple[str, ...]


def escalate_if_major(
    session: Session, incident: Incident, *, was: IncidentSeverity | None = None
) -> bool:
    """Queue the leadership notice if the incident is major and was not before (no commit)."""
    now_major = IncidentSeverity(incident.severity) is IncidentSeverity.MAJOR
    if not now_major or (was is not None and IncidentSeverity(was) is IncidentSeverity.MAJOR):
        return False
    outbox.enqueue(
        session, actor=NOTIFY_LEADERSHIP_ACTOR, payload={"incident_id": str(incident.id)}
    )
    return True


def leadership_notice(session: Session, *, incident_id: uuid.UUID) -> LeadershipNotice:
    incident = get_by_id(session, Incident, incident_id, noun="incident")
    users = session.execute(
        sa.select(col(User.email), col(User.roles))
        .where(col(User.active).is_(True))
        .order_by(col(User.email))
    ).all()
    recipients = tuple(email for email, roles in users if any(r in roles for r in LEADERSHIP))
    subject = f"[MAJOR INCIDENT] {incident.title}"[:300]
    text = (
        f"A major incident was opened: {incident.title}\n\n{incident.summary or ''}\n\n"
        f"Opened {incident.created_at.isoformat()}; status {incident.status.value}.\n"
    )
    return LeadershipNotice(subject, text, recipients)
