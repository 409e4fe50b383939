"""A tenant's CPaaS account: the credentials that sign its webhooks and place its calls."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned


class VoiceAccount(TenantOwned, table=True):
    """One per tenant. ``auth_token`` checks X-Twilio-Signature on every voice webhook and
    authenticates REST calls (call-backs, bridging); ``api_base_url`` points the provider
    client elsewhere (another Twilio-compatible CPaaS, or a local server in tests)."""

    __tablename__ = "voice_account"
    __table_args__ = (sa.UniqueConstraint("tenant_id", name="uq_voice_account_tenant"),)

    account_sid: str = Field(max_length=64)
    auth_token: str = Field(max_length=200)
    api_base_url: str | None = Field(default=None, max_length=500)
    public_base_url: str | None = Field(
        default=None,
        max_length=500,
        description="the URL the provider reaches us at; the signature is computed over it",
    )
    caller_id: str | None = Field(default=None, max_length=32, description="E.164, outbound")
    active: bool = Field(default=True)
