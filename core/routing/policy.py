"""A tenant's routing policy: read it (or the defaults) and change it, with what follows.

Weights are seconds of waiting (see ``core.models.routing_policy``); new weights re-rank the
line, a new default capacity is written to every agent without their own. Services flush,
never commit. Routing decisions read the policy through ``core.routing.context``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.errors import FieldProblem, InvalidInputError, reject_unknown_fields
from core.models.agent_status import AgentStatus, capacity_column
from core.models.channel import Channel
from core.models.contact import ValueTier
from core.models.conversation import Priority
from core.models.routing_policy import DEFAULT_CAPACITY, RoutingPolicy
from core.routing.context import CONTEXT_FIELDS
from core.routing.rank import rerank_line

UPDATABLE_FIELDS = frozenset({*CONTEXT_FIELDS, "owner_keeps_ownership"})
MAP_KEYS: dict[str, frozenset[str]] = {
    "value_tier_weights": frozenset(t.value for t in ValueTier),
    "priority_weights": frozenset(p.value for p in Priority),
    "default_capacity": frozenset(c.value for c in Channel),
}
RANK_FIELDS = frozenset({"value_tier_weights", "priority_weights", "wait_weight", "sla_weight"})
MAX_WEIGHT_SECONDS = 10_000_000.0  # ~115 days: keeps stored ranks exact to well under a ms
MAX_CAPACITY = 100
SCALAR_RANGES: dict[str, tuple[float, float]] = {
    "wait_weight": (0.0, 100.0),
    "sla_weight": (0.0, 100.0),
    "sticky_window_seconds": (0, 7 * 86_400),
    "offer_timeout_seconds": (1, 3_600),
    "daily_phone_cap_seconds": (0, 86_400),
}


def get_policy(session: Session) -> RoutingPolicy:
    """The tenant's policy row, or an unsaved one holding the defaults."""
    policy = session.execute(sa.select(RoutingPolicy)).scalar_one_or_none()
    return policy if policy is not None else RoutingPolicy()


def update_policy(session: Session, *, changes: Mapping[str, Any]) -> RoutingPolicy:
    """Change some settings (no commit); weight and capacity maps merge key by key.

    New weights re-rank every conversation in line, so the stored order stays the live order.
    InvalidInputError for unknown fields, unknown tier/priority/channel keys or values out of
    range; the policy row is created on first change.
    """
    reject_unknown_fields(changes, UPDATABLE_FIELDS)
    _check(changes)
    policy = session.execute(sa.select(RoutingPolicy)).scalar_one_or_none()
    if policy is None:
        policy = RoutingPolicy()
        session.add(policy)
    for name, value in changes.items():
        if name in MAP_KEYS:
            value = {**getattr(policy, name), **value}
        setattr(policy, name, value)
    if "default_capacity" in changes:
        for status in session.execute(sa.select(AgentStatus)).scalars():
            apply_capacities(status, default_capacity=policy.default_capacity)
    session.flush()
    if RANK_FIELDS & set(changes):
        rerank_line(session)
    return policy


def apply_capacities(status: AgentStatus, *, default_capacity: Mapping[str, Any]) -> None:
    """Materialise ``cap_*``: the agent's override, else the tenant's default (no flush)."""
    for channel in Channel:
        default = default_capacity.get(channel.value, DEFAULT_CAPACITY[channel.value])
        cap = status.capacity_overrides.get(channel.value, default)
        setattr(status, capacity_column(channel), int(cap))


def _check(changes: Mapping[str, Any]) -> None:
    problems = [
        FieldProblem(name, f"must be from {low:g} to {high:g}")
        for name, (low, high) in SCALAR_RANGES.items()
        if name in changes and not low <= changes[name] <= high
    ]
    for name, allowed in MAP_KEYS.items():
        for key, value in (changes.get(name) or {}).items():
            if key not in allowed:
                problems.append(
                    FieldProblem(
                        f"{name}.{key}", f"unknown key; one of {', '.join(sorted(allowed))}"
                    )
                )
            elif name == "default_capacity" and not 0 <= value <= MAX_CAPACITY:
                problems.append(FieldProblem(f"{name}.{key}", f"must be 0 to {MAX_CAPACITY}"))
            elif name != "default_capacity" and not abs(value) <= MAX_WEIGHT_SECONDS:
                problems.append(
                    FieldProblem(f"{name}.{key}", f"must be within ±{MAX_WEIGHT_SECONDS:.0f}")
                )
    if problems:
        raise InvalidInputError("invalid routing policy", problems)
