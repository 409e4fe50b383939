"""Server-side browser sessions: the cookie holds a random token, the row holds the rest."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import UTCDateTime


class BrowserSession(TenantOwned, table=True):
    """One signed-in browser; revoking the row signs it out wherever the cookie is."""

    __tablename__ = "browser_session"
    __table_args__ = (
        tenant_fk("user_id", "user", ondelete="CASCADE"),
        sa.Index("ix_browser_session_user", "tenant_id", "user_id"),
    )

    user_id: uuid.UUID
    token_hash: str = Field(
        max_length=64, unique=True, description="SHA-256 of the cookie; looked up tenant-blind"
    )
    csrf_token: str = Field(max_length=64)
    method: str = Field(max_length=16, description="password or oidc:{provider key}")
    id_token: str | None = Field(default=None, sa_type=sa.Text, description="logout hint")
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
