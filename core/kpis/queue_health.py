"""Queue health, live (the supervisor's wallboard): what waits now, and how today went.

Waiting now and the longest wait come from the conversations in line this instant; today's
service level, speed of answer and abandonment from the rollups (as fresh as the last
refresh, every 30 s). Agents belong to org units, not to queues (routing offers a queue's
work to any eligible agent), so agents by state and occupancy are figures of the org unit
drilled into, not of a queue.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import statements as st
from core.clock import as_utc
from core.kpis import formulas
from core.kpis.facts import queue_t, user_t
from core.kpis.periods import Period, tenant_timezone
from core.kpis.scope import scope_of
from core.kpis.totals import EMPTY, sum_rollups, total
from core.models.agent_status import AgentStatus, PresenceState
from core.models.channel import Channel
from core.models.conversation import RoutingState

agent_status_t: sa.Table = AgentStatus.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class QueueChannelHealth:
    """One queue on one channel: now, and today so far."""

    queue_id: uuid.UUID
    queue_name: str
    channel: str
    org_unit_id: uuid.UUID | None
    service_level_seconds: int
    waiting: int
    longest_wait_seconds: float | None
    offered: int
    answered: int
    abandoned: int
    service_level: float | None
    average_speed_of_answer_seconds: float | None
    abandonment_rate: float | None


@dataclass(frozen=True, slots=True)
class QueueHealth:
    """The wallboard of the tenant, or of one org unit and the units below it."""

    as_of: datetime
    today: Period
    org_unit_id: uuid.UUID | None
    queues: tuple[QueueChannelHealth, ...]
    agents_by_state: Mapping[str, int]
    occupancy: float | None


def queue_health(
    session: Session, *, now: datetime, org_unit_id: uuid.UUID | None = None
) -> QueueHealth:
    """Per queue and channel: waiting now, longest wait, today's service level, ASA and
    abandonment; agents by state and today's occupancy of the org subtree."""
    scope = scope_of(session, org_unit_id)
    today = Period.today(now, tenant_timezone(session))
    queues = _queues(session, scope)
    waiting = _waiting(session, list(queues))
    rollups = {
        (queue_id, Channel(channel).value): totals
        for (queue_id, channel), totals in sum_rollups(
            session, period=today, group_by=("queue_id", "channel"), queue_ids=queues
        ).items()
        if channel is not None
    }
    rows = []
    for queue_id, queue in queues.items():
        seen = {channel for (qid, channel) in (*waiting, *rollups) if qid == queue_id and channel}
        channels = sorted({*queue["channels"], *seen})
        if not queue["active"] and not seen:
            continue
        for channel in channels:
            count, since = waiting.get((queue_id, channel), (0, None))
            totals = rollups.get((queue_id, channel), EMPTY)
            rows.append(
                QueueChannelHealth(
                    queue_id=queue_id,
                    queue_name=queue["name"],
                    channel=channel,
                    org_unit_id=queue["org_unit_id"],
                    service_level_seconds=queue["service_level_seconds"],
                    waiting=count,
                    longest_wait_seconds=None if since is None else (now - since).total_seconds(),
                    offered=totals.offered,
                    answered=totals.answered,
                    abandoned=totals.abandoned,
                    service_level=formulas.service_level(totals),
                    average_speed_of_answer_seconds=formulas.average_speed_of_answer(totals),
                    abandonment_rate=formulas.abandonment_rate(totals),
                )
            )
    rows.sort(key=lambda row: (row.queue_name, row.channel))
    return QueueHealth(
        as_of=now,
        today=today,
        org_unit_id=org_unit_id,
        queues=tuple(rows),
        agents_by_state=agents_by_state(session, org_unit_ids=scope),
        occupancy=formulas.occupancy(total(session, period=today, org_unit_ids=scope)),
    )


def _queues(session: Session, scope: frozenset[uuid.UUID] | None) -> dict[uuid.UUID, Any]:
    query = sa.select(
        queue_t.c.id,
        queue_t.c.name,
        queue_t.c.org_unit_id,
        queue_t.c.channels,
        queue_t.c.service_level_seconds,
        queue_t.c.active,
    ).where(queue_t.c.tenant_id == st.TENANT)
    if scope is not None:
        query = query.where(queue_t.c.org_unit_id.in_(list(scope)))
    return {row.id: row._mapping for row in st.run(session, query)}


def _waiting(
    session: Session, queue_ids: list[uuid.UUID]
) -> dict[tuple[uuid.UUID, str], tuple[int, datetime | None]]:
    """Conversations in line per queue and channel, and since when the oldest waits."""
    conversation = st.conversation_t
    query = (
        sa.select(
            conversation.c.queue_id,
            conversation.c.channel,
            sa.func.count().label("waiting"),
            sa.func.min(conversation.c.waiting_since).label("since"),
        )
        .where(
            conversation.c.tenant_id == st.TENANT,
            conversation.c.routing_state == RoutingState.WAITING,
            conversation.c.queue_id.in_(queue_ids),
        )
        .group_by(conversation.c.queue_id, conversation.c.channel)
    )
    return {
        (row.queue_id, Channel(row.channel).value): (
            row.waiting,
            None if row.since is None else as_utc(row.since),
        )
        for row in st.run(session, query)
    }


def agents_by_state(
    session: Session, *, org_unit_ids: frozenset[uuid.UUID] | None = None
) -> dict[str, int]:
    """Active agents (users with a tier) by presence now; one never signed in is offline."""
    state = sa.func.coalesce(agent_status_t.c.state, PresenceState.OFFLINE.value)
    query = (
        sa.select(state.label("state"), sa.func.count().label("agents"))
        .select_from(
            user_t.outerjoin(
                agent_status_t,
                sa.and_(
                    agent_status_t.c.tenant_id == user_t.c.tenant_id,
                    agent_status_t.c.id == user_t.c.id,
                ),
            )
        )
        .where(
            user_t.c.tenant_id == st.TENANT,
            user_t.c.active.is_(True),
            user_t.c.tier.is_not(None),
        )
        .group_by(state)
    )
    if org_unit_ids is not None:
        query = query.where(user_t.c.org_unit_id.in_(list(org_unit_ids)))
    counts = {presence.value: 0 for presence in PresenceState}
    for row in st.run(session, query):
        counts[PresenceState(row.state).value] += row.agents
    return counts
