"""Writing and reading the audit log.

Entries are written in the transaction of the change they record, so a rolled-back change
leaves no entry and a committed one always has its entry. Who is acting comes from the
session (``bind_actor``, done once per request by the API), not from every caller.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlmodel import col, select

from core.clock import utcnow
from core.models.audit import AuditEntry
from core.pagination import Page, paginate_by_time

ACTOR_KEY = "audit_actor"


@dataclass(frozen=True, slots=True)
class AuditActor:
    """Who a session acts for, and from where."""

    user_id: uuid.UUID | None = None
    key_id: uuid.UUID | None = None
    label: str | None = None
    ip: str | None = None
    user_agent: str | None = None


SYSTEM_ACTOR = AuditActor(label="system")


def bind_actor(session: Session, actor: AuditActor) -> None:
    """Entries this session records are attributed to ``actor``."""
    session.info[ACTOR_KEY] = actor


def session_actor(session: Session) -> AuditActor:
    actor = session.info.get(ACTOR_KEY)
    return actor if isinstance(actor, AuditActor) else SYSTEM_ACTOR


def record(
    session: Session,
    *,
    action: str,
    outcome: str = "success",
    target_type: str | None = None,
    target_id: uuid.UUID | str | None = None,
    detail: dict[str, Any] | None = None,
    actor: AuditActor | None = None,
    tenant_id: uuid.UUID | None = None,
) -> AuditEntry:
    """Append one entry (no commit); ``tenant_id`` only for system sessions (sign-in)."""
    who = actor or session_actor(session)
    entry = AuditEntry(
        action=action,
        outcome=outcome,
        actor_user_id=who.user_id,
        actor_key_id=who.key_id,
        actor_label=who.label,
        ip=who.ip,
        user_agent=(who.user_agent or "")[:300] or None,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        detail=detail or {},
        at=utcnow(),
    )
    if tenant_id is not None:
        entry.tenant_id = tenant_id
    session.add(entry)
    return entry


def list_entries(
    session: Session,
    *,
    action: str | None = None,
    actor_user_id: uuid.UUID | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    limit: int,
    cursor: str | None,
) -> Page[AuditEntry]:
    """Newest first; ``action`` matches a prefix (``signin.`` for every sign-in entry)."""
    query = select(AuditEntry)
    if action:
        query = query.where(col(AuditEntry.action).startswith(action, autoescape=True))
    if actor_user_id:
        query = query.where(col(AuditEntry.actor_user_id) == actor_user_id)
    if outcome:
        query = query.where(col(AuditEntry.outcome) == outcome)
    if since:
        query = query.where(col(AuditEntry.at) >= since)
    return paginate_by_time(session, query, AuditEntry, AuditEntry.at, limit=limit, cursor=cursor)
