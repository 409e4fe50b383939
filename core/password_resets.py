"""Password reset by e-mailed link: request, token, reset.

The token is made by the worker that mails it, never stored in plain (only its SHA-256),
and works once, within ``password_reset_minutes``. Requests answer the same whether or not
the address has an account, so the form does not tell who works here.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, select

from core import audit, browser_sessions, outbox
from core.clock import utcnow
from core.db import session_tenant
from core.errors import FieldProblem, InvalidInputError
from core.local_sign_in import set_password
from core.models.credential import PasswordReset
from core.models.user import User
from core.token_digest import digest

SEND_RESET_ACTOR = "send_password_reset"
MAX_PER_HOUR = 3


@dataclass(frozen=True, slots=True)
class IssuedReset:
    email: str
    name: str
    token: str  # the only time the plain token exists


def request_reset(session: Session, *, email: str) -> None:
    """Queue a reset mail for an active user with this address; silent otherwise (no commit)."""
    address = email.strip().lower()
    user = session.execute(select(User).where(col(User.email) == address)).scalar_one_or_none()
    if user is None or not user.active:
        audit.record(
            session,
            action="password.reset_requested",
            outcome="failure",
            detail={"email": address, "reason": "no active account"},
        )
        return
    since = utcnow() - timedelta(hours=1)
    recent = session.execute(
        sa.select(sa.func.count())
        .select_from(PasswordReset)
        .where(col(PasswordReset.user_id) == user.id, col(PasswordReset.created_at) >= since)
    ).scalar_one()
    if recent >= MAX_PER_HOUR:
        audit.record(
            session,
            action="password.reset_requested",
            outcome="failure",
            target_type="user",
            target_id=user.id,
            detail={"email": address, "reason": "too many requests"},
        )
        return
    outbox.enqueue(session, actor=SEND_RESET_ACTOR, payload={"user_id": str(user.id)})
    audit.record(
        session,
        action="password.reset_requested",
        target_type="user",
        target_id=user.id,
        detail={"email": address},
    )


def issue_token(session: Session, *, user_id: uuid.UUID, valid_minutes: int) -> IssuedReset | None:
    """A fresh token for an active user (no commit), or None if the user is gone or inactive."""
    user = session.get(User, (session_tenant(session), user_id))
    if user is None or not user.active:
        return None
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=digest(token),
            expires_at=utcnow() + timedelta(minutes=valid_minutes),
        )
    )
    session.flush()
    return IssuedReset(email=user.email, name=user.name, token=token)


def reset_password(session: Session, *, token: str, password: str) -> User:
    """Set the password the link was for, end the user's sessions (no commit).

    InvalidInputError on ``token`` when it is unknown, used or expired; on ``password`` when
    the policy refuses it (the token stays usable then).
    """
    reset = session.execute(
        select(PasswordReset).where(col(PasswordReset.token_hash) == digest(token))
    ).scalar_one_or_none()
    now = utcnow()
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise InvalidInputError(
            "reset link not valid", [FieldProblem("token", "unknown, used or expired")]
        )
    user = session.get(User, (reset.tenant_id, reset.user_id))
    if user is None or not user.active:
        raise InvalidInputError("reset link not valid", [FieldProblem("token", "no account")])
    set_password(session, user=user, password=password)
    reset.used_at = now
    ended = browser_sessions.revoke_all(session, user_id=user.id)
    audit.record(
        session,
        action="password.reset",
        target_type="user",
        target_id=user.id,
        detail={"email": user.email, "sessions_ended": ended},
    )
    return user


def is_usable(session: Session, *, token: str) -> bool:
    """Whether the link can still be used (to show the form or say it expired)."""
    reset = session.execute(
        select(PasswordReset).where(col(PasswordReset.token_hash) == digest(token))
    ).scalar_one_or_none()
    return reset is not None and reset.used_at is None and reset.expires_at > utcnow()
