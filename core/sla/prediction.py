"""Breach prediction: when will each waiting conversation be answered, and is that too late?

The model, per queue (an approximation, on purpose simple enough to explain on screen):

- **Who can answer**: agents on duty (available, busy or in wrap-up; away and offline ones
  take nothing) of the queue's tier who hold the queue's required skills. A conversation's own
  language requirement and agents' momentary capacity are ignored.
- **How fast**: assignments from this queue (conversations now in it) in the last hour per
  such agent, smoothed with a prior per channel (``PRIOR_PER_AGENT_HOUR``, the queue's slowest
  channel, worth one agent-hour of history) and floored at ``MIN_PER_AGENT_HOUR``; a queue
  without assignments in the hour uses the prior alone.
- **When**: the conversation at position *k* (0 = next, by routing rank) is answered after
  the *k* + 1 conversations up to and including it, at the queue's throughput
  (agents × rate): ``now + (k + 1) / throughput``; with nobody able, ``now + HORIZON``.

A conversation is **at risk** when that lands after the due time of its running response
clock (first response, or next response after a transfer). The clock stores the estimate and
``at_risk_since``; the conversation ``sla_at_risk``; the first flag records SLA_AT_RISK once.
An SlaPrediction row is kept whenever the estimate changes materially, so accuracy can be
measured afterwards (``accuracy``).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session
from sqlmodel import col

from core import statements as st
from core.clock import utcnow
from core.db import Database, session_tenant
from core.events import record_event
from core.lookup import get_by_id
from core.models.agent_status import AgentStatus, PresenceState
from core.models.channel import Channel
from core.models.event import ConversationEvent, EventType
from core.models.queue import Queue
from core.models.sla import SlaClock, SlaMetric, SlaPrediction
from core.models.user import AgentSkill, User
from core.routing.eligibility import meets

log = structlog.get_logger(__name__)

HISTORY = timedelta(hours=1)
HORIZON = timedelta(hours=24)
PRIOR_PER_AGENT_HOUR = {
    Channel.PHONE: 12.0,
    Channel.SOCIAL: 6.0,
    Channel.WEBFORM: 4.0,
    Channel.EMAIL: 4.0,
}
PRIOR_WEIGHT_AGENT_HOURS = 1.0
MIN_PER_AGENT_HOUR = 0.5
ON_DUTY = (PresenceState.AVAILABLE, PresenceState.BUSY, PresenceState.WRAP_UP)
MIN_SHIFT = timedelta(seconds=30)
MATERIAL_SHARE = 0.1
RESPONSE_METRICS = (SlaMetric.FIRST_RESPONSE, SlaMetric.NEXT_RESPONSE)

clock_t: sa.Table = SlaClock.__table__  # type: ignore[attr-defined]
conversation_t = st.conversation_t
_waiting: sa.ColumnElement[Any] = sa.literal_column("'waiting'")

WAITING_QUEUES = (
    sa.select(conversation_t.c.tenant_id, conversation_t.c.queue_id)
    .where(conversation_t.c.routing_state == _waiting, conversation_t.c.queue_id.is_not(None))
    .distinct()
)

QUEUE_LINE = (
    sa.select(
        conversation_t.c.id.label("conversation_id"),
        conversation_t.c.sla_at_risk,
        clock_t.c.id.label("clock_id"),
        clock_t.c.metric,
        clock_t.c.due_at,
        clock_t.c.predicted_answer_at,
        clock_t.c.at_risk_since,
    )
    .outerjoin(
        clock_t,
        sa.and_(
            clock_t.c.tenant_id == conversation_t.c.tenant_id,
            clock_t.c.conversation_id == conversation_t.c.id,
            clock_t.c.metric.in_([m.value for m in RESPONSE_METRICS]),
            clock_t.c.stopped_at.is_(None),
            clock_t.c.breached_at.is_(None),
            clock_t.c.due_at.is_not(None),
        ),
    )
    .where(
        conversation_t.c.tenant_id == st.TENANT,
        conversation_t.c.queue_id == sa.bindparam("queue_id"),
        conversation_t.c.routing_state == _waiting,
    )
    .order_by(
        conversation_t.c.routing_rank.desc().nulls_last(),
        conversation_t.c.waiting_since,
        conversation_t.c.id,
        clock_t.c.due_at,
    )
)

SET_AT_RISK = (
    sa.update(conversation_t)
    .where(conversation_t.c.tenant_id == st.TENANT, conversation_t.c.id == sa.bindparam("cid"))
    .values(sla_at_risk=sa.bindparam("at_risk"))
)
SET_PREDICTION = (
    sa.update(clock_t)
    .where(clock_t.c.tenant_id == st.TENANT, clock_t.c.id == sa.bindparam("clock"))
    .values(
        predicted_answer_at=sa.bindparam("predicted"),
        at_risk_since=sa.func.coalesce(clock_t.c.at_risk_since, sa.bindparam("flagged")),
    )
)


@dataclass(frozen=True, slots=True)
class QueueCapacity:
    """Who can answer this queue and how fast, as the forecast sees it."""

    agents: int
    assignments_last_hour: int
    per_agent_hour: float

    @property
    def per_hour(self) -> float:
        return self.agents * self.per_agent_hour

    def answer_at(self, position: int, now: datetime) -> datetime:
        """When the conversation at ``position`` (0 = next) is answered, capped at HORIZON."""
        if self.per_hour <= 0:
            return now + HORIZON
        return now + min(HORIZON, timedelta(hours=(position + 1) / self.per_hour))


def run_breach_prediction(database: Database, now: datetime | None = None) -> dict[str, int]:
    """Forecast every queue that has conversations waiting, one transaction per tenant."""
    now = now or utcnow()
    with database.system_unit() as session:
        pairs = session.connection().execute(WAITING_QUEUES).all()
    queues: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for tenant_id, queue_id in pairs:
        queues[tenant_id].append(queue_id)
    counts: Counter[str] = Counter()
    for tenant_id, queue_ids in queues.items():
        try:
            with database.tenant_unit(tenant_id) as session:
                for queue_id in sorted(queue_ids):
                    counts.update(predict_queue(session, queue_id=queue_id, now=now))
        except Exception:
            log.exception("sla.prediction_failed", tenant_id=str(tenant_id))
            counts["failed_tenants"] += 1
    return dict(counts)


def queue_capacity(session: Session, *, queue: Queue, now: datetime) -> QueueCapacity:
    agents = _able_agents(session, queue)
    assigned = session.execute(
        sa.select(sa.func.count())
        .select_from(ConversationEvent)
        .join(
            st.conversation_t,
            sa.and_(
                st.conversation_t.c.tenant_id == col(ConversationEvent.tenant_id),
                st.conversation_t.c.id == col(ConversationEvent.conversation_id),
            ),
        )
        .where(
            col(ConversationEvent.type) == EventType.ASSIGNED,
            col(ConversationEvent.occurred_at) > now - HISTORY,
            col(ConversationEvent.occurred_at) <= now,
            st.conversation_t.c.queue_id == queue.id,
        )
    ).scalar_one()
    prior = min(
        (PRIOR_PER_AGENT_HOUR[Channel(c)] for c in queue.channels),
        default=PRIOR_PER_AGENT_HOUR[Channel.EMAIL],
    )
    if assigned == 0:  # no history: an idle queue says nothing about how fast agents are
        rate = prior
    else:
        observed_hours = agents * HISTORY.total_seconds() / 3600
        weight = PRIOR_WEIGHT_AGENT_HOURS
        rate = (assigned + prior * weight) / (observed_hours + weight)
    return QueueCapacity(
        agents=agents, assignments_last_hour=assigned, per_agent_hour=max(MIN_PER_AGENT_HOUR, rate)
    )


def predict_queue(session: Session, *, queue_id: uuid.UUID, now: datetime) -> Counter[str]:
    """Forecast one queue's waiting line; writes only what changed materially."""
    queue = get_by_id(session, Queue, queue_id, noun="queue")
    capacity = queue_capacity(session, queue=queue, now=now)
    rows = st.run(session, QUEUE_LINE, {"queue_id": queue_id}).all()
    counts: Counter[str] = Counter()
    clock_updates: list[dict[str, Any]] = []
    predictions: list[SlaPrediction] = []
    risk: dict[uuid.UUID, tuple[bool, bool]] = {}  # conversation -> (flag now, flag wanted)
    positions: dict[uuid.UUID, int] = {}
    for row in rows:
        position = positions.setdefault(row.conversation_id, len(positions))
        if row.clock_id is None:
            continue
        predicted = capacity.answer_at(position, now)
        at_risk = predicted > row.due_at
        counts["forecast"] += 1
        wanted = risk.get(row.conversation_id, (row.sla_at_risk, False))[1] or at_risk
        risk[row.conversation_id] = (row.sla_at_risk, wanted)
        if not _material(row, predicted, at_risk, now):
            continue
        clock_updates.append(
            {"clock": row.clock_id, "predicted": predicted, "flagged": now if at_risk else None}
        )
        predictions.append(
            SlaPrediction(
                clock_id=row.clock_id,
                conversation_id=row.conversation_id,
                predicted_at=now,
                predicted_answer_at=predicted,
                due_at=row.due_at,
                at_risk=at_risk,
                details={
                    "position": float(position),
                    "agents": float(capacity.agents),
                    "per_agent_hour": round(capacity.per_agent_hour, 3),
                    "assignments_last_hour": float(capacity.assignments_last_hour),
                },
            )
        )
        if at_risk and row.at_risk_since is None:
            counts["at_risk"] += 1
            record_event(
                session,
                conversation_id=row.conversation_id,
                type=EventType.SLA_AT_RISK,
                data={
                    "clock_id": str(row.clock_id),
                    "metric": row.metric.value,
                    "due_at": row.due_at.isoformat(),
                    "predicted_answer_at": predicted.isoformat(),
                    "position": position,
                    "agents": capacity.agents,
                    "per_agent_hour": round(capacity.per_agent_hour, 3),
                },
                occurred_at=now,
            )
    risk_changes = [
        {"cid": cid, "at_risk": wanted} for cid, (flag, wanted) in risk.items() if flag != wanted
    ]
    tenant = {"scope_tenant_id": session_tenant(session)}
    connection = session.connection()
    if risk_changes:  # conversations before clocks: the lock order every SLA writer keeps
        connection.execute(SET_AT_RISK, [{**tenant, **change} for change in risk_changes])
    if clock_updates:
        connection.execute(SET_PREDICTION, [{**tenant, **update} for update in clock_updates])
    session.add_all(predictions)
    session.flush()
    counts["stored"] += len(predictions)
    return counts


