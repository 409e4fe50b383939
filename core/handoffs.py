"""Transfers and escalations (D2, D3, D4, D15): the conversation moves, its note travels with it.

Every hand-over writes a Handoff row with the sender's problem summary, what was tried and whether
the customer's identity was verified, so the receiving agent reads the case instead of asking the
customer again. Moving to a tier the conversation had left counts as a bounce (D2). With the
tenant's ``owner_keeps_ownership`` policy (D3), the agent who first took the conversation stays
its owner through every hand-over.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.conversation_queries import get_conversation
from core.errors import ConflictError, FieldProblem, InvalidInputError
from core.events import record_event
from core.lookup import get_by_id, get_referenced
from core.models.conversation import Conversation
from core.models.event import EventType
from core.models.handoff import Handoff, HandoffKind
from core.models.org_unit import OrgUnit
from core.models.queue import Queue
from core.models.user import Role, Tier, User
from core.routing import assignment, waiting
from core.routing.policy import get_policy
from core.sla import hooks as sla_hooks

NEXT_TIER = {Tier.L1: Tier.L2, Tier.L2: Tier.L3}
MAX_NOTE_CHARS = 4000


@dataclass(frozen=True, slots=True)
class HandoffNote:
    """What the receiving side must know (D2)."""

    summary: str
    tried: str = ""
    identity_verified: bool = False


def transfer(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    note: HandoffNote,
    to_agent_id: uuid.UUID | None = None,
    to_queue_id: uuid.UUID | None = None,
    actor_user_id: uuid.UUID | None = None,
) -> Handoff:
    """Hand the conversation to one agent (who must have capacity) or to a queue (no commit)."""
    if (to_agent_id is None) == (to_queue_id is None):
        raise InvalidInputError(
            "transfer needs one target",
            [FieldProblem("to_agent_id", "give exactly one of to_agent_id and to_queue_id")],
        )
    conversation = _open_conversation(session, conversation_id)
    _check_note(note)
    if to_queue_id is not None:
        queue = get_referenced(session, Queue, to_queue_id, field="to_queue_id", noun="queue")
        _check_queue_serves(queue, conversation, field="to_queue_id")
        if queue.id == conversation.queue_id and conversation.assignee_id is None:
            raise ConflictError("the conversation is already waiting in that queue")
        return _move_to_queue(
            session, conversation, queue, note, HandoffKind.TRANSFER, actor_user_id
        )

    assert to_agent_id is not None
    agent = get_referenced(session, User, to_agent_id, field="to_agent_id", noun="user")
    if not agent.active or Role.AGENT.value not in agent.roles or agent.tier is None:
        raise InvalidInputError(
            "not an agent", [FieldProblem("to_agent_id", "must be an active agent with a tier")]
        )
    if agent.id == conversation.assignee_id:
        raise ConflictError("the conversation is already with that agent")
    now = utcnow()
    handoff = _record(
        session, conversation, HandoffKind.TRANSFER, note, actor_user_id, now,
        to_agent_id=agent.id, to_queue_id=conversation.queue_id, to_tier=agent.tier,
        to_org_unit_id=agent.org_unit_id,
    )  # fmt: skip
    previous_owner = conversation.owner_id
    _leave_tier(session, conversation, agent.tier, now)
    if not assignment.assign(session, conversation_id=conversation.id, agent_id=agent.id, at=now):
        raise ConflictError(
            f"agent {agent.id} is not available or has no capacity on {conversation.channel.value}"
        )
    _after_move(session, conversation, handoff, previous_owner, actor_user_id, now)
    return handoff


def escalate_tier(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    note: HandoffNote,
    actor_user_id: uuid.UUID | None = None,
) -> Handoff:
    """Move up one tier (L1 → L2 → L3) to a queue of that tier serving the channel (no commit).

    Prefers a queue in the same org unit as the current one, then any, by name.
    """
    conversation = _open_conversation(session, conversation_id)
    _check_note(note)
    target_tier = NEXT_TIER.get(conversation.tier)
    if target_tier is None:
        raise ConflictError(f"{conversation.tier.value} is the highest tier")
    current_unit = _queue_org_unit(session, conversation)
    candidates = [
        queue for queue in _active_queues_for(session, conversation) if queue.tier is target_tier
    ]
    candidates.sort(key=lambda q: (q.org_unit_id != current_unit, q.name))
    if not candidates:
        raise ConflictError(
            f"no active {target_tier.value} queue serves {conversation.channel.value}"
        )
    return _move_to_queue(
        session, conversation, candidates[0], note, HandoffKind.ESCALATION_TIER, actor_user_id
    )


def escalate_org(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    note: HandoffNote,
    actor_user_id: uuid.UUID | None = None,
) -> Handoff:
    """Move up the org tree, site → region → headquarters (D4, D15), starting that level's clock.

    The target is an active queue of the parent org unit serving the channel, same tier first.
    Raises ConflictError at headquarters or when the parent has no such queue.
    """
    conversation = _open_conversation(session, conversation_id)
    _check_note(note)
    unit_id = _queue_org_unit(session, conversation)
    if unit_id is None:
        raise ConflictError("the conversation's queue belongs to no org unit")
    unit = get_by_id(session, OrgUnit, unit_id, noun="org unit")
    if unit.parent_id is None:
        raise ConflictError(f"{unit.name} is the top of the organisation")
    candidates = [
        queue
        for queue in _active_queues_for(session, conversation)
        if queue.org_unit_id == unit.parent_id
    ]
    candidates.sort(key=lambda q: (q.tier is not conversation.tier, q.name))
    if not candidates:
        parent = get_by_id(session, OrgUnit, unit.parent_id, noun="org unit")
        raise ConflictError(f"no active queue of {parent.name} serves {conversation.channel.value}")
    handoff = _move_to_queue(
        session, conversation, candidates[0], note, HandoffKind.ESCALATION_ORG, actor_user_id
    )
    sla_hooks.escalated_org(session, conversation_id=conversation.id, at=handoff.created_at)
    return handoff


def list_handoffs(session: Session, *, conversation_id: uuid.UUID) -> list[Handoff]:
    """The conversation's hand-overs, newest first: the receiving agent reads the top one."""
    get_conversation(session, conversation_id=conversation_id)
    return list(
        session.execute(
            sa.select(Handoff)
            .where(col(Handoff.conversation_id) == conversation_id)
            .order_by(col(Handoff.id).desc())
        ).scalars()
    )


