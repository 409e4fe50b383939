"""Access control on the wire: API tokens, identity providers, the audit log, the caller."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import INPUT_CONFIG, OUTPUT_CONFIG, Name, patch_field

Url = Annotated[str, StringConstraints(min_length=8, max_length=500, pattern=r"^https?://\S+$")]
Claim = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00]*$")]
ProviderKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
Scope = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z_:@]+$")]


class ApiTokenCreate(BaseModel):
    model_config = INPUT_CONFIG

    name: Name
    scopes: list[Scope] = Field(
        min_length=1, max_length=200, description="permission actions, e.g. conversations:read"
    )
    expires_at: datetime | None = None


class ApiTokenOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    name: str
    prefix: str = Field(description="the token's first characters, to tell tokens apart")
    scopes: list[str]
    created_by_id: uuid.UUID | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class IssuedApiTokenOut(ApiTokenOut):
    token: str = Field(description="the secret; shown this once, stored only as a hash")


class IdentityProviderCreate(BaseModel):
    model_config = INPUT_CONFIG

    key: ProviderKey = Field(description="URL segment of the sign-in links")
    display_name: Name
    issuer: Url
    discovery_url: Url | None = Field(
        default=None, description="default: the issuer's /.well-known/openid-configuration"
    )
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    client_secret: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="write-only"
    )
    scopes: list[Claim] = Field(default_factory=lambda: ["openid", "email", "profile"])
    role_claim: Claim = "groups"
    role_map: dict[Claim, list[str]] = Field(
        default_factory=dict,
        max_length=200,
        description="claim value → roles; a login whose claims map to no role is refused",
    )
    email_claim: Claim = "email"
    auto_provision: bool = Field(
        default=True, description="create a user on first sign-in when none has the e-mail"
    )
    enabled: bool = True


class IdentityProviderUpdate(BaseModel):
    model_config = INPUT_CONFIG

    display_name: Name = patch_field()
    issuer: Url = patch_field()
    discovery_url: Url | None = None
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=255)] = patch_field()
    client_secret: Annotated[str, StringConstraints(min_length=1, max_length=500)] = patch_field()
    scopes: list[Claim] = patch_field()
    role_claim: Claim = patch_field()
    role_map: dict[Claim, list[str]] = patch_field(max_length=200)
    email_claim: Claim = patch_field()
    auto_provision: bool = patch_field()
    enabled: bool = patch_field()

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class IdentityProviderOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    key: str
    display_name: str
    issuer: str
    discovery_url: str | None
    client_id: str
    scopes: list[str]
    role_claim: str
    role_map: dict[str, list[str]]
    email_claim: str
    auto_provision: bool
    enabled: bool
    created_at: datetime
    updated_at: datetime | None
    sign_in_path: str = Field(description="where a user of this tenant starts signing in")
    redirect_path: str = Field(description="register this path, on our URL, at the provider")


class AuditEntryOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    at: datetime
    action: str
    outcome: str
    actor_user_id: uuid.UUID | None
    actor_key_id: uuid.UUID | None
    actor_label: str | None
    target_type: str | None
    target_id: str | None
    ip: str | None
    user_agent: str | None
    detail: dict[str, Any]


class MeOut(BaseModel):
    tenant_id: uuid.UUID
    tenant_slug: str
    user_id: uuid.UUID | None
    token_id: uuid.UUID | None
    label: str | None
    roles: list[str]
    permissions: list[str]
    csrf_token: str | None = Field(
        description="send as X-CSRF-Token on changes made with the session cookie"
    )
