"""An agent's routing state (D6, D7): presence, per-channel load and capacity, daily phone time.

One row per agent, keyed by the user's id, so that assignment can check and take capacity with
one conditional UPDATE that a concurrent router cannot slip past.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.channel import Channel
from core.models.types import JSONType, UTCDateTime, enum_type


class PresenceState(enum.StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    AWAY = "away"
    OFFLINE = "offline"


def load_column(channel: Channel) -> str:
    """The agent_status column counting the agent's open work on this channel."""
    return f"load_{channel.value}"


def capacity_column(channel: Channel) -> str:
    """The agent_status column holding the agent's effective capacity on this channel."""
    return f"cap_{channel.value}"


class AgentStatus(TenantOwned, table=True):
    """Routing state of one agent; ``id`` is the agent's user id.

    ``cap_*`` are effective capacities (the agent's override, else the tenant's default),
    written whenever either changes; ``load_*`` count open conversations assigned or offered.
    """

    __tablename__ = "agent_status"
    __table_args__ = (
        tenant_fk("id", "user", ondelete="CASCADE"),
        sa.Index("ix_agent_status_state", "tenant_id", "state", "last_assigned_at"),
        sa.CheckConstraint(
            "load_phone >= 0 AND load_email >= 0 AND load_webform >= 0 AND load_social >= 0",
            name="agent_status_load_non_negative",
        ),
    )

    state: PresenceState = Field(default=PresenceState.OFFLINE, sa_type=enum_type(PresenceState))
    state_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    capacity_overrides: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    cap_phone: int = Field(default=1)
    cap_email: int = Field(default=6)
    cap_webform: int = Field(default=3)
    cap_social: int = Field(default=3)
    load_phone: int = Field(default=0)
    load_email: int = Field(default=0)
    load_webform: int = Field(default=0)
    load_social: int = Field(default=0)
    phone_day: date | None = Field(default=None, description="local date phone_seconds counts")
    phone_seconds: int = Field(default=0, description="talk time on phone_day (D7 cap)")
    last_assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    missed_offers: int = Field(default=0)


class AgentStateChange(TenantOwned, table=True):
    """One presence period; occupancy and adherence are computed from these."""

    __tablename__ = "agent_state_change"
    __table_args__ = (
        tenant_fk("user_id", "user", ondelete="CASCADE"),
        sa.Index("ix_agent_state_change_user", "tenant_id", "user_id", "started_at"),
    )

    user_id: uuid.UUID
    state: PresenceState = Field(sa_type=enum_type(PresenceState))
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = Field(default=None, max_length=64)
