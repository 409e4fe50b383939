"""SLA policies, the clocks they start on conversations, and breach predictions (D15)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import JSONType, UTCDateTime, enum_type


class SlaMetric(enum.StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class BreachAction(enum.StrEnum):
    NOTIFY_LEAD = "notify_lead"
    RAISE_PRIORITY = "raise_priority"
    MOVE_QUEUE = "move_queue"
    ESCALATE_ORG = "escalate_org"


class ClockOutcome(enum.StrEnum):
    MET = "met"
    BREACHED = "breached"
    CANCELLED = "cancelled"


class SlaPolicy(TenantOwned, table=True):
    """Targets for conversations it matches; policies are tried by ``position``, first match wins.

    An empty match list matches anything. Targets are working seconds on the calendar of the
    conversation's queue (else the policy's, else the tenant default, else 24x7).
    """

    __tablename__ = "sla_policy"
    __table_args__ = (
        tenant_fk("calendar_id", "business_calendar"),
        tenant_fk("move_to_queue_id", "queue"),
        sa.UniqueConstraint("tenant_id", "name"),
        sa.Index("ix_sla_policy_position", "tenant_id", "position"),
    )

    name: str = Field(max_length=100)
    position: int = Field(default=100)
    active: bool = Field(default=True)
    match_priorities: list[str] = Field(default_factory=list, sa_type=JSONType)
    match_value_tiers: list[str] = Field(default_factory=list, sa_type=JSONType)
    match_channels: list[str] = Field(default_factory=list, sa_type=JSONType)
    match_categories: list[str] = Field(default_factory=list, sa_type=JSONType)
    first_response_seconds: int | None = Field(default=None)
    next_response_seconds: int | None = Field(default=None)
    resolution_seconds: int | None = Field(default=None)
    warn_share: float = Field(default=0.8)
    calendar_id: uuid.UUID | None = Field(default=None)
    breach_actions: list[str] = Field(default_factory=list, sa_type=JSONType)
    move_to_queue_id: uuid.UUID | None = Field(default=None)


class SlaClock(TenantOwned, table=True):
    """One running target on one conversation.

    Working time is banked in ``elapsed_seconds`` when the clock pauses (conversation pending);
    ``due_at`` and ``warn_at`` are the instants the target and the warning share are reached if
    the clock keeps running, so the sweep finds what is due with an index range scan over
    clocks still running, never over all open conversations. ``level`` counts escalations up
    the org tree: each level starts a fresh clock.
    """

    __tablename__ = "sla_clock"
    __table_args__ = (
        tenant_fk("conversation_id", "conversation", ondelete="CASCADE"),
        tenant_fk("policy_id", "sla_policy"),
        sa.Index("ix_sla_clock_conversation", "tenant_id", "conversation_id", "metric"),
        # Not led by tenant_id on purpose: the sweep looks across tenants for what is due.
        sa.Index(
            "ix_sla_clock_due",
            "due_at",
            postgresql_where=sa.text("breached_at IS NULL AND stopped_at IS NULL"),
            sqlite_where=sa.text("breached_at IS NULL AND stopped_at IS NULL"),
        ),
        sa.Index(
            "ix_sla_clock_warn",
            "warn_at",
            postgresql_where=sa.text("warned_at IS NULL AND stopped_at IS NULL"),
            sqlite_where=sa.text("warned_at IS NULL AND stopped_at IS NULL"),
        ),
        # The SLA page's watch list: a tenant's running clocks, most overdue first.
        sa.Index(
            "ix_sla_clock_running",
            "tenant_id",
            "due_at",
            postgresql_where=sa.text("stopped_at IS NULL"),
            sqlite_where=sa.text("stopped_at IS NULL"),
        ),
    )

    conversation_id: uuid.UUID
    policy_id: uuid.UUID | None = Field(default=None)
    metric: SlaMetric = Field(sa_type=enum_type(SlaMetric))
    level: int = Field(default=0)
    target_seconds: int
    warn_share: float = Field(default=0.8)
    started_at: datetime = Field(sa_type=UTCDateTime)
    elapsed_seconds: float = Field(default=0.0, description="working time banked before pauses")
    running_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    warn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    warned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    breached_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: ClockOutcome | None = Field(default=None, sa_type=enum_type(ClockOutcome))
    predicted_answer_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    at_risk_since: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SlaPrediction(TenantOwned, table=True):
    """A breach prediction as it was made, kept to measure prediction accuracy later."""

    __tablename__ = "sla_prediction"
    __table_args__ = (
        tenant_fk("clock_id", "sla_clock", ondelete="CASCADE"),
        tenant_fk("conversation_id", "conversation", ondelete="CASCADE"),
        sa.Index("ix_sla_prediction_clock", "tenant_id", "clock_id", "predicted_at"),
    )

    clock_id: uuid.UUID
    conversation_id: uuid.UUID
    predicted_at: datetime = Field(sa_type=UTCDateTime)
    predicted_answer_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime)
    at_risk: bool
    details: dict[str, float] = Field(default_factory=dict, sa_type=JSONType)
