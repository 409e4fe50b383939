"""Routing runs when something changes: the jobs that say so, written to the outbox.

``route_conversation`` (a conversation needs an agent; queued by core.conversations too) and
``route_agent`` (an agent became available or freed capacity). Both are safe to run more
often than needed: routing an already-routed conversation or a full agent does nothing.
``bridge_call``: a phone conversation became an agent's; the phone channel connects a caller
waiting on it to that agent (routing knows only the job's name; without a waiting call the
job does nothing).
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from core import outbox
from core.conversations import ROUTE_ACTOR
from core.models.channel import Channel

ROUTE_AGENT_ACTOR = "route_agent"
BRIDGE_CALL_ACTOR = "bridge_call"


def enqueue_route_conversation(session: Session, *, conversation_id: uuid.UUID) -> None:
    outbox.enqueue(session, actor=ROUTE_ACTOR, payload={"conversation_id": str(conversation_id)})


def enqueue_route_agent(session: Session, *, agent_id: uuid.UUID) -> None:
    outbox.enqueue(session, actor=ROUTE_AGENT_ACTOR, payload={"agent_id": str(agent_id)})


def enqueue_bridge_call(
    session: Session, *, conversation_id: uuid.UUID, agent_id: uuid.UUID, channel: Channel
) -> None:
    """A conversation became the agent's: a call waiting on it is to be bridged (phone only)."""
    if channel is Channel.PHONE:
        outbox.enqueue(
            session,
            actor=BRIDGE_CALL_ACTOR,
            payload={"conversation_id": str(conversation_id), "agent_id": str(agent_id)},
        )
