"""KPI rollups: additive counters per 15-minute bucket and dimension, and their refresh mark.

Dashboards and the API read these instead of raw conversations, so a period's figures are a
SUM over its buckets. Definitions of every counter are in docs/kpis.md; core.kpis.rollups is
the only writer. Rows carry no foreign keys to queues or org units: they are history, and a
deleted queue must not take its figures with it (nor be blocked by them).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned
from core.models.channel import Channel
from core.models.contact import ValueTier
from core.models.types import UTCDateTime, enum_type
from core.models.user import Tier

RESOLUTION_EDGES: tuple[tuple[str, int], ...] = (
    ("5m", 300),
    ("15m", 900),
    ("30m", 1_800),
    ("1h", 3_600),
    ("2h", 7_200),
    ("4h", 14_400),
    ("8h", 28_800),
    ("24h", 86_400),
    ("48h", 172_800),
    ("72h", 259_200),
    ("7d", 604_800),
)
"""Cumulative resolution-time histogram: ``resolved_within_<label>`` counts resolutions that took
at most that many seconds (calendar time from creation)."""

RESOLVED_WITHIN = tuple(f"resolved_within_{label}" for label, _ in RESOLUTION_EDGES)

COUNTERS: tuple[str, ...] = (
    "contacts",
    "complaints",
    "offered",
    "answered",
    "answered_in_threshold",
    "abandoned",
    "short_abandoned",
    "answer_wait_seconds",
    "handled",
    "timed_handled",
    "talk_seconds",
    "hold_seconds",
    "wrap_up_seconds",
    "transfers",
    "escalations",
    "resolved",
    "first_contact_resolved",
    "resolution_seconds",
    "pending_seconds",
    *RESOLVED_WITHIN,
    "reopened",
    "sla_met",
    "sla_breached",
    "csat_responses",
    "csat_satisfied",
    "staffed_seconds",
    "agent_handle_seconds",
)
"""Every additive counter column of KpiRollup, in table order."""

DIMENSIONS: tuple[str, ...] = (
    "queue_id",
    "channel",
    "org_unit_id",
    "category",
    "tier",
    "value_tier",
)


SPANS: tuple[int, ...] = (86_400, 3_600, 900)
"""Rollup row lengths in seconds, coarsest first: UTC days and hours summed from the 15-minute
rows, so that a month is read as thirty rows per combination rather than 2,880."""
QUARTER = SPANS[-1]


class KpiRollup(TenantOwned, table=True):
    """Counters of one 15-minute bucket (UTC start) for one combination of dimensions; or,
    with a longer ``span_seconds``, of the UTC hour or day those buckets make up.

    Contact facts are filed under the fact's queue (which gives org unit and tier), the
    conversation's channel and category and the customer's value tier; agent time facts
    (staffed and agent handle seconds) under the agent's org unit and tier, other dimensions
    empty. A bucket is always rewritten whole, so its rows are a pure function of the raw data;
    an hour or day is summed again, in the same transaction, whenever one of its buckets is.
    """

    __tablename__ = "kpi_rollup"
    __table_args__ = (sa.Index("ix_kpi_rollup_span", "tenant_id", "span_seconds", "bucket_start"),)

    span_seconds: int = Field(default=QUARTER, sa_column_kwargs={"server_default": str(QUARTER)})
    bucket_start: datetime = Field(sa_type=UTCDateTime)
    queue_id: uuid.UUID | None = Field(default=None)
    channel: Channel | None = Field(default=None, sa_type=enum_type(Channel))
    org_unit_id: uuid.UUID | None = Field(default=None)
    category: str | None = Field(default=None, max_length=64)
    tier: Tier | None = Field(default=None, sa_type=enum_type(Tier))
    value_tier: ValueTier | None = Field(default=None, sa_type=enum_type(ValueTier))

    contacts: int = Field(default=0, description="conversations created")
    complaints: int = Field(default=0, description="of which complaints")
    offered: int = Field(default=0, description="queue waits that ended, short abandons excluded")
    answered: int = Field(default=0)
    answered_in_threshold: int = Field(default=0, description="within service_level_seconds")
    abandoned: int = Field(default=0, description="caller hung up waiting, after 5 s")
    short_abandoned: int = Field(default=0, description="hung up within 5 s; not offered")
    answer_wait_seconds: int = Field(
        default=0, sa_type=sa.BigInteger, description="sum over answered"
    )
    handled: int = Field(default=0)
    timed_handled: int = Field(default=0, description="handled with measured handle time")
    talk_seconds: int = Field(default=0, sa_type=sa.BigInteger)
    hold_seconds: int = Field(default=0, sa_type=sa.BigInteger)
    wrap_up_seconds: int = Field(default=0, sa_type=sa.BigInteger)
    transfers: int = Field(default=0)
    escalations: int = Field(default=0)
    resolved: int = Field(default=0)
    first_contact_resolved: int = Field(default=0)
    resolution_seconds: int = Field(
        default=0, sa_type=sa.BigInteger, description="calendar, creation to resolution"
    )
    pending_seconds: int = Field(
        default=0, sa_type=sa.BigInteger, description="pending time within those"
    )
    resolved_within_5m: int = Field(default=0)
    resolved_within_15m: int = Field(default=0)
    resolved_within_30m: int = Field(default=0)
    resolved_within_1h: int = Field(default=0)
    resolved_within_2h: int = Field(default=0)
    resolved_within_4h: int = Field(default=0)
    resolved_within_8h: int = Field(default=0)
    resolved_within_24h: int = Field(default=0)
    resolved_within_48h: int = Field(default=0)
    resolved_within_72h: int = Field(default=0)
    resolved_within_7d: int = Field(default=0)
    reopened: int = Field(default=0)
    sla_met: int = Field(default=0)
    sla_breached: int = Field(default=0)
    csat_responses: int = Field(
        default=0, sa_column_kwargs={"server_default": "0"}, description="survey answers"
    )
    csat_satisfied: int = Field(
        default=0, sa_column_kwargs={"server_default": "0"}, description="of which scored 4-5"
    )
    staffed_seconds: int = Field(
        default=0, sa_type=sa.BigInteger, description="agents available, busy or in wrap-up"
    )
    agent_handle_seconds: int = Field(
        default=0, sa_type=sa.BigInteger, description="handle time, by the agent"
    )


class KpiRefresh(TenantOwned, table=True):
    """The tenant's rollup watermark: facts up to ``refreshed_until`` are in the rollups.

    Its row is also the lock that keeps two workers from rewriting the same buckets at once.
    """

    __tablename__ = "kpi_refresh"
    __table_args__ = (sa.UniqueConstraint("tenant_id", name="uq_kpi_refresh_tenant"),)

    refreshed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    refreshed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
