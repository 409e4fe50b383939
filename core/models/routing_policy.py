"""A tenant's routing policy: priority weights, sticky window, offers, capacity and phone cap.

Priority weights are in seconds of waiting: a weight of 600 for VIP means a VIP caller ranks
as if they had waited ten minutes longer. That keeps the ranking explainable and lets it be
stored as a time-independent number (see ``core.routing.rank``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned
from core.models.types import JSONType

DEFAULT_VALUE_TIER_WEIGHTS = {"standard": 0, "silver": 120, "gold": 300, "diamond": 600, "vip": 900}
DEFAULT_PRIORITY_WEIGHTS = {"low": -300, "normal": 0, "high": 600, "urgent": 1800}
DEFAULT_CAPACITY = {"phone": 1, "webform": 3, "social": 3, "email": 6}


class RoutingPolicy(TenantOwned, table=True):
    """At most one per tenant; a tenant without one routes with the defaults of this class."""

    __tablename__ = "routing_policy"
    __table_args__ = (sa.UniqueConstraint("tenant_id", name="uq_routing_policy_tenant"),)

    value_tier_weights: dict[str, Any] = Field(
        default_factory=lambda: dict(DEFAULT_VALUE_TIER_WEIGHTS), sa_type=JSONType
    )
    priority_weights: dict[str, Any] = Field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_WEIGHTS), sa_type=JSONType
    )
    wait_weight: float = Field(default=1.0, description="rank seconds per second waited")
    sla_weight: float = Field(
        default=0.5, description="rank seconds per second closer to the first-response due time"
    )
    sticky_window_seconds: int = Field(default=900)
    offer_timeout_seconds: int = Field(default=20)
    missed_offer_sets_away: bool = Field(default=True)
    default_capacity: dict[str, Any] = Field(
        default_factory=lambda: dict(DEFAULT_CAPACITY), sa_type=JSONType
    )
    daily_phone_cap_seconds: int = Field(default=6 * 3600, description="D7")
    owner_keeps_ownership: bool = Field(default=True, description="D3")
