"""Per-tenant API keys: random tokens, shown once, stored as SHA-256.

Keys carry 256 bits of randomness, so a fast hash is the right tool (as for GitHub tokens); a
slow password hash would only add latency to every request.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.db import session_tenant
from core.models.tenant import ApiKey

KEY_PREFIX = "sb_"


@dataclass(frozen=True, slots=True)
class IssuedKey:
    id: uuid.UUID
    secret: str  # the only time the plain key exists


@dataclass(frozen=True, slots=True)
class KeyOwner:
    tenant_id: uuid.UUID
    key_id: uuid.UUID


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_key(session: Session, *, name: str) -> IssuedKey:
    """A new key for the session's tenant (no commit)."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        tenant_id=session_tenant(session),
        name=name,
        prefix=secret[:10],
        key_hash=hash_key(secret),
    )
    session.add(key)
    session.flush()
    return IssuedKey(id=key.id, secret=secret)


def authenticate(session: Session, secret: str) -> KeyOwner | None:
    """Whose key this is (system session: the tenant is what we are finding out), or None."""
    row = session.execute(
        sa.select(col(ApiKey.tenant_id), col(ApiKey.id)).where(
            col(ApiKey.key_hash) == hash_key(secret),
            col(ApiKey.revoked_at).is_(None),
        )
    ).first()
    return KeyOwner(tenant_id=row[0], key_id=row[1]) if row else None


def touch(session: Session, key_id: uuid.UUID) -> None:
    """Record use, at most about once a minute per key to keep writes off the hot path."""
    now = utcnow()
    session.execute(
        sa.update(ApiKey)
        .where(
            col(ApiKey.id) == key_id,
            sa.or_(
                col(ApiKey.last_used_at).is_(None),
                col(ApiKey.last_used_at) < now.replace(second=0, microsecond=0),
            ),
        )
        .values(last_used_at=now)
    )
