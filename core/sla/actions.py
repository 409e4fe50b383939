"""What a breach sets off, per its policy: notify the lead, raise priority, move queue, climb
the org tree (D15). Each action that did something is recorded as SLA_ESCALATED.

Actions run in the sweep's tenant transaction, right after the breach is marked, so they
happen exactly as often as the breach is recorded: once. Each runs in a savepoint; one that
fails is logged and reported in the result without undoing the breach or the other actions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.orm import Session

from core import outbox
from core.conversation_queries import get_conversation
from core.errors import ConflictError
from core.events import record_event
from core.handoffs import HandoffNote, escalate_org
from core.models.conversation import RoutingState
from core.models.event import EventType
from core.models.sla import BreachAction, SlaMetric, SlaPolicy
from core.routing import waiting
from core.sla.notify import NOTIFY_LEAD_ACTOR

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Breach:
    """A clock the sweep has just marked breached."""

    clock_id: uuid.UUID
    conversation_id: uuid.UUID
    metric: SlaMetric
    level: int
    target_seconds: int
    due_at: datetime
    queue_id: uuid.UUID | None  # where it was when it breached (before any action moved it)

    def describe(self) -> dict[str, Any]:
        return {
            "clock_id": str(self.clock_id),
            "conversation_id": str(self.conversation_id),
            "queue_id": str(self.queue_id) if self.queue_id else None,
            "metric": self.metric.value,
            "level": self.level,
            "target_seconds": self.target_seconds,
            "due_at": self.due_at.isoformat(),
        }


def run_breach_actions(
    session: Session, *, breach: Breach, policy: SlaPolicy, at: datetime
) -> list[dict[str, Any]]:
    """Run the policy's actions in order; one result per action."""
    results = []
    for name in policy.breach_actions:
        action = BreachAction(name)
        try:
            with session.begin_nested():
                outcome = ACTIONS[action](session, breach, policy, at)
        except ConflictError as exc:  # nothing to do: at headquarters, say
            outcome = {"done": False, "reason": str(exc)}
        except Exception as exc:
            log.exception("sla.action_failed", action=action.value, clock_id=str(breach.clock_id))
            outcome = {"done": False, "error": f"{type(exc).__name__}: {exc}"}
        if outcome.get("done"):
            record_event(
                session,
                conversation_id=breach.conversation_id,
                type=EventType.SLA_ESCALATED,
                data={"action": action.value, **breach.describe(), **outcome},
                occurred_at=at,
            )
        results.append({"action": action.value, **outcome})
    return results


def notify_lead(
    session: Session, breach: Breach, policy: SlaPolicy, at: datetime
) -> dict[str, Any]:
    """Queue the notice to the team leads of the queue it breached in (mail, and the tenant's
    webhook if it has one)."""
    job_id = outbox.enqueue(session, actor=NOTIFY_LEAD_ACTOR, payload=breach.describe())
    return {"done": True, "job_id": str(job_id)}


def raise_priority(
    session: Session, breach: Breach, policy: SlaPolicy, at: datetime
) -> dict[str, Any]:
    """One priority step up (urgent stays urgent); reranked if it is waiting."""
    conversation = get_conversation(session, conversation_id=breach.conversation_id)
    before, after = conversation.priority, conversation.priority.raised()
    if after is before:
        return {"done": False, "reason": f"already {before.value}"}
    record_event(
        session,
        conversation_id=conversation.id,
        type=EventType.PRIORITY_CHANGED,
        data={"from": before.value, "to": after.value, "by": "sla"},
        occurred_at=at,
    )
    conversation.priority = after
    conversation.updated_at = at
    session.flush()
    if conversation.routing_state is RoutingState.WAITING:
        waiting.rerank(session, conversation_id=conversation.id)
    return {"done": True, "from": before.value, "to": after.value}


def move_queue(session: Session, breach: Breach, policy: SlaPolicy, at: datetime) -> dict[str, Any]:
    """Back to waiting, in the policy's queue."""
    conversation = get_conversation(session, conversation_id=breach.conversation_id)
    target = policy.move_to_queue_id
    if target is None or conversation.queue_id == target or not conversation.status.is_open:
        return {"done": False, "reason": "already there, or nowhere to move"}
    source = conversation.queue_id
    waiting.make_waiting(session, conversation_id=conversation.id, queue_id=target, at=at)
    return {
        "done": True,
        "from_queue_id": str(source) if source else None,
        "to_queue_id": str(target),
    }


def climb_org_tree(
    session: Session, breach: Breach, policy: SlaPolicy, at: datetime
) -> dict[str, Any]:
    """Escalate one org level with a note naming the missed target.

    At headquarters escalate_org raises ConflictError: nothing climbs further.
    """
    conversation = get_conversation(session, conversation_id=breach.conversation_id)
    if not conversation.status.is_open:
        return {"done": False, "reason": f"conversation is {conversation.status.value}"}
    hours = breach.target_seconds / 3600
    note = HandoffNote(
        summary=(
            f"SLA breached: the {breach.metric.value.replace('_', ' ')} target of {hours:g} "
            f"working hours (policy {policy.name}, level {breach.level}) was missed at "
            f"{breach.due_at.isoformat()}. Subject: {conversation.subject or '(none)'}"
        ),
        tried="Escalated automatically by the SLA engine; see the timeline for what was done.",
        identity_verified=conversation.identity_verified,
    )
    handoff = escalate_org(session, conversation_id=conversation.id, note=note)
    return {
        "done": True,
        "handoff_id": str(handoff.id),
        "to_org_unit_id": str(handoff.to_org_unit_id) if handoff.to_org_unit_id else None,
        "to_queue_id": str(handoff.to_queue_id) if handoff.to_queue_id else None,
    }


ACTIONS = {
    BreachAction.NOTIFY_LEAD: notify_lead,
    BreachAction.RAISE_PRIORITY: raise_priority,
    BreachAction.MOVE_QUEUE: move_queue,
    BreachAction.ESCALATE_ORG: climb_org_tree,
}