def mark_read(session: Session, *, handoff_id: uuid.UUID) -> Handoff:
    """The receiving agent has read the note; the first reading time is kept."""
    handoff = get_by_id(session, Handoff, handoff_id, noun="handoff")
    if handoff.read_at is None:
        handoff.read_at = utcnow()
        session.flush()
    return handoff


def _move_to_queue(
    session: Session,
    conversation: Conversation,
    queue: Queue,
    note: HandoffNote,
    kind: HandoffKind,
    actor_user_id: uuid.UUID | None,
) -> Handoff:
    now = utcnow()
    handoff = _record(
        session, conversation, kind, note, actor_user_id, now,
        to_agent_id=None, to_queue_id=queue.id, to_tier=queue.tier,
        to_org_unit_id=queue.org_unit_id,
    )  # fmt: skip
    previous_owner = conversation.owner_id
    _leave_tier(session, conversation, queue.tier, now)
    waiting.make_waiting(session, conversation_id=conversation.id, queue_id=queue.id, at=now)
    _after_move(session, conversation, handoff, previous_owner, actor_user_id, now)
    return handoff


def _record(
    session: Session,
    conversation: Conversation,
    kind: HandoffKind,
    note: HandoffNote,
    actor_user_id: uuid.UUID | None,
    now: datetime,
    *,
    to_agent_id: uuid.UUID | None,
    to_queue_id: uuid.UUID | None,
    to_tier: Tier,
    to_org_unit_id: uuid.UUID | None,
) -> Handoff:
    handoff = Handoff(
        conversation_id=conversation.id,
        kind=kind,
        summary=note.summary.strip(),
        tried=note.tried.strip(),
        identity_verified=note.identity_verified,
        from_agent_id=conversation.assignee_id,
        to_agent_id=to_agent_id,
        from_queue_id=conversation.queue_id,
        to_queue_id=to_queue_id,
        from_tier=conversation.tier,
        to_tier=to_tier,
        from_org_unit_id=_queue_org_unit(session, conversation),
        to_org_unit_id=to_org_unit_id,
        actor_user_id=actor_user_id,
        created_at=now,
    )
    session.add(handoff)
    session.flush()
    return handoff


