"""Routing runs when something changes: the jobs that say so, written to the outbox.

``route_conversation`` (a conversation needs an agent; queued by core.conversations too) and
``route_agent`` (an agent became available or freed capacity). Both are safe to run more
often than needed: routing an already-routed conversation or a full agent does nothing.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from core import outbox
from core.conversations import ROUTE_ACTOR

ROUTE_AGENT_ACTOR = "route_agent"


def enqueue_route_conversation(session: Session, *, conversation_id: uuid.UUID) -> None:
    outbox.enqueue(session, actor=ROUTE_ACTOR, payload={"conversation_id": str(conversation_id)})


def enqueue_route_agent(session: Session, *, agent_id: uuid.UUID) -> None:
    outbox.enqueue(session, actor=ROUTE_AGENT_ACTOR, payload={"agent_id": str(agent_id)})
