"""Queues (teams) where conversations wait for an agent: create, change, retire.

Services flush but never commit; a queue that conversations or calls went through is part of
the record (D19) and cannot be deleted, only deactivated.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.errors import ConflictError, FieldProblem, InvalidInputError, reject_unknown_fields
from core.lookup import get_by_id, get_referenced
from core.models.business_calendar import BusinessCalendarRecord
from core.models.channel import Channel
from core.models.conversation import Conversation
from core.models.interaction import Interaction
from core.models.queue import Queue
from core.models.user import Tier
from core.org_units import require_org_unit
from core.pagination import Page, paginate

UPDATABLE_FIELDS = frozenset(
    {
        "name",
        "org_unit_id",
        "tier",
        "channels",
        "required_skills",
        "service_level_seconds",
        "active",
        "agent_capacity",
        "calendar_id",
    }
)
SKILL_LEVELS = range(1, 6)


def get_queue(session: Session, *, queue_id: uuid.UUID) -> Queue:
    """The queue; NotFoundError if this tenant has none with that id."""
    return get_by_id(session, Queue, queue_id, noun="queue")


def list_queues(
    session: Session,
    *,
    org_unit_id: uuid.UUID | None = None,
    active: bool | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Queue]:
    """Queues newest first, optionally of one org unit or by active flag."""
    query = sa.select(Queue)
    if org_unit_id is not None:
        query = query.where(col(Queue.org_unit_id) == org_unit_id)
    if active is not None:
        query = query.where(col(Queue.active) == active)
    return paginate(session, query, col(Queue.id), limit=limit, cursor=cursor)


def create_queue(
    session: Session,
    *,
    name: str,
    org_unit_id: uuid.UUID | None = None,
    tier: Tier = Tier.L1,
    channels: Sequence[Channel] = (),
    required_skills: Mapping[str, int] | None = None,
    service_level_seconds: int = 20,
    active: bool = True,
    agent_capacity: Mapping[str, int] | None = None,
    calendar_id: uuid.UUID | None = None,
) -> Queue:
    """A new queue; ConflictError if the name is taken, InvalidInputError for bad references."""
    _check_name_free(session, name=name)
    if org_unit_id is not None:
        require_org_unit(session, org_unit_id=org_unit_id, field="org_unit_id")
    if calendar_id is not None:
        get_referenced(
            session, BusinessCalendarRecord, calendar_id, field="calendar_id", noun="calendar"
        )
    queue = Queue(
        name=name,
        org_unit_id=org_unit_id,
        tier=tier,
        channels=_channel_values(channels),
        required_skills=_checked_skills(required_skills or {}),
        service_level_seconds=_checked_service_level(service_level_seconds),
        active=active,
        agent_capacity=_checked_capacity(agent_capacity or {}),
        calendar_id=calendar_id,
    )
    session.add(queue)
    session.flush()
    return queue


def update_queue(session: Session, *, queue_id: uuid.UUID, changes: Mapping[str, Any]) -> Queue:
    """Change some of a queue's settings; the same checks as on creation apply."""
    reject_unknown_fields(changes, UPDATABLE_FIELDS)
    queue = get_queue(session, queue_id=queue_id)
    values = dict(changes)
    if "name" in values and values["name"] != queue.name:
        _check_name_free(session, name=values["name"])
    if values.get("org_unit_id") is not None:
        require_org_unit(session, org_unit_id=values["org_unit_id"], field="org_unit_id")
    if "channels" in values:
        values["channels"] = _channel_values(values["channels"])
    if "required_skills" in values:
        values["required_skills"] = _checked_skills(values["required_skills"])
    if "service_level_seconds" in values:
        values["service_level_seconds"] = _checked_service_level(values["service_level_seconds"])
    if "agent_capacity" in values:
        values["agent_capacity"] = _checked_capacity(values["agent_capacity"])
    if values.get("calendar_id") is not None:
        get_referenced(
            session, BusinessCalendarRecord, values["calendar_id"], field="calendar_id",
            noun="calendar",
        )  # fmt: skip
    for field_name, value in values.items():
        setattr(queue, field_name, value)
    session.flush()
    return queue


def delete_queue(session: Session, *, queue_id: uuid.UUID) -> None:
    """Delete a queue nothing went through; ConflictError otherwise (deactivate it instead)."""
    queue = get_queue(session, queue_id=queue_id)
    for model in (Conversation, Interaction):
        used = session.execute(
            sa.select(col(model.id)).where(col(model.queue_id) == queue_id).limit(1)
        )
        if used.first() is not None:
            raise ConflictError("queue has conversations; deactivate it instead")
    session.delete(queue)
    session.flush()


def _check_name_free(session: Session, *, name: str) -> None:
    if session.execute(sa.select(col(Queue.id)).where(col(Queue.name) == name)).first() is not None:
        raise ConflictError(f"queue name {name!r} is taken")


def _channel_values(channels: Sequence[Channel]) -> list[str]:
    """Channel values in a stable order, each once."""
    return [channel.value for channel in Channel if channel in set(channels)]


def _checked_skills(skills: Mapping[str, int]) -> dict[str, int]:
    bad = [name for name, level in skills.items() if level not in SKILL_LEVELS or not name.strip()]
    if bad:
        raise InvalidInputError(
            "invalid skills",
            [
                FieldProblem("required_skills", f"{name!r} needs a level from 1 to 5")
                for name in bad
            ],
        )
    return dict(skills)


def _checked_service_level(seconds: int) -> int:
    if seconds < 1:
        raise InvalidInputError(
            "invalid service level",
            [FieldProblem("service_level_seconds", "must be at least one second")],
        )
    return seconds


def _checked_capacity(capacity: Mapping[str, int]) -> dict[str, int]:
    """Per-channel caps on an agent's load while working this queue, keyed by channel value."""
    channels = {channel.value for channel in Channel}
    bad = [key for key, cap in capacity.items() if key not in channels or not 0 <= cap <= 50]
    if bad:
        raise InvalidInputError(
            "invalid agent capacity",
            [FieldProblem("agent_capacity", f"{key!r}: a channel and 0 to 50") for key in bad],
        )
    return {str(key): int(cap) for key, cap in capacity.items()}
