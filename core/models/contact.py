"""Customers (D8) and the identities that make one person one contact across channels (D9)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import JSONType, UTCDateTime, enum_type


class ValueTier(enum.StrEnum):
    """Customer value grades (D8); higher tiers get priority and stricter standards."""

    STANDARD = "standard"
    SILVER = "silver"
    GOLD = "gold"
    DIAMOND = "diamond"
    VIP = "vip"

    @property
    def rank(self) -> int:
        return list(ValueTier).index(self)


class IdentityKind(enum.StrEnum):
    PHONE = "phone"  # E.164
    EMAIL = "email"  # lower-cased
    SOCIAL = "social"  # network:handle, lower-cased
    WEB = "web"  # web visitor id


class Contact(TenantOwned, table=True):
    """A customer; merged_into_id points at the survivor after a merge."""

    __table_args__ = (
        tenant_fk("merged_into_id", "contact"),
        sa.Index("ix_contact_tenant_name", "tenant_id", "name"),
    )

    name: str = Field(default="", max_length=200)
    value_tier: ValueTier = Field(default=ValueTier.STANDARD, sa_type=enum_type(ValueTier))
    segment: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=16)
    attributes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    merged_into_id: uuid.UUID | None = Field(default=None)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ContactIdentity(TenantOwned, table=True):
    """One address a contact is reached at; unique per tenant so it resolves to one person."""

    __tablename__ = "contact_identity"
    __table_args__ = (
        tenant_fk("contact_id", "contact"),
        sa.UniqueConstraint("tenant_id", "kind", "value"),
        sa.Index("ix_contact_identity_contact", "tenant_id", "contact_id"),
    )

    contact_id: uuid.UUID
    kind: IdentityKind = Field(sa_type=enum_type(IdentityKind))
    value: str = Field(max_length=320, description="normalised form used for lookup")
    display: str | None = Field(
        default=None, max_length=320, description="as the customer wrote it"
    )
    verified: bool = Field(default=False)
