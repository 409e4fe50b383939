"""SLA policies: which targets a conversation gets, and the default set that reproduces D15.

Policies are tried in ``position`` order (then name). A policy matches when each of its match
lists is empty or holds the conversation's value: priority, the contact's value tier, channel,
category. **First match wins per target**: for each metric (first response, next response,
resolution) the first matching active policy that sets a target for it supplies that target,
its warning share, calendar and breach actions. So a complaint policy can set only the
resolution deadline and leave response times to the per-channel policies after it.

All targets are working seconds on the clock's calendar (queue's, else policy's, else the
tenant's default, else 24x7). The default set installs no calendar: on a tenant without one,
"7 days" for complex complaints is 168 h of elapsed time. A tenant that adds office hours as
its default calendar should restate it in working hours (7 days of 9 h = 63 h), because every
target counts working time — the one rule that makes "24 working hours" mean what it says.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.errors import ConflictError, FieldProblem, InvalidInputError
from core.lookup import get_by_id, get_referenced
from core.models.business_calendar import BusinessCalendarRecord
from core.models.channel import Channel
from core.models.contact import ValueTier
from core.models.conversation import Priority
from core.models.queue import Queue
from core.models.sla import BreachAction, SlaClock, SlaMetric, SlaPolicy

HOUR = 3600
TARGET_FIELDS = {
    SlaMetric.FIRST_RESPONSE: "first_response_seconds",
    SlaMetric.NEXT_RESPONSE: "next_response_seconds",
    SlaMetric.RESOLUTION: "resolution_seconds",
}
MATCH_FIELDS: dict[str, frozenset[str] | None] = {
    "match_priorities": frozenset(p.value for p in Priority),
    "match_value_tiers": frozenset(t.value for t in ValueTier),
    "match_channels": frozenset(c.value for c in Channel),
    "match_categories": None,  # free labels
}
POLICY_FIELDS = frozenset(
    {
        "name",
        "position",
        "active",
        *MATCH_FIELDS,
        *TARGET_FIELDS.values(),
        "warn_share",
        "calendar_id",
        "breach_actions",
        "move_to_queue_id",
    }
)
MAX_TARGET_SECONDS = 366 * 24 * HOUR
COMPLAINT_ACTIONS = [BreachAction.NOTIFY_LEAD.value, BreachAction.ESCALATE_ORG.value]
RESPONSE_ACTIONS = [BreachAction.RAISE_PRIORITY.value]

DEFAULT_POLICIES: tuple[dict[str, Any], ...] = (
    {
        "name": "VIP complaints",
        "position": 10,
        "match_value_tiers": [ValueTier.VIP.value, ValueTier.DIAMOND.value],
        "match_categories": ["complaint", "complaint_complex"],
        "resolution_seconds": 12 * HOUR,
        "breach_actions": COMPLAINT_ACTIONS,
    },
    {
        "name": "Complex complaints",
        "position": 20,
        "match_categories": ["complaint_complex"],
        "resolution_seconds": 7 * 24 * HOUR,
        "breach_actions": COMPLAINT_ACTIONS,
    },
    {
        "name": "Complaints",
        "position": 30,
        "match_categories": ["complaint"],
        "resolution_seconds": 24 * HOUR,
        "breach_actions": COMPLAINT_ACTIONS,
    },
    {
        "name": "Phone answer",
        "position": 100,
        "match_channels": [Channel.PHONE.value],
        "first_response_seconds": 60,
        "breach_actions": RESPONSE_ACTIONS,
    },
    {
        "name": "Social response",
        "position": 110,
        "match_channels": [Channel.SOCIAL.value],
        "first_response_seconds": 30 * 60,
        "next_response_seconds": 30 * 60,
        "breach_actions": RESPONSE_ACTIONS,
    },
    {
        "name": "Written response",
        "position": 120,
        "match_channels": [Channel.EMAIL.value, Channel.WEBFORM.value],
        "first_response_seconds": 4 * HOUR,
        "next_response_seconds": 4 * HOUR,
        "breach_actions": RESPONSE_ACTIONS,
    },
)


@dataclass(frozen=True, slots=True)
class Target:
    """One metric's target for a conversation and the policy it came from."""

    metric: SlaMetric
    seconds: int
    policy: SlaPolicy


@dataclass(frozen=True, slots=True)
class MatchFacts:
    """What policies match on."""

    priority: Priority
    value_tier: ValueTier
    channel: Channel
    category: str | None


def get_policy(session: Session, *, policy_id: uuid.UUID) -> SlaPolicy:
    return get_by_id(session, SlaPolicy, policy_id, noun="SLA policy")


def list_policies(session: Session, *, active_only: bool = False) -> list[SlaPolicy]:
    """In the order they are tried: position, then name."""
    query = sa.select(SlaPolicy).order_by(col(SlaPolicy.position), col(SlaPolicy.name))
    if active_only:
        query = query.where(col(SlaPolicy.active).is_(True))
    return list(session.execute(query).scalars())


def create_policy(session: Session, *, name: str, **fields: Any) -> SlaPolicy:
    """A new policy (no commit); InvalidInputError per bad field, ConflictError on a taken name."""
    _check_name_free(session, name=name)
    policy = SlaPolicy(name=name)
    _apply(session, policy, {"name": name, **fields})
    session.add(policy)
    session.flush()
    return policy


def update_policy(
    session: Session, *, policy_id: uuid.UUID, changes: Mapping[str, Any]
) -> SlaPolicy:
    """Change some fields; clocks already running keep the targets they started with."""
    policy = get_policy(session, policy_id=policy_id)
    if "name" in changes and changes["name"] != policy.name:
        _check_name_free(session, name=changes["name"])
    _apply(session, policy, changes)
    session.flush()
    return policy


