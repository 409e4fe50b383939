"""Local sign-in: a user's password (argon2) with its lockout counters, and reset tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import UTCDateTime


class LocalCredential(TenantOwned, table=True):
    """The fallback to single sign-on; one per user who may sign in with a password."""

    __tablename__ = "local_credential"
    __table_args__ = (
        tenant_fk("user_id", "user", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "user_id"),
    )

    user_id: uuid.UUID
    password_hash: str = Field(max_length=255, description="argon2id, in PHC string format")
    failed_attempts: int = Field(
        default=0, description="consecutive failures since the last success"
    )
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    changed_at: datetime = Field(sa_type=UTCDateTime)


class PasswordReset(TenantOwned, table=True):
    """A single-use reset link's token, stored as SHA-256 (the link itself is only mailed)."""

    __tablename__ = "password_reset"
    __table_args__ = (tenant_fk("user_id", "user", ondelete="CASCADE"),)

    user_id: uuid.UUID
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
