"""A tenant's OpenID Connect identity provider, and which of its subjects is which user."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import JSONType, UTCDateTime


class IdentityProvider(TenantOwned, table=True):
    """Single sign-on settings: where the provider is, who we are to it, how claims map to roles."""

    __tablename__ = "identity_provider"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "key"),)

    key: str = Field(max_length=63, description="URL segment: /auth/{tenant}/oidc/{key}/...")
    display_name: str = Field(max_length=100)
    issuer: str = Field(max_length=500)
    discovery_url: str | None = Field(default=None, max_length=500)
    client_id: str = Field(max_length=255)
    client_secret: str = Field(max_length=500, description="write-only through the API")
    scopes: list[str] = Field(default_factory=list, sa_type=JSONType)
    role_claim: str = Field(default="groups", max_length=100)
    role_map: dict[str, list[str]] = Field(default_factory=dict, sa_type=JSONType)
    email_claim: str = Field(default="email", max_length=100)
    auto_provision: bool = Field(default=True)
    enabled: bool = Field(default=True)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserIdentity(TenantOwned, table=True):
    """A provider's subject linked to a user; the stable key, unlike e-mail addresses."""

    __tablename__ = "user_identity"
    __table_args__ = (
        tenant_fk("user_id", "user", ondelete="CASCADE"),
        tenant_fk("provider_id", "identity_provider", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "provider_id", "subject"),
    )

    user_id: uuid.UUID
    provider_id: uuid.UUID
    subject: str = Field(max_length=255)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
