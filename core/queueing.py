"""Placing a conversation in a queue, the first step of routing it (core.routing.router).

A conversation goes to the active queue that serves its channel at its tier, else to any active
queue that serves its channel, else nowhere (it stays visible as unqueued).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.conversation_queries import get_conversation
from core.events import record_event
from core.models.channel import Channel
from core.models.conversation import Conversation
from core.models.event import EventType
from core.models.queue import Queue
from core.models.user import Tier


def place_in_queue(session: Session, *, conversation_id: uuid.UUID) -> uuid.UUID | None:
    """The conversation's queue, choosing one if it has none yet (no commit).

    Idempotent: a queued conversation keeps its queue and gets no second QUEUED event, even
    when two placements race. Returns None when no active queue serves the channel; raises
    NotFoundError for an unknown conversation.
    """
    conversation = get_conversation(session, conversation_id=conversation_id)
    if conversation.queue_id is not None:
        return conversation.queue_id

    queue_id = choose_queue(session, channel=conversation.channel, tier=conversation.tier)
    if queue_id is None:
        return None
    placed = session.execute(
        sa.update(Conversation)
        .where(col(Conversation.id) == conversation_id, col(Conversation.queue_id).is_(None))
        .values(queue_id=queue_id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if placed.rowcount == 0:  # type: ignore[attr-defined]  # a concurrent placement won
        won: uuid.UUID | None = session.execute(
            sa.select(col(Conversation.queue_id)).where(col(Conversation.id) == conversation_id)
        ).scalar_one()
        return won
    record_event(
        session,
        conversation_id=conversation_id,
        type=EventType.QUEUED,
        data={"queue_id": str(queue_id)},
    )
    return queue_id


def choose_queue(session: Session, *, channel: Channel, tier: Tier) -> uuid.UUID | None:
    """The active queue for this channel and tier, by name when several fit."""
    queues = session.execute(
        sa.select(Queue).where(col(Queue.active).is_(True)).order_by(col(Queue.name))
    ).scalars()
    serving = [queue for queue in queues if channel.value in queue.channels]
    same_tier = [queue for queue in serving if queue.tier == tier]
    candidates = same_tier or serving
    return candidates[0].id if candidates else None
