"""Tenants (the companies sharing one Switchboard) and their API keys."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.ids import new_id
from core.models.base import TenantOwned
from core.models.types import JSONType, UTCDateTime


class Tenant(SQLModel, table=True):
    """A company using the platform; the root of all scoping."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    slug: str = Field(max_length=63, unique=True)
    name: str = Field(max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    locale: str = Field(default="en-US", max_length=16)
    conversation_seq: int = Field(default=0, description="last conversation reference number")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ApiKey(TenantOwned, table=True):
    """An integration token; only its SHA-256 is stored (keys are random, not passwords).

    ``scopes`` are permission actions (core.permissions); a token can do no more than they say.
    """

    __tablename__ = "api_key"

    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16, description="first characters, shown to tell keys apart")
    key_hash: str = Field(
        max_length=64,
        unique=True,
        description="globally unique: looked up before the tenant is known",
    )
    scopes: list[str] = Field(default_factory=list, sa_type=JSONType)
    created_by_id: uuid.UUID | None = Field(default=None, description="the user who issued it")
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
