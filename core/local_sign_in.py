"""Signing in with an e-mail address and password: the fallback when a tenant has no SSO.

Guessing is bounded two ways: an account locks after ``MAX_FAILURES`` wrong passwords in a
row (for ``LOCKOUT``), and one address may fail at most ``IP_MAX_FAILURES`` times per
``IP_WINDOW`` against a tenant, counted from the audit log, which every attempt writes to.
Failures return an outcome rather than raise, so the caller commits their record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, select

from core import audit, passwords
from core.clock import utcnow
from core.models.audit import AuditEntry
from core.models.credential import LocalCredential
from core.models.user import User

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
IP_MAX_FAILURES = 20
IP_WINDOW = timedelta(minutes=15)
FAILED = "signin.failed"


@dataclass(frozen=True, slots=True)
class SignInOutcome:
    """A signed-in user, or why not (``retry_after`` seconds when throttled or locked)."""

    user: User | None
    failure: str | None = None
    retry_after: int | None = None


def sign_in(session: Session, *, email: str, password: str) -> SignInOutcome:
    """Check a password for the session's tenant; every attempt is audited (no commit)."""
    actor = audit.session_actor(session)
    address = email.strip().lower()
    throttle = _address_throttle(session, actor.ip)
    if throttle:
        _failed(session, address, "too many attempts from this address", user=None)
        return SignInOutcome(None, "too many attempts; try again later", throttle)
    user = session.execute(select(User).where(col(User.email) == address)).scalar_one_or_none()
    credential = _credential(session, user.id) if user else None
    if user is None or credential is None or not user.active:
        passwords.spend_verification_time()
        reason = "inactive account" if user and not user.active else "unknown account"
        _failed(session, address, reason, user=user)
        return SignInOutcome(None, "wrong e-mail address or password")
    now = utcnow()
    if credential.locked_until and credential.locked_until > now:
        _failed(session, address, "account locked", user=user)
        wait = int((credential.locked_until - now).total_seconds()) + 1
        return SignInOutcome(None, "this account is locked after repeated failures", wait)
    if not passwords.verify_password(credential.password_hash, password):
        credential.failed_attempts += 1
        _failed(session, address, "wrong password", user=user)
        if credential.failed_attempts >= MAX_FAILURES:
            credential.locked_until = now + LOCKOUT
            credential.failed_attempts = 0
            audit.record(
                session,
                action="account.locked",
                target_type="user",
                target_id=user.id,
                detail={"email": address, "minutes": int(LOCKOUT.total_seconds() // 60)},
            )
        return SignInOutcome(None, "wrong e-mail address or password")
    credential.failed_attempts = 0
    credential.locked_until = None
    if passwords.needs_rehash(credential.password_hash):
        credential.password_hash = passwords.hash_password(password)
    audit.record(
        session,
        action="signin.succeeded",
        actor=_as_user(actor, user),
        target_type="user",
        target_id=user.id,
        detail={"method": "password"},
    )
    return SignInOutcome(user)


def set_password(session: Session, *, user: User, password: str) -> None:
    """Give ``user`` this password (policy-checked), clearing any lockout (no commit)."""
    passwords.check_policy(password, email=user.email)
    credential = _credential(session, user.id)
    hashed = passwords.hash_password(password)
    if credential is None:
        session.add(LocalCredential(user_id=user.id, password_hash=hashed, changed_at=utcnow()))
    else:
        credential.password_hash = hashed
        credential.failed_attempts = 0
        credential.locked_until = None
        credential.changed_at = utcnow()
    session.flush()


def unlock(session: Session, *, user_id: uuid.UUID) -> None:
    """Lift a lockout before it ends (an admin's call; audited, no commit)."""
    credential = _credential(session, user_id)
    if credential is not None:
        credential.locked_until = None
        credential.failed_attempts = 0
    audit.record(session, action="account.unlocked", target_type="user", target_id=user_id)


def _credential(session: Session, user_id: uuid.UUID) -> LocalCredential | None:
    return session.execute(
        select(LocalCredential).where(col(LocalCredential.user_id) == user_id)
    ).scalar_one_or_none()


def _address_throttle(session: Session, ip: str | None) -> int | None:
    """Seconds to wait when this address has failed too often lately, else None."""
    if not ip:
        return None
    since = utcnow() - IP_WINDOW
    failures = session.execute(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(
            col(AuditEntry.action) == FAILED,
            col(AuditEntry.ip) == ip,
            col(AuditEntry.at) >= since,
        )
    ).scalar_one()
    return int(IP_WINDOW.total_seconds()) if failures >= IP_MAX_FAILURES else None


def _failed(session: Session, address: str, reason: str, *, user: User | None) -> None:
    audit.record(
        session,
        action=FAILED,
        outcome="failure",
        target_type="user" if user else None,
        target_id=user.id if user else None,
        detail={"method": "password", "email": address, "reason": reason},
    )


def _as_user(actor: audit.AuditActor, user: User) -> audit.AuditActor:
    return audit.AuditActor(
        user_id=user.id, label=user.email, ip=actor.ip, user_agent=actor.user_agent
    )
