"""Queues (teams): where conversations wait for an agent of the right tier and skills."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import JSONType, enum_type
from core.models.user import Tier


class Queue(TenantOwned, table=True):
    """A team's work queue within an org unit."""

    __table_args__ = (
        tenant_fk("org_unit_id", "org_unit"),
        tenant_fk("calendar_id", "business_calendar"),
        sa.UniqueConstraint("tenant_id", "name"),
    )

    name: str = Field(max_length=100)
    org_unit_id: uuid.UUID | None = Field(default=None)
    tier: Tier = Field(default=Tier.L1, sa_type=enum_type(Tier))
    channels: list[str] = Field(default_factory=list, sa_type=JSONType)
    required_skills: dict[str, int] = Field(default_factory=dict, sa_type=JSONType)
    service_level_seconds: int = Field(default=20, description="answer-within threshold")
    active: bool = Field(default=True)
    agent_capacity: dict[str, int] = Field(
        default_factory=dict,
        sa_type=JSONType,
        description="per-channel cap on an agent's load while taking work from this queue",
    )
    calendar_id: uuid.UUID | None = Field(default=None, description="business hours; else tenant's")
