"""Assigning conversations to agents within capacity (stub: the routing stream replaces this)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session


def assign(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    agent_id: uuid.UUID,
    at: datetime | None = None,
) -> bool:
    """Give the conversation to this agent if they have capacity on its channel; False if not.

    Releases a previous assignee's capacity, sets owner_id when the conversation has none,
    records ASSIGNED (no commit).
    """
    raise NotImplementedError


def release(session: Session, *, conversation_id: uuid.UUID, at: datetime | None = None) -> None:
    """Take the conversation from its assignee or pending offer, freeing capacity (no commit)."""
    raise NotImplementedError


def finish(session: Session, *, conversation_id: uuid.UUID, at: datetime | None = None) -> None:
    """The conversation was resolved or closed: free capacity, routing state DONE (no commit).

    The assignee stays recorded; a reopen puts the conversation back through routing.
    """
    raise NotImplementedError
