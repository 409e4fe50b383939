"""Who a verified OpenID Connect login is: the user, their roles from the provider's claims.

The provider is the source of truth for roles of users who sign in through it: each login
sets the user's roles to what the claim maps to (an audited change when it differs), so a
person removed from a group at the provider loses the role at their next sign-in. A login
whose claims map to no role is refused (nobody gets in with no defined permissions), and a
known user who arrives so loses all roles and open sessions at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from sqlmodel import col, select

from core import audit, browser_sessions, users
from core.clock import utcnow
from core.errors import ConflictError, InvalidInputError
from core.models.identity_provider import IdentityProvider, UserIdentity
from core.models.user import Role, User


@dataclass(frozen=True, slots=True)
class SsoOutcome:
    user: User | None
    failure: str | None = None


def mapped_roles(provider: IdentityProvider, claims: dict[str, Any]) -> list[Role]:
    """The roles the provider's claim grants, in the matrix's order; unknown values grant none."""
    raw = claims.get(provider.role_claim)
    values: Iterable[Any] = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    granted: set[Role] = set()
    for value in values:
        for name in provider.role_map.get(str(value), []):
            try:
                granted.add(Role(name))
            except ValueError:
                continue
    return [role for role in Role if role in granted]


def sign_in(session: Session, *, provider: IdentityProvider, claims: dict[str, Any]) -> SsoOutcome:
    """Find, link or create the user for these verified claims (audited, no commit)."""
    method = f"oidc:{provider.key}"
    subject = str(claims["sub"])
    email = claims.get(provider.email_claim)
    roles = mapped_roles(provider, claims)
    identity = session.execute(
        select(UserIdentity).where(
            col(UserIdentity.provider_id) == provider.id, col(UserIdentity.subject) == subject
        )
    ).scalar_one_or_none()
    user = session.get(User, (provider.tenant_id, identity.user_id)) if identity else None
    if not roles:
        if user is not None and user.roles:  # removed from every group: loses every role now
            users.update_user(session, user_id=user.id, changes={"roles": []})
            browser_sessions.revoke_all(session, user_id=user.id)
        return _refused(session, "your account has no role in Switchboard", method, subject, email)
    if user is None:
        if not isinstance(email, str) or claims.get("email_verified") is False:
            return _refused(session, "the provider sent no verified e-mail", method, subject, email)
        user = session.execute(
            select(User).where(col(User.email) == email.strip().lower())
        ).scalar_one_or_none()
        if user is None and not provider.auto_provision:
            return _refused(
                session, "no Switchboard account for this person", method, subject, email
            )
        if user is None:
            try:
                user = users.create_user(
                    session, email=email, name=str(claims.get("name") or email), roles=roles
                )
            except (ConflictError, InvalidInputError) as exc:
                return _refused(session, exc.detail, method, subject, email)
        identity = UserIdentity(user_id=user.id, provider_id=provider.id, subject=subject)
        session.add(identity)
    if not user.active:
        return _refused(session, "this account is deactivated", method, subject, email)
    if user.roles != [r.value for r in roles]:
        users.update_user(session, user_id=user.id, changes={"roles": roles})
    if identity is not None:
        identity.last_login_at = utcnow()
    actor = audit.session_actor(session)
    audit.record(
        session,
        action="signin.succeeded",
        actor=audit.AuditActor(
            user_id=user.id, label=user.email, ip=actor.ip, user_agent=actor.user_agent
        ),
        target_type="user",
        target_id=user.id,
        detail={"method": method, "subject": subject},
    )
    session.flush()
    return SsoOutcome(user)


def _refused(
    session: Session, reason: str, method: str, subject: str | None, email: Any
) -> SsoOutcome:
    audit.record(
        session,
        action="signin.failed",
        outcome="failure",
        detail={
            "method": method,
            "reason": reason,
            "subject": subject,
            "email": email if isinstance(email, str) else None,
        },
    )
    return SsoOutcome(None, reason)


def refuse(session: Session, *, provider: IdentityProvider, reason: str) -> None:
    """Audit a login the protocol checks refused (bad token, wrong state; no commit)."""
    _refused(session, reason, f"oidc:{provider.key}", None, None)
