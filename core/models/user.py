"""People who work in the contact center (D5) and their agent profile (D1, D6)."""

from __future__ import annotations

import enum
import uuid

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import JSONType, enum_type


class Role(enum.StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    TEAM_LEAD = "team_lead"
    AGENT = "agent"
    QA_INSPECTOR = "qa_inspector"
    SOCIAL_MONITOR = "social_monitor"
    EXECUTIVE = "executive"


class Tier(enum.StrEnum):
    """Service tiers (D1): basic front line, expert, back-office experts who take no calls."""

    L1 = "l1"
    L2 = "l2"
    L3 = "l3"


class User(TenantOwned, table=True):
    """A staff member; agents carry tier, languages and org unit, skills live in AgentSkill."""

    __table_args__ = (
        tenant_fk("org_unit_id", "org_unit"),
        sa.UniqueConstraint("tenant_id", "email"),
    )

    email: str = Field(max_length=254)
    name: str = Field(max_length=200)
    roles: list[str] = Field(default_factory=list, sa_type=JSONType)
    active: bool = Field(default=True)
    tier: Tier | None = Field(default=None, sa_type=enum_type(Tier))
    languages: list[str] = Field(default_factory=list, sa_type=JSONType)
    org_unit_id: uuid.UUID | None = Field(default=None)


class AgentSkill(TenantOwned, table=True):
    """One skill an agent holds at a level from 1 (junior) to 5 (expert) (D6)."""

    __tablename__ = "agent_skill"
    __table_args__ = (
        tenant_fk("user_id", "user", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "user_id", "skill"),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name="agent_skill_level_range"),
    )

    user_id: uuid.UUID
    skill: str = Field(max_length=64)
    level: int = Field(default=1)
