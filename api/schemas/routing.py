"""Routing on the wire: the policy, agent presence and capacity, offers, "why is this first?"."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import INPUT_CONFIG, NO_NUL, OUTPUT_CONFIG, patch_field
from core.models.agent_status import PresenceState
from core.models.channel import Channel
from core.models.conversation import RoutingState
from core.models.routing_offer import OfferState
from core.routing.policy import MAX_CAPACITY, MAX_WEIGHT_SECONDS, SCALAR_RANGES

Weight = Annotated[
    float,
    Field(
        ge=-MAX_WEIGHT_SECONDS,
        le=MAX_WEIGHT_SECONDS,
        allow_inf_nan=False,
        description="seconds of waiting this is worth",
    ),
]
Capacity = Annotated[int, Field(ge=0, le=MAX_CAPACITY, description="conversations at once")]
WeightMap = Annotated[dict[str, Weight], Field(max_length=16)]
CapacityMap = Annotated[dict[str, Capacity], Field(max_length=16)]


def _ranged(name: str, description: str) -> Any:
    low, high = SCALAR_RANGES[name]
    if isinstance(low, float):
        return patch_field(ge=low, le=high, allow_inf_nan=False, description=description)
    return patch_field(ge=low, le=high, description=description)


class RoutingPolicyIn(BaseModel):
    """Only the fields sent change; weight and capacity maps merge key by key."""

    model_config = INPUT_CONFIG

    value_tier_weights: WeightMap = patch_field(description="customer value tier → weight")
    priority_weights: WeightMap = patch_field(description="manual priority → weight")
    wait_weight: float = _ranged("wait_weight", "rank seconds per second waited")
    sla_weight: float = _ranged("sla_weight", "rank seconds per second nearer the due time")
    sticky_window_seconds: int = _ranged("sticky_window_seconds", "D10 window")
    offer_timeout_seconds: int = _ranged("offer_timeout_seconds", "time to accept an offer")
    missed_offer_sets_away: bool = patch_field()
    default_capacity: CapacityMap = patch_field(description="channel → conversations at once")
    daily_phone_cap_seconds: int = _ranged("daily_phone_cap_seconds", "D7 talk time per day")
    owner_keeps_ownership: bool = patch_field(description="D3")

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class RoutingPolicyOut(BaseModel):
    """Weights are seconds of waiting: 600 for VIP ranks a VIP as if they waited 10 min more."""

    model_config = OUTPUT_CONFIG

    value_tier_weights: dict[str, float]
    priority_weights: dict[str, float]
    wait_weight: float
    sla_weight: float
    sticky_window_seconds: int
    offer_timeout_seconds: int
    missed_offer_sets_away: bool
    default_capacity: dict[str, int]
    daily_phone_cap_seconds: int
    owner_keeps_ownership: bool


class PresenceIn(BaseModel):
    model_config = INPUT_CONFIG

    state: PresenceState
    reason: Annotated[str, StringConstraints(max_length=64, pattern=NO_NUL)] | None = None


class PresenceOut(BaseModel):
    agent_id: uuid.UUID
    state: PresenceState
    since: datetime | None
    reason: str | None


class CapacityIn(BaseModel):
    """Per-channel overrides; a channel left out (or null) uses the queue's or tenant default."""

    model_config = INPUT_CONFIG

    phone: Capacity | None = None
    email: Capacity | None = None
    webform: Capacity | None = None
    social: Capacity | None = None

    def overrides(self) -> dict[str, int | None]:
        return {channel.value: getattr(self, channel.value) for channel in Channel}


class AgentStatusOut(BaseModel):
    model_config = OUTPUT_CONFIG

    agent_id: uuid.UUID
    state: PresenceState
    since: datetime | None
    reason: str | None
    loads: dict[str, int] = Field(description="open conversations assigned or offered, by channel")
    capacities: dict[str, int] = Field(description="the agent's own or the tenant's, by channel")
    capacity_overrides: dict[str, int]
    phone_seconds_today: int
    daily_phone_cap_seconds: int
    missed_offers: int
    last_assigned_at: datetime | None


class StateChangeOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    state: PresenceState
    started_at: datetime
    ended_at: datetime | None
    reason: str | None


class OfferOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    conversation_id: uuid.UUID
    agent_id: uuid.UUID
    channel: Channel
    state: OfferState
    offered_at: datetime
    expires_at: datetime
    answered_at: datetime | None


class PullIn(BaseModel):
    model_config = INPUT_CONFIG

    queue_id: uuid.UUID | None = Field(default=None, description="only from this queue")


class RankComponentsOut(BaseModel):
    """score = value_tier_weight + priority_weight + wait_weight·waited − sla_weight·to_due."""

    model_config = OUTPUT_CONFIG

    value_tier: str
    value_tier_weight: float
    priority: str
    priority_weight: float
    waited_seconds: float
    wait_weight: float
    due_at: datetime
    due_basis: str = Field(description="first_response, next_response or default (24 h)")
    seconds_to_due: float
    sla_weight: float


class ConversationRoutingOut(BaseModel):
    """Why this conversation stands where it does ("why is this first?")."""

    model_config = OUTPUT_CONFIG

    conversation_id: uuid.UUID
    state: RoutingState
    queue_id: uuid.UUID | None
    rank: float | None = Field(description="stored, time-independent; higher goes first")
    score: float | None = Field(description="the rank as priority seconds now")
    position: int | None = Field(description="1 is next in its queue; only while waiting")
    components: RankComponentsOut | None
    sticky_agent_id: uuid.UUID | None
    sticky_org_unit_id: uuid.UUID | None
    sticky_until: datetime | None
    offers: list[OfferOut]
    at: datetime
