"""Public-opinion alerts (D26, D27) and the incidents that answer them (D16)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import JSONType, UTCDateTime, enum_type


class AlertKind(enum.StrEnum):
    NEGATIVE_SHARE = "negative_share"
    VOLUME_SPIKE = "volume_spike"
    INFLUENCER = "influencer"
    WATCH_TERM = "watch_term"
    SURGE = "surge"  # cross-channel: inbound volume per category over every channel


class AlertStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class SocialAlert(TenantOwned, table=True):
    """One storm: raised once per ``dedup_key`` while unresolved, and grown as it goes on."""

    __tablename__ = "social_alert"
    __table_args__ = (
        tenant_fk("monitor_id", "monitor"),  # deleting a monitor detaches its alerts first
        tenant_fk("owner_id", "user"),
        tenant_fk("incident_id", "incident"),
        sa.Index(
            "uq_social_alert_open",
            "tenant_id",
            "dedup_key",
            unique=True,
            sqlite_where=sa.text("status != 'resolved'"),
            postgresql_where=sa.text("status != 'resolved'"),
        ),
        sa.Index("ix_social_alert_status", "tenant_id", "status", "last_seen_at"),
    )

    monitor_id: uuid.UUID | None = Field(default=None)
    kind: AlertKind = Field(sa_type=enum_type(AlertKind))
    dedup_key: str = Field(max_length=200)
    status: AlertStatus = Field(default=AlertStatus.OPEN, sa_type=enum_type(AlertStatus))
    severity: Severity = Field(default=Severity.MEDIUM, sa_type=enum_type(Severity))
    title: str = Field(max_length=300)
    figures: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    peak: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    evidence_post_ids: list[str] = Field(default_factory=list, sa_type=JSONType)
    post_count: int = Field(default=0)
    evaluations: int = Field(default=1, description="how many evaluations found it still on")
    first_seen_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    owner_id: uuid.UUID | None = Field(default=None)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    incident_id: uuid.UUID | None = Field(default=None)


class IncidentStatus(enum.StrEnum):
    OPEN = "open"
    MONITORING = "monitoring"  # fixed, watching for the follow-up
    CLOSED = "closed"


class IncidentSeverity(enum.StrEnum):
    GENERAL = "general"
    MAJOR = "major"  # escalates to leadership at once (D16)


class Incident(TenantOwned, table=True):
    """An emergency response: the posts and conversations it covers, one public statement,
    call-backs to the affected customers, and the post-incident review."""

    __table_args__ = (
        tenant_fk("opened_by_id", "user"),
        sa.Index("ix_incident_status", "tenant_id", "status", "created_at"),
    )

    title: str = Field(max_length=300)
    severity: IncidentSeverity = Field(
        default=IncidentSeverity.GENERAL, sa_type=enum_type(IncidentSeverity)
    )
    status: IncidentStatus = Field(default=IncidentStatus.OPEN, sa_type=enum_type(IncidentStatus))
    summary: str = Field(default="", sa_type=sa.Text)
    opened_by_id: uuid.UUID | None = Field(default=None)
    statement_text: str | None = Field(default=None, sa_type=sa.Text)
    statement_account_ids: list[str] = Field(default_factory=list, sa_type=JSONType)
    statement_results: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    statement_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    callbacks_queued: int = Field(default=0)
    review: str | None = Field(default=None, sa_type=sa.Text)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class IncidentLinkKind(enum.StrEnum):
    ALERT = "alert"
    POST = "post"
    CONVERSATION = "conversation"


class IncidentLink(TenantOwned, table=True):
    """What an incident covers; unique per target so linking twice is a no-op."""

    __tablename__ = "incident_link"
    __table_args__ = (
        tenant_fk("incident_id", "incident", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "incident_id", "kind", "target_id"),
    )

    incident_id: uuid.UUID
    kind: IncidentLinkKind = Field(sa_type=enum_type(IncidentLinkKind))
    target_id: uuid.UUID