def _material(row: Any, predicted: datetime, at_risk: bool, now: datetime) -> bool:
    """Whether the estimate differs enough from the last one stored to keep it."""
    previous: datetime | None = row.predicted_answer_at
    if previous is None or (previous > row.due_at) != at_risk:
        return True
    tolerance = max(MIN_SHIFT, (previous - now) * MATERIAL_SHARE)
    return abs(predicted - previous) > tolerance


def _able_agents(session: Session, queue: Queue) -> int:
    """On-duty agents of the queue's tier holding its required skills."""
    agents = session.execute(
        sa.select(col(User.id), col(User.languages))
        .join(AgentStatus, col(AgentStatus.id) == col(User.id))
        .where(
            col(User.active).is_(True),
            col(User.tier) == queue.tier,
            col(AgentStatus.state).in_(ON_DUTY),
        )
    ).all()
    if not queue.required_skills:
        return len(agents)
    skills: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for user_id, skill, level in session.execute(
        sa.select(col(AgentSkill.user_id), col(AgentSkill.skill), col(AgentSkill.level)).where(
            col(AgentSkill.user_id).in_([agent_id for agent_id, _ in agents])
        )
    ):
        skills[user_id][skill] = level
    return sum(
        1
        for agent_id, languages in agents
        if meets(queue.required_skills, skills=skills[agent_id], languages=languages)
    )