def _leave_tier(session: Session, conversation: Conversation, target: Tier, now: datetime) -> None:
    """Track tiers left behind; entering one of them again is a bounce (D2)."""
    source = conversation.tier
    if target is source:
        return
    left = list(conversation.tiers_left)
    if target.value in left:
        conversation.bounce_count += 1
        record_event(
            session,
            conversation_id=conversation.id,
            type=EventType.BOUNCED,
            data={"from_tier": source.value, "to_tier": target.value,
                  "bounce_count": conversation.bounce_count},
            occurred_at=now,
        )  # fmt: skip
    if source.value not in left:
        left.append(source.value)
    conversation.tiers_left = left
    conversation.tier = target
    session.flush()  # routing reads and writes the row with Core statements next


def _after_move(
    session: Session,
    conversation: Conversation,
    handoff: Handoff,
    previous_owner: uuid.UUID | None,
    actor_user_id: uuid.UUID | None,
    now: datetime,
) -> None:
    """Counters, the timeline event, and ownership as the tenant's policy says (D3)."""
    session.refresh(conversation)
    data = {
        "handoff_id": str(handoff.id),
        "kind": handoff.kind.value,
        "from_queue_id": handoff.from_queue_id,
        "to_queue_id": handoff.to_queue_id,
        "from_agent_id": handoff.from_agent_id,
        "to_agent_id": handoff.to_agent_id,
        "from_tier": handoff.from_tier.value if handoff.from_tier else None,
        "to_tier": handoff.to_tier.value if handoff.to_tier else None,
    }
    if handoff.kind is HandoffKind.TRANSFER:
        conversation.transfer_count += 1
        event_type = EventType.TRANSFERRED
    else:
        conversation.escalation_count += 1
        event_type = EventType.ESCALATED
        data["to_org_unit_id"] = handoff.to_org_unit_id
    record_event(
        session,
        conversation_id=conversation.id,
        type=event_type,
        actor_user_id=actor_user_id,
        data=data,
        occurred_at=now,
    )
    keeps = get_policy(session).owner_keeps_ownership
    # Keeping: the first owner stays (or whoever assignment just made owner of an unowned one).
    new_owner = (previous_owner or conversation.owner_id) if keeps else handoff.to_agent_id
    if new_owner != conversation.owner_id:
        record_event(
            session,
            conversation_id=conversation.id,
            type=EventType.OWNER_CHANGED,
            actor_user_id=actor_user_id,
            data={"from": conversation.owner_id, "to": new_owner},
            occurred_at=now,
        )
        conversation.owner_id = new_owner
    conversation.updated_at = now
    session.flush()


def _open_conversation(session: Session, conversation_id: uuid.UUID) -> Conversation:
    conversation = get_conversation(session, conversation_id=conversation_id)
    if not conversation.status.is_open:
        raise ConflictError(f"the conversation is {conversation.status.value}; reopen it first")
    return conversation


def _check_note(note: HandoffNote) -> None:
    problems = []
    if not note.summary.strip():
        problems.append(FieldProblem("summary", "describe the problem for the receiving agent"))
    for field, text in (("summary", note.summary), ("tried", note.tried)):
        if len(text) > MAX_NOTE_CHARS:
            problems.append(FieldProblem(field, f"at most {MAX_NOTE_CHARS} characters"))
    if problems:
        raise InvalidInputError("a hand-over needs its note", problems)


def _check_queue_serves(queue: Queue, conversation: Conversation, *, field: str) -> None:
    if not queue.active or conversation.channel.value not in queue.channels:
        raise InvalidInputError(
            "queue cannot take it",
            [FieldProblem(field, f"must be an active queue serving {conversation.channel.value}")],
        )


def _active_queues_for(session: Session, conversation: Conversation) -> list[Queue]:
    queues = session.execute(sa.select(Queue).where(col(Queue.active).is_(True))).scalars()
    return [queue for queue in queues if conversation.channel.value in queue.channels]


def _queue_org_unit(session: Session, conversation: Conversation) -> uuid.UUID | None:
    if conversation.queue_id is None:
        return None
    return session.execute(
        sa.select(col(Queue.org_unit_id)).where(col(Queue.id) == conversation.queue_id)
    ).scalar_one_or_none()
