"""What one routing decision needs of the tenant's policy, read in one round trip.

The policy's numbers (or the defaults of ``RoutingPolicy`` for a tenant without one) and the
tenant's time zone, without ORM objects: every routing service starts with this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import statements as st
from core.models.channel import Channel
from core.models.contact import ValueTier
from core.models.conversation import Priority
from core.models.routing_policy import DEFAULT_CAPACITY, RoutingPolicy

policy_t: sa.Table = RoutingPolicy.__table__  # type: ignore[attr-defined]

CONTEXT_FIELDS = (
    "value_tier_weights",
    "priority_weights",
    "wait_weight",
    "sla_weight",
    "sticky_window_seconds",
    "offer_timeout_seconds",
    "missed_offer_sets_away",
    "default_capacity",
    "daily_phone_cap_seconds",
)
CONTEXT = (
    sa.select(st.tenant_t.c.timezone, *(policy_t.c[name] for name in CONTEXT_FIELDS))
    .select_from(st.tenant_t.outerjoin(policy_t, policy_t.c.tenant_id == st.tenant_t.c.id))
    .where(st.tenant_t.c.id == st.TENANT)
)


@dataclass(frozen=True, slots=True)
class RoutingContext:
    """The policy as routing decisions read it, plus the tenant's time zone."""

    timezone: ZoneInfo
    value_tier_weights: Mapping[str, float]
    priority_weights: Mapping[str, float]
    wait_weight: float
    sla_weight: float
    sticky_window_seconds: int
    offer_timeout_seconds: int
    missed_offer_sets_away: bool
    default_capacity: Mapping[str, int]
    daily_phone_cap_seconds: int

    def value_tier_weight(self, tier: ValueTier | str | None) -> float:
        return float(self.value_tier_weights.get(str(tier or ValueTier.STANDARD), 0.0))

    def priority_weight(self, priority: Priority | str) -> float:
        return float(self.priority_weights.get(str(priority), 0.0))

    def default_capacity_for(self, channel: Channel) -> int:
        return int(self.default_capacity.get(channel.value, DEFAULT_CAPACITY[channel.value]))

    def local_date(self, at: datetime) -> date:
        """The tenant's calendar date at ``at`` (the day the D7 phone cap counts)."""
        return at.astimezone(self.timezone).date()


def routing_context(session: Session) -> RoutingContext:
    """The tenant's policy (or the defaults) and time zone, in one query."""
    row = st.run(session, CONTEXT).one()
    defaults = RoutingPolicy()
    values = {
        name: (getattr(row, name) if getattr(row, name) is not None else getattr(defaults, name))
        for name in CONTEXT_FIELDS
    }
    return RoutingContext(timezone=ZoneInfo(row.timezone), **values)