@dataclass(frozen=True, slots=True)
class Accuracy:
    since: datetime
    precision: float | None
    recall: float | None
    counts: dict[str, int]


def accuracy(session: Session, *, since: datetime, now: datetime | None = None) -> Accuracy:
    """How good the at-risk flags made since ``since`` were, on response clocks.

    precision: of the clocks flagged at risk whose outcome is known, the share that breached.
    recall: of the response clocks that breached in [since, now], the share flagged before.
    A clock is only forecast before it breaches, so a flag always precedes its breach.
    """
    now = now or utcnow()
    flagged = set(
        session.execute(
            sa.select(col(SlaPrediction.clock_id))
            .where(col(SlaPrediction.at_risk).is_(True), col(SlaPrediction.predicted_at) >= since)
            .distinct()
        ).scalars()
    )
    outcomes = {
        row.id: row
        for row in session.execute(
            sa.select(col(SlaClock.id), col(SlaClock.breached_at), col(SlaClock.stopped_at)).where(
                col(SlaClock.id).in_(flagged)
            )
        )
    }
    decided = {i for i, r in outcomes.items() if r.breached_at is not None or r.stopped_at}
    flagged_breached = {i for i in decided if outcomes[i].breached_at is not None}
    breaches = set(
        session.execute(
            sa.select(col(SlaClock.id)).where(
                col(SlaClock.metric).in_(RESPONSE_METRICS),
                col(SlaClock.breached_at) >= since,
                col(SlaClock.breached_at) <= now,
            )
        ).scalars()
    )
    caught = breaches & flagged
    return Accuracy(
        since=since,
        precision=len(flagged_breached) / len(decided) if decided else None,
        recall=len(caught) / len(breaches) if breaches else None,
        counts={
            "flagged": len(flagged),
            "flagged_decided": len(decided),
            "flagged_and_breached": len(flagged_breached),
            "flagged_not_breached": len(decided - flagged_breached),
            "breaches": len(breaches),
            "breaches_flagged": len(caught),
            "breaches_missed": len(breaches - flagged),
        },
    )
