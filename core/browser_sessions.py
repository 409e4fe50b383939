"""Server-side browser sessions: start on sign-in, resolve per request, end on sign-out.

The cookie carries 256 random bits; the table keeps only their SHA-256, so a copy of the
database does not sign anyone in. Each sign-in makes a new token (rotation: a token planted
before sign-in is worthless after), and each session has its own CSRF token.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.db import session_tenant
from core.models.browser_session import BrowserSession
from core.models.user import User
from core.token_digest import digest

TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class StartedSession:
    id: uuid.UUID
    token: str  # the cookie value; the only time it exists in plain
    csrf_token: str


@dataclass(frozen=True, slots=True)
class ActiveSession:
    """What a request needs to know about the signed-in user."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    email: str
    roles: tuple[str, ...]
    csrf_token: str
    method: str


def start(
    session: Session,
    *,
    user: User,
    method: str,
    absolute: timedelta,
    ip: str | None,
    user_agent: str | None,
    id_token: str | None = None,
    replaces: str | None = None,
) -> StartedSession:
    """A new session for ``user`` (no commit); ``replaces`` is the cookie the browser had."""
    if replaces:
        session.execute(
            sa.update(BrowserSession)
            .where(col(BrowserSession.token_hash) == digest(replaces))
            .values(revoked_at=utcnow())
        )
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utcnow()
    row = BrowserSession(
        tenant_id=session_tenant(session),
        user_id=user.id,
        token_hash=digest(token),
        csrf_token=csrf,
        method=method,
        id_token=id_token,
        ip=ip,
        user_agent=(user_agent or "")[:300] or None,
        last_seen_at=now,
        expires_at=now + absolute,
    )
    session.add(row)
    session.flush()
    return StartedSession(id=row.id, token=token, csrf_token=csrf)


def resolve(session: Session, *, token: str, idle: timedelta) -> ActiveSession | None:
    """The live session behind a cookie (system session: the tenant is what we learn here).

    None when unknown, revoked, expired, idle too long, or its user is inactive. Records
    activity at most once a minute, so reads stay reads.
    """
    now = utcnow()
    row = session.execute(
        sa.select(BrowserSession, User)
        .join(
            User,
            sa.and_(
                col(User.tenant_id) == col(BrowserSession.tenant_id),
                col(User.id) == col(BrowserSession.user_id),
            ),
        )
        .where(col(BrowserSession.token_hash) == digest(token))
    ).first()
    if row is None:
        return None
    browser, user = row
    if (
        browser.revoked_at is not None
        or browser.expires_at <= now
        or browser.last_seen_at + idle <= now
        or not user.active
    ):
        return None
    if now - browser.last_seen_at >= TOUCH_EVERY:
        browser.last_seen_at = now
    return ActiveSession(
        id=browser.id,
        tenant_id=browser.tenant_id,
        user_id=user.id,
        email=user.email,
        roles=tuple(user.roles),
        csrf_token=browser.csrf_token,
        method=browser.method,
    )


def end(session: Session, *, token: str) -> BrowserSession | None:
    """Revoke the session behind a cookie (no commit); the row, for its logout hint."""
    browser = session.execute(
        sa.select(BrowserSession).where(col(BrowserSession.token_hash) == digest(token))
    ).scalar_one_or_none()
    if browser is not None and browser.revoked_at is None:
        browser.revoked_at = utcnow()
        session.flush()
    return browser


def revoke_all(session: Session, *, user_id: uuid.UUID) -> int:
    """End every live session of a user (password reset, lockout by an admin); how many."""
    result = session.execute(
        sa.update(BrowserSession)
        .where(col(BrowserSession.user_id) == user_id, col(BrowserSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