def delete_policy(session: Session, *, policy_id: uuid.UUID) -> None:
    """Delete a policy that never started a clock; ConflictError otherwise (deactivate it)."""
    policy = get_policy(session, policy_id=policy_id)
    used = session.execute(
        sa.select(col(SlaClock.id)).where(col(SlaClock.policy_id) == policy_id).limit(1)
    ).first()
    if used is not None:
        raise ConflictError("clocks were started by this policy; deactivate it instead")
    session.delete(policy)
    session.flush()


def matches(policy: SlaPolicy, facts: MatchFacts) -> bool:
    """Whether every non-empty match list of the policy holds the conversation's value."""
    wanted: Sequence[tuple[list[str], str | None]] = (
        (policy.match_priorities, facts.priority.value),
        (policy.match_value_tiers, facts.value_tier.value),
        (policy.match_channels, facts.channel.value),
        (policy.match_categories, facts.category),
    )
    return all(not values or value in values for values, value in wanted)


def choose_targets(policies: Iterable[SlaPolicy], facts: MatchFacts) -> dict[SlaMetric, Target]:
    """Per metric, the first matching active policy (in the given order) that sets a target."""
    targets: dict[SlaMetric, Target] = {}
    for policy in policies:
        if not policy.active or not matches(policy, facts):
            continue
        for metric, field_name in TARGET_FIELDS.items():
            seconds = getattr(policy, field_name)
            if metric not in targets and seconds is not None:
                targets[metric] = Target(metric=metric, seconds=seconds, policy=policy)
        if len(targets) == len(TARGET_FIELDS):
            break
    return targets


def targets_for(session: Session, facts: MatchFacts) -> dict[SlaMetric, Target]:
    """The targets the tenant's active policies set for a conversation with these facts."""
    return choose_targets(list_policies(session, active_only=True), facts)


def install_default_policies(session: Session) -> list[SlaPolicy]:
    """Add the D15 default set (idempotent: policies whose name exists are left as they are).

    Returns the policies it added.
    """
    existing = set(session.execute(sa.select(col(SlaPolicy.name))).scalars())
    added = [
        create_policy(session, **spec) for spec in DEFAULT_POLICIES if spec["name"] not in existing
    ]
    return added


def _apply(session: Session, policy: SlaPolicy, changes: Mapping[str, Any]) -> None:
    """Validate ``changes`` against the policy they will be part of, then set them."""
    unknown = set(changes) - POLICY_FIELDS
    problems = [FieldProblem(f, "cannot be set") for f in sorted(unknown)]
    values = dict(changes)
    for field_name, allowed in MATCH_FIELDS.items():
        if field_name in values:
            values[field_name] = _checked_list(field_name, values[field_name], allowed, problems)
    for field_name in TARGET_FIELDS.values():
        seconds = values.get(field_name)
        whole = isinstance(seconds, int) and not isinstance(seconds, bool)
        if seconds is not None and not (whole and 1 <= seconds <= MAX_TARGET_SECONDS):
            problems.append(FieldProblem(field_name, f"1 to {MAX_TARGET_SECONDS} seconds"))
    if "warn_share" in values and not (
        isinstance(values["warn_share"], int | float) and 0 < values["warn_share"] <= 1
    ):
        problems.append(FieldProblem("warn_share", "a share above 0 and at most 1"))
    if "breach_actions" in values:
        values["breach_actions"] = _checked_list(
            "breach_actions",
            values["breach_actions"],
            frozenset(a.value for a in BreachAction),
            problems,
        )
    actions = values.get("breach_actions", policy.breach_actions)
    move_to = values.get("move_to_queue_id", policy.move_to_queue_id)
    if BreachAction.MOVE_QUEUE.value in (actions or []) and move_to is None:
        problems.append(FieldProblem("move_to_queue_id", "move_queue needs a queue to move to"))
    if problems:
        raise InvalidInputError("invalid SLA policy", problems)
    if values.get("calendar_id") is not None:
        get_referenced(
            session, BusinessCalendarRecord, values["calendar_id"], field="calendar_id",
            noun="calendar",
        )  # fmt: skip
    if values.get("move_to_queue_id") is not None:
        get_referenced(
            session, Queue, values["move_to_queue_id"], field="move_to_queue_id", noun="queue"
        )
    for field_name, value in values.items():
        setattr(policy, field_name, value)


def _checked_list(
    field_name: str, values: Any, allowed: frozenset[str] | None, problems: list[FieldProblem]
) -> list[str]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        problems.append(FieldProblem(field_name, "a list of strings"))
        return []
    unique = list(dict.fromkeys(str(v) for v in values))
    for value in unique:
        if allowed is not None and value not in allowed:
            problems.append(
                FieldProblem(field_name, f"{value!r} is not one of {', '.join(sorted(allowed))}")
            )
        elif not 1 <= len(value) <= 64:
            problems.append(FieldProblem(field_name, "values are 1 to 64 characters"))
    return unique


def _check_name_free(session: Session, *, name: str) -> None:
    if not name or len(name) > 100:
        raise InvalidInputError("invalid name", [FieldProblem("name", "1 to 100 characters")])
    taken = session.execute(sa.select(col(SlaPolicy.id)).where(col(SlaPolicy.name) == name))
    if taken.first() is not None:
        raise ConflictError(f"SLA policy name {name!r} is taken")
