"""Reading calls: the interaction list and detail, and the wait a queued caller is told."""

from __future__ import annotations

import math
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.lookup import get_by_id
from core.models.interaction import Interaction, InteractionState
from core.models.queue import Queue
from core.pagination import Page, paginate
from core.sla.prediction import queue_capacity


def get_interaction(session: Session, *, interaction_id: uuid.UUID) -> Interaction:
    """The interaction; NotFoundError if this tenant has none with that id."""
    return get_by_id(session, Interaction, interaction_id, noun="interaction")


def list_interactions(
    session: Session,
    *,
    conversation_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    agent_id: uuid.UUID | None = None,
    state: InteractionState | None = None,
    abandoned: bool | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Interaction]:
    """Interactions newest first; every filter narrows."""
    query = sa.select(Interaction)
    for column, value in (
        (col(Interaction.conversation_id), conversation_id),
        (col(Interaction.contact_id), contact_id),
        (col(Interaction.agent_id), agent_id),
        (col(Interaction.state), state),
        (col(Interaction.abandoned), abandoned),
    ):
        if value is not None:
            query = query.where(column == value)
    return paginate(session, query, col(Interaction.id), limit=limit, cursor=cursor)


def estimated_wait_minutes(
    session: Session, *, queue_id: uuid.UUID | None, position: int, at: datetime
) -> int | None:
    """Minutes until the caller at ``position`` (1 = next) is answered, by the SLA engine's
    forecast of the queue's throughput (agents able to answer × their recent rate); None
    when the queue is unknown or nobody can answer it now."""
    if queue_id is None:
        return None
    queue = session.execute(sa.select(Queue).where(col(Queue.id) == queue_id)).scalar_one_or_none()
    if queue is None:
        return None
    capacity = queue_capacity(session, queue=queue, now=at)
    if capacity.per_hour <= 0:
        return None
    seconds = (capacity.answer_at(max(0, position - 1), at) - at).total_seconds()
    return max(1, math.ceil(seconds / 60))
