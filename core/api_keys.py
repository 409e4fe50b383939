"""API tokens for integrations: random, shown once, stored as SHA-256, scoped, revocable.

A token's scopes are permission actions. A token a user issued can never do more than its
issuer can do now: demoting or deactivating the issuer narrows or kills their tokens too.
Tokens issued from the command line (the platform operator's) have only their scopes.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, select

from core import audit
from core.clock import utcnow
from core.db import session_tenant
from core.errors import FieldProblem, InvalidInputError, PermissionDeniedError
from core.lookup import get_by_id
from core.models.tenant import ApiKey
from core.models.user import User
from core.pagination import Page, paginate
from core.permissions import Action, permissions_for, unknown_scopes
from core.token_digest import digest

KEY_PREFIX = "sb_"
ALL_SCOPES: tuple[str, ...] = tuple(a.value for a in Action)


@dataclass(frozen=True, slots=True)
class IssuedKey:
    id: uuid.UUID
    secret: str  # the only time the plain key exists


@dataclass(frozen=True, slots=True)
class KeyOwner:
    tenant_id: uuid.UUID
    key_id: uuid.UUID
    name: str
    permissions: frozenset[str]
    first_use_this_minute: bool


def hash_key(secret: str) -> str:
    return digest(secret)


def issue_key(
    session: Session,
    *,
    name: str,
    scopes: Sequence[str] = ALL_SCOPES,
    issuer: User | None = None,
    issuer_permissions: frozenset[str] | None = None,
    expires_at: datetime | None = None,
) -> IssuedKey:
    """A new token for the session's tenant (audited, no commit).

    InvalidInputError for unknown scopes or a past expiry; PermissionDeniedError when the
    issuer asks for scopes their roles do not have.
    """
    unknown = unknown_scopes(scopes)
    if unknown or not scopes:
        problem = f"unknown scopes: {', '.join(unknown)}" if unknown else "name at least one"
        raise InvalidInputError("invalid scopes", [FieldProblem("scopes", problem)])
    if issuer_permissions is not None and not set(scopes) <= issuer_permissions:
        beyond = sorted(set(scopes) - issuer_permissions)
        raise PermissionDeniedError(f"you cannot grant scopes you do not have: {beyond}")
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidInputError("invalid expiry", [FieldProblem("expires_at", "in the past")])
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        tenant_id=session_tenant(session),
        name=name,
        prefix=secret[:10],
        key_hash=hash_key(secret),
        scopes=sorted(set(scopes)),
        created_by_id=issuer.id if issuer else None,
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        action="api_token.created",
        target_type="api_token",
        target_id=key.id,
        detail={"name": name, "scopes": key.scopes, "prefix": key.prefix},
    )
    return IssuedKey(id=key.id, secret=secret)


def authenticate(session: Session, secret: str) -> KeyOwner | None:
    """Whose live token this is, with what it may do (system session), or None.

    Records use at most about once a minute per token, to keep writes off the hot path.
    """
    row = session.execute(
        sa.select(ApiKey, User)
        .outerjoin(
            User,
            sa.and_(
                col(User.tenant_id) == col(ApiKey.tenant_id),
                col(User.id) == col(ApiKey.created_by_id),
            ),
        )
        .where(col(ApiKey.key_hash) == hash_key(secret))
    ).first()
    if row is None:
        return None
    key, issuer = row
    now = utcnow()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    granted = frozenset(key.scopes)
    if key.created_by_id is not None:
        granted &= permissions_for(issuer.roles) if issuer and issuer.active else frozenset()
    minute = now.replace(second=0, microsecond=0)
    first_use = key.last_used_at is None or key.last_used_at < minute
    if first_use:
        key.last_used_at = now
    return KeyOwner(
        tenant_id=key.tenant_id,
        key_id=key.id,
        name=key.name,
        permissions=granted,
        first_use_this_minute=first_use,
    )


def list_keys(
    session: Session, *, include_revoked: bool, limit: int, cursor: str | None
) -> Page[ApiKey]:
    query = select(ApiKey)
    if not include_revoked:
        query = query.where(col(ApiKey.revoked_at).is_(None))
    return paginate(session, query, col(ApiKey.id), limit=limit, cursor=cursor)


def get_key(session: Session, *, key_id: uuid.UUID) -> ApiKey:
    return get_by_id(session, ApiKey, key_id, noun="api token")


def revoke_key(session: Session, *, key_id: uuid.UUID) -> ApiKey:
    """Revoke at once (idempotent, audited, no commit); NotFoundError for another tenant's."""
    key = get_key(session, key_id=key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(
            session,
            action="api_token.revoked",
            target_type="api_token",
            target_id=key.id,
            detail={"name": key.name, "prefix": key.prefix},
        )
    session.flush()
    return key
