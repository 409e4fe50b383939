"""Putting conversations in line for an agent (stub: the routing stream replaces this)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session


def make_waiting(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    queue_id: uuid.UUID | None,
    at: datetime | None = None,
) -> None:
    """(Re)queue: release any assignee or offer (freeing their capacity), set the queue, state
    WAITING, waiting_since, required skills and rank, and enqueue a routing job (no commit)."""
    raise NotImplementedError


def rerank(session: Session, *, conversation_id: uuid.UUID) -> None:
    """Recompute the stored rank after priority, value tier or SLA due time changed."""
    raise NotImplementedError
